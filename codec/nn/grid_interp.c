/* Multi-resolution trilinear feature lookup (see grid_interp.h). */
#include "grid_interp.h"

size_t grid_shape_init(grid_shape *s) {
    if (s->levels < 1 || s->levels > GRID_MAX_LEVELS || s->feats < 1) return 0;
    size_t total = 0;
    for (int l = 0; l < s->levels; l++) {
        s->off[l] = total;
        size_t nodes = 1;
        for (int a = 0; a < 3; a++) {
            if (s->res[l][a] < 2) return 0;
            nodes *= (size_t)s->res[l][a];
        }
        total += nodes * (size_t)s->feats;
    }
    s->off[s->levels] = total;
    return total;
}

/* The 8 corner offsets (in floats, relative to the level's base) and weights of
 * point p in level l: the shared geometry of forward and backward. */
static void corners(const grid_shape *s, int l, const float *p, size_t idx[8], float w[8]) {
    const int *r = s->res[l];
    int i0[3];
    float t[3];
    for (int a = 0; a < 3; a++) {
        float q = p[a] < 0.0f ? 0.0f : p[a] > 1.0f ? 1.0f : p[a];
        float u = q * (float)(r[a] - 1);
        int i = (int)u;
        if (i > r[a] - 2) i = r[a] - 2; /* p = 1 falls in the last cell, t = 1 */
        i0[a] = i;
        t[a] = u - (float)i;
    }
    size_t F = (size_t)s->feats, sx = F, sy = F * (size_t)r[0], sz = sy * (size_t)r[1];
    size_t base = ((size_t)i0[2] * (size_t)r[1] + (size_t)i0[1]) * (size_t)r[0] * F +
                  (size_t)i0[0] * F;
    for (int c = 0; c < 8; c++) {
        int bx = c & 1, by = (c >> 1) & 1, bz = c >> 2;
        idx[c] = base + (bx ? sx : 0) + (by ? sy : 0) + (bz ? sz : 0);
        w[c] = (bx ? t[0] : 1.0f - t[0]) * (by ? t[1] : 1.0f - t[1]) * (bz ? t[2] : 1.0f - t[2]);
    }
}

void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const float *pos,
                         int n) {
    int L = s->levels, F = s->feats;
#pragma omp parallel for schedule(static) if (n > 4096)
    for (int i = 0; i < n; i++) {
        float *o = out + (size_t)i * L * F;
        for (int l = 0; l < L; l++) {
            size_t idx[8];
            float w[8];
            corners(s, l, pos + (size_t)i * 3, idx, w);
            const float *g = grid + s->off[l];
            for (int f = 0; f < F; f++) {
                float acc = 0.0f;
                for (int c = 0; c < 8; c++) acc += w[c] * g[idx[c] + f];
                o[l * F + f] = acc;
            }
        }
    }
}

void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const float *pos,
                          int n) {
    int L = s->levels, F = s->feats;
#pragma omp parallel for schedule(dynamic, 1)
    for (int l = 0; l < L; l++) {
        float *dg = dgrid + s->off[l];
        for (int i = 0; i < n; i++) {
            size_t idx[8];
            float w[8];
            corners(s, l, pos + (size_t)i * 3, idx, w);
            const float *d = dout + (size_t)i * L * F + l * F;
            for (int f = 0; f < F; f++)
                for (int c = 0; c < 8; c++) dg[idx[c] + f] += w[c] * d[f];
        }
    }
}
