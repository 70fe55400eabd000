/* Multi-resolution trilinear feature lookup (see grid_interp.h). */
#include "grid_interp.h"

#include <stdlib.h>
#include <string.h>

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

size_t grid_axes_bytes(int levels, uint32_t nx, uint32_t ny, uint32_t nz) {
    return (size_t)levels * ((size_t)nx + ny + nz) * (sizeof(int32_t) + sizeof(float));
}

int grid_axes_init(grid_axes *ax, const grid_shape *s, uint32_t nx, uint32_t ny, uint32_t nz) {
    memset(ax, 0, sizeof *ax);
    ax->n[0] = nx, ax->n[1] = ny, ax->n[2] = nz;
    if (nx < 2 || ny < 2 || nz < 2 || s->levels < 1 || s->levels > GRID_MAX_LEVELS) return -1;
    /* one block: every level's node tables, then their fractions */
    int32_t *node = malloc(grid_axes_bytes(s->levels, nx, ny, nz));
    if (!node) return -1;
    float *frac = (float *)(node + (size_t)s->levels * ((size_t)nx + ny + nz));
    for (int l = 0; l < s->levels; l++)
        for (int a = 0; a < 3; a++) {
            uint32_t n = ax->n[a];
            int r = s->res[l][a];
            ax->node[l][a] = node, ax->frac[l][a] = frac;
            float step = 1.0f / (float)(n - 1);
            for (uint32_t v = 0; v < n; v++) {
                float p = (float)v * step;
                float u = (p > 1.0f ? 1.0f : p) * (float)(r - 1);
                int i = (int)u;
                if (i > r - 2) i = r - 2; /* the last voxel falls in the last cell, t = 1 */
                node[v] = i, frac[v] = u - (float)i;
            }
            node += n, frac += n;
        }
    return 0;
}

void grid_axes_free(grid_axes *ax) {
    free(ax->node[0][0]);
    memset(ax, 0, sizeof *ax);
}

/* Walks the voxels of a lookup in order, keeping what depends on a voxel's
 * row (y, z) alone per level: a lookup reads whole rows of voxels in a
 * decode and in the latent fit, where that saves most of the work. */
typedef struct {
    size_t k;                           /* the voxel */
    uint32_t v[3];                      /* its coordinates */
    size_t row[GRID_MAX_LEVELS][4];     /* per level, the node rows (y0 z0, y1 z0, y0 z1, y1 z1) it reads */
    float ty[GRID_MAX_LEVELS], tz[GRID_MAX_LEVELS];
} walk;

/* Steps w to voxel k (the first step: w->k = SIZE_MAX) for levels [l0, l1). */
static void walk_to(walk *w, const grid_shape *s, const grid_axes *ax, size_t k, int l0, int l1) {
    if (w->k != SIZE_MAX && k == w->k + 1 && w->v[0] + 1 < ax->n[0]) { /* the next voxel of the row */
        w->k = k, w->v[0]++;
        return;
    }
    size_t r = k / ax->n[0];
    uint32_t y = (uint32_t)(r % ax->n[1]), z = (uint32_t)(r / ax->n[1]);
    int same = w->k != SIZE_MAX && y == w->v[1] && z == w->v[2];
    w->k = k, w->v[0] = (uint32_t)(k - r * ax->n[0]), w->v[1] = y, w->v[2] = z;
    if (same) return;
    for (int l = l0; l < l1; l++) {
        size_t F = (size_t)s->feats, sy = F * (size_t)s->res[l][0], sz = sy * (size_t)s->res[l][1];
        size_t base = ((size_t)ax->node[l][2][z] * (size_t)s->res[l][1] + (size_t)ax->node[l][1][y]) * sy;
        w->row[l][0] = base, w->row[l][1] = base + sy, w->row[l][2] = base + sz, w->row[l][3] = base + sy + sz;
        w->ty[l] = ax->frac[l][1][y], w->tz[l] = ax->frac[l][2][z];
    }
}

/* The 8 corner offsets (in floats, relative to the level's base; corner c
 * at x + (c & 1), y + (c >> 1 & 1), z + (c >> 2)) and weights of w's voxel
 * in level l: the shared geometry of forward and backward. A weight is
 * (wx wy) wz, each w the fraction or its complement. */
static void corners(const grid_shape *s, const grid_axes *ax, const walk *w, int l, size_t at[8], float wt[8]) {
    size_t F = (size_t)s->feats, x = (size_t)ax->node[l][0][w->v[0]] * F;
    float tx = ax->frac[l][0][w->v[0]], ty = w->ty[l], tz = w->tz[l];
    float wxy[4] = {(1.0f - tx) * (1.0f - ty), tx * (1.0f - ty), (1.0f - tx) * ty, tx * ty};
    for (int c = 0; c < 8; c++) {
        at[c] = w->row[l][c >> 1] + x + (c & 1 ? F : 0);
        wt[c] = wxy[c & 3] * (c & 4 ? tz : 1.0f - tz);
    }
}

void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const grid_axes *ax,
                         const uint32_t *idx, size_t first, int n) {
    int L = s->levels, F = s->feats;
#pragma omp parallel if (n > 4096)
    {
        walk w = {.k = SIZE_MAX};
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            float *o = out + (size_t)i * L * F;
            walk_to(&w, s, ax, idx ? idx[i] : first + (size_t)i, 0, L);
            for (int l = 0; l < L; l++) {
                size_t at[8];
                float wt[8];
                corners(s, ax, &w, l, at, wt);
                const float *g = grid + s->off[l];
                for (int f = 0; f < F; f++) {
                    float acc = 0.0f;
                    for (int c = 0; c < 8; c++) acc += wt[c] * g[at[c] + f];
                    o[l * F + f] = acc;
                }
            }
        }
    }
}

void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const grid_axes *ax,
                          const uint32_t *idx, size_t first, int n) {
    int L = s->levels, F = s->feats;
#pragma omp parallel for schedule(dynamic, 1)
    for (int l = 0; l < L; l++) {
        float *dg = dgrid + s->off[l];
        walk w = {.k = SIZE_MAX};
        for (int i = 0; i < n; i++) {
            size_t at[8];
            float wt[8];
            walk_to(&w, s, ax, idx ? idx[i] : first + (size_t)i, l, l + 1);
            corners(s, ax, &w, l, at, wt);
            const float *d = dout + (size_t)i * L * F + l * F;
            for (int f = 0; f < F; f++)
                for (int c = 0; c < 8; c++) dg[at[c] + f] += wt[c] * d[f];
        }
    }
}
