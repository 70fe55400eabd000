#include "nquery.h"

#include <stddef.h>

/* The two corners of index i on one axis and their relative coordinates. */
static void axis_corners(int i, int l, int h, int idx[2], double rel[2]) {
    double u = ((double)i + 0.5) * l / h - 0.5;
    int f = nquery_floor(i, l, h);
    for (int b = 0; b < 2; b++) {
        int k = f + b;
        idx[b] = k < 0 ? 0 : k > l - 1 ? l - 1 : k;
        rel[b] = 2.0 * (u - idx[b]);
    }
}

/* The linear weight of each corner on one axis: |rel of the other| / (|rel_0| +
 * |rel_1|), or 1/2 each where the two clamped corners are one point. */
static void axis_weights(const double rel[2], double wt[2]) {
    double s = fabs(rel[0]) + fabs(rel[1]);
    wt[0] = s > 0.0 ? fabs(rel[1]) / s : 0.5;
    wt[1] = s > 0.0 ? fabs(rel[0]) / s : 0.5;
}

/* Corner offsets into the feature slab (one channel), weights and relative
 * coordinates. The normalised area of the opposite corner factorises over the
 * axes, area_(7-n) / sum(area) = prod_axis |rel_other| / (|rel_0| + |rel_1|),
 * and is computed in that form (see nquery.h). */
static void corners(const nquery_geom *g, int x, int y, int z, size_t off[8], float wt[8],
                    float rel[8][3]) {
    int ix[2], iy[2], iz[2];
    double rx[2], ry[2], rz[2], wx[2], wy[2], wz[2];
    axis_corners(x, g->lx, g->hx, ix, rx);
    axis_corners(y, g->ly, g->hy, iy, ry);
    axis_corners(z, g->lz, g->hz, iz, rz);
    axis_weights(rx, wx);
    axis_weights(ry, wy);
    axis_weights(rz, wz);
    for (int n = 0; n < 8; n++) {
        int bx = n & 1, by = n >> 1 & 1, bz = n >> 2;
        off[n] = ((size_t)(iz[bz] - g->f0) * g->ly + iy[by]) * g->lx + ix[bx];
        wt[n] = (float)(wx[bx] * wy[by] * wz[bz]);
        rel[n][0] = (float)rx[bx];
        rel[n][1] = (float)ry[by];
        rel[n][2] = (float)rz[bz];
    }
}

void nquery_forward(float *q, const float *feat, int c, const nquery_geom *g,
                    const nquery_box *box) {
    int bw = box->x1 - box->x0, bh = box->y1 - box->y0, bd = box->z1 - box->z0;
    int cq = nquery_channels(c);
    size_t plane = (size_t)g->lx * g->ly * g->fd;
    float cell[3] = {2.0f * g->lx / g->hx, 2.0f * g->ly / g->hy, 2.0f * g->lz / g->hz};
#pragma omp parallel for schedule(static)
    for (int zy = 0; zy < bd * bh; zy++) {
        int z = box->z0 + zy / bh, y = box->y0 + zy % bh;
        for (int x = box->x0; x < box->x1; x++) {
            float *row = q + ((size_t)zy * bw + (x - box->x0)) * cq;
            size_t off[8];
            float wt[8], rel[8][3];
            corners(g, x, y, z, off, wt, rel);
            for (int n = 0; n < 8; n++) {
                for (int a = 0; a < 3; a++) row[3 * n + a] = rel[n][a];
                for (int ch = 0; ch < c; ch++)
                    row[24 + n * c + ch] = wt[n] * feat[ch * plane + off[n]];
            }
            for (int a = 0; a < 3; a++) row[cq - 3 + a] = cell[a];
        }
    }
}

/* Many query points share a feature point, so threads split the channels:
 * each writes only its own channel of dfeat. */
void nquery_backward(float *dfeat, const float *dq, int c, const nquery_geom *g,
                     const nquery_box *box) {
    int bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    int cq = nquery_channels(c);
    size_t plane = (size_t)g->lx * g->ly * g->fd;
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        float *df = dfeat + ch * plane;
        for (int z = box->z0; z < box->z1; z++)
            for (int y = box->y0; y < box->y1; y++)
                for (int x = box->x0; x < box->x1; x++) {
                    const float *row =
                        dq + (((size_t)(z - box->z0) * bh + (y - box->y0)) * bw + (x - box->x0)) * cq;
                    size_t off[8];
                    float wt[8], rel[8][3];
                    corners(g, x, y, z, off, wt, rel);
                    for (int n = 0; n < 8; n++) df[off[n]] += wt[n] * row[24 + n * c + ch];
                }
    }
}
