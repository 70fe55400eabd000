/* GELU (see gelu.h).
 * Its erff dominated the SRNO's training time. As codec/nn/sine.c does for
 * sin/cos, this file is built with -ffast-math (codec/CMakeLists.txt) so that
 * gcc calls glibc's vector erff/expf (libmvec) in the loops below, each
 * compiled for AVX2 and for the x86-64 baseline, the CPU picking at run time.
 * Every element goes through the vector call, the last partial block padded:
 * a value does not depend on where it sits in the array, nor on the thread
 * count (the scalar erff of a loop epilogue could differ in the last bit). */
#include <math.h>
#include <string.h>
#include "gelu.h"
#include "vector_isa.h"

#define LANES 8 /* one AVX2 vector of floats; two SSE ones */

#define GELU_LOOPS(isa, attr)                                                                \
    attr static inline void fwd_block_##isa(float *out, const float *in) {                  \
        _Pragma("omp simd")                                                                  \
        for (int j = 0; j < LANES; j++)                                                      \
            out[j] = 0.5f * in[j] * (1.0f + erff(in[j] * 0.70710678118654752f));             \
    }                                                                                        \
    attr static inline void bwd_block_##isa(float *din, const float *dout, const float *in) { \
        _Pragma("omp simd")                                                                  \
        for (int j = 0; j < LANES; j++) {                                                    \
            float x = in[j], cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));          \
            din[j] += dout[j] * (cdf + x * 0.3989422804014327f * expf(-0.5f * x * x));       \
        }                                                                                    \
    }                                                                                        \
    attr static void forward_##isa(float *out, const float *in, size_t n) {                 \
        size_t blocks = n / LANES;                                                           \
        _Pragma("omp parallel for schedule(static) if (n > 16384)")                         \
        for (size_t b = 0; b < blocks; b++) fwd_block_##isa(out + b * LANES, in + b * LANES);  \
        size_t rest = n - blocks * LANES;                                                    \
        if (rest) {                                                                          \
            float x[LANES] = {0}, y[LANES];                                                  \
            memcpy(x, in + blocks * LANES, rest * sizeof *x);                                \
            fwd_block_##isa(y, x);                                                           \
            memcpy(out + blocks * LANES, y, rest * sizeof *y);                               \
        }                                                                                    \
    }                                                                                        \
    attr static void backward_##isa(float *din, const float *dout, const float *in,          \
                                    size_t n) {                                              \
        size_t blocks = n / LANES;                                                           \
        _Pragma("omp parallel for schedule(static) if (n > 16384)")                         \
        for (size_t b = 0; b < blocks; b++)                                                  \
            bwd_block_##isa(din + b * LANES, dout + b * LANES, in + b * LANES);              \
        size_t rest = n - blocks * LANES;                                                    \
        if (rest) {                                                                          \
            float x[LANES] = {0}, d[LANES] = {0}, g[LANES] = {0};                            \
            memcpy(x, in + blocks * LANES, rest * sizeof *x);                                \
            memcpy(d, dout + blocks * LANES, rest * sizeof *d);                              \
            memcpy(g, din + blocks * LANES, rest * sizeof *g);                               \
            bwd_block_##isa(g, d, x);                                                        \
            memcpy(din + blocks * LANES, g, rest * sizeof *g);                               \
        }                                                                                    \
    }

#ifdef VECTOR_ISA_AVX2
GELU_LOOPS(avx2, VECTOR_ISA_AVX2_ATTR)
#else
#define forward_avx2 forward_base
#define backward_avx2 backward_base
#endif
GELU_LOOPS(base, )

void gelu_forward(float *out, const float *in, size_t n) {
    (vector_isa_has_avx2() ? forward_avx2 : forward_base)(out, in, n);
}

void gelu_backward(float *din, const float *dout, const float *in, size_t n) {
    (vector_isa_has_avx2() ? backward_avx2 : backward_base)(din, dout, in, n);
}
