/*
 * threads.c — how many threads the kernels may use.
 *
 * The count is kept in a static and passed explicitly to every parallel
 * region (`num_threads(...)`), not set with omp_set_num_threads: that call
 * sets a per-thread ICV, so a count set from one Swift thread would not reach
 * kernels launched from another thread; and lowering it to 1 made libomp
 * rebuild its team on the next 2-thread region, with 2 heap allocations,
 * each time the thread governor switched back from 1 thread (counted by
 * StepAllocationTests). Below 2 the kernels skip their parallel regions.
 */
#include "ckernels.h"

#ifdef _OPENMP
/* The toolchain ships no omp.h; this is the only entry point used here. */
int omp_get_max_threads(void);
#endif

#ifdef _OPENMP
/* 0 means "not set": follow the OpenMP default (OMP_NUM_THREADS or cores). */
static int sn_num_threads = 0;
#endif

// n >= 1; smaller values are clamped to 1.
void sn_set_num_threads(int n) {
    if (n < 1) n = 1;
#ifdef _OPENMP
    sn_num_threads = n;
#else
    (void)n;
#endif
}

// threads the kernels will use: the value set above, else OpenMP's default.
int sn_get_num_threads(void) {
#ifdef _OPENMP
    return sn_num_threads > 0 ? sn_num_threads : omp_get_max_threads();
#else
    return 1;
#endif
}

int sn_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

#ifdef _OPENMP
/* libomp's extension (no omp.h here): how long an idle worker spins before
 * it sleeps, for teams forked by the calling thread. */
void kmp_set_blocktime(int msec);
#endif

// ms >= 0; how long idle kernel threads spin before sleeping. Call from the
// thread that runs the kernels. Without OpenMP: no-op.
void sn_set_spin_time_ms(int ms) {
#ifdef _OPENMP
    kmp_set_blocktime(ms < 0 ? 0 : ms);
#else
    (void)ms;
#endif
}
