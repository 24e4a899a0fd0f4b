/*
 * scratchnet.h — the C API of ScratchNet: build, train, run, save and load
 * small neural networks from C, C++ or any language with a C FFI.
 *
 * A five-minute tour
 * ------------------
 *     scratchnet_model *m = NULL;
 *     if (scratchnet_model_create("two-layer", 42, 100, &m) != SCRATCHNET_OK) {
 *         fprintf(stderr, "%s\n", scratchnet_last_error());
 *         return 1;
 *     }
 *     float loss;
 *     scratchnet_model_train_step(m, images, labels, 100, 0.1f, &loss); // 100 samples
 *     scratchnet_model_predict(m, images, 100, probs, 100 * 10);        // probs[i*10 + c]
 *     scratchnet_model_free(m);
 *
 * Conventions
 * -----------
 * - Every function returns a status: SCRATCHNET_OK (0) or an error code
 *   below. On failure, scratchnet_last_error() returns a one-line message
 *   naming the function and the cause; it belongs to the calling thread and
 *   stays valid until that thread's next failing call. A call on a model
 *   also records the message on the model (scratchnet_model_last_error).
 * - The library never prints and never exits; a NULL or out-of-range
 *   argument gives SCRATCHNET_ERROR_INVALID_ARGUMENT, not a crash.
 * - A model is an opaque handle. One model must not be used by two threads
 *   at once; different models may be. All of a model's memory (weights,
 *   gradients, activations for up to max_batch samples) is allocated when
 *   it is created: a training step or prediction allocates nothing.
 * - Inputs are row-major float32: sample after sample, each sample
 *   input_size floats (for the image presets: 1×28×28 pixels in [0, 1]).
 *   Labels are int32 class indices in [0, classes).
 *
 * Linking (Linux): build with `swift build -c release --product ScratchNetC`
 * (static, libScratchNetC.a) or `--product ScratchNetCShared` (shared,
 * libScratchNetCShared.so). See Examples/c-embed/Makefile for the link lines.
 */
#ifndef SCRATCHNET_H
#define SCRATCHNET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every function. */
#define SCRATCHNET_OK                     0 /* success */
#define SCRATCHNET_ERROR_INVALID_ARGUMENT 1 /* NULL pointer, bad size, label out of range, ... */
#define SCRATCHNET_ERROR_INVALID_SPEC     2 /* unknown preset, malformed JSON, impossible shapes */
#define SCRATCHNET_ERROR_OUT_OF_MEMORY    3 /* the system refused the model's memory */
#define SCRATCHNET_ERROR_IO               4 /* a file could not be read or written, or is malformed */
#define SCRATCHNET_ERROR_NOT_SUPPORTED    5 /* this build cannot do that */
#define SCRATCHNET_ERROR_DIVERGED         6 /* the loss became NaN or infinite: lower the learning rate */
#define SCRATCHNET_ERROR_INTERNAL         7 /* a bug in ScratchNet: please report it */

/* A network with its weights, gradients and buffers. Opaque. */
typedef struct scratchnet_model scratchnet_model;

/* The library version, e.g. "0.1.0". Never NULL; owned by the library. */
const char *scratchnet_version(void);

/* The message of the calling thread's last failed call, or "" if none.
 * Never NULL; valid until the thread's next failing call. */
const char *scratchnet_last_error(void);

/* The message of the last failed call on `model`, or "" if none (or if
 * `model` is NULL). Valid until the next failing call on `model`. */
const char *scratchnet_model_last_error(const scratchnet_model *model);

/* Sets how many threads `model`'s kernels use from its next call on
 * (default 1); other models keep their own count. `threads` must be >= 1. */
int scratchnet_model_set_threads(scratchnet_model *model, int threads);

/* How many threads `model`'s kernels use, into *threads. */
int scratchnet_model_threads(const scratchnet_model *model, int *threads);

