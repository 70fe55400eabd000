/* Multi-resolution trilinear feature lookup (see grid_interp.h). */
#include "grid_interp.h"

#include <stdlib.h>
#include <string.h>

size_t grid_shape_init(grid_shape *s) {
    if (s->levels < 1 || s->levels > GRID_MAX_LEVELS || s->feats < 1) return 0;
    memset(s->keys, 0, sizeof s->keys);
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

/* Steps w to voxel k (the first step: w->k = SIZE_MAX) for levels [l0, l1);
 * 1 when k starts another row than the last voxel's (or is the first). */
static int walk_to(walk *w, const grid_shape *s, const grid_axes *ax, size_t k, int l0, int l1) {
    if (w->k != SIZE_MAX && k == w->k + 1 && w->v[0] + 1 < ax->n[0]) { /* the next voxel of the row */
        w->k = k, w->v[0]++;
        return 0;
    }
    size_t r = k / ax->n[0];
    uint32_t y = (uint32_t)(r % ax->n[1]), z = (uint32_t)(r / ax->n[1]);
    int same = w->k != SIZE_MAX && y == w->v[1] && z == w->v[2];
    w->k = k, w->v[0] = (uint32_t)(k - r * ax->n[0]), w->v[1] = y, w->v[2] = z;
    if (same) return 0;
    for (int l = l0; l < l1; l++) {
        size_t F = (size_t)s->feats, sy = F * (size_t)s->res[l][0], sz = sy * (size_t)s->res[l][1];
        size_t base = ((size_t)ax->node[l][2][z] * (size_t)s->res[l][1] + (size_t)ax->node[l][1][y]) * sy;
        w->row[l][0] = base, w->row[l][1] = base + sy, w->row[l][2] = base + sz, w->row[l][3] = base + sy + sz;
        w->ty[l] = ax->frac[l][1][y], w->tz[l] = ax->frac[l][2][z];
    }
    return 1;
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

/* Keys' kernel at distance d in [0, 2) from a node, *da its derivative in a. */
static float keys_weight(float a, float d, float *da) {
    if (d < 1.0f) {
        *da = (d - 1.0f) * d * d;
        return ((a + 2.0f) * d - (a + 3.0f)) * d * d + 1.0f;
    }
    *da = ((d - 5.0f) * d + 8.0f) * d - 4.0f;
    return a * *da;
}

int grid_axis_taps(const grid_shape *s, const grid_axes *ax, int l, int a, uint32_t v, int32_t node[4],
                   float w[4], float dw[4]) {
    int i = ax->node[l][a][v], r = s->res[l][a];
    float t = ax->frac[l][a][v], k = s->keys[l][a], unused[4];
    if (!dw) dw = unused;
    if (t == 0.0f || t == 1.0f) { /* on a node: that node alone, whatever the kernel */
        node[0] = t == 0.0f ? i : i + 1, w[0] = 1.0f, dw[0] = 0.0f;
        return 1;
    }
    if (!(k < 0.0f)) {
        node[0] = i, w[0] = 1.0f - t, node[1] = i + 1, w[1] = t, dw[0] = dw[1] = 0.0f;
        return 2;
    }
    const float d[4] = {1.0f + t, t, 1.0f - t, 2.0f - t}; /* nodes i - 1 .. i + 2 */
    for (int j = 0; j < 4; j++) {
        int q = i - 1 + j;
        node[j] = q < 0 ? 0 : q >= r ? r - 1 : q;
        w[j] = keys_weight(k, d[j], &dw[j]);
    }
    return 4;
}

/* A cubic level's x taps for each x of the volume, made once a call where
 * the call reads at least a row's worth of voxels: the lookup and its
 * backward read a row's voxels one after another, each reading its x taps
 * (the kernel at 4 distances: grid_axis_taps) at each cubic level, about a
 * tenth of the latent fit's time on the chest CT (perf; issue 17). Made once
 * an x they are the same floats; without a table (memory short, or a short
 * call) each voxel makes its own. */
typedef struct {
    int32_t node[4];
    float w[4], dw[4];
    int n;
} x_taps;

static x_taps *x_taps_make(const grid_shape *s, const grid_axes *ax, int l, int n) {
    x_taps *t = (uint32_t)n >= ax->n[0] ? malloc(ax->n[0] * sizeof *t) : NULL;
    for (uint32_t x = 0; t && x < ax->n[0]; x++) t[x].n = grid_axis_taps(s, ax, l, 0, x, t[x].node, t[x].w, t[x].dw);
    return t;
}

/* Voxel x's taps at level l: table's, or made in own. */
static inline const x_taps *x_taps_at(const x_taps *table, const grid_shape *s, const grid_axes *ax, int l,
                                      uint32_t x, x_taps *own) {
    if (table) return table + x;
    own->n = grid_axis_taps(s, ax, l, 0, x, own->node, own->w, own->dw);
    return own;
}

static int level_is_cubic(const grid_shape *s, int l) {
    return s->keys[l][0] < 0.0f || s->keys[l][1] < 0.0f || s->keys[l][2] < 0.0f;
}

/* A cubic level seen from one voxel row: the node rows its y and z taps
 * read (offsets in floats from the level's base), their weights wy wz, and
 * those weights' derivatives in keys[l][1] and keys[l][2]. A row's voxels
 * all read the same node rows, so the forward collapses them into one line
 * of nodes along x once a row (line[x] = sum of w g), and a voxel reads its
 * x taps from the line; the backward gathers a row's gradient on such a line
 * and spreads it over the node rows once. */
typedef struct {
    int n;
    size_t at[16];
    float w[16], dwy[16], dwz[16];
} yz_taps;

static void yz_taps_of(const grid_shape *s, const grid_axes *ax, const uint32_t v[3], int l, yz_taps *t) {
    int32_t ky[4], kz[4];
    float wy[4], wz[4], dy[4], dz[4];
    int ny = grid_axis_taps(s, ax, l, 1, v[1], ky, wy, dy), nz = grid_axis_taps(s, ax, l, 2, v[2], kz, wz, dz);
    size_t sy = (size_t)s->feats * (size_t)s->res[l][0], sz = sy * (size_t)s->res[l][1];
    t->n = 0;
    for (int c = 0; c < nz; c++)
        for (int b = 0; b < ny; b++, t->n++) {
            t->at[t->n] = (size_t)kz[c] * sz + (size_t)ky[b] * sy;
            t->w[t->n] = wy[b] * wz[c], t->dwy[t->n] = dy[b] * wz[c], t->dwz[t->n] = wy[b] * dz[c];
        }
}

/* Node i of the line of t's rows: the sum of weight times row, in one
 * order, whether a line is kept or not (the same bits either way). */
static inline float line_value(const float *g, const yz_taps *t, size_t i) {
    float v = t->w[0] * g[t->at[0] + i];
    for (int m = 1; m < t->n; m++) v += t->w[m] * g[t->at[m] + i];
    return v;
}

void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const grid_axes *ax,
                         const uint32_t *idx, size_t first, int n) {
    int L = s->levels, F = s->feats;
    size_t line_at[GRID_MAX_LEVELS + 1] = {0}; /* each cubic level's line in a thread's lines */
    x_taps *xt[GRID_MAX_LEVELS] = {0};
    for (int l = 0; l < L; l++) {
        line_at[l + 1] = line_at[l] + (level_is_cubic(s, l) ? (size_t)s->res[l][0] * F : 0);
        if (line_at[l + 1] > line_at[l]) xt[l] = x_taps_make(s, ax, l, n);
    }
#pragma omp parallel if (n > 4096)
    {
        walk w = {.k = SIZE_MAX};
        yz_taps t[GRID_MAX_LEVELS];
        /* without its lines (a few kilobytes) a thread reads the rows at each voxel */
        float *lines = line_at[L] ? malloc(line_at[L] * sizeof *lines) : NULL;
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            float *o = out + (size_t)i * L * F;
            int fresh = walk_to(&w, s, ax, idx ? idx[i] : first + (size_t)i, 0, L);
            for (int l = 0; l < L; l++) {
                const float *g = grid + s->off[l];
                if (line_at[l + 1] > line_at[l]) {
                    float *line = lines ? lines + line_at[l] : NULL;
                    if (fresh) {
                        yz_taps_of(s, ax, w.v, l, &t[l]);
                        for (size_t k = 0; line && k < line_at[l + 1] - line_at[l]; k++)
                            line[k] = line_value(g, &t[l], k);
                    }
                    x_taps own;
                    const x_taps *x = x_taps_at(xt[l], s, ax, l, w.v[0], &own);
                    for (int f = 0; f < F; f++) {
                        float acc = 0.0f;
                        for (int j = 0; j < x->n; j++) {
                            size_t k = (size_t)x->node[j] * F + f;
                            acc += x->w[j] * (line ? line[k] : line_value(g, &t[l], k));
                        }
                        o[l * F + f] = acc;
                    }
                    continue;
                }
                size_t at[8];
                float wt[8];
                corners(s, ax, &w, l, at, wt);
                for (int f = 0; f < F; f++) {
                    float acc = 0.0f;
                    for (int c = 0; c < 8; c++) acc += wt[c] * g[at[c] + f];
                    o[l * F + f] = acc;
                }
            }
        }
        free(lines);
    }
    for (int l = 0; l < L; l++) free(xt[l]);
}

