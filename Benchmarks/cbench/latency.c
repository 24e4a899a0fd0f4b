// Single-sample latency through ScratchNet's C API, as an embedding tool
// calls it: one model handle made once (max_batch 1), then one
// scratchnet_model_predict per sample, each timed with CLOCK_MONOTONIC.
// The model's memory is all allocated at creation; a predict call allocates
// nothing and starts no thread (the OpenMP pool is made by the warm-up).
//
// Usage: latency MODEL [threads] [calls]
//   MODEL: a model file (*.safetensors) or a preset name ("two-layer",
//          "mlp", "simple-cnn", ...: random weights, the same work).
// Prints a human line and, last, one JSON line:
//   {"model": ..., "threads": T, "calls": N, "p50_us": ..., "p99_us": ..., "mean_us": ...}
// Inputs are deterministic pseudo-random pixels in [0, 1] (the work does
// not depend on them); the warm-up is 200 calls.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scratchnet.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [threads] [calls]\n", argv[0]);
        return 64;
    }
    const char *model_name = argv[1];
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    int calls = argc > 3 ? atoi(argv[3]) : 5000;
    if (threads < 1 || calls < 1) {
        fprintf(stderr, "threads and calls must be >= 1\n");
        return 64;
    }
    scratchnet_model *model = NULL;
    size_t len = strlen(model_name);
    int status = len > 12 && strcmp(model_name + len - 12, ".safetensors") == 0
        ? scratchnet_model_load(model_name, 1, &model)
        : scratchnet_model_create(model_name, 42, 1, &model);
    if (status != SCRATCHNET_OK) {
        fprintf(stderr, "%s\n", scratchnet_last_error());
        return 1;
    }
    if (scratchnet_model_set_threads(model, threads) != SCRATCHNET_OK) {
        fprintf(stderr, "%s\n", scratchnet_model_last_error(model));
        return 1;
    }
    int64_t input_size = 0, classes = 0;
    scratchnet_model_info(model, &input_size, &classes, NULL);

    enum { samples = 64 };
    float *inputs = malloc(sizeof(float) * (size_t)(input_size * samples));
    float *outputs = malloc(sizeof(float) * (size_t)classes);
    double *laps = malloc(sizeof(double) * (size_t)calls);
    if (!inputs || !outputs || !laps) return 71;
    uint32_t state = 12345;
    for (int64_t i = 0; i < input_size * samples; i++) {
        state = state * 1664525u + 1013904223u;
        inputs[i] = (float)(state >> 8) / 16777216.0f;
    }
    for (int i = 0; i < 200; i++) {
        scratchnet_model_predict(model, inputs + (i % samples) * input_size, 1, outputs, classes);
    }
    for (int i = 0; i < calls; i++) {
        const float *x = inputs + (i % samples) * input_size;
        double start = now_us();
        status = scratchnet_model_predict(model, x, 1, outputs, classes);
        laps[i] = now_us() - start;
        if (status != SCRATCHNET_OK) {
            fprintf(stderr, "%s\n", scratchnet_model_last_error(model));
            return 1;
        }
    }
    double sum = 0;
    for (int i = 0; i < calls; i++) sum += laps[i];
    qsort(laps, (size_t)calls, sizeof(double), compare);
    double p50 = laps[calls / 2], p99 = laps[(int)((double)calls * 0.99) < calls ? (int)((double)calls * 0.99) : calls - 1];
    printf("%s: %d thread(s), %d calls of batch 1: p50 %.1f us, p99 %.1f us, mean %.1f us\n",
           model_name, threads, calls, p50, p99, sum / calls);
    printf("{\"model\": \"%s\", \"threads\": %d, \"calls\": %d, \"p50_us\": %.2f, \"p99_us\": %.2f, \"mean_us\": %.2f}\n",
           model_name, threads, calls, p50, p99, sum / calls);
    scratchnet_model_free(model);
    free(inputs);
    free(outputs);
    free(laps);
    return 0;
}
