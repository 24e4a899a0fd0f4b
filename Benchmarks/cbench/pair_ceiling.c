/*
 * pair_ceiling.c — how much a second thread can add on this machine, with
 * nothing shared: one thread multiplying alone, then two threads each
 * multiplying their own matrices at the same time, alternated round by round.
 * Prints each round's pair total over the solo rate and the median.
 *
 * Why: a 2-thread speed-up target (a training step at 2 threads >= 1.8x its
 * 1-thread speed) assumes the machine gives a second thread a core of its
 * own. A shared VM may not: two independent products can total anywhere from
 * about 1.1x to 2.5x one product alone, depending on the moment. Run this
 * before trusting a 2-thread figure.
 *
 *     Benchmarks/cbench/run_pair_ceiling.sh [ROUNDS] [N]
 *
 * Each thread runs N x N x N products (sn_sgemm on one thread; 512 by
 * default, ~4 ms each here) for about 0.2 s per round.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "ckernels.h"
#include "bench_util.h"

typedef struct {
    int n, calls;
    float *a, *b, *c;
    pthread_barrier_t *start;
    double gflops;
} worker;

static void *run(void *arg) {
    worker *w = arg;
    if (w->start) pthread_barrier_wait(w->start);
    double t0 = bench_now();
    for (int i = 0; i < w->calls; i++)
        sn_sgemm(1, 0, 0, w->n, w->n, w->n, 1.0f, w->a, w->n, w->b, w->n, 0.0f, w->c, w->n);
    w->gflops = 2.0 * w->n * w->n * w->n * w->calls / (bench_now() - t0) * 1e-9;
    return NULL;
}

static worker make_worker(int n, int calls) {
    size_t count = (size_t)n * n;
    worker w = {n, calls, malloc(count * sizeof(float)), malloc(count * sizeof(float)),
                malloc(count * sizeof(float)), NULL, 0};
    if (!w.a || !w.b || !w.c) { fprintf(stderr, "pair_ceiling: out of memory\n"); exit(1); }
    for (size_t i = 0; i < count; i++) {
        w.a[i] = (float)(i % 17) * 0.01f;
        w.b[i] = (float)(i % 13) * 0.01f;
    }
    return w;
}

int main(int argc, char **argv) {
    const int rounds = argc > 1 ? atoi(argv[1]) : 15;
    const int n = argc > 2 ? atoi(argv[2]) : 512;
    if (rounds < 1 || rounds > 1000 || n < 16) { fprintf(stderr, "usage: %s [ROUNDS 1-1000] [N >= 16]\n", argv[0]); return 2; }
    worker one = make_worker(n, 1), two = make_worker(n, 1);
    run(&one);  // warm-up, and the call count for ~0.2 s
    const int calls = one.gflops > 0 ? (int)(0.2 / (2.0 * n * n * n / (one.gflops * 1e9))) + 1 : 1;
    one.calls = two.calls = calls;
    double ratios[1000];
    printf("%dx%dx%d products, %d per thread per round\n", n, n, n, calls);
    printf("%5s %12s %22s %8s\n", "round", "solo GFLOPS", "pair GFLOPS (a + b)", "pair/solo");
    for (int r = 0; r < rounds; r++) {
        one.start = NULL;
        run(&one);
        const double solo = one.gflops;
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        one.start = two.start = &start;
        pthread_t thread;
        pthread_create(&thread, NULL, run, &two);
        run(&one);
        pthread_join(thread, NULL);
        pthread_barrier_destroy(&start);
        ratios[r] = (one.gflops + two.gflops) / solo;
        printf("%5d %12.1f %10.1f + %-9.1f %7.2fx\n", r + 1, solo, one.gflops, two.gflops, ratios[r]);
    }
    qsort(ratios, rounds, sizeof(double), bench_compare_doubles);
    printf("pair/solo: median %.2fx, range %.2f-%.2fx over %d rounds\n", ratios[rounds / 2], ratios[0],
           ratios[rounds - 1], rounds);
    return 0;
}
