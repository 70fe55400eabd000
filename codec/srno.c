#include "srno.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_pack.h"
#include "caps.h"
#include "nn/conv3d.h"
#include "nn/galerkin.h"
#include "nn/linear.h"
#include "nn/mlp.h"
#include "nn/nquery.h"
#include "nn/relu.h"
#include "upsample.h"

#define K3 27 /* 3x3x3 kernel */

void srno_config_default(srno_config *c) {
    c->channels = 4;
    c->width = 8;
    c->heads = 1;
    c->resblocks = 2;
    c->hidden = 64;
    c->window = 64;
}

e2ec_status srno_config_check(const srno_config *c) {
    if (c->channels < 1 || c->channels > E2EC_MAX_SRNO_CHANNELS || c->width < 1 ||
        c->width > E2EC_MAX_SRNO_WIDTH || c->heads < 1 || c->heads > E2EC_MAX_SRNO_HEADS ||
        c->width % c->heads || c->width / c->heads < SRNO_MIN_HEAD_CHANNELS || c->resblocks < 0 || c->resblocks > SRNO_MAX_RESBLOCKS ||
        c->hidden < 1 || c->hidden > SRNO_MAX_HIDDEN || c->window < 1 ||
        c->window > SRNO_MAX_WINDOW)
        return E2EC_ERR_HEADER;
    return E2EC_OK;
}

static size_t conv_count(int cin, int cout) { return (size_t)cout * cin * K3 + cout; }

size_t srno_param_count(const srno_config *c) {
    int nc = c->channels, w = c->width;
    return conv_count(1, nc) + (2 * (size_t)c->resblocks + 1) * conv_count(nc, nc) +
           (size_t)(nquery_channels(nc) + 1) * w + SRNO_BLOCKS * galerkin_param_count(w) +
           (size_t)(w + 2) * c->hidden + 1;
}

void srno_views_of(srno_views *v, const srno_config *c, float *p) {
    int nc = c->channels, w = c->width, h = c->hidden;
    v->head_w = p; p += nc * K3;
    v->head_b = p; p += nc;
    for (int i = 0; i < 2 * c->resblocks; i++) {
        v->res_w[i] = p; p += (size_t)nc * nc * K3;
        v->res_b[i] = p; p += nc;
    }
    v->body_w = p; p += (size_t)nc * nc * K3;
    v->body_b = p; p += nc;
    v->lift_w = p; p += (size_t)w * nquery_channels(nc);
    v->lift_b = p; p += w;
    for (int b = 0; b < SRNO_BLOCKS; b++) {
        v->attn[b] = p;
        p += galerkin_param_count(w);
    }
    v->dec_w1 = p; p += (size_t)h * w;
    v->dec_b1 = p; p += h;
    v->dec_w2 = p; p += h;
    v->dec_b2 = p;
}

/* nn.Conv3d / nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for both. */
static void init_uniform(float *w, size_t nw, float *b, int cout, int fan_in, rng *r) {
    float bound = 1.0f / sqrtf((float)fan_in);
    for (size_t i = 0; i < nw; i++) w[i] = rng_range(r, -bound, bound);
    for (int i = 0; i < cout; i++) b[i] = rng_range(r, -bound, bound);
}

