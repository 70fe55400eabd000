#include "conv2d.h"

#include <cblas.h>

#include "vector_isa.h"

/* The decode's loops, inlined into one build per ISA below (the avx2
 * build's vectors are wider; each output's terms are added in the same
 * order in both). */
static inline __attribute__((always_inline)) void forward_body(float *restrict out, const float *restrict in,
                                                               const float *w, const float *b, int cin,
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

static void forward_base(float *out, const float *in, const float *w, const float *b, int cin, int cout, int h,
                         int wd) {
    forward_body(out, in, w, b, cin, cout, h, wd);
}
#ifdef VECTOR_ISA_AVX2
VECTOR_ISA_AVX2_ATTR static void forward_avx2(float *out, const float *in, const float *w, const float *b,
                                              int cin, int cout, int h, int wd) {
    forward_body(out, in, w, b, cin, cout, h, wd);
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
