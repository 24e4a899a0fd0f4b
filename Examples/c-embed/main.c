/*
 * Trains a tiny network through ScratchNet's C API and checks that it learned.
 *
 * The task: points (x, y) in [-1, 1]² labelled by quadrant-ish rule
 * (class 0: x·y > 0, class 1: x·y <= 0) — not linearly separable, so the
 * hidden layer has to work. Exits 0 only if every check passes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratchnet.h"

#define CHECK(call)                                                                   \
    do {                                                                              \
        int status_ = (call);                                                         \
        if (status_ != SCRATCHNET_OK) {                                               \
            fprintf(stderr, "%s failed (%d): %s\n", #call, status_, scratchnet_last_error()); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

enum { BATCH = 64, SAMPLES = 2048, CLASSES = 2, FEATURES = 2 };

static const char *spec =
    "{\"inputShape\":[2],\"layers\":[{\"affine\":{\"outputs\":32}},{\"relu\":{}},"
    "{\"affine\":{\"outputs\":2}}],\"initializer\":{\"he\":{}},\"weightDecay\":0}";

/* A small xorshift generator so the example needs nothing but libc. */
static uint32_t rng_state = 12345;
static float uniform(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (float)(rng_state >> 8) / 16777216.0f * 2.0f - 1.0f;
}

static float accuracy(scratchnet_model *m, const float *x, const int32_t *y, int n, float *probs) {
    if (scratchnet_model_predict(m, x, n, probs, (int64_t)n * CLASSES) != SCRATCHNET_OK) return -1;
    int correct = 0;
    for (int i = 0; i < n; i++) correct += ((probs[i * 2 + 1] > probs[i * 2]) ? 1 : 0) == y[i];
    return (float)correct / (float)n;
}

int main(void) {
    printf("scratchnet %s\n", scratchnet_version());
    static float x[SAMPLES * FEATURES], probs[SAMPLES * CLASSES];
    static int32_t y[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
        x[2 * i] = uniform();
        x[2 * i + 1] = uniform();
        y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 0 : 1;
    }

    /* Errors are codes plus a message, never a crash or a print. */
    scratchnet_model *bad = NULL;
    int status = scratchnet_model_create("no-such-preset", 1, 8, &bad);
    if (status != SCRATCHNET_ERROR_INVALID_SPEC || bad != NULL || strstr(scratchnet_last_error(), "no-such-preset") == NULL) {
        fprintf(stderr, "an unknown preset should give INVALID_SPEC, got %d (%s)\n", status, scratchnet_last_error());
        return 1;
    }
    printf("unknown preset -> %d: %s\n", status, scratchnet_last_error());

    scratchnet_model *m = NULL;
    CHECK(scratchnet_model_create(spec, 42, BATCH, &m));
    int64_t input_size, classes, max_batch;
    CHECK(scratchnet_model_info(m, &input_size, &classes, &max_batch));
    printf("model: %lld inputs, %lld classes, max batch %lld\n", (long long)input_size, (long long)classes,
           (long long)max_batch);

    int32_t bad_labels[BATCH] = {0};
    bad_labels[3] = 7;
    status = scratchnet_model_train_step(m, x, bad_labels, BATCH, 0.1f, NULL);
    if (status != SCRATCHNET_ERROR_INVALID_ARGUMENT) {
        fprintf(stderr, "label 7 of 2 classes should be refused, got %d\n", status);
        return 1;
    }
    printf("label out of range -> %d: %s\n", status, scratchnet_model_last_error(m));

    float before = accuracy(m, x, y, SAMPLES, probs);
    float first_loss = 0, loss = 0;
    for (int epoch = 0; epoch < 30; epoch++) {
        for (int start = 0; start < SAMPLES; start += BATCH) {
            CHECK(scratchnet_model_train_step(m, x + start * FEATURES, y + start, BATCH, 0.1f, &loss));
            if (epoch == 0 && start == 0) first_loss = loss;
        }
    }
    float after = accuracy(m, x, y, SAMPLES, probs);
    printf("loss %.4f -> %.4f, accuracy %.1f%% -> %.1f%%\n", first_loss, loss, before * 100, after * 100);
    if (!(after >= 0.9f && loss < first_loss)) {
        fprintf(stderr, "the network did not learn (accuracy %.3f, loss %.4f -> %.4f)\n", after, first_loss, loss);
        return 1;
    }
    for (int i = 0; i < SAMPLES; i++) {
        float sum = probs[2 * i] + probs[2 * i + 1];
        if (fabsf(sum - 1.0f) > 1e-5f) {
            fprintf(stderr, "probabilities of sample %d sum to %f\n", i, sum);
            return 1;
        }
    }

    /* Save and load back: the loaded model must predict the same. */
    const char *path = getenv("SCRATCHNET_EMBED_MODEL");
    if (path == NULL) path = "c-embed-model.safetensors";
    status = scratchnet_model_save(m, path);
    if (status == SCRATCHNET_ERROR_NOT_SUPPORTED) {
        printf("save -> not supported in this build: %s\n", scratchnet_last_error());
    } else {
        CHECK(status);
        scratchnet_model *loaded = NULL;
        CHECK(scratchnet_model_load(path, BATCH, &loaded));
        static float probs2[SAMPLES * CLASSES];
        CHECK(scratchnet_model_predict(loaded, x, SAMPLES, probs2, SAMPLES * CLASSES));
        if (memcmp(probs, probs2, sizeof probs) != 0) {
            fprintf(stderr, "the loaded model predicts differently\n");
            return 1;
        }
        printf("saved to %s and loaded back: identical predictions\n", path);
        CHECK(scratchnet_model_free(loaded));
        remove(path);
    }
    CHECK(scratchnet_model_free(m));
    printf("c-embed: all checks passed\n");
    return 0;
}
