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
#include <stdint.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include "ckernels.h"

#define SN_GROUP_MAX_RANKS 64
#define SN_GROUP_SPINS_BEFORE_YIELD 4096
/* A rank waiting for a command spins ~0.3 ms (Zen 3's pause is ~65 cycles)
 * before it sleeps: steps at full speed follow each other within µs. */
#define SN_GROUP_SPINS_BEFORE_SLEEP 16384

struct sn_thread_group {
    _Atomic int arrived;     // ranks at the current barrier
    _Atomic int generation;  // barriers completed
    _Atomic int aborted;
    int size;
    void *_Atomic buffers[SN_GROUP_MAX_RANKS];  // each rank's published buffer
    float factors[SN_GROUP_MAX_RANKS];          // each rank's scale (published before the barrier)
    // Commands (sn_thread_group_post): its own cache lines, away from the
    // barrier's counters.
    _Alignas(64) _Atomic uint32_t posted;       // commands posted so far
    int command;                                // the latest one (written before `posted` moves)
    _Atomic uint32_t done;                      // commands finished, summed over ranks 1..size-1
    _Atomic int sleepers;                       // threads asleep (or about to be) on `posted` or `done`
    _Atomic int cpus[SN_GROUP_MAX_RANKS];       // the CPU each rank was last seen on (-1: not yet)
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
    atomic_init(&g->posted, 0);
    g->command = 0;
    atomic_init(&g->done, 0);
    atomic_init(&g->sleepers, 0);
    for (int r = 0; r < SN_GROUP_MAX_RANKS; r++) atomic_init(&g->cpus[r], -1);
    return 0;
}

/* Sleeping on a word until it changes (Linux futex); elsewhere a yield. */
static void wait_while_equal(_Atomic uint32_t *word, uint32_t value) {
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
    (void)word; (void)value;
    sched_yield();
#endif
}

static void wake_all(_Atomic uint32_t *word) {
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
#else
    (void)word;
#endif
}

static void wake_sleepers(struct sn_thread_group *g) {
    if (atomic_load(&g->sleepers) > 0) {
        wake_all(&g->posted);
        wake_all(&g->done);
    }
}