/* A cubic level's backward state for one row: the gradient gathered on its
 * line (dl) and, learning the kernel (learn), on the line through the x
 * weights' derivatives (dlx), over nodes [lo, hi] of the line. */
typedef struct {
    yz_taps t;
    float *dl, *dlx;
    int lo, hi, learn;
    double dk[3];
} cubic_back;

/* Spreads cb's row over the node rows (dg) and adds its share of the
 * kernel's gradient (g the level's values; dlx NULL: not learning). */
static void cubic_flush(cubic_back *cb, float *dg, const float *g, int F) {
    const yz_taps *t = &cb->t;
    for (size_t i = (size_t)cb->lo * F; cb->lo <= cb->hi && i < (size_t)(cb->hi + 1) * F; i++) {
        float d = cb->dl[i];
        for (int m = 0; m < t->n; m++) dg[t->at[m] + i] += t->w[m] * d;
        if (cb->dlx) {
            float dx = cb->dlx[i];
            for (int m = 0; m < t->n; m++) {
                float v = g[t->at[m] + i];
                cb->dk[0] += (double)(t->w[m] * v * dx);
                cb->dk[1] += (double)(t->dwy[m] * v * d);
                cb->dk[2] += (double)(t->dwz[m] * v * d);
            }
            cb->dlx[i] = 0.0f;
        }
        cb->dl[i] = 0.0f;
    }
    cb->lo = INT32_MAX, cb->hi = -1;
}

