#include "galerkin.h"

#include <cblas.h>
#include <string.h>

#include "layernorm.h"
#include "linear.h"
#include "mlp.h"

typedef struct {
    const float *wqkv, *bqkv, *kg, *kb, *vg, *vb, *w1, *b1, *w2, *b2;
} gparams;
typedef struct {
    float *wqkv, *bqkv, *kg, *kb, *vg, *vb, *w1, *b1, *w2, *b2;
} gviews;

static void views(gviews *v, float *p, int w) {
    size_t ww = (size_t)w * w;
    v->wqkv = p; p += 3 * ww;
    v->bqkv = p; p += 3 * w;
    v->kg = p; p += w;
    v->kb = p; p += w;
    v->vg = p; p += w;
    v->vb = p; p += w;
    v->w1 = p; p += ww;
    v->b1 = p; p += w;
    v->w2 = p; p += ww;
    v->b2 = p;
}

static gparams cviews(const float *p, int w) {
    gviews v;
    views(&v, (float *)p, w);
    return (gparams){v.wqkv, v.bqkv, v.kg, v.kb, v.vg, v.vb, v.w1, v.b1, v.w2, v.b2};
}

size_t galerkin_param_count(int w) { return 5 * (size_t)w * w + 9 * (size_t)w; }

void galerkin_init_norms(float *params, int w) {
    gviews v;
    views(&v, params, w);
    for (int i = 0; i < w; i++) {
        v.kg[i] = v.vg[i] = 1.0f;
        v.kb[i] = v.vb[i] = 0.0f;
    }
}

/* The forward's saved tensors, in acts. */
typedef struct {
    float *qkv, *kn, *vn, *ks, *vs, *m, *r, *h1, *g;
} gacts;

static gacts acts_of(float *a, int n, int w, int heads) {
    gacts s;
    size_t nw = (size_t)n * w;
    s.qkv = a; a += 3 * nw;
    s.kn = a; a += nw;
    s.vn = a; a += nw;
    s.ks = a; a += 2 * (size_t)n * heads;
    s.vs = a; a += 2 * (size_t)n * heads;
    s.m = a; a += (size_t)w * (w / heads);
    s.r = a; a += nw;
    s.h1 = a; a += nw;
    s.g = a;
    return s;
}

size_t galerkin_acts_size(int n, int w, int heads) {
    return (size_t)n * (8 * (size_t)w + 4 * (size_t)heads) + (size_t)w * (w / heads);
}

size_t galerkin_scratch_size(int n, int w, int heads) {
    return 6 * (size_t)n * w + mlp_scratch_size(n, w) + (size_t)w * (w / heads);
}

void galerkin_forward(float *y, float *acts, const float *x, const float *params, int n, int w,
                      int heads) {
    gparams p = cviews(params, w);
    gacts a = acts_of(acts, n, w, heads);
    int hc = w / heads, w3 = 3 * w;
    size_t nw = (size_t)n * w;
    linear_forward(a.qkv, x, p.wqkv, p.bqkv, n, w, w3);
    for (int h = 0; h < heads; h++) {
        const float *k = a.qkv + h * 3 * hc + hc, *v = k + hc, *q = a.qkv + h * 3 * hc;
        float *kn = a.kn + h * hc, *vn = a.vn + h * hc, *m = a.m + (size_t)h * hc * hc;
        layernorm_forward(kn, w, a.ks + 2 * (size_t)n * h, k, w3, p.kg + h * hc, p.kb + h * hc, n,
                          hc);
        layernorm_forward(vn, w, a.vs + 2 * (size_t)n * h, v, w3, p.vg + h * hc, p.vb + h * hc, n,
                          hc);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hc, hc, n, 1.0f / (float)n, kn, w, vn,
                    w, 0.0f, m, hc);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hc, hc, 1.0f, q, w3, m, hc, 0.0f,
                    a.r + h * hc, w);
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nw; i++) a.r[i] += x[i];
    mlp_forward(y, a.h1, a.g, a.r, p.w1, p.b1, p.w2, p.b2, n, w, w, w);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nw; i++) y[i] += a.r[i];
}

void galerkin_backward(float *dx, float *dparams, const float *dy, const float *acts,
                       const float *x, const float *params, int n, int w, int heads,
                       float *scratch) {
    gparams p = cviews(params, w);
    gviews d;
    views(&d, dparams, w);
    gacts a = acts_of((float *)acts, n, w, heads);
    int hc = w / heads, w3 = 3 * w;
    size_t nw = (size_t)n * w;
    float *dr = scratch, *dqkv = dr + nw, *dkn = dqkv + 3 * nw, *dvn = dkn + nw,
          *dm = dvn + nw, *ms = dm + (size_t)w * hc;

    /* y = mlp(r) + r */
    memcpy(dr, dy, nw * sizeof *dr);
    mlp_backward(dr, d.w1, d.b1, d.w2, d.b2, dy, a.r, a.h1, a.g, p.w1, p.w2, n, w, w, w, ms);
    /* r = q M + x */
    if (dx) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < nw; i++) dx[i] += dr[i];
    }
    memset(dqkv, 0, 3 * nw * sizeof *dqkv);
    for (int h = 0; h < heads; h++) {
        const float *q = a.qkv + h * 3 * hc, *k = q + hc, *v = k + hc, *m = a.m + (size_t)h * hc * hc;
        float *dmh = dm + (size_t)h * hc * hc;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, hc, hc, 1.0f, dr + h * hc, w, m, hc,
                    0.0f, dqkv + h * 3 * hc, w3);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hc, hc, n, 1.0f, q, w3, dr + h * hc, w,
                    0.0f, dmh, hc);
        /* M = kn^T vn / n */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, hc, hc, 1.0f / (float)n,
                    a.vn + h * hc, w, dmh, hc, 0.0f, dkn + h * hc, w);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hc, hc, 1.0f / (float)n,
                    a.kn + h * hc, w, dmh, hc, 0.0f, dvn + h * hc, w);
        layernorm_backward(dqkv + h * 3 * hc + hc, w3, d.kg + h * hc, d.kb + h * hc, dkn + h * hc,
                           w, k, a.ks + 2 * (size_t)n * h, p.kg + h * hc, n, hc);
        layernorm_backward(dqkv + h * 3 * hc + 2 * hc, w3, d.vg + h * hc, d.vb + h * hc,
                           dvn + h * hc, w, v, a.vs + 2 * (size_t)n * h, p.vg + h * hc, n, hc);
    }
    linear_backward(dx, d.wqkv, d.bqkv, dqkv, x, p.wqkv, n, w, w3);
}