void srno_init(const srno_config *c, float *params, rng *r) {
    srno_views v;
    srno_views_of(&v, c, params);
    int nc = c->channels, w = c->width, h = c->hidden, cq = nquery_channels(nc);
    init_uniform(v.head_w, (size_t)nc * K3, v.head_b, nc, K3, r);
    for (int i = 0; i < 2 * c->resblocks; i++)
        init_uniform(v.res_w[i], (size_t)nc * nc * K3, v.res_b[i], nc, nc * K3, r);
    init_uniform(v.body_w, (size_t)nc * nc * K3, v.body_b, nc, nc * K3, r);
    init_uniform(v.lift_w, (size_t)w * cq, v.lift_b, w, cq, r);
    for (int b = 0; b < SRNO_BLOCKS; b++) {
        /* galerkin.h packing: W_qkv, b_qkv, norms, W1, b1, W2, b2 */
        float *p = v.attn[b];
        size_t ww = (size_t)w * w;
        init_uniform(p, 3 * ww, p + 3 * ww, 3 * w, w, r);
        galerkin_init_norms(p, w);
        float *w1 = p + 3 * ww + 7 * (size_t)w;
        init_uniform(w1, ww, w1 + ww, w, w, r);
        float *w2 = w1 + ww + w;
        init_uniform(w2, ww, w2 + ww, w, w, r);
    }
    init_uniform(v.dec_w1, (size_t)h * w, v.dec_b1, h, w, r);
    init_uniform(v.dec_w2, (size_t)h, v.dec_b2, 1, h, r);
}

/* ------------------------------------------------------------ encoder */

/* Where the encoder's activations live. A training forward keeps them all;
 * inference aliases them into four buffers (see eval_buffers). */
typedef struct {
    float *e0;                       /* head output */
    float *p[SRNO_MAX_RESBLOCKS];    /* first conv of block r */
    float *g[SRNO_MAX_RESBLOCKS];    /* relu(p), may alias p */
    float *o[SRNO_MAX_RESBLOCKS];    /* block output */
    float *b;                        /* body conv output */
    float *f;                        /* features = b + e0, may alias b */
} enc_bufs;

