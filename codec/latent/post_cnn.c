/* The latent mode's post-network (post_cnn.h). */
#include "post_cnn.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "bytes_le.h"
#include "ent/int_code.h"
#include "nn/conv2d.h"
#include "rng.h"
#include "threads.h"
#include "volume_norm.h"
#include "voxel_int.h"

#define R POST_CNN_REACH
/* The fit scores a network on SCORE_RUNS runs of SCORE_RUN planes spread
 * evenly over the volume (all of a volume of fewer planes than they hold),
 * its gain scaled to the volume: a quarter of the chest CT, where scoring
 * every plane for each of the NQBITS precisions took a tenth of the encode. */
#define SCORE_RUNS 8
#define SCORE_RUN 2
#define SCORE_PLANES (SCORE_RUNS * SCORE_RUN)

/* Candidate precisions of the coded weights: a tensor's largest weight gets
 * this many bits (and a sign); the fit keeps the one that pays best. */
static const int QBITS[] = {8, 6, 4};
#define NQBITS ((int)(sizeof QBITS / sizeof *QBITS))

static int usable(const e2ec_info *info) { return info->type != E2EC_F32 && info->vmax > info->vmin; }

/* The six tensors of a C-channel network: their sizes, in stream order. */
static void tensor_sizes(int c, size_t n[POST_CNN_TENSORS]) {
    n[0] = 27 * (size_t)c, n[1] = (size_t)c, n[2] = 9 * (size_t)c * c, n[3] = (size_t)c, n[4] = 9 * (size_t)c,
    n[5] = 1;
}

typedef struct {
    const float *t[POST_CNN_TENSORS]; /* W1 b1 W2 b2 W3 b3 */
} views;

static views views_of(const float *w, int c) {
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(c, n);
    views v;
    for (int i = 0; i < POST_CNN_TENSORS; i++) v.t[i] = w, w += n[i];
    return v;
}

/* Voxel i of v as the network reads it: (v - vmin) / (vmax - vmin), inv the
 * range's inverse. */
static inline float normalised(const e2ec_info *info, const void *v, size_t i, float inv) {
    return (float)(voxel_int(v, info->type, i) - (int64_t)info->vmin) * inv;
}

/* The network's input around plane z: planes z - 1, z, z + 1 of src (which
 * holds planes [a, b); others clamped into it), rows y0 .. y0 + hh - 1 and
 * columns x0 .. x0 + ww - 1 (clamped into the plane), normalised. */
static void fill_input(const e2ec_info *info, const void *src, uint32_t a, uint32_t b, uint32_t z, int64_t y0,
                       int64_t x0, int hh, int ww, float *x) {
    const size_t nx = info->nx, ny = info->ny, plane = nx * ny;
    const float inv = (float)(1.0 / (info->vmax - info->vmin));
    for (int s = 0; s < 3; s++) {
        int64_t zz = (int64_t)z + s - 1;
        zz = zz < (int64_t)a ? (int64_t)a : zz >= (int64_t)b ? (int64_t)b - 1 : zz;
        size_t base = plane * (size_t)(zz - a);
        for (int j = 0; j < hh; j++) {
            int64_t yy = y0 + j;
            yy = yy < 0 ? 0 : yy >= (int64_t)ny ? (int64_t)ny - 1 : yy;
            float *row = x + ((size_t)s * hh + j) * ww;
            size_t from = base + (size_t)yy * nx;
            for (int i = 0; i < ww; i++) {
                int64_t xx = x0 + i;
                xx = xx < 0 ? 0 : xx >= (int64_t)nx ? (int64_t)nx - 1 : xx;
                row[i] = normalised(info, src, from + (size_t)xx, inv);
            }
        }
    }
}

static void relu_inplace(float *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = v[i] > 0.0f ? v[i] : 0.0f;
}

/* The network on x (3 planes of (h + 2R) x (wd + 2R)): its residual, h x wd,
 * into y; r1, r2 the hidden layers (C planes of (h + 4) x (wd + 4) and
 * (h + 2) x (wd + 2)), relu'd. The decode's order of operations. */
static void forward(const views *v, int c, const float *x, int h, int wd, float *r1, float *r2, float *y) {
    conv2d_forward(r1, x, v->t[0], v->t[1], 3, c, h + 6, wd + 6);
    relu_inplace(r1, (size_t)c * (h + 4) * (wd + 4));
    conv2d_forward(r2, r1, v->t[2], v->t[3], c, c, h + 4, wd + 4);
    relu_inplace(r2, (size_t)c * (h + 2) * (wd + 2));
    conv2d_forward(y, r2, v->t[4], v->t[5], c, 1, h + 2, wd + 2);
}

