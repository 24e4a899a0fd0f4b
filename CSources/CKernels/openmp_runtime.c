/*
 * openmp_runtime.c — OpenMP queries and settings that are not a kernel.
 *
 * Kernels take their thread count as their first parameter and pass it to
 * their parallel region (`num_threads(...)`); nothing here holds a count.
 * omp_set_num_threads is never used: it sets a per-thread value, and
 * lowering it to 1 makes libomp rebuild its team (2 heap allocations) on
 * the next 2-thread region.
 */
#include "ckernels.h"

#ifdef _OPENMP
/* The toolchain ships no omp.h; these are the only entry points used here. */
void kmp_set_blocktime(int msec);
#endif

int sn_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

// ms >= 0; how long idle kernel threads spin before sleeping (libomp's
// kmp_set_blocktime, for teams forked by the calling thread). Without
// OpenMP: no-op.
void sn_set_spin_time_ms(int ms) {
#ifdef _OPENMP
    kmp_set_blocktime(ms < 0 ? 0 : ms);
#else
    (void)ms;
#endif
}