/* Creates a model.
 * spec:      a preset name ("two-layer": 784-100-10 with ReLU; "mlp":
 *            784-256-256-256-10; both for 1×28×28 inputs and 10 classes)
 *            or a JSON network spec, e.g.
 *            {"inputShape":[4],"layers":[{"affine":{"outputs":16}},{"relu":{}},
 *             {"affine":{"outputs":3}}],"initializer":{"he":{}},"weightDecay":0}
 * seed:      fixes the initial weights (same seed, same weights).
 * max_batch: the largest batch scratchnet_model_train_step will be given
 *            (predictions of any size are run in chunks of it).
 * out:       receives the model on success, NULL on failure.
 * Errors: INVALID_ARGUMENT, INVALID_SPEC, OUT_OF_MEMORY. */
int scratchnet_model_create(const char *spec, uint64_t seed, int max_batch, scratchnet_model **out);

/* Loads a model file (safetensors, as written by scratchnet_model_save or
 * `scratchnet train --save`): architecture and weights.
 * max_batch and out as for scratchnet_model_create.
 * Errors: INVALID_ARGUMENT, IO (missing, unreadable or malformed file),
 * NOT_SUPPORTED (a build without model files). */
int scratchnet_model_load(const char *path, int max_batch, scratchnet_model **out);

/* Imports an ONNX model (e.g. written by torch.onnx.export) as a model:
 * a chain of Gemm / MatMul+Add, Conv, BatchNormalization, MaxPool, Flatten
 * (or Reshape to (batch, features)), Relu, Sigmoid, Tanh, Dropout and
 * Identity nodes, optionally ending in Softmax (the model's own softmax);
 * Docs/ONNX.md lists the exact forms. Inputs are then fed as for any model
 * (pixels in [0, 1]); save it with scratchnet_model_save to reuse it.
 * max_batch and out as for scratchnet_model_create.
 * Errors: INVALID_ARGUMENT, IO (missing, unreadable or malformed file, or
 * shapes that do not fit), NOT_SUPPORTED (an operator or attribute with no
 * exact ScratchNet equivalent: the message names it and its node),
 * INVALID_SPEC, OUT_OF_MEMORY. */
int scratchnet_model_import_onnx(const char *path, int max_batch, scratchnet_model **out);

/* Saves `model` (architecture and weights) to `path` as a safetensors file,
 * atomically: a crash leaves either the old file or the new one.
 * Errors: INVALID_ARGUMENT, IO, NOT_SUPPORTED (a build without model files). */
int scratchnet_model_save(const scratchnet_model *model, const char *path);

/* Frees `model` and everything it holds. NULL is allowed (and does nothing).
 * Always returns SCRATCHNET_OK. */
int scratchnet_model_free(scratchnet_model *model);

/* Writes the floats per input sample, the number of classes, and
 * max_batch. Any output pointer may be NULL. Errors: INVALID_ARGUMENT. */
int scratchnet_model_info(const scratchnet_model *model, int64_t *input_size, int64_t *classes,
                          int64_t *max_batch);

/* Inference: class probabilities (softmax of the logits) of `batch` samples.
 * inputs:          batch × input_size floats.
 * outputs:         caller-owned, receives batch × classes floats, row after row.
 * output_capacity: how many floats `outputs` holds (checked).
 * A batch of 0 does nothing. The first call after loading or after a training
 * step also transforms the 3×3 convolution weights for Winograd once (kept
 * in the model's memory), so later calls, one sample at a time included, skip it.
 * Errors: INVALID_ARGUMENT. */
int scratchnet_model_predict(scratchnet_model *model, const float *inputs, int64_t batch,
                             float *outputs, int64_t output_capacity);

/* One step of stochastic gradient descent on one batch: forward, softmax
 * cross-entropy loss averaged over the batch, backward, w -= lr·grad.
 * inputs: batch × input_size floats; labels: batch class indices.
 * batch:  1 ... max_batch.   learning_rate: > 0 (the book uses 0.01-0.1).
 * loss:   receives the batch's mean loss before the update (may be NULL).
 * Errors: INVALID_ARGUMENT (bad batch, learning rate or label: nothing is
 * changed), DIVERGED (the loss is not finite: the weights are unusable). */
int scratchnet_model_train_step(scratchnet_model *model, const float *inputs, const int32_t *labels,
                                int64_t batch, float learning_rate, float *loss);

#ifdef __cplusplus
}
#endif

#endif /* SCRATCHNET_H */
