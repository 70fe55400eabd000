/* The latent mode's post-filter (post_filter.h). */
#include "post_filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "threads.h"
#include "voxel_int.h"

#define PAD 2                          /* the box's reach in x and y */
#define NEQ (POST_FILTER_TAPS + 1)     /* the taps and the offset */
#define NSYM (NEQ * (NEQ + 1) / 2)     /* the normal matrix's upper triangle */
#define FIT_GROUP 64                   /* planes whose sums are kept apart, then added in order */

/* The offsets k > 0 of the 5 x 5 x 3 box, (z, y, x) ascending. */
static const int8_t TAP[POST_FILTER_TAPS][3] = {
    {0, 0, 1},   {0, 0, 2},   {0, 1, -2},  {0, 1, -1},  {0, 1, 0},   {0, 1, 1},   {0, 1, 2},   {0, 2, -2},
    {0, 2, -1},  {0, 2, 0},   {0, 2, 1},   {0, 2, 2},   {1, -2, -2}, {1, -2, -1}, {1, -2, 0},  {1, -2, 1},
    {1, -2, 2},  {1, -1, -2}, {1, -1, -1}, {1, -1, 0},  {1, -1, 1},  {1, -1, 2},  {1, 0, -2},  {1, 0, -1},
    {1, 0, 0},   {1, 0, 1},   {1, 0, 2},   {1, 1, -2},  {1, 1, -1},  {1, 1, 0},   {1, 1, 1},   {1, 1, 2},
    {1, 2, -2},  {1, 2, -1},  {1, 2, 0},   {1, 2, 1},   {1, 2, 2}};

static int filterable(const e2ec_info *info) { return info->type != E2EC_F32 && info->vmax > info->vmin; }

/* Three planes of the decode around z (faces repeated), each padded by PAD
 * voxels in x and y, as int32: (nx + 2 PAD) x (ny + 2 PAD) each. */
typedef struct {
    uint32_t w, h;
    int32_t *p[3];
} padded_planes;

/* Plane z's neighbourhood from src, which holds planes a .. b - 1. */
static void padded_fill(padded_planes *pp, const e2ec_info *info, const void *src, uint32_t a, uint32_t b,
                        uint32_t z) {
    const size_t nx = info->nx, ny = info->ny, plane = nx * ny;
    for (int s = 0; s < 3; s++) {
        int64_t zz = (int64_t)z + s - 1;
        zz = zz < (int64_t)a ? (int64_t)a : zz >= (int64_t)b ? (int64_t)b - 1 : zz;
        size_t base = plane * (size_t)(zz - a);
        for (size_t y = 0; y < pp->h; y++) {
            int64_t yy = (int64_t)y - PAD;
            yy = yy < 0 ? 0 : yy >= (int64_t)ny ? (int64_t)ny - 1 : yy;
            int32_t *row = pp->p[s] + y * pp->w;
            size_t from = base + (size_t)yy * nx;
            for (size_t x = 0; x < pp->w; x++) {
                int64_t xx = (int64_t)x - PAD;
                xx = xx < 0 ? 0 : xx >= (int64_t)nx ? (int64_t)nx - 1 : xx;
                row[x] = (int32_t)voxel_int(src, info->type, from + (size_t)xx);
            }
        }
    }
}

/* The taps' inputs at (x, y) of the padded plane: d(p + k) + d(p - k) - 2 d(p). */
static inline void tap_inputs(const padded_planes *pp, size_t x, size_t y, int64_t in[POST_FILTER_TAPS]) {
    size_t at = (y + PAD) * pp->w + x + PAD;
    int64_t c2 = 2 * (int64_t)pp->p[1][at];
    for (int k = 0; k < POST_FILTER_TAPS; k++) {
        ptrdiff_t d = (ptrdiff_t)TAP[k][1] * (ptrdiff_t)pp->w + TAP[k][2];
        in[k] = (int64_t)pp->p[1 + TAP[k][0]][at + d] + pp->p[1 - TAP[k][0]][at - d] - c2;
    }
}

/* floor(v / 2^s), whatever the sign (>> of a negative value is the
 * implementation's choice in C). */
static inline int64_t floor_shift(int64_t v, int s) {
    return v >= 0 ? v >> s : -((-v + ((int64_t)1 << s) - 1) >> s);
}

