/* SIREN activation (see sine.h).
 * The sines dominate a SIREN's training time. This file is built with
 * -ffast-math (codec/CMakeLists.txt) so that gcc calls glibc's vector
 * sinf/cosf (libmvec) in the loops below; each loop is compiled twice, for
 * AVX2 and for the x86-64 baseline, and the CPU picks at run time. */
#include <math.h>
#include "sine.h"
#include "vector_isa.h"

#define SINE_LOOPS(isa, attr)                                                                \
    attr static void forward_##isa(float *restrict out, const float *restrict in, float w,  \
                                   size_t n) {                                              \
        _Pragma("omp parallel for simd schedule(static) if (n > 16384)")                    \
        for (size_t i = 0; i < n; i++) out[i] = sinf(w * in[i]);                             \
    }                                                                                        \
    attr static void backward_##isa(float *restrict din, const float *restrict dout,        \
                                    const float *restrict in, float w, size_t n) {          \
        _Pragma("omp parallel for simd schedule(static) if (n > 16384)")                    \
        for (size_t i = 0; i < n; i++) din[i] += dout[i] * w * cosf(w * in[i]);              \
    }

#ifdef VECTOR_ISA_AVX2
SINE_LOOPS(avx2, VECTOR_ISA_AVX2_ATTR)
#else
#define forward_avx2 forward_base
#define backward_avx2 backward_base
#endif
SINE_LOOPS(base, )

void sine_forward(float *restrict out, const float *restrict in, float omega0, size_t n) {
    (vector_isa_has_avx2() ? forward_avx2 : forward_base)(out, in, omega0, n);
}

void sine_backward(float *restrict din, const float *restrict dout, const float *restrict in,
                   float omega0, size_t n) {
    (vector_isa_has_avx2() ? backward_avx2 : backward_base)(din, dout, in, omega0, n);
}
