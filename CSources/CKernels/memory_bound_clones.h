// SN_MEMORY_BOUND_CLONES: the clone attribute of the memory-bound passes
// (pooling, batch normalization, ReLU). Each function is compiled for
// x86-64-v4 (AVX-512), v3 (AVX2) and baseline, and the loader picks the
// widest the CPU has; the loops are element by element or in fixed lanes,
// so every clone gives the same bits.
#ifndef SN_MEMORY_BOUND_CLONES_H
#define SN_MEMORY_BOUND_CLONES_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define SN_MEMORY_BOUND_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SN_MEMORY_BOUND_CLONES
#endif


// The ReLU every memory-bound pass applies (relu.c, and fused into batch
// normalization and pooling): NaN gives 0, as in the naive twin.
static inline float sn_relu_of(float v) { return v > 0 ? v : 0.0f; }

#endif