static void add_into(float *y, const float *x, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* lr slab of d planes -> features F (EDSR baseline without upsampling, res_scale 1). */
static void encoder_forward(const srno_config *c, const srno_views *v, const float *in, int d,
                            int ly, int lx, const enc_bufs *a, float *scratch) {
    int nc = c->channels;
    size_t n = (size_t)nc * d * ly * lx;
    conv3d_forward(a->e0, in, v->head_w, v->head_b, 1, nc, 3, d, ly, lx, scratch);
    const float *prev = a->e0;
    for (int r = 0; r < c->resblocks; r++) {
        conv3d_forward(a->p[r], prev, v->res_w[2 * r], v->res_b[2 * r], nc, nc, 3, d, ly, lx,
                       scratch);
        relu_forward(a->g[r], a->p[r], n);
        conv3d_forward(a->o[r], a->g[r], v->res_w[2 * r + 1], v->res_b[2 * r + 1], nc, nc, 3, d,
                       ly, lx, scratch);
        add_into(a->o[r], prev, n);
        prev = a->o[r];
    }
    conv3d_forward(a->b, prev, v->body_w, v->body_b, nc, nc, 3, d, ly, lx, scratch);
    if (a->f != a->b) memcpy(a->f, a->b, n * sizeof *a->f);
    add_into(a->f, a->e0, n);
}

/* Gradient buffers of the encoder's backward, each nc*d*ly*lx floats. */
typedef struct {
    float *df, *cur, *next, *dg, *dp;
} enc_grads;

static void encoder_backward(const srno_config *c, const srno_views *v, srno_views *dv,
                             const float *in, int d, int ly, int lx, const enc_bufs *a,
                             const enc_grads *gr, float *dlr, float *scratch) {
    int nc = c->channels;
    size_t n = (size_t)nc * d * ly * lx, bytes = n * sizeof(float);
    const float *last = c->resblocks ? a->o[c->resblocks - 1] : a->e0;
    /* F = body(last) + e0: cur gets d/d(last) */
    float *cur = gr->cur, *next = gr->next;
    memset(cur, 0, bytes);
    conv3d_backward(cur, dv->body_w, dv->body_b, gr->df, last, v->body_w, nc, nc, 3, d, ly, lx,
                    scratch);
    for (int r = c->resblocks - 1; r >= 0; r--) {
        const float *prev = r ? a->o[r - 1] : a->e0;
        memset(gr->dg, 0, bytes);
        conv3d_backward(gr->dg, dv->res_w[2 * r + 1], dv->res_b[2 * r + 1], cur, a->g[r],
                        v->res_w[2 * r + 1], nc, nc, 3, d, ly, lx, scratch);
        memset(gr->dp, 0, bytes);
        relu_backward(gr->dp, gr->dg, a->p[r], n);
        memcpy(next, cur, bytes); /* the residual path */
        conv3d_backward(next, dv->res_w[2 * r], dv->res_b[2 * r], gr->dp, prev, v->res_w[2 * r],
                        nc, nc, 3, d, ly, lx, scratch);
        float *t = cur;
        cur = next;
        next = t;
    }
    add_into(cur, gr->df, n); /* the global residual: d/d(e0) */
    conv3d_backward(dlr, dv->head_w, dv->head_b, cur, in, v->head_w, 1, nc, 3, d, ly, lx,
                    scratch);
}

/* ------------------------------------------------------------ windows */

/* One window's saved tensors (n points). */
typedef struct {
    float *q, *x0, *y[SRNO_BLOCKS], *a[SRNO_BLOCKS], *d1, *dg, *out;
} win_acts;

static size_t win_size(const srno_config *c, size_t n) {
    size_t w = c->width;
    return n * (nquery_channels(c->channels) + w * (1 + SRNO_BLOCKS) + 2 * (size_t)c->hidden + 1) +
           SRNO_BLOCKS * galerkin_acts_size((int)n, c->width, c->heads);
}

static win_acts win_acts_of(const srno_config *c, float *p, size_t n) {
    win_acts a;
    size_t w = c->width;
    a.q = p; p += n * nquery_channels(c->channels);
    a.x0 = p; p += n * w;
    for (int b = 0; b < SRNO_BLOCKS; b++) {
        a.y[b] = p; p += n * w;
        a.a[b] = p; p += galerkin_acts_size((int)n, c->width, c->heads);
    }
    a.d1 = p; p += n * c->hidden;
    a.dg = p; p += n * c->hidden;
    a.out = p;
    return a;
}

/* Window boxes: nw[3] windows per axis, window i in z, y, x order. */
static void window_counts(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz, int nw[3]) {
    uint32_t t = (uint32_t)c->window;
    nw[0] = (int)((hx + t - 1) / t);
    nw[1] = (int)((hy + t - 1) / t);
    nw[2] = (int)((hz + t - 1) / t);
}

static int imin(int a, int b) { return a < b ? a : b; }

static nquery_box window_box(const srno_config *c, const int nw[3], int i, uint32_t hx,
                             uint32_t hy, uint32_t hz) {
    int t = c->window, ix = i % nw[0], iy = i / nw[0] % nw[1], iz = i / (nw[0] * nw[1]);
    nquery_box b = {ix * t, imin((ix + 1) * t, (int)hx), iy * t, imin((iy + 1) * t, (int)hy),
                    iz * t, imin((iz + 1) * t, (int)hz)};
    return b;
}

static size_t box_points(const nquery_box *b) {
    return (size_t)(b->x1 - b->x0) * (b->y1 - b->y0) * (b->z1 - b->z0);
}

/* features -> decoder output rows a.out for the points of one window */
static void window_forward(const srno_config *c, const srno_views *v, const float *feat,
                           const nquery_geom *g, const nquery_box *box, const win_acts *a) {
    int n = (int)box_points(box), w = c->width;
    nquery_forward(a->q, feat, c->channels, g, box);
    linear_forward(a->x0, a->q, v->lift_w, v->lift_b, n, nquery_channels(c->channels), w);
    const float *x = a->x0;
    for (int b = 0; b < SRNO_BLOCKS; b++) {
        galerkin_forward(a->y[b], a->a[b], x, v->attn[b], n, w, c->heads);
        x = a->y[b];
    }
    mlp_forward(a->out, a->d1, a->dg, x, v->dec_w1, v->dec_b1, v->dec_w2, v->dec_b2, n, w,
                c->hidden, 1);
}

/* Scratch of window_backward for windows of up to n points. */
static size_t win_scratch_size(const srno_config *c, size_t n) {
    size_t w = c->width, g = galerkin_scratch_size((int)n, c->width, c->heads),
           m = mlp_scratch_size((int)n, c->hidden);
    return n * (nquery_channels(c->channels) + (SRNO_BLOCKS + 1) * w) + (g > m ? g : m);
}

/* dout rows of one window -> dparams, dfeat */
static void window_backward(const srno_config *c, const srno_views *v, srno_views *dv,
                            const nquery_geom *g, const nquery_box *box, const win_acts *a,
                            const float *dout, float *dfeat, float *scratch) {
    int n = (int)box_points(box), w = c->width, cq = nquery_channels(c->channels);
    float *dq = scratch, *dx[SRNO_BLOCKS + 1], *s = dq + (size_t)n * cq;
    for (int b = 0; b <= SRNO_BLOCKS; b++) {
        dx[b] = s; /* dx[0] = d x0, dx[b] = d y[b-1] */
        s += (size_t)n * w;
    }
    memset(scratch, 0, (size_t)(s - scratch) * sizeof *scratch);
    mlp_backward(dx[SRNO_BLOCKS], dv->dec_w1, dv->dec_b1, dv->dec_w2, dv->dec_b2, dout,
                 a->y[SRNO_BLOCKS - 1], a->d1, a->dg, v->dec_w1, v->dec_w2, n, w, c->hidden, 1, s);
    for (int b = SRNO_BLOCKS - 1; b >= 0; b--)
        galerkin_backward(dx[b], dv->attn[b], dx[b + 1], a->a[b], b ? a->y[b - 1] : a->x0,
                          v->attn[b], n, w, c->heads, s);
    linear_backward(dq, dv->lift_w, dv->lift_b, dx[0], a->q, v->lift_w, n, cq, w);
    nquery_backward(dfeat, dq, c->channels, g, box);
}

/* ------------------------------------------------------------ training */

/* Offsets of everything in the training acts buffer. */
typedef struct {
    enc_bufs enc;
    enc_grads grads;
    float *conv_scratch, *win_scratch, *dout, *windows;
    size_t total;
} train_layout;

/* The encoder part (over d low-res planes) and the scratch of windows of up
 * to nmax points; the windows' saved tensors follow at t->windows. */
static size_t layout_of(train_layout *t, const srno_config *c, float *base, uint32_t lx,
                        uint32_t ly, uint32_t d, size_t nmax) {
    size_t vol = (size_t)c->channels * lx * ly * d, off = 0;
#define TAKE(ptr, nfloats) ((ptr) = base ? base + off : NULL, off += (nfloats))
    TAKE(t->enc.e0, vol);
    for (int r = 0; r < c->resblocks; r++) {
        TAKE(t->enc.p[r], vol);
        TAKE(t->enc.g[r], vol);
        TAKE(t->enc.o[r], vol);
    }
    TAKE(t->enc.b, vol);
    TAKE(t->enc.f, vol);
    TAKE(t->grads.df, vol);
    TAKE(t->grads.cur, vol);
    TAKE(t->grads.next, vol);
    TAKE(t->grads.dg, vol);
    TAKE(t->grads.dp, vol);
    TAKE(t->conv_scratch, conv3d_scratch_size(c->channels, 3, (int)ly, (int)lx));
    TAKE(t->win_scratch, win_scratch_size(c, nmax));
    TAKE(t->dout, nmax);
    TAKE(t->windows, 0);
#undef TAKE
    t->total = off;
    return off;
}

static size_t max_window_points(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz) {
    return (size_t)imin(c->window, (int)hx) * imin(c->window, (int)hy) * imin(c->window, (int)hz);
}

uint64_t srno_blas_floats(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t hx,
                          uint32_t hy, uint32_t hz) {
    int widest = nquery_channels(c->channels);
    if (c->width > widest) widest = c->width;
    if (c->hidden > widest) widest = c->hidden;
    uint64_t rows = blas_packed_floats(max_window_points(c, hx, hy, hz), (uint64_t)widest);
    uint64_t conv = blas_packed_floats((uint64_t)lx * ly, (uint64_t)c->channels * 27);
    return rows > conv ? rows : conv;
}

static size_t train_layout_of(train_layout *t, const srno_config *c, float *base, uint32_t lx,
                              uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz) {
    int nw[3];
    window_counts(c, hx, hy, hz, nw);
    size_t off = layout_of(t, c, base, lx, ly, lz, max_window_points(c, hx, hy, hz));
    for (int i = 0; i < nw[0] * nw[1] * nw[2]; i++) {
        nquery_box b = window_box(c, nw, i, hx, hy, hz);
        off += win_size(c, box_points(&b));
    }
    t->total = off;
    return off;
}

size_t srno_acts_size(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                      uint32_t hy, uint32_t hz) {
    train_layout t;
    return train_layout_of(&t, c, NULL, lx, ly, lz, hx, hy, hz);
}

void srno_forward(const srno_config *c, const float *params, const float *lr, uint32_t lx,
                  uint32_t ly, uint32_t lz, float *hr, uint32_t hx, uint32_t hy, uint32_t hz,
                  float *acts) {
    srno_views v;
    srno_views_of(&v, c, (float *)params);
    train_layout t;
    train_layout_of(&t, c, acts, lx, ly, lz, hx, hy, hz);
    encoder_forward(c, &v, lr, (int)lz, (int)ly, (int)lx, &t.enc, t.conv_scratch);
    upsample_forward(E2EC_UP_TRILINEAR, lr, lx, ly, lz, hr, hx, hy, hz, 0, hz);
    nquery_geom g = {(int)lx, (int)ly, (int)lz, (int)hx, (int)hy, (int)hz, 0, (int)lz};
    int nw[3];
    window_counts(c, hx, hy, hz, nw);
    float *wa = t.windows;
    for (int i = 0; i < nw[0] * nw[1] * nw[2]; i++) {
        nquery_box b = window_box(c, nw, i, hx, hy, hz);
        win_acts a = win_acts_of(c, wa, box_points(&b));
        window_forward(c, &v, t.enc.f, &g, &b, &a);
        const float *o = a.out;
        for (int z = b.z0; z < b.z1; z++)
            for (int y = b.y0; y < b.y1; y++)
                for (int x = b.x0; x < b.x1; x++) hr[((size_t)z * hy + y) * hx + x] += *o++;
        wa += win_size(c, box_points(&b));
    }
}

void srno_backward(const srno_config *c, const float *params, float *dparams, const float *lr,
                   uint32_t lx, uint32_t ly, uint32_t lz, const float *dhr, uint32_t hx,
                   uint32_t hy, uint32_t hz, float *acts, float *dlr) {
    srno_views v, dv;
    srno_views_of(&v, c, (float *)params);
    srno_views_of(&dv, c, dparams);
    train_layout t;
    train_layout_of(&t, c, acts, lx, ly, lz, hx, hy, hz);
    if (dlr) upsample_backward(E2EC_UP_TRILINEAR, dlr, lx, ly, lz, dhr, hx, hy, hz);
    nquery_geom g = {(int)lx, (int)ly, (int)lz, (int)hx, (int)hy, (int)hz, 0, (int)lz};
    memset(t.grads.df, 0, (size_t)c->channels * lx * ly * lz * sizeof(float));
    int nw[3];
    window_counts(c, hx, hy, hz, nw);
    float *wa = t.windows;
    for (int i = 0; i < nw[0] * nw[1] * nw[2]; i++) {
        nquery_box b = window_box(c, nw, i, hx, hy, hz);
        win_acts a = win_acts_of(c, wa, box_points(&b));
        float *d = t.dout;
        for (int z = b.z0; z < b.z1; z++)
            for (int y = b.y0; y < b.y1; y++)
                for (int x = b.x0; x < b.x1; x++) *d++ = dhr[((size_t)z * hy + y) * hx + x];
        window_backward(c, &v, &dv, &g, &b, &a, t.dout, t.grads.df, t.win_scratch);
        wa += win_size(c, box_points(&b));
    }
    encoder_backward(c, &v, &dv, lr, (int)lz, (int)ly, (int)lx, &t.enc, &t.grads, dlr,
                     t.conv_scratch);
}

/* ------------------------------------------------------------ inference */

static int iclamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Low-res planes [*a, *b) that the windows covering high-res planes [z0, z1)
 * read: their ensemble corners, widened by the encoder's receptive field
 * (one plane per 3x3x3 conv) so that the features there are exact. */
static void slab_of(const srno_config *c, int lz, int hz, int z0, int z1, int *a, int *b) {
    int halo = 2 * c->resblocks + 2;
    int lo = iclamp(nquery_floor(z0, lz, hz), 0, lz - 1);
    int hi = iclamp(nquery_floor(z1 - 1, lz, hz) + 1, 0, lz - 1);
    *a = lo - halo < 0 ? 0 : lo - halo;
    *b = hi + 1 + halo > lz ? lz : hi + 1 + halo;
}

/* High-res planes of the rows of windows that cover [z0, z1). */
static void window_rows(const srno_config *c, uint32_t hz, uint32_t z0, uint32_t z1, int *r0,
                        int *r1) {
    (void)hz;
    *r0 = (int)(z0 / (uint32_t)c->window);
    *r1 = (int)((z1 + (uint32_t)c->window - 1) / (uint32_t)c->window);
}

void srno_lr_planes(const srno_config *c, uint32_t lz, uint32_t hz, uint32_t z0, uint32_t z1,
                    uint32_t *lz0, uint32_t *lz1) {
    int r0, r1, a, b;
    window_rows(c, hz, z0, z1, &r0, &r1);
    slab_of(c, (int)lz, (int)hz, r0 * c->window, imin(r1 * c->window, (int)hz), &a, &b);
    uint32_t ua, ub;
    upsample_lr_planes(E2EC_UP_TRILINEAR, lz, hz, z0, z1, &ua, &ub);
    *lz0 = ua < (uint32_t)a ? ua : (uint32_t)a;
    *lz1 = ub > (uint32_t)b ? ub : (uint32_t)b;
}

/* Floats of one row's encoder slab for high-res planes [z0, z1): the deepest
 * slab any row of windows covering them needs. */
static size_t eval_slab_floats(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz,
                               uint32_t hz, uint32_t z0, uint32_t z1) {
    int r0, r1, t = c->window, maxd = 0;
    window_rows(c, hz, z0, z1, &r0, &r1);
    for (int r = r0; r < r1; r++) {
        int a, b;
        slab_of(c, (int)lz, (int)hz, r * t, imin((r + 1) * t, (int)hz), &a, &b);
        if (b - a > maxd) maxd = b - a;
    }
    return (size_t)c->channels * lx * ly * maxd;
}

size_t srno_eval_floats(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                        uint32_t hy, uint32_t hz, uint32_t z0, uint32_t z1) {
    size_t slab = eval_slab_floats(c, lx, ly, lz, hz, z0, z1);
    size_t conv = conv3d_scratch_size(c->channels, 3, (int)ly, (int)lx);
    return 4 * slab + conv + win_size(c, max_window_points(c, hx, hy, hz));
}

e2ec_status srno_eval_planes(const srno_config *c, const float *params, const float *lr,
                             uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                             uint32_t hz, uint32_t z0, uint32_t z1, float *out) {
    if (z0 >= z1 || z1 > hz) return E2EC_ERR_ARG;
    srno_views v;
    srno_views_of(&v, c, (float *)params);
    int nw[3], r0, r1, t = c->window;
    window_counts(c, hx, hy, hz, nw);
    window_rows(c, hz, z0, z1, &r0, &r1);
    size_t slab = eval_slab_floats(c, lx, ly, lz, hz, z0, z1);
    size_t conv = conv3d_scratch_size(c->channels, 3, (int)ly, (int)lx);
    float *mem = malloc(srno_eval_floats(c, lx, ly, lz, hx, hy, hz, z0, z1) * sizeof(float));
    if (!mem) return E2EC_ERR_NOMEM;
    /* inference aliasing: relu in place, block outputs ping-pong, F in place of B */
    float *e0 = mem, *t1 = mem + slab, *oa = t1 + slab, *ob = oa + slab, *scr = ob + slab;
    enc_bufs eb = {.e0 = e0, .b = t1, .f = t1};
    for (int r = 0; r < c->resblocks; r++) {
        eb.p[r] = eb.g[r] = t1;
        eb.o[r] = r % 2 ? ob : oa;
    }
    float *wmem = scr + conv;
    size_t hxy = (size_t)hx * hy;
    upsample_forward(E2EC_UP_TRILINEAR, lr, lx, ly, lz, out, hx, hy, hz, z0, z1);
    for (int r = r0; r < r1; r++) {
        int zr0 = r * t, zr1 = imin(zr0 + t, (int)hz), a, b;
        slab_of(c, (int)lz, (int)hz, zr0, zr1, &a, &b);
        encoder_forward(c, &v, lr + (size_t)a * lx * ly, b - a, (int)ly, (int)lx, &eb, scr);
        nquery_geom g = {(int)lx, (int)ly, (int)lz, (int)hx, (int)hy, (int)hz, a, b - a};
        int zs = zr0 > (int)z0 ? zr0 : (int)z0, ze = imin(zr1, (int)z1);
        for (int i = r * nw[0] * nw[1]; i < (r + 1) * nw[0] * nw[1]; i++) {
            nquery_box bx = window_box(c, nw, i, hx, hy, hz);
            win_acts wa = win_acts_of(c, wmem, box_points(&bx));
            window_forward(c, &v, eb.f, &g, &bx, &wa);
            size_t bw = (size_t)(bx.x1 - bx.x0), bh = (size_t)(bx.y1 - bx.y0);
            for (int z = zs; z < ze; z++)
                for (int y = bx.y0; y < bx.y1; y++) {
                    const float *o = wa.out + ((size_t)(z - zr0) * bh + (y - bx.y0)) * bw;
                    float *dst = out + (size_t)(z - (int)z0) * hxy + (size_t)y * hx + bx.x0;
                    for (size_t x = 0; x < bw; x++) dst[x] += o[x];
                }
        }
    }
    free(mem);
    return E2EC_OK;
}

/* ------------------------------------------------------------ training by rows of windows */

int srno_window_count(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz) {
    int nw[3];
    window_counts(c, hx, hy, hz, nw);
    return nw[0] * nw[1] * nw[2];
}

nquery_box srno_window_box(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz, int i,
                           int *row) {
    int nw[3];
    window_counts(c, hx, hy, hz, nw);
    *row = i / (nw[0] * nw[1]);
    return window_box(c, nw, i, hx, hy, hz);
}

void srno_row_planes(const srno_config *c, uint32_t lz, uint32_t hz, int row, uint32_t *a,
                     uint32_t *b) {
    uint32_t z0 = (uint32_t)row * (uint32_t)c->window, z1 = z0 + (uint32_t)c->window;
    srno_lr_planes(c, lz, hz, z0, z1 < hz ? z1 : hz, a, b);
}

static uint32_t max_row_depth(const srno_config *c, uint32_t lz, uint32_t hz) {
    uint32_t maxd = 0, rows = (hz + (uint32_t)c->window - 1) / (uint32_t)c->window;
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t a, b;
        srno_row_planes(c, lz, hz, (int)r, &a, &b);
        if (b - a > maxd) maxd = b - a;
    }
    return maxd;
}

