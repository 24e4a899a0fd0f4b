/*
 * isa_limit.c — the widest instruction set the automatic kernel choice may
 * use: the CPU's widest, lowered by the environment variable SCRATCHNET_ISA
 * (generic, avx2 or avx512), read once per process.
 *
 * Why: a whole run on an AVX-512 machine can then be timed on the AVX2 (or
 * portable) kernels, the ones an AVX2-only CPU would run, without a second
 * machine. Only AUTO choices follow it; a kernel named by a test is run as
 * named. The memory-bound passes (pooling, batch normalization, ReLU) pick
 * their compiled clone when the library loads and do not follow it.
 */
#include <stdlib.h>
#include <string.h>
#include "ckernels.h"

static int level_from_name(const char *name) {
    if (!name || !*name) return SN_ISA_LEVEL_AVX512;
    if (strcmp(name, "generic") == 0) return SN_ISA_LEVEL_GENERIC;
    if (strcmp(name, "avx2") == 0) return SN_ISA_LEVEL_AVX2;
    if (strcmp(name, "avx512") == 0) return SN_ISA_LEVEL_AVX512;
    return -1;
}

int sn_isa_level_named(const char *name) { return level_from_name(name); }

int sn_isa_limit(void) {
    static int cached = 0;  /* 0: not read yet */
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level == 0) {
        level = level_from_name(getenv("SCRATCHNET_ISA"));
        if (level < 0) level = SN_ISA_LEVEL_AVX512;  /* unknown names are refused by the callers that read them */
        __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    }
    return level;
}