static inline int64_t filtered(const post_filter *f, const padded_planes *pp, size_t x, size_t y, int64_t lo,
                               int64_t hi) {
    int64_t in[POST_FILTER_TAPS], acc = f->offset + ((int64_t)1 << (POST_FILTER_SHIFT - 1));
    tap_inputs(pp, x, y, in);
    for (int k = 0; k < POST_FILTER_TAPS; k++) acc += (int64_t)f->c[k] * in[k];
    int64_t v = pp->p[1][(y + PAD) * pp->w + x + PAD] + floor_shift(acc, POST_FILTER_SHIFT);
    return v < lo ? lo : v > hi ? hi : v;
}

void post_filter_source(const e2ec_info *info, uint32_t z0, uint32_t z1, uint32_t *a, uint32_t *b) {
    *a = z0 >= POST_FILTER_REACH_Z ? z0 - POST_FILTER_REACH_Z : 0;
    *b = info->nz - z1 >= POST_FILTER_REACH_Z ? z1 + POST_FILTER_REACH_Z : info->nz;
}

/* Each thread's three padded planes, one block. */
static int32_t *scratch_alloc(const e2ec_info *info, int threads) {
    size_t one = 3 * (size_t)(info->nx + 2 * PAD) * (info->ny + 2 * PAD);
    return malloc((size_t)threads * one * sizeof(int32_t));
}

static padded_planes scratch_view(int32_t *scratch, const e2ec_info *info, int thread) {
    padded_planes pp = {info->nx + 2 * PAD, info->ny + 2 * PAD, {NULL, NULL, NULL}};
    size_t one = (size_t)pp.w * pp.h;
    for (int s = 0; s < 3; s++) pp.p[s] = scratch + one * (3 * (size_t)thread + (size_t)s);
    return pp;
}

uint64_t post_filter_apply_bytes(const e2ec_info *info, int threads) {
    return (uint64_t)(threads > 0 ? threads : 1) * 3 * (info->nx + 2 * PAD) * (info->ny + 2 * PAD) * sizeof(int32_t);
}

e2ec_status post_filter_apply(const post_filter *f, const e2ec_info *info, const void *src, uint32_t a,
                              uint32_t b, uint32_t z0, uint32_t z1, void *dst) {
    const size_t plane = (size_t)info->nx * info->ny;
    const int64_t lo = (int64_t)info->vmin, hi = (int64_t)info->vmax;
    int nt = omp_get_max_threads();
    int32_t *scratch = scratch_alloc(info, nt);
    if (!scratch) return E2EC_ERR_NOMEM;
    #pragma omp parallel num_threads(nt)
    {
        padded_planes pp = scratch_view(scratch, info, omp_get_thread_num());
        #pragma omp for schedule(static)
        for (uint32_t z = z0; z < z1; z++) {
            padded_fill(&pp, info, src, a, b, z);
            size_t o = plane * (z - z0);
            for (size_t y = 0; y < info->ny; y++)
                for (size_t x = 0; x < info->nx; x++, o++)
                    set_voxel_int(dst, info->type, o, filtered(f, &pp, x, y, lo, hi));
        }
    }
    free(scratch);
    return E2EC_OK;
}

/* Plane z's normal equations, each row's summed exactly in int64 (a row's
 * products stay below 2^63: E2EC_MAX_DIM x (2^17)^2), the rows in order in
 * double: the sums do not depend on the thread count. */
static void plane_sums(const padded_planes *pp, const e2ec_info *info, const void *orig, size_t plane_at,
                       double A[NSYM], double r[NEQ]) {
    memset(A, 0, NSYM * sizeof *A), memset(r, 0, NEQ * sizeof *r);
    int64_t ra[NSYM], rr[NEQ], in[NEQ];
    for (size_t y = 0; y < info->ny; y++) {
        memset(ra, 0, sizeof ra), memset(rr, 0, sizeof rr);
        for (size_t x = 0; x < info->nx; x++) {
            tap_inputs(pp, x, y, in);
            in[POST_FILTER_TAPS] = 1;
            int64_t d = pp->p[1][(y + PAD) * pp->w + x + PAD];
            int64_t e = voxel_int(orig, info->type, plane_at + y * info->nx + x) - d;
            for (int i = 0, at = 0; i < NEQ; i++) {
                rr[i] += in[i] * e;
                for (int j = i; j < NEQ; j++) ra[at++] += in[i] * in[j];
            }
        }
        for (int i = 0; i < NSYM; i++) A[i] += (double)ra[i];
        for (int i = 0; i < NEQ; i++) r[i] += (double)rr[i];
    }
}

