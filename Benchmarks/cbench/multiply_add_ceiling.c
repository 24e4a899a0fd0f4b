/*
 * multiply_add_ceiling.c — one core's peak multiply-add rate for each
 * arithmetic the kernels use, measured rather than taken from a data sheet
 * (a shared VM's clock is whatever the host gives it):
 *   - float32 FMA (vfmadd231ps ymm): 8 multiply-adds per instruction;
 *   - int8 as the avx2 path does it (vpmaddubsw + vpmaddwd by ones + vpaddd):
 *     32 u8 × s8 multiply-adds per 3 instructions;
 *   - int8 widened (vpmaddwd + vpaddd): 16 per 2 instructions.
 * Independent accumulators hide every latency; the loops stay in registers. A kernel's GMAC/s over these ceilings is its efficiency, and the
 * int8 / float ceiling ratio bounds what int8 can gain on this CPU.
 *
 *     Benchmarks/cbench/run_multiply_add_ceiling.sh [ROUNDS]
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITER 20000000L
#define ACC 12

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx2,fma"))) static double fma_gmacs(void) {
    __m256 acc[ACC], b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < ACC; i++) acc[i] = _mm256_set1_ps((float)i);
    double t = now();
    for (long r = 0; r < ITER; r++) {
        for (int i = 0; i < ACC; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
        __asm__ volatile("" : "+x"(b));
    }
    t = now() - t;
    float s = 0;
    for (int i = 0; i < ACC; i++) s += acc[i][0];
    if (s == 12345.f) puts("");
    return ITER * ACC * 8.0 / t / 1e9;
}

// The activations vary per accumulator (as a tile's rows do), the weights
// per iteration, so that no product can be hoisted.
// Six accumulators and six activation vectors: with the weights and the
// ones, 14 of the 16 ymm registers, so nothing spills.
#define IACC 6
static inline __attribute__((always_inline, target("avx2,fma"))) double pairs_gmacs(const int widened) {
    __m256i acc[IACC], a[IACC], w = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    for (int i = 0; i < IACC; i++) acc[i] = _mm256_setzero_si256(), a[i] = _mm256_set1_epi8((char)(i + 1));
    double t = now();
    for (long r = 0; r < 2 * ITER; r++) {
        for (int i = 0; i < IACC; i++) {
            __m256i p = widened ? _mm256_madd_epi16(a[i], w) : _mm256_madd_epi16(_mm256_maddubs_epi16(a[i], w), ones);
            acc[i] = _mm256_add_epi32(acc[i], p);
        }
        __asm__ volatile("" : "+x"(w));
    }
    t = now() - t;
    int s = 0;
    for (int i = 0; i < IACC; i++) s += _mm256_extract_epi32(acc[i], 0);
    if (s == 12345) puts("");
    return 2 * ITER * IACC * (widened ? 16.0 : 32.0) / t / 1e9;
}

__attribute__((target("avx2,fma"), noinline)) static double bytes_gmacs(void) { return pairs_gmacs(0); }
__attribute__((target("avx2,fma"), noinline)) static double widened_gmacs(void) { return pairs_gmacs(1); }

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > 100) rounds = 5;
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "multiply_add_ceiling: needs AVX2 and FMA\n");
        return 1;
    }
    double f[100], q[100], wq[100];
    for (int r = 0; r < rounds; r++) {
        f[r] = fma_gmacs();
        q[r] = bytes_gmacs();
        wq[r] = widened_gmacs();
    }
    qsort(f, rounds, sizeof *f, by_value);
    qsort(q, rounds, sizeof *q, by_value);
    qsort(wq, rounds, sizeof *wq, by_value);
    double mf = f[rounds / 2], mq = q[rounds / 2], mw = wq[rounds / 2];
    printf("one core, median of %d rounds (GMAC/s = 1e9 multiply-adds per second)\n", rounds);
    printf("float32 FMA                      %7.1f GMAC/s  (%5.1f GFLOPS)\n", mf, 2 * mf);
    printf("int8 vpmaddubsw+vpmaddwd+vpaddd  %7.1f GMAC/s  %.2fx float32\n", mq, mq / mf);
    printf("int8 widened vpmaddwd+vpaddd     %7.1f GMAC/s  %.2fx float32\n", mw, mw / mf);
    return 0;
}
