#include "conv2d.h"

#include <cblas.h>

#include "vector_isa.h"

/* The decode's loops. Each output's terms are added in one order, the bias
 * then i, dy, dx ascending, by both builds below, so the floats are the same
 * on every ISA path. */

/* The baseline build: output rows, one tap of one input row at a time across
 * x (the compiler's SSE vectors). */
static void forward_base(float *restrict out, const float *restrict in, const float *w, const float *b, int cin,
                         int cout, int h, int wd) {
    const int oh = h - 2, ow = wd - 2;
    const size_t ip = (size_t)h * wd, op = (size_t)oh * ow;
    for (int o = 0; o < cout; o++)
        for (int y = 0; y < oh; y++) {
            float *restrict row = out + op * o + (size_t)y * ow;
            for (int x = 0; x < ow; x++) row[x] = b[o];
            for (int i = 0; i < cin; i++)
                for (int dy = 0; dy < 3; dy++) {
                    const float *restrict src = in + ip * i + (size_t)(y + dy) * wd;
                    const float *k = w + ((size_t)(o * cin + i) * 3 + dy) * 3;
                    for (int dx = 0; dx < 3; dx++) {
                        const float kv = k[dx];
                        for (int x = 0; x < ow; x++) row[x] += kv * src[x + dx];
                    }
                }
        }
}

#ifdef VECTOR_ISA_AVX2
/* The avx2 build: 8-float vectors (one ymm register), blocks of CO_BLOCK
 * channels by X_BLOCK columns held in registers while each input row, loaded
 * once per tap, feeds all of them. Why: the row loop above reloads and stores
 * an output row at each of its 9 cin taps; blocked, the post-network's
 * decode runs 3.0-3.1 times faster (bench/results/latent/conv2d-blocks.log). */
typedef float vf8 __attribute__((vector_size(32)));
typedef float vf8u __attribute__((vector_size(32), aligned(4))); /* loaded from any float */
#define CO_BLOCK 4
#define X_BLOCK 16 /* two vectors */

/* Outputs o .. o + CO_BLOCK - 1, columns x0 .. x0 + X_BLOCK - 1 of row y. */
VECTOR_ISA_AVX2_ATTR static inline void vector_block(float *restrict out, const float *restrict in,
                                                     const float *w, const float *b, int cin, int o, int y,
                                                     int x0, int h, int wd) {
    const size_t ip = (size_t)h * wd, op = (size_t)(h - 2) * (wd - 2);
    vf8 acc[CO_BLOCK][2];
    for (int u = 0; u < CO_BLOCK; u++) {
        const float bv = b[o + u];
        const vf8 bias = {bv, bv, bv, bv, bv, bv, bv, bv};
        acc[u][0] = bias;
        acc[u][1] = bias;
    }
    for (int i = 0; i < cin; i++)
        for (int dy = 0; dy < 3; dy++) {
            const float *src = in + ip * i + (size_t)(y + dy) * wd + x0;
            for (int dx = 0; dx < 3; dx++) {
                const vf8 s0 = *(const vf8u *)(src + dx), s1 = *(const vf8u *)(src + dx + 8);
                for (int u = 0; u < CO_BLOCK; u++) {
                    const float kv = w[((size_t)((o + u) * cin + i) * 3 + dy) * 3 + dx];
                    const vf8 k = {kv, kv, kv, kv, kv, kv, kv, kv};
                    acc[u][0] += k * s0, acc[u][1] += k * s1;
                }
            }
        }
    for (int u = 0; u < CO_BLOCK; u++) {
        float *dst = out + op * (o + u) + (size_t)(wd - 2) * y + x0;
        *(vf8u *)dst = acc[u][0], *(vf8u *)(dst + 8) = acc[u][1];
    }
}