/* Solves A w = r (A packed upper, positive definite after a ridge of 1e-9 of
 * its mean diagonal) by Cholesky; 0 where A is not. */
static int solve(const double A[NSYM], const double r[NEQ], double w[NEQ]) {
    double L[NEQ][NEQ] = {{0}}, M[NEQ][NEQ], tr = 0;
    for (int i = 0, at = 0; i < NEQ; i++)
        for (int j = i; j < NEQ; j++, at++) M[i][j] = M[j][i] = A[at];
    for (int i = 0; i < NEQ; i++) tr += M[i][i];
    for (int i = 0; i < NEQ; i++) M[i][i] += 1e-9 * tr / NEQ;
    for (int i = 0; i < NEQ; i++)
        for (int j = 0; j <= i; j++) {
            double s = M[i][j];
            for (int k = 0; k < j; k++) s -= L[i][k] * L[j][k];
            if (i == j) {
                if (!(s > 0.0)) return 0;
                L[i][i] = sqrt(s);
            } else L[i][j] = s / L[j][j];
        }
    double t[NEQ];
    for (int i = 0; i < NEQ; i++) {
        double s = r[i];
        for (int k = 0; k < i; k++) s -= L[i][k] * t[k];
        t[i] = s / L[i][i];
    }
    for (int i = NEQ - 1; i >= 0; i--) {
        double s = t[i];
        for (int k = i + 1; k < NEQ; k++) s -= L[k][i] * w[k];
        w[i] = s / L[i][i];
    }
    return 1;
}

/* The squared error (stored units) of the decode (se[2 z]) and of its
 * filtered decode (se[2 z + 1]) per plane z: a plane's below 2^63 (2^28
 * voxels x 2^32). */
static void plane_errors(const post_filter *f, const e2ec_info *info, const void *orig, const void *dec,
                         int32_t *scratch, int64_t *se) {
    const size_t plane = (size_t)info->nx * info->ny;
    const int64_t lo = (int64_t)info->vmin, hi = (int64_t)info->vmax;
    #pragma omp parallel
    {
        padded_planes pp = scratch_view(scratch, info, omp_get_thread_num());
        #pragma omp for schedule(static)
        for (uint32_t z = 0; z < info->nz; z++) {
            padded_fill(&pp, info, dec, 0, info->nz, z);
            int64_t sb = 0, sa = 0;
            size_t o = plane * z;
            for (size_t y = 0; y < info->ny; y++)
                for (size_t x = 0; x < info->nx; x++, o++) {
                    int64_t t = voxel_int(orig, info->type, o), d = voxel_int(dec, info->type, o);
                    int64_t v = filtered(f, &pp, x, y, lo, hi);
                    sb += (t - d) * (t - d), sa += (t - v) * (t - v);
                }
            se[2 * (size_t)z] = sb, se[2 * (size_t)z + 1] = sa;
        }
    }
}

uint64_t post_filter_fit_bytes(const e2ec_info *info, int threads) {
    return post_filter_apply_bytes(info, threads) + (uint64_t)FIT_GROUP * (NSYM + NEQ) * sizeof(double) +
           2ull * info->nz * sizeof(int64_t);
}