size_t post_cnn_patch_floats(int c, int p) {
    size_t s1 = (size_t)(p + 4) * (p + 4), s2 = (size_t)(p + 2) * (p + 2), s3 = (size_t)p * p;
    return 2 * (size_t)c * s1 + 2 * (size_t)c * s2 + 2 * s3 + conv2d_col_floats(3, p + 6, p + 6) +
           conv2d_col_floats(c, p + 4, p + 4) + conv2d_col_floats(c, p + 2, p + 2);
}

double post_cnn_patch(const float *w, int c, const float *x, const float *t, int p, float scale, float *g,
                      float *h) {
    const size_t s1 = (size_t)(p + 4) * (p + 4), s2 = (size_t)(p + 2) * (p + 2), s3 = (size_t)p * p;
    float *r1 = h, *r2 = r1 + c * s1, *y = r2 + c * s2, *dy = y + s3, *dr2 = dy + s3, *dr1 = dr2 + c * s2;
    float *col1 = dr1 + c * s1, *col2 = col1 + conv2d_col_floats(3, p + 6, p + 6);
    float *col3 = col2 + conv2d_col_floats(c, p + 4, p + 4);
    views v = views_of(w, c);
    /* training's forward (conv2d_forward_gemm), its columns kept for the backward */
    conv2d_forward_gemm(r1, x, v.t[0], v.t[1], 3, c, p + 6, p + 6, col1);
    relu_inplace(r1, c * s1);
    conv2d_forward_gemm(r2, r1, v.t[2], v.t[3], c, c, p + 4, p + 4, col2);
    relu_inplace(r2, c * s2);
    conv2d_forward_gemm(y, r2, v.t[4], v.t[5], c, 1, p + 2, p + 2, col3);
    const float *xc = x + (size_t)(p + 6) * (p + 6);
    double se = 0.0;
    for (int j = 0; j < p; j++)
        for (int i = 0; i < p; i++) {
            size_t k = (size_t)j * p + i;
            float o = y[k] + xc[(size_t)(j + R) * (p + 6) + i + R], tv = t[k];
            float e = (o < 0.0f ? 0.0f : o > 1.0f ? 1.0f : o) - tv;
            se += (double)e * e;
            /* as the latent fit's distortion: no gradient where the clamp
             * already meets the target, the unclamped error's elsewhere */
            dy[k] = e == 0.0f ? 0.0f : 2.0f * (o - tv) * scale;
        }
    if (!g) return se;
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(c, n);
    float *gt[POST_CNN_TENSORS];
    for (int i = 0; i < POST_CNN_TENSORS; i++) gt[i] = g, g += n[i];
    memset(dr2, 0, c * s2 * sizeof *dr2);
    conv2d_backward(dr2, gt[4], gt[5], dy, col3, v.t[4], c, 1, p + 2, p + 2);
    for (size_t k = 0; k < c * s2; k++) dr2[k] = r2[k] > 0.0f ? dr2[k] : 0.0f;
    memset(dr1, 0, c * s1 * sizeof *dr1);
    conv2d_backward(dr1, gt[2], gt[3], dr2, col2, v.t[2], c, c, p + 4, p + 4);
    for (size_t k = 0; k < c * s1; k++) dr1[k] = r1[k] > 0.0f ? dr1[k] : 0.0f;
    conv2d_backward(NULL, gt[0], gt[1], dr1, col1, v.t[0], 3, c, p + 6, p + 6);
    return se;
}

/* post_cnn_apply's floats a thread: its input, hidden layers and output for a whole plane. */
static size_t apply_floats(const e2ec_info *info, int c) {
    size_t h = info->ny, wd = info->nx;
    return 3 * (h + 6) * (wd + 6) + (size_t)c * (h + 4) * (wd + 4) + (size_t)c * (h + 2) * (wd + 2) + h * wd;
}

uint64_t post_cnn_apply_bytes(const e2ec_info *info, int channels, int threads) {
    return (uint64_t)threads * apply_floats(info, channels) * sizeof(float);
}