/* Output o's columns x0 .. x1 - 1 of row y, one at a time. */
VECTOR_ISA_AVX2_ATTR static inline void scalar_outputs(float *restrict out, const float *restrict in,
                                                       const float *w, const float *b, int cin, int o, int y,
                                                       int x0, int x1, int h, int wd) {
    const size_t ip = (size_t)h * wd, op = (size_t)(h - 2) * (wd - 2);
    for (int x = x0; x < x1; x++) {
        float a = b[o];
        for (int i = 0; i < cin; i++)
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++)
                    a += w[((size_t)(o * cin + i) * 3 + dy) * 3 + dx] * in[ip * i + (size_t)(y + dy) * wd + x + dx];
        out[op * o + (size_t)(wd - 2) * y + x] = a;
    }
}

/* Whole blocks, then the columns and channels past them. */
VECTOR_ISA_AVX2_ATTR static void forward_avx2(float *restrict out, const float *restrict in, const float *w,
                                              const float *b, int cin, int cout, int h, int wd) {
    const int oh = h - 2, ow = wd - 2, xf = ow - ow % X_BLOCK, of = cout - cout % CO_BLOCK;
    for (int y = 0; y < oh; y++) {
        for (int o = 0; o < of; o += CO_BLOCK) {
            for (int x = 0; x < xf; x += X_BLOCK) vector_block(out, in, w, b, cin, o, y, x, h, wd);
            for (int u = 0; u < CO_BLOCK; u++) scalar_outputs(out, in, w, b, cin, o + u, y, xf, ow, h, wd);
        }
        for (int o = of; o < cout; o++) scalar_outputs(out, in, w, b, cin, o, y, 0, ow, h, wd);
    }
}
#else
#define forward_avx2 forward_base
#endif

void conv2d_forward(float *out, const float *in, const float *w, const float *b, int cin, int cout, int h,
                    int wd) {
    (vector_isa_has_avx2() ? forward_avx2 : forward_base)(out, in, w, b, cin, cout, h, wd);
}

size_t conv2d_col_floats(int cin, int h, int wd) { return (size_t)cin * 9 * (size_t)(h - 2) * (size_t)(wd - 2); }

/* col[(i 9 + dy 3 + dx)][y ow + x] = in[i][y + dy][x + dx]. */
static void im2col(float *col, const float *in, int cin, int h, int wd) {
    const int oh = h - 2, ow = wd - 2;
    for (int i = 0; i < cin; i++)
        for (int t = 0; t < 9; t++) {
            float *c = col + ((size_t)i * 9 + t) * oh * ow;
            const float *src = in + (size_t)i * h * wd + (size_t)(t / 3) * wd + t % 3;
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) c[(size_t)y * ow + x] = src[(size_t)y * wd + x];
        }
}

void conv2d_forward_gemm(float *out, const float *in, const float *w, const float *b, int cin, int cout, int h,
                         int wd, float *col) {
    const int n = (h - 2) * (wd - 2), k = cin * 9;
    im2col(col, in, cin, h, wd);
    for (int o = 0; o < cout; o++)
        for (int j = 0; j < n; j++) out[(size_t)o * n + j] = b[o];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, n, k, 1.0f, w, k, col, n, 1.0f, out, n);
}

void conv2d_backward(float *din, float *dw, float *db, const float *dout, float *col, const float *w, int cin,
                     int cout, int h, int wd) {
    const int oh = h - 2, ow = wd - 2, n = oh * ow, k = cin * 9;
    for (int o = 0; o < cout; o++) {
        float s = 0.0f;
        for (int j = 0; j < n; j++) s += dout[(size_t)o * n + j];
        db[o] += s;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, k, n, 1.0f, dout, n, col, n, 1.0f, dw, k);
    if (!din) return;
    /* the columns' gradient, then scattered back onto the input */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, cout, 1.0f, w, k, dout, n, 0.0f, col, n);
    for (int i = 0; i < cin; i++)
        for (int t = 0; t < 9; t++) {
            const float *c = col + ((size_t)i * 9 + t) * n;
            float *dst = din + (size_t)i * h * wd + (size_t)(t / 3) * wd + t % 3;
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) dst[(size_t)y * wd + x] += c[(size_t)y * ow + x];
        }
}