size_t srno_row_acts_size(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz,
                          uint32_t hx, uint32_t hy, uint32_t hz) {
    train_layout t;
    size_t nmax = max_window_points(c, hx, hy, hz);
    return layout_of(&t, c, NULL, lx, ly, max_row_depth(c, lz, hz), nmax) + win_size(c, nmax);
}

/* The row's layout: its slab's encoder, then ONE window's saved tensors. */
static void row_layout(train_layout *t, const srno_row *r) {
    const nquery_geom *g = &r->g;
    layout_of(t, r->c, r->acts, (uint32_t)g->lx, (uint32_t)g->ly,
              max_row_depth(r->c, (uint32_t)g->lz, (uint32_t)g->hz),
              max_window_points(r->c, (uint32_t)g->hx, (uint32_t)g->hy, (uint32_t)g->hz));
}

void srno_row_forward(srno_row *r, const srno_config *c, const float *params, const float *slab,
                      uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                      uint32_t hz, int row, float *acts) {
    uint32_t a, b;
    srno_row_planes(c, lz, hz, row, &a, &b);
    nquery_geom g = {(int)lx, (int)ly, (int)lz, (int)hx, (int)hy, (int)hz, (int)a, (int)(b - a)};
    r->c = c, r->slab = slab, r->g = g, r->acts = acts;
    srno_views v;
    srno_views_of(&v, c, (float *)params);
    train_layout t;
    row_layout(&t, r);
    encoder_forward(c, &v, slab, g.fd, g.ly, g.lx, &t.enc, t.conv_scratch);
    memset(t.grads.df, 0, (size_t)c->channels * g.fd * g.ly * g.lx * sizeof(float));
}

