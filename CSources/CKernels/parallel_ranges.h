// SN_FOR_RANGES: run a loop body over [0, n) split into one contiguous range
// per thread, in a plain `omp parallel` region, or directly when nth <= 1.
//
// Why not `#pragma omp parallel for ... if(...)`: Debian's libomp allocates
// on the heap in every `parallel for` region, even one that the if() clause
// or num_threads(1) makes serial (3 mallocs per call at 1 thread, 4 at 2:
// StepAllocationTests counts them), which breaks the arena's promise of
// zero allocations per training step. A plain `parallel` region with the ranges split by hand allocates
// nothing, and the serial path has no pragma at all.
//
// The body sees `long lo, hi` (its range) and `int t` (its thread, 0 on the
// serial path). Ranges depend on nth only as far as which thread takes which
// items: a body must not let the split change its results.
#ifndef SN_PARALLEL_RANGES_H
#define SN_PARALLEL_RANGES_H

#ifdef _OPENMP
int omp_get_thread_num(void);
int omp_get_num_threads(void);
#define SN_FOR_RANGES(nth, n, lo, hi, t, ...)                              \
    do {                                                                    \
        const long sn_n_ = (n);                                             \
        if ((nth) <= 1) { long lo = 0, hi = sn_n_; int t = 0; (void)t; __VA_ARGS__ } \
        else {                                                              \
            _Pragma("omp parallel num_threads(nth)")                        \
            {                                                               \
                int t = omp_get_thread_num(), sn_T_ = omp_get_num_threads(); \
                long lo = sn_n_ * t / sn_T_, hi = sn_n_ * (t + 1) / sn_T_;   \
                __VA_ARGS__                                                 \
            }                                                               \
        }                                                                   \
    } while (0)
#else
#define SN_FOR_RANGES(nth, n, lo, hi, t, ...) \
    do { long lo = 0, hi = (n); int t = 0; (void)t; __VA_ARGS__ } while (0)
#endif

#endif
