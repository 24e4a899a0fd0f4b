/*
 * placement.c — nudging the calling thread to another CPU, without pinning.
 *
 * Two ranks of `train --shards` that share one CPU take turns on it while
 * another idles. Linux's load balancer fixes that, but slowly: it keeps a
 * thread that ran in the last 0.5 ms where it is ("cache hot"), and a
 * thread that sleeps between steps is woken on its waker's CPU.
 * These helpers move the caller at once: restrict its affinity to the CPUs
 * wanted, which migrates it, then restore the affinity it had, so it
 * stays free to move later. Linux only; elsewhere they do nothing.
 */
#define _GNU_SOURCE  // sched_getcpu, cpu_set_t
#include <sched.h>
#include "ckernels.h"

int sn_thread_move_off(const int *cpus, int count) {
#ifdef __linux__
    cpu_set_t allowed, elsewhere;
    if (sched_getaffinity(0, sizeof allowed, &allowed)) return -1;
    elsewhere = allowed;
    for (int i = 0; i < count; i++)
        if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE) CPU_CLR(cpus[i], &elsewhere);
    if (CPU_COUNT(&elsewhere) == 0) return -1;
    if (sched_setaffinity(0, sizeof elsewhere, &elsewhere)) return -1;
    const int cpu = sched_getcpu();
    sched_setaffinity(0, sizeof allowed, &allowed);
    return cpu;
#else
    (void)cpus; (void)count;
    return -1;
#endif
}

int sn_thread_cpu(void) {
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}