static void skip_box(const nquery_box *b, uint32_t box[6]) {
    box[0] = (uint32_t)b->x0, box[1] = (uint32_t)b->x1, box[2] = (uint32_t)b->y0;
    box[3] = (uint32_t)b->y1, box[4] = (uint32_t)b->z0, box[5] = (uint32_t)b->z1;
}

void srno_window_forward(const srno_row *r, const float *params, const nquery_box *box,
                         float *out) {
    srno_views v;
    srno_views_of(&v, r->c, (float *)params);
    train_layout t;
    row_layout(&t, r);
    size_t n = box_points(box);
    win_acts a = win_acts_of(r->c, t.windows, n);
    window_forward(r->c, &v, t.enc.f, &r->g, box, &a);
    uint32_t ub[6];
    skip_box(box, ub);
    const nquery_geom *g = &r->g;
    upsample_box_forward(E2EC_UP_TRILINEAR, r->slab, (uint32_t)g->f0, (uint32_t)g->lx,
                         (uint32_t)g->ly, (uint32_t)g->lz, (uint32_t)g->hx, (uint32_t)g->hy,
                         (uint32_t)g->hz, ub, out);
    for (size_t i = 0; i < n; i++) out[i] += a.out[i];
}

void srno_window_backward(const srno_row *r, const float *params, float *dparams,
                          const nquery_box *box, const float *dout, float *dslab) {
    srno_views v, dv;
    srno_views_of(&v, r->c, (float *)params);
    srno_views_of(&dv, r->c, dparams);
    train_layout t;
    row_layout(&t, r);
    win_acts a = win_acts_of(r->c, t.windows, box_points(box));
    uint32_t ub[6];
    skip_box(box, ub);
    const nquery_geom *g = &r->g;
    upsample_box_backward(E2EC_UP_TRILINEAR, dslab, (uint32_t)g->f0, (uint32_t)g->lx,
                          (uint32_t)g->ly, (uint32_t)g->lz, (uint32_t)g->hx, (uint32_t)g->hy,
                          (uint32_t)g->hz, ub, dout);
    window_backward(r->c, &v, &dv, &r->g, box, &a, dout, t.grads.df, t.win_scratch);
}

void srno_row_backward(const srno_row *r, const float *params, float *dparams, float *dslab) {
    srno_views v, dv;
    srno_views_of(&v, r->c, (float *)params);
    srno_views_of(&dv, r->c, dparams);
    train_layout t;
    row_layout(&t, r);
    encoder_backward(r->c, &v, &dv, r->slab, r->g.fd, r->g.ly, r->g.lx, &t.enc, &t.grads, dslab,
                     t.conv_scratch);
}