e2ec_status post_filter_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                            int threads, post_filter *f, double *gain) {
    memset(f, 0, sizeof *f);
    if (gain) *gain = 0.0;
    if (!filterable(info)) return E2EC_OK;
    int saved = threads_enter(threads), nt = omp_get_max_threads();
    int32_t *scratch = scratch_alloc(info, nt);
    double *sums = malloc((size_t)FIT_GROUP * (NSYM + NEQ) * sizeof *sums);
    e2ec_status st = scratch && sums ? E2EC_OK : E2EC_ERR_NOMEM;
    double A[NSYM] = {0}, r[NEQ] = {0}, w[NEQ];
    const size_t plane = (size_t)info->nx * info->ny;
    for (uint32_t g = 0; g < info->nz && !st; g += FIT_GROUP) {
        uint32_t ge = info->nz - g < FIT_GROUP ? info->nz : g + FIT_GROUP;
        #pragma omp parallel num_threads(nt)
        {
            padded_planes pp = scratch_view(scratch, info, omp_get_thread_num());
            #pragma omp for schedule(static)
            for (uint32_t z = g; z < ge; z++) {
                padded_fill(&pp, info, dec, 0, info->nz, z);
                double *s = sums + (size_t)(z - g) * (NSYM + NEQ);
                plane_sums(&pp, info, in->data, plane * z, s, s + NSYM);
            }
        }
        for (uint32_t z = g; z < ge; z++) { /* in plane order */
            const double *s = sums + (size_t)(z - g) * (NSYM + NEQ);
            for (int i = 0; i < NSYM; i++) A[i] += s[i];
            for (int i = 0; i < NEQ; i++) r[i] += s[NSYM + i];
        }
    }
    if (!st && solve(A, r, w)) {
        const double one = (double)(1 << POST_FILTER_SHIFT);
        for (int k = 0; k < POST_FILTER_TAPS; k++) {
            double c = nearbyint(w[k] * one);
            f->c[k] = (int16_t)(c < -32767.0 ? -32767.0 : c > 32767.0 ? 32767.0 : c);
        }
        double o = nearbyint(w[POST_FILTER_TAPS] * one);
        f->offset = (int32_t)(o < -2147483647.0 ? -2147483647.0 : o > 2147483647.0 ? 2147483647.0 : o);
        double before = 0, after = 0, range = info->vmax - info->vmin;
        int64_t *se = malloc(2 * (size_t)info->nz * sizeof *se);
        if (!se) st = E2EC_ERR_NOMEM;
        else plane_errors(f, info, in->data, dec, scratch, se);
        for (uint32_t z = 0; z < info->nz && se; z++) /* in plane order */
            before += (double)se[2 * (size_t)z], after += (double)se[2 * (size_t)z + 1];
        free(se);
        /* it pays where the squared error removed, over range^2, exceeds
         * lambda times the bytes it adds to the stream */
        double pays = (before - after) / (range * range) - lambda * 8.0 * (POST_FILTER_BYTES - 1);
        f->on = !st && pays > 0.0;
        if (f->on && gain) *gain = pays;
    }
    if (!f->on) memset(f, 0, sizeof *f);
    free(scratch), free(sums);
    threads_leave(saved);
    return st;
}

e2ec_status post_filter_check(const post_filter *f, const e2ec_info *info) {
    return f->on && !filterable(info) ? E2EC_ERR_MISMATCH : E2EC_OK;
}

size_t post_filter_bytes(const post_filter *f) { return f->on ? POST_FILTER_BYTES : 1; }

void post_filter_write(uint8_t *p, const post_filter *f) {
    if (f->on) {
        for (int k = 0; k < POST_FILTER_TAPS; k++) put_u16(p + 2 * k, (uint16_t)f->c[k]);
        put_u32(p + 2 * POST_FILTER_TAPS, (uint32_t)f->offset);
    }
    p[post_filter_bytes(f) - 1] = f->on ? POST_FILTER_BOX : POST_FILTER_NONE;
}

e2ec_status post_filter_read(const uint8_t *p, size_t n, const e2ec_info *info, post_filter *f, size_t *used) {
    memset(f, 0, sizeof *f);
    *used = 0;
    if (n < 1) return E2EC_ERR_TRUNCATED;
    if (p[n - 1] == POST_FILTER_NONE) return *used = 1, E2EC_OK;
    if (p[n - 1] != POST_FILTER_BOX) return E2EC_ERR_HEADER;
    if (n < POST_FILTER_BYTES) return E2EC_ERR_TRUNCATED;
    if (!filterable(info)) return E2EC_ERR_MISMATCH;
    p += n - POST_FILTER_BYTES;
    f->on = 1;
    for (int k = 0; k < POST_FILTER_TAPS; k++) f->c[k] = (int16_t)get_u16(p + 2 * k);
    f->offset = (int32_t)get_u32(p + 2 * POST_FILTER_TAPS);
    *used = POST_FILTER_BYTES;
    return E2EC_OK;
}
