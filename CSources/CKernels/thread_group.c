/*
 * thread_group.c — collectives for ranks that are threads of one process.
 *
 * `scratchnet train --shards N` trains N replicas of a network on N threads,
 * each on its slice of every batch, and sums their gradients after each
 * step (the same algorithm as the MPI data-parallel mode, without
 * processes). The sum is done in place, in the replicas' own buffers: each
 * rank publishes its buffer, waits, adds up its own 1/N of the elements over
 * all buffers in rank order, writes that sum into every buffer, and waits
 * again. One pass over the data, split N ways; no copies, no allocation.
 * Every element is summed by the same float operations (buffer 0 + buffer 1
 * + ...) whichever rank does it, so all replicas get bit-identical sums and
 * stay identical, and a run is reproducible for a given N.
 *
 * The barrier spins: a training step is a few hundred µs, and sleeping on a
 * futex and being woken costs tens of µs. After a few thousand spins it
 * yields the CPU, so an oversubscribed machine still makes progress. A rank
 * that fails calls sn_thread_group_abort; the barriers of the others then
 * return -1 instead of waiting forever for it.
 */
#include <sched.h>
#include <stdatomic.h>
#include "ckernels.h"

#define SN_GROUP_MAX_RANKS 64
#define SN_GROUP_SPINS_BEFORE_YIELD 4096

struct sn_thread_group {
    _Atomic int arrived;     // ranks at the current barrier
    _Atomic int generation;  // barriers completed
    _Atomic int aborted;
    int size;
    void *_Atomic buffers[SN_GROUP_MAX_RANKS];  // each rank's published buffer
    float factors[SN_GROUP_MAX_RANKS];          // each rank's scale (published before the barrier)
};

size_t sn_thread_group_bytes(void) { return sizeof(struct sn_thread_group); }

int sn_thread_group_init(void *memory, int size) {
    if (size < 1 || size > SN_GROUP_MAX_RANKS) return -1;
    struct sn_thread_group *g = memory;
    atomic_init(&g->arrived, 0);
    atomic_init(&g->generation, 0);
    atomic_init(&g->aborted, 0);
    g->size = size;
    for (int r = 0; r < SN_GROUP_MAX_RANKS; r++) atomic_init(&g->buffers[r], NULL);
    return 0;
}

void sn_thread_group_abort(void *group) {
    struct sn_thread_group *g = group;
    atomic_store_explicit(&g->aborted, 1, memory_order_release);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int sn_thread_group_barrier(void *group) {
    struct sn_thread_group *g = group;
    // Read the generation before arriving: it cannot move until every rank
    // (this one included) has arrived.
    int generation = atomic_load_explicit(&g->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&g->arrived, 1, memory_order_acq_rel) == g->size - 1) {
        atomic_store_explicit(&g->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&g->generation, 1, memory_order_acq_rel);
    } else {
        for (long spins = 0; atomic_load_explicit(&g->generation, memory_order_acquire) == generation; spins++) {
            if (atomic_load_explicit(&g->aborted, memory_order_acquire)) return -1;
            if (spins < SN_GROUP_SPINS_BEFORE_YIELD) cpu_relax();
            else sched_yield();
        }
    }
    return atomic_load_explicit(&g->aborted, memory_order_acquire) ? -1 : 0;
}

// This rank's share of [0, count): contiguous, the same cut on every rank.
static void share(long count, int rank, int size, long *lo, long *hi) {
    *lo = count * rank / size;
    *hi = count * (rank + 1) / size;
}

// Contraction off: (b0·f0) + (b1·f1) must round like a separate scaling
// pass followed by the sum, which is what the other communicators do.
#pragma clang fp contract(off)
int sn_thread_group_allreduce_scaled_f32(void *group, int rank, float *buffer, long count, float factor) {
    struct sn_thread_group *g = group;
    g->factors[rank] = factor;
    atomic_store_explicit(&g->buffers[rank], buffer, memory_order_release);
    if (sn_thread_group_barrier(g)) return -1;
    const int n = g->size;
    float *b[SN_GROUP_MAX_RANKS], f[SN_GROUP_MAX_RANKS];
    int scaled = 0;
    for (int r = 0; r < n; r++) {
        b[r] = atomic_load_explicit(&g->buffers[r], memory_order_acquire);
        f[r] = g->factors[r];
        scaled |= f[r] != 1.0f;
    }
    long lo, hi;
    share(count, rank, n, &lo, &hi);
    if (n == 2 && !scaled) {
        float *restrict b0 = b[0], *restrict b1 = b[1];
        for (long i = lo; i < hi; i++) {
            float s = b0[i] + b1[i];
            b0[i] = s;
            b1[i] = s;
        }
    } else if (n == 2) {
        float *restrict b0 = b[0], *restrict b1 = b[1];
        const float f0 = f[0], f1 = f[1];
        for (long i = lo; i < hi; i++) {
            float s = b0[i] * f0 + b1[i] * f1;
            b0[i] = s;
            b1[i] = s;
        }
    } else {
        for (long i = lo; i < hi; i++) {
            float s = b[0][i] * f[0];
            for (int r = 1; r < n; r++) s += b[r][i] * f[r];
            for (int r = 0; r < n; r++) b[r][i] = s;
        }
    }
    return sn_thread_group_barrier(g);  // no rank reads its buffer before every share is written
}

int sn_thread_group_allreduce_f32(void *group, int rank, float *buffer, long count) {
    return sn_thread_group_allreduce_scaled_f32(group, rank, buffer, count, 1.0f);
}

int sn_thread_group_allreduce_f64(void *group, int rank, double *buffer, long count) {
    struct sn_thread_group *g = group;
    atomic_store_explicit(&g->buffers[rank], buffer, memory_order_release);
    if (sn_thread_group_barrier(g)) return -1;
    const int n = g->size;
    double *b[SN_GROUP_MAX_RANKS];
    for (int r = 0; r < n; r++) b[r] = atomic_load_explicit(&g->buffers[r], memory_order_acquire);
    long lo, hi;
    share(count, rank, n, &lo, &hi);
    for (long i = lo; i < hi; i++) {
        double s = b[0][i];
        for (int r = 1; r < n; r++) s += b[r][i];
        for (int r = 0; r < n; r++) b[r][i] = s;
    }
    return sn_thread_group_barrier(g);
}

int sn_thread_group_broadcast_f32(void *group, int rank, float *buffer, long count, int root) {
    struct sn_thread_group *g = group;
    if (root < 0 || root >= g->size) return -1;
    atomic_store_explicit(&g->buffers[rank], buffer, memory_order_release);
    if (sn_thread_group_barrier(g)) return -1;
    if (rank != root) {
        const float *restrict src = atomic_load_explicit(&g->buffers[root], memory_order_acquire);
        for (long i = 0; i < count; i++) buffer[i] = src[i];
    }
    return sn_thread_group_barrier(g);
}