e2ec_status post_cnn_apply(const post_cnn *c, const e2ec_info *info, const void *src, uint32_t a, uint32_t b,
                           uint32_t z0, uint32_t z1, void *dst) {
    const int nt = omp_get_max_threads(), ch = c->channels, h = (int)info->ny, wd = (int)info->nx;
    const size_t per = apply_floats(info, ch), plane = (size_t)info->nx * info->ny;
    const size_t vs = e2ec_voxel_size(info->type);
    float *scratch = malloc((size_t)nt * per * sizeof *scratch);
    if (!scratch) return E2EC_ERR_NOMEM;
    views v = views_of(c->w, ch);
    #pragma omp parallel num_threads(nt)
    {
        float *x = scratch + (size_t)omp_get_thread_num() * per;
        float *r1 = x + 3 * (size_t)(h + 6) * (wd + 6), *r2 = r1 + (size_t)ch * (h + 4) * (wd + 4);
        float *y = r2 + (size_t)ch * (h + 2) * (wd + 2);
        #pragma omp for schedule(dynamic, 1)
        for (uint32_t z = z0; z < z1; z++) {
            fill_input(info, src, a, b, z, -R, -R, h + 6, wd + 6, x);
            forward(&v, ch, x, h, wd, r1, r2, y);
            const float *xc = x + (size_t)(h + 6) * (wd + 6);
            for (int j = 0; j < h; j++)
                for (int i = 0; i < wd; i++) y[(size_t)j * wd + i] += xc[(size_t)(j + R) * (wd + 6) + i + R];
            normalised_to_stored(y, plane, info->vmin, info->vmax, info->type, info->bits_stored,
                                 (uint8_t *)dst + plane * vs * (z - z0));
        }
    }
    free(scratch);
    return E2EC_OK;
}

/* The weights as integers k = w 2^q; E2EC_ERR_ARG when one is not a whole
 * number of its step or is past POST_CNN_MAX_K. */
static e2ec_status to_ints(const post_cnn *c, int32_t *k) {
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(c->channels, n);
    const float *w = c->w;
    for (int t = 0; t < POST_CNN_TENSORS; t++) {
        if (c->q[t] > POST_CNN_MAX_Q) return E2EC_ERR_ARG;
        for (size_t i = 0; i < n[t]; i++, w++, k++) {
            double v = ldexp((double)*w, c->q[t]);
            if (v != nearbyint(v) || fabs(v) > POST_CNN_MAX_K) return E2EC_ERR_ARG;
            *k = (int32_t)v;
        }
    }
    return E2EC_OK;
}

/* The coded weights' orders and bits. */
static uint64_t coded_bits(const post_cnn *c, const int32_t *k, uint8_t order[POST_CNN_TENSORS]) {
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(c->channels, n);
    uint64_t bits = 0;
    for (int t = 0; t < POST_CNN_TENSORS; k += n[t], t++) {
        order[t] = (uint8_t)int_code_order(k, n[t]);
        bits += int_code_bits(k, n[t], order[t]);
    }
    return bits;
}

size_t post_cnn_bytes(const post_cnn *c) {
    int32_t k[POST_CNN_SIZE(POST_CNN_MAX_CHANNELS)];
    uint8_t order[POST_CNN_TENSORS];
    if (c->channels < 1 || c->channels > POST_CNN_MAX_CHANNELS || to_ints(c, k)) return 0;
    return POST_CNN_FIXED + int_code_bytes(coded_bits(c, k, order)) + 3;
}

e2ec_status post_cnn_write(uint8_t *p, size_t n, const post_cnn *c) {
    int32_t k[POST_CNN_SIZE(POST_CNN_MAX_CHANNELS)];
    uint8_t order[POST_CNN_TENSORS];
    if (c->channels < 1 || c->channels > POST_CNN_MAX_CHANNELS) return E2EC_ERR_ARG;
    e2ec_status st = to_ints(c, k);
    if (st) return st;
    size_t coded = int_code_bytes(coded_bits(c, k, order)), body = POST_CNN_FIXED + coded;
    if (body > 0xFFFF) return E2EC_ERR_LIMIT;
    if (n != body + 3) return E2EC_ERR_ARG;
    memset(p, 0, n);
    p[0] = (uint8_t)c->channels;
    memcpy(p + 1, c->q, POST_CNN_TENSORS), memcpy(p + 1 + POST_CNN_TENSORS, order, POST_CNN_TENSORS);
    size_t sz[POST_CNN_TENSORS];
    tensor_sizes(c->channels, sz);
    int_writer w = {p + POST_CNN_FIXED, coded, 0};
    const int32_t *at = k;
    for (int t = 0; t < POST_CNN_TENSORS && !st; at += sz[t], t++) st = int_code_write(&w, at, sz[t], order[t]);
    if (st) return st;
    put_u16(p + body, (uint32_t)body);
    p[body + 2] = POST_CNN_KIND;
    return E2EC_OK;
}