/* One voxel's part of a cubic level's backward, straight onto the nodes
 * (a backward that could not keep its line; the same sums in another order). */
static void voxel_backward(cubic_back *cb, float *dg, const float *g, const float *d, int F, const int32_t *kx,
                           const float *wx, const float *dwx, int nx) {
    const yz_taps *t = &cb->t;
    for (int j = 0; j < nx; j++)
        for (int f = 0; f < F; f++) {
            size_t k = (size_t)kx[j] * F + f;
            for (int m = 0; m < t->n; m++) {
                dg[t->at[m] + k] += t->w[m] * wx[j] * d[f];
                if (!cb->learn) continue;
                float v = g[t->at[m] + k] * d[f];
                cb->dk[0] += (double)(t->w[m] * dwx[j] * v);
                cb->dk[1] += (double)(t->dwy[m] * wx[j] * v);
                cb->dk[2] += (double)(t->dwz[m] * wx[j] * v);
            }
        }
}

/* Level l's backward, a cubic level's: dg += its part of the transpose,
 * dk[a] += d loss / d keys[l][a] when dk is not NULL. */
static void cubic_backward(float *dg, double dk[3], const float *g, const float *dout, const grid_shape *s,
                           const grid_axes *ax, const uint32_t *idx, size_t first, int n, int l) {
    int L = s->levels, F = s->feats;
    size_t len = (size_t)s->res[l][0] * F;
    /* the row's gradient on a line of the level (a few kilobytes) */
    float *lines = calloc(len * (dk ? 2 : 1), sizeof *lines);
    cubic_back cb = {.dl = lines, .dlx = dk && lines ? lines + len : NULL, .lo = INT32_MAX, .hi = -1,
                     .learn = dk != NULL};
    x_taps *xt = x_taps_make(s, ax, l, n);
    walk w = {.k = SIZE_MAX};
    for (int i = 0; i < n; i++) {
        if (walk_to(&w, s, ax, idx ? idx[i] : first + (size_t)i, l, l + 1)) {
            if (lines) cubic_flush(&cb, dg, g, F);
            yz_taps_of(s, ax, w.v, l, &cb.t);
        }
        x_taps own;
        const x_taps *x = x_taps_at(xt, s, ax, l, w.v[0], &own);
        const int32_t *kx = x->node;
        const float *wx = x->w, *dwx = x->dw;
        const int nx = x->n;
        const float *d = dout + (size_t)i * L * F + l * F;
        if (!lines) {
            voxel_backward(&cb, dg, g, d, F, kx, wx, dwx, nx);
            continue;
        }
        for (int j = 0; j < nx; j++) {
            cb.lo = kx[j] < cb.lo ? kx[j] : cb.lo, cb.hi = kx[j] > cb.hi ? kx[j] : cb.hi;
            for (int f = 0; f < F; f++) {
                cb.dl[(size_t)kx[j] * F + f] += wx[j] * d[f];
                if (cb.dlx) cb.dlx[(size_t)kx[j] * F + f] += dwx[j] * d[f];
            }
        }
    }
    if (lines) cubic_flush(&cb, dg, g, F);
    free(lines), free(xt);
    if (dk)
        for (int a = 0; a < 3; a++)
            if (s->keys[l][a] < 0.0f) dk[a] += cb.dk[a];
}

void grid_interp_backward_keys(float *dgrid, double dkeys[][3], const float *grid, const float *dout,
                               const grid_shape *s, const grid_axes *ax, const uint32_t *idx, size_t first,
                               int n) {
    int L = s->levels, F = s->feats;
#pragma omp parallel for schedule(dynamic, 1)
    for (int l = 0; l < L; l++) {
        float *dg = dgrid + s->off[l];
        if (level_is_cubic(s, l)) {
            cubic_backward(dg, dkeys ? dkeys[l] : NULL, grid ? grid + s->off[l] : NULL, dout, s, ax, idx, first, n,
                           l);
            continue;
        }
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

void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const grid_axes *ax,
                          const uint32_t *idx, size_t first, int n) {
    grid_interp_backward_keys(dgrid, NULL, NULL, dout, s, ax, idx, first, n);
}
