/* Run-time choice between an AVX2 build of a vector loop and the x86-64
 * baseline build (nn/sine.c, nn/gelu.c): a file instantiates its loops for
 * `avx2` when VECTOR_ISA_AVX2 is defined (with VECTOR_ISA_AVX2_ATTR), always
 * for `base`, and calls the avx2 ones when vector_isa_has_avx2().
 *
 * E2EC_ISA=baseline in the environment forces the baseline loops on any CPU,
 * so that one machine tests both paths (scripts/test runs the unit and tool
 * tests a second time with it). */
#ifndef E2EC_NN_VECTOR_ISA_H
#define E2EC_NN_VECTOR_ISA_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static inline int vector_isa_forced_baseline(void) {
    const char *isa = getenv("E2EC_ISA");
    return isa && strcmp(isa, "baseline") == 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define VECTOR_ISA_AVX2 1
#define VECTOR_ISA_AVX2_ATTR __attribute__((target("avx2,fma")))
/* Read once per file that asks (getenv is too slow for per-voxel callers). */
static inline int vector_isa_has_avx2(void) {
    static atomic_int known = -1;
    int has = atomic_load_explicit(&known, memory_order_relaxed);
    if (has < 0) {
        has = !vector_isa_forced_baseline() && __builtin_cpu_supports("avx2") &&
              __builtin_cpu_supports("fma");
        atomic_store_explicit(&known, has, memory_order_relaxed);
    }
    return has;
}
#else
static inline int vector_isa_has_avx2(void) { return 0; }
#endif

#endif