e2ec_status post_cnn_read(const uint8_t *p, size_t n, const e2ec_info *info, post_cnn *c, size_t *used) {
    memset(c, 0, sizeof *c);
    *used = 0;
    if (n < 3) return E2EC_ERR_TRUNCATED;
    if (p[n - 1] != POST_CNN_KIND) return E2EC_ERR_HEADER;
    size_t body = get_u16(p + n - 3);
    if (body > n - 3) return E2EC_ERR_TRUNCATED;
    if (body < POST_CNN_FIXED) return E2EC_ERR_HEADER;
    const uint8_t *s = p + n - 3 - body;
    int ch = s[0];
    if (ch < 1 || ch > POST_CNN_MAX_CHANNELS) return E2EC_ERR_HEADER;
    for (int t = 0; t < POST_CNN_TENSORS; t++)
        if (s[1 + t] > POST_CNN_MAX_Q || s[1 + POST_CNN_TENSORS + t] > INT_CODE_MAX_ORDER) return E2EC_ERR_HEADER;
    if (!usable(info)) return E2EC_ERR_MISMATCH;
    int32_t k[POST_CNN_SIZE(POST_CNN_MAX_CHANNELS)];
    size_t sz[POST_CNN_TENSORS];
    tensor_sizes(ch, sz);
    int_reader r = {s + POST_CNN_FIXED, body - POST_CNN_FIXED, 0};
    e2ec_status st = E2EC_OK;
    int32_t *at = k;
    for (int t = 0; t < POST_CNN_TENSORS && !st; at += sz[t], t++)
        st = int_code_read(&r, at, sz[t], s[1 + POST_CNN_TENSORS + t], POST_CNN_MAX_K);
    if (!st) st = int_reader_end(&r);
    if (st) return st;
    c->channels = ch;
    memcpy(c->q, s + 1, POST_CNN_TENSORS);
    at = k;
    float *w = c->w;
    for (int t = 0; t < POST_CNN_TENSORS; t++)
        for (size_t i = 0; i < sz[t]; i++) *w++ = (float)ldexp((double)*at++, -(int)c->q[t]);
    *used = body + 3;
    return E2EC_OK;
}

void post_cnn_defaults(post_cnn_config *c) {
    *c = (post_cnn_config){.channels = 16, .steps = 2000, .batch = 16, .patch = 64, .lr = 2e-3f, .seed = 1};
}

static int patch_side(const e2ec_info *info, const post_cnn_config *cfg) {
    int p = cfg->patch;
    p = (uint32_t)p > info->nx ? (int)info->nx : p;
    return (uint32_t)p > info->ny ? (int)info->ny : p;
}

int post_cnn_steps_for(const e2ec_info *info, const post_cnn_config *cfg, int passes) {
    const uint64_t p = (uint64_t)patch_side(info, cfg), voxels = (uint64_t)info->nx * info->ny * info->nz;
    const uint64_t per_step = (uint64_t)(cfg->batch > 0 ? cfg->batch : 1) * (p ? p * p : 1);
    uint64_t want = (uint64_t)(passes > 0 ? passes : 1) * POST_CNN_STEPS_PER_PASS;
    uint64_t most = (POST_CNN_MAX_PASSES * voxels + per_step - 1) / per_step;
    want = want < most ? want : most;
    return want < 1 ? 1 : want > INT_MAX ? INT_MAX : (int)want;
}

uint64_t post_cnn_fit_bytes(const e2ec_info *info, int threads, const post_cnn_config *cfg) {
    uint64_t p = (uint64_t)patch_side(info, cfg), np = POST_CNN_SIZE((uint64_t)cfg->channels);
    uint64_t per = 3 * (p + 6) * (p + 6) + p * p + post_cnn_patch_floats(cfg->channels, (int)p);
    /* per thread a patch's input, target and layers; a gradient a patch,
     * the sum, the weights, Adam's moments and a rounded copy; the scoring's
     * slab of planes and the network's scratch */
    return ((uint64_t)threads * per + ((uint64_t)cfg->batch + 5) * np) * sizeof(float) +
           (uint64_t)info->nx * info->ny * SCORE_PLANES * e2ec_voxel_size(info->type) +
           post_cnn_apply_bytes(info, cfg->channels, threads) + (uint64_t)cfg->batch * 3 * sizeof(uint32_t);
}

