// Counts the heap allocations the calling thread makes between begin and end,
// for the test that a training step allocates nothing after warm-up.
#ifndef SN_ALLOCATION_COUNTER_H
#define SN_ALLOCATION_COUNTER_H

// 1 when this build counts (malloc and friends are wrapped), 0 under a
// sanitizer, which wraps them itself.
int sn_allocation_counting_available(void);

// Starts counting this thread's malloc, calloc, realloc, posix_memalign,
// aligned_alloc and memalign calls from zero.
void sn_allocation_count_begin(void);

// Stops counting on this thread; returns the calls since begin.
long sn_allocation_count_end(void);

#endif