void sn_thread_group_abort(void *group) {
    struct sn_thread_group *g = group;
    atomic_store_explicit(&g->aborted, 1, memory_order_release);
    // Sleepers must see the abort: bump both words so none sleeps on again.
    atomic_fetch_add(&g->posted, 1u << 31);
    atomic_fetch_add(&g->done, 1u << 31);
    wake_all(&g->posted);
    wake_all(&g->done);
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

/* Waits until `word` differs from `value` (spinning first, then asleep);
 * -1 once the group is aborted. */
static int wait_for_change(struct sn_thread_group *g, _Atomic uint32_t *word, uint32_t value) {
    for (long spins = 0; atomic_load_explicit(word, memory_order_acquire) == value; spins++) {
        if (atomic_load_explicit(&g->aborted, memory_order_acquire)) return -1;
        if (spins < SN_GROUP_SPINS_BEFORE_SLEEP) { cpu_relax(); continue; }
        // Announce the sleep before the last look: a poster that moves the
        // word after this look sees the sleeper and wakes it; one that moved
        // it before makes the futex return at once (the value differs).
        atomic_fetch_add(&g->sleepers, 1);
        if (atomic_load(word) == value) wait_while_equal(word, value);
        atomic_fetch_sub(&g->sleepers, 1);
    }
    return atomic_load_explicit(&g->aborted, memory_order_acquire) ? -1 : 0;
}

/* Publishes the caller's CPU; when another rank was last seen on it, moves
 * the caller to a CPU none of them is on (if its affinity allows one) and
 * lifts the restriction again at once, so nothing stays pinned.
 *
 * Why: the kernel wakes a sleeping thread on its waker's CPU, and a new
 * thread often starts on its creator's. Two ranks on one CPU take turns
 * there, each step slower than both shards done by one thread, while the
 * other CPU idles; the load balancer took tens of steps to notice, if ever,
 * because the waiting rank sleeps (traces: half of the runs had both ranks
 * on one CPU for their first 26 steps, 0.8–1.1 ms a step against 0.4).
 * A CPU shared with another process is the governor's business, not this. */
static void spread(struct sn_thread_group *g, int rank) {
    const int cpu = sn_thread_cpu();
    if (cpu < 0) return;
    atomic_store_explicit(&g->cpus[rank], cpu, memory_order_relaxed);
    int others[SN_GROUP_MAX_RANKS], count = 0, shared = 0;
    for (int r = 0; r < g->size; r++) {
        if (r == rank) continue;
        others[count] = atomic_load_explicit(&g->cpus[r], memory_order_relaxed);
        shared |= others[count++] == cpu;
    }
    if (shared) {
        const int moved = sn_thread_move_off(others, count);
        if (moved >= 0) atomic_store_explicit(&g->cpus[rank], moved, memory_order_relaxed);
    }
}

void sn_thread_group_post(void *group, int command) {
    struct sn_thread_group *g = group;
    atomic_store_explicit(&g->cpus[0], sn_thread_cpu(), memory_order_relaxed);
    g->command = command;
    atomic_fetch_add(&g->posted, 1);  // seq_cst: ordered before the sleepers check
    wake_sleepers(g);
}

unsigned sn_thread_group_posted_count(void *group) {
    struct sn_thread_group *g = group;
    return atomic_load(&g->posted);
}

int sn_thread_group_next_command(void *group, int rank, unsigned *taken) {
    struct sn_thread_group *g = group;
    if (wait_for_change(g, &g->posted, *taken)) return -1;
    *taken += 1;
    spread(g, rank);
    return g->command;
}

void sn_thread_group_command_done(void *group) {
    struct sn_thread_group *g = group;
    atomic_fetch_add(&g->done, 1);
    wake_sleepers(g);
}

int sn_thread_group_wait_done(void *group) {
    struct sn_thread_group *g = group;
    const uint32_t expected = atomic_load(&g->posted) * (uint32_t)(g->size - 1);
    for (;;) {
        uint32_t done = atomic_load_explicit(&g->done, memory_order_acquire);
        if (done == expected) return 0;
        if (wait_for_change(g, &g->done, done)) return -1;
    }
}

// This rank's share of [0, count): contiguous, the same cut on every rank.
static void share(long count, int rank, int size, long *lo, long *hi) {
    *lo = count * rank / size;
    *hi = count * (rank + 1) / size;
}

// Contraction off: (b0·f0) + (b1·f1) must round like a separate scaling
// pass followed by the sum, which is what the other communicators do.
#pragma clang fp contract(off)
// Elements [lo, hi) of the first `stores` buffers (1 or n) become
// Σ_r b[r][i]·f[r], added in rank order: the one place this sum is written,
// so the collective and the serial forms round alike. (The branch on
// `stores` is loop-invariant; clang unswitches it.)
static void sum_scaled_range(float *const *b, const float *f, int n, int stores, long lo, long hi) {
    int scaled = 0;
    for (int r = 0; r < n; r++) scaled |= f[r] != 1.0f;
    if (n == 2 && !scaled) {
        float *restrict b0 = b[0], *restrict b1 = b[1];
        for (long i = lo; i < hi; i++) {
            float s = b0[i] + b1[i];
            b0[i] = s;
            if (stores == 2) b1[i] = s;
        }
    } else if (n == 2) {
        float *restrict b0 = b[0], *restrict b1 = b[1];
        const float f0 = f[0], f1 = f[1];
        for (long i = lo; i < hi; i++) {
            float s = b0[i] * f0 + b1[i] * f1;
            b0[i] = s;
            if (stores == 2) b1[i] = s;
        }
    } else {
        for (long i = lo; i < hi; i++) {
            float s = b[0][i] * f[0];
            for (int r = 1; r < n; r++) s += b[r][i] * f[r];
            for (int r = 0; r < stores; r++) b[r][i] = s;
        }
    }
}

void sn_sum_scaled_f32(float *const *buffers, const float *factors, int n, long count) {
    if (n > 1 || (n == 1 && factors[0] != 1.0f)) sum_scaled_range(buffers, factors, n, n, 0, count);
}

void sn_sum_scaled_into_first_f32(float *const *buffers, const float *factors, int n, long count) {
    if (n > 1 || (n == 1 && factors[0] != 1.0f)) sum_scaled_range(buffers, factors, n, 1, 0, count);
}

int sn_thread_group_allreduce_scaled_f32(void *group, int rank, float *buffer, long count, float factor) {
    struct sn_thread_group *g = group;
    g->factors[rank] = factor;
    atomic_store_explicit(&g->buffers[rank], buffer, memory_order_release);
    if (sn_thread_group_barrier(g)) return -1;
    const int n = g->size;
    float *b[SN_GROUP_MAX_RANKS], f[SN_GROUP_MAX_RANKS];
    for (int r = 0; r < n; r++) {
        b[r] = atomic_load_explicit(&g->buffers[r], memory_order_acquire);
        f[r] = g->factors[r];
    }
    long lo, hi;
    share(count, rank, n, &lo, &hi);
    sum_scaled_range(b, f, n, n, lo, hi);
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