/* The squared error (stored units) of the network c's output from dec, and
 * (before not NULL) of dec, against the volume, over the scored planes
 * (SCORE_RUNS) in order, scaled to the whole volume. */
static e2ec_status score(const e2ec_volume *in, const e2ec_info *info, const void *dec, const post_cnn *c,
                         void *slab, double *before, double *after) {
    const size_t plane = (size_t)info->nx * info->ny;
    const uint32_t nz = info->nz, runs = nz <= SCORE_PLANES ? 1 : SCORE_RUNS;
    double b = 0.0;
    *after = 0.0;
    for (uint32_t r = 0; r < runs; r++) {
        uint32_t z = runs == 1 ? 0 : (uint32_t)((uint64_t)r * (nz - SCORE_RUN) / (SCORE_RUNS - 1));
        uint32_t ze = runs == 1 ? nz : z + SCORE_RUN;
        e2ec_status st = post_cnn_apply(c, info, dec, 0, nz, z, ze, slab);
        if (st) return st;
        for (uint32_t k = z; k < ze; k++) {
            int64_t sb = 0, sa = 0;
            for (size_t i = 0; i < plane; i++) {
                int64_t o = voxel_int(in->data, info->type, plane * k + i);
                int64_t ea = voxel_int(slab, info->type, plane * (k - z) + i) - o;
                sa += ea * ea;
                if (!before) continue;
                int64_t eb = voxel_int(dec, info->type, plane * k + i) - o;
                sb += eb * eb;
            }
            b += (double)sb, *after += (double)sa;
        }
    }
    const double scale = runs == 1 ? 1.0 : (double)nz / SCORE_PLANES;
    *after *= scale;
    if (before) *before = b * scale;
    return E2EC_OK;
}

/* The weights w rounded so that each tensor's largest gets `bits` bits. */
static void quantise(const float *w, int ch, int bits, post_cnn *c) {
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(ch, n);
    c->channels = ch;
    float *o = c->w;
    for (int t = 0; t < POST_CNN_TENSORS; t++) {
        float m = 0.0f;
        for (size_t i = 0; i < n[t]; i++) m = fabsf(w[i]) > m ? fabsf(w[i]) : m;
        int q = m > 0.0f ? (int)floor(bits - log2(m)) - 1 : 0;
        q = q < 0 ? 0 : q > POST_CNN_MAX_Q ? POST_CNN_MAX_Q : q;
        c->q[t] = (uint8_t)q;
        for (size_t i = 0; i < n[t]; i++) {
            double k = nearbyint(ldexp((double)w[i], q));
            k = k > POST_CNN_MAX_K ? POST_CNN_MAX_K : k < -POST_CNN_MAX_K ? -POST_CNN_MAX_K : k;
            o[i] = (float)ldexp(k, -q) + 0.0f; /* no -0: the weights the decoder reads */
        }
        w += n[t], o += n[t];
    }
}

/* Adam's steps on patches drawn at random (their order fixed by the seed,
 * their gradients added in patch order: the same weights on any thread
 * count). w: the network's POST_CNN_SIZE(C) weights, initialised here. */
