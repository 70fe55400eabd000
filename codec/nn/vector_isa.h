/* Run-time choice between an AVX2 build of a vector loop and the x86-64
 * baseline build (nn/sine.c, nn/gelu.c): a file instantiates its loops for
 * `avx2` when VECTOR_ISA_AVX2 is defined (with VECTOR_ISA_AVX2_ATTR), always
 * for `base`, and calls the avx2 ones when vector_isa_has_avx2(). */
#ifndef E2EC_NN_VECTOR_ISA_H
#define E2EC_NN_VECTOR_ISA_H

#if defined(__x86_64__) && defined(__GNUC__)
#define VECTOR_ISA_AVX2 1
#define VECTOR_ISA_AVX2_ATTR __attribute__((target("avx2,fma")))
static inline int vector_isa_has_avx2(void) {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static inline int vector_isa_has_avx2(void) { return 0; }
#endif

#endif
