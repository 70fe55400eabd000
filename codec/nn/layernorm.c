#include "layernorm.h"

#include <math.h>
#include <stddef.h>

void layernorm_forward(float *out, int ld_out, float *stats, const float *in, int ld_in,
                       const float *g, const float *b, int n, int c) {
#pragma omp parallel for schedule(static)
    for (int r = 0; r < n; r++) {
        const float *x = in + (size_t)r * ld_in;
        float *y = out + (size_t)r * ld_out;
        float mean = 0.0f, var = 0.0f;
        for (int i = 0; i < c; i++) mean += x[i];
        mean /= (float)c;
        for (int i = 0; i < c; i++) var += (x[i] - mean) * (x[i] - mean);
        float rstd = 1.0f / sqrtf(var / (float)c + LAYERNORM_EPS);
        for (int i = 0; i < c; i++) y[i] = g[i] * (x[i] - mean) * rstd + b[i];
        stats[2 * r] = mean;
        stats[2 * r + 1] = rstd;
    }
}

/* With xh = (x - mean) rstd and dxh = dout * g:
 * dx = rstd (dxh - mean(dxh) - xh mean(dxh xh)). dg and db are summed per
 * channel over rows in a fixed order, so the result does not depend on the
 * thread count or schedule (the same seed must give the same stream). */
void layernorm_backward(float *din, int ld_in, float *dg, float *db, const float *dout,
                        int ld_out, const float *in, const float *stats, const float *g, int n,
                        int c) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < c; i++) {
        float sg = 0.0f, sb = 0.0f;
        for (int r = 0; r < n; r++) {
            float dy = dout[(size_t)r * ld_out + i];
            sg += dy * (in[(size_t)r * ld_in + i] - stats[2 * r]) * stats[2 * r + 1];
            sb += dy;
        }
        dg[i] += sg;
        db[i] += sb;
    }
    if (!din) return;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < n; r++) {
        const float *x = in + (size_t)r * ld_in, *dy = dout + (size_t)r * ld_out;
        float *dx = din + (size_t)r * ld_in;
        float mean = stats[2 * r], rstd = stats[2 * r + 1];
        float m1 = 0.0f, m2 = 0.0f;
        for (int i = 0; i < c; i++) {
            float xh = (x[i] - mean) * rstd;
            m1 += dy[i] * g[i];
            m2 += dy[i] * g[i] * xh;
        }
        m1 /= (float)c;
        m2 /= (float)c;
        for (int i = 0; i < c; i++) {
            float xh = (x[i] - mean) * rstd;
            dx[i] += rstd * (dy[i] * g[i] - m1 - xh * m2);
        }
    }
}