static e2ec_status train(const e2ec_volume *in, const e2ec_info *info, const void *dec, const post_cnn_config *cfg,
                         int nt, float *w) {
    const int ch = cfg->channels, p = patch_side(info, cfg), B = cfg->batch;
    const size_t np = POST_CNN_SIZE((size_t)ch), xs = 3 * (size_t)(p + 6) * (p + 6), ts = (size_t)p * p;
    const size_t per = xs + ts + post_cnn_patch_floats(ch, p);
    float *scratch = malloc((size_t)nt * per * sizeof *scratch);
    float *gb = malloc((size_t)B * np * sizeof *gb), *g = malloc(np * sizeof *g);
    uint32_t *pos = malloc((size_t)B * 3 * sizeof *pos);
    adam_state a = {0};
    e2ec_status st = scratch && gb && g && pos && !adam_init(&a, np, cfg->lr) ? E2EC_OK : E2EC_ERR_NOMEM;
    rng r = {cfg->seed};
    size_t n[POST_CNN_TENSORS];
    tensor_sizes(ch, n);
    /* PyTorch's default start (uniform within 1 / sqrt(fan-in)), the last
     * layer 0: the network starts as the identity */
    const float bound[POST_CNN_TENSORS] = {1.0f / sqrtf(27.0f), 1.0f / sqrtf(27.0f), 1.0f / sqrtf(9.0f * ch),
                                           1.0f / sqrtf(9.0f * ch), 0.0f, 0.0f};
    float *o = w;
    for (int t = 0; t < POST_CNN_TENSORS; t++)
        for (size_t i = 0; i < n[t]; i++) *o++ = bound[t] ? rng_range(&r, -bound[t], bound[t]) : 0.0f;
    const float scale = 1.0f / (float)((size_t)B * ts);
    const size_t plane = (size_t)info->nx * info->ny;
    const float inv = (float)(1.0 / (info->vmax - info->vmin));
    for (int step = 0; step < cfg->steps && !st; step++) {
        for (int b = 0; b < B; b++) {
            pos[3 * b] = rng_below(&r, info->nz);
            pos[3 * b + 1] = rng_below(&r, info->ny - (uint32_t)p + 1);
            pos[3 * b + 2] = rng_below(&r, info->nx - (uint32_t)p + 1);
        }
        #pragma omp parallel num_threads(nt)
        {
            float *x = scratch + (size_t)omp_get_thread_num() * per, *t = x + xs, *h = t + ts;
            #pragma omp for schedule(static)
            for (int b = 0; b < B; b++) {
                uint32_t z = pos[3 * b], y0 = pos[3 * b + 1], x0 = pos[3 * b + 2];
                fill_input(info, dec, 0, info->nz, z, (int64_t)y0 - R, (int64_t)x0 - R, p + 6, p + 6, x);
                for (int j = 0; j < p; j++)
                    for (int i = 0; i < p; i++)
                        t[(size_t)j * p + i] =
                            normalised(info, in->data, plane * z + (size_t)(y0 + j) * info->nx + x0 + (size_t)i, inv);
                float *gp = gb + (size_t)b * np;
                memset(gp, 0, np * sizeof *gp);
                post_cnn_patch(w, ch, x, t, p, scale, gp, h);
            }
        }
        for (size_t k = 0; k < np; k++) {
            float s = 0.0f;
            for (int b = 0; b < B; b++) s += gb[(size_t)b * np + k];
            g[k] = s;
        }
        a.lr = cfg->lr * 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)cfg->steps));
        adam_step(&a, w, g);
    }
    adam_free(&a);
    free(scratch), free(gb), free(g), free(pos);
    return st;
}

e2ec_status post_cnn_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                         int threads, const post_cnn_config *cfg, post_cnn *c, double *gain) {
    memset(c, 0, sizeof *c);
    if (gain) *gain = 0.0;
    if (cfg->channels < 1 || cfg->channels > POST_CNN_MAX_CHANNELS || cfg->steps < 1 || cfg->batch < 1 ||
        cfg->batch > 4096 || cfg->patch < 1 || cfg->patch > 4096 || !(cfg->lr > 0.0f))
        return E2EC_ERR_ARG;
    if (!usable(info)) return E2EC_OK;
    int saved = threads_enter(threads), nt = omp_get_max_threads();
    float *w = malloc(POST_CNN_SIZE((size_t)cfg->channels) * sizeof *w);
    void *slab = malloc((size_t)info->nx * info->ny * SCORE_PLANES * e2ec_voxel_size(info->type));
    e2ec_status st = w && slab ? train(in, info, dec, cfg, nt, w) : E2EC_ERR_NOMEM;
    const double range = info->vmax - info->vmin;
    double best = 0.0, before = 0.0;
    for (int k = 0; k < NQBITS && !st; k++) {
        post_cnn cand;
        memset(&cand, 0, sizeof cand);
        quantise(w, cfg->channels, QBITS[k], &cand);
        double after;
        st = score(in, info, dec, &cand, slab, k ? NULL : &before, &after); /* dec's own error once */
        /* it pays where the squared error removed, over range^2, exceeds
         * lambda times the bits it adds (the post-filter's byte, the kind, is
         * the stream's either way) */
        double pays = (before - after) / (range * range) - lambda * 8.0 * (double)(post_cnn_bytes(&cand) - 1);
        if (!st && pays > best) best = pays, *c = cand;
    }
    if (st) memset(c, 0, sizeof *c), best = 0.0;
    if (gain) *gain = best;
    free(w), free(slab);
    threads_leave(saved);
    return st;
}
