/* Fully connected layer through CBLAS (see linear.h). */
#include <cblas.h>
#include "linear.h"

void linear_forward(float *out, const float *in, const float *w, const float *b,
                    int n, int cin, int cout) {
    /* out[n][cout] = in[n][cin] * w^T ; bias first so the GEMM adds to it */
    if (b) {
#pragma omp parallel for schedule(static) if (n > 4096)
        for (int i = 0; i < n; i++)
            for (int o = 0; o < cout; o++) out[(size_t)i * cout + o] = b[o];
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, cout, cin, 1.0f, in, cin, w, cin,
                b ? 1.0f : 0.0f, out, cout);
}

void linear_backward(float *din, float *dw, float *db, const float *dout,
                     const float *in, const float *w, int n, int cin, int cout) {
    /* dw[cout][cin] += dout^T in ; din[n][cin] += dout w ; db += column sums */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cout, cin, n, 1.0f, dout, cout, in, cin,
                1.0f, dw, cin);
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cin, cout, 1.0f, dout, cout, w,
                    cin, 1.0f, din, cin);
    if (db) {
        /* Sequential on purpose: a fixed summation order keeps training
         * bit-reproducible whatever the thread count (cost: n * cout adds). */
        for (int o0 = 0; o0 < cout; o0 += 256) {
            int oc = cout - o0 < 256 ? cout - o0 : 256;
            double acc[256] = {0};
            for (int i = 0; i < n; i++) {
                const float *row = dout + (size_t)i * cout + o0;
                for (int o = 0; o < oc; o++) acc[o] += row[o];
            }
            for (int o = 0; o < oc; o++) db[o0 + o] += (float)acc[o];
        }
    }
}
