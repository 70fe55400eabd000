/* Loss and gradient of the end-to-end network, SIREN -> SRNO (train.h). */
#include <stdlib.h>
#include <string.h>
#include "loss.h"
#include "e2e_fit.h"
#include "siren_fit.h"
#include "train.h"

static void set_fields(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                       uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                       uint32_t hz, const float *target, const float *lr_target, float lr_weight,
                       e2ec_loss loss) {
    memset(f, 0, sizeof *f);
    f->siren = siren, f->srno = srno, f->n_siren = siren_param_count(siren);
    f->lx = lx, f->ly = ly, f->lz = lz, f->hx = hx, f->hy = hy, f->hz = hz;
    f->target = target, f->lr_target = lr_target, f->lr_weight = lr_weight, f->loss = loss;
}

/* Scratch: nl low-res values, the SIREN's activations for ns_pts points at
 * a time, nh output points, nsrno SRNO floats. */
static e2ec_status alloc_scratch(e2e_fit *f, size_t nl, size_t ns_pts, size_t nh, size_t nsrno) {
    f->coords = malloc(ns_pts * SIREN_IN * sizeof(float));
    f->lr = malloc(nl * sizeof(float));
    f->dlr = malloc(nl * sizeof(float));
    f->siren_acts = malloc(siren_acts_size(f->siren, ns_pts) * sizeof(float));
    f->siren_scratch = malloc(2 * ns_pts * f->siren->width * sizeof(float));
    f->hr = malloc(nh * sizeof(float));
    f->dhr = malloc(nh * sizeof(float));
    f->srno_acts = malloc(nsrno * sizeof(float));
    if (!f->coords || !f->lr || !f->dlr || !f->siren_acts || !f->siren_scratch || !f->hr ||
        !f->dhr || !f->srno_acts) {
        e2e_fit_free(f);
        return E2EC_ERR_NOMEM;
    }
    return E2EC_OK;
}

/* Floats of the SIREN's side: nl values, ns_pts points' activations, n_out_bufs of nh. */
static size_t floats_needed(const siren_config *s, size_t nl, size_t ns_pts, size_t nh,
                            size_t n_out_bufs) {
    return 2 * nl + (SIREN_IN + 2 * (size_t)s->width) * ns_pts + siren_acts_size(s, ns_pts) +
           n_out_bufs * nh;
}

/* The SIREN's coordinates of n low-res points from point `first` of the
 * planes starting at z0. */
static void fill_coords(const e2e_fit *f, uint32_t z0, size_t first, size_t n) {
    size_t plane = (size_t)f->lx * f->ly;
    for (size_t k = 0; k < n; k++) {
        size_t i = first + k;
        f->coords[3 * k + 0] = grid_coord((uint32_t)(i % f->lx), f->lx);
        f->coords[3 * k + 1] = grid_coord((uint32_t)(i / f->lx % f->ly), f->ly);
        f->coords[3 * k + 2] = grid_coord(z0 + (uint32_t)(i / plane), f->lz);
    }
}

/* Floats of the full batch's scratch. */
static size_t full_floats(const e2e_fit *f) {
    size_t nl = (size_t)f->lx * f->ly * f->lz, nh = (size_t)f->hx * f->hy * f->hz;
    return srno_acts_size(f->srno, f->lx, f->ly, f->lz, f->hx, f->hy, f->hz) +
           floats_needed(f->siren, nl, nl, nh, 2);
}

static e2ec_status init_full(e2e_fit *f, size_t max_floats) {
    size_t nl = (size_t)f->lx * f->ly * f->lz, nh = (size_t)f->hx * f->hy * f->hz;
    size_t ns = srno_acts_size(f->srno, f->lx, f->ly, f->lz, f->hx, f->hy, f->hz);
    if (full_floats(f) > max_floats) return E2EC_ERR_LIMIT;
    e2ec_status st = alloc_scratch(f, nl, nl, nh, ns);
    if (!st) fill_coords(f, 0, 0, nl);
    return st;
}

e2ec_status e2e_fit_init(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                         uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                         uint32_t hz, const float *target, const float *lr_target,
                         float lr_weight, e2ec_loss loss) {
    set_fields(f, siren, srno, lx, ly, lz, hx, hy, hz, target, lr_target, lr_weight, loss);
    return init_full(f, E2E_FIT_MAX_FLOATS);
}

static uint32_t rows_of(const e2e_fit *f) {
    return (f->hz + (uint32_t)f->srno->window - 1) / (uint32_t)f->srno->window;
}

/* Window mode runs the SIREN over a row's slab this many points at a time,
 * recomputing its forward in the backward: its activations (6 W floats a
 * point) would otherwise outweigh the rest over whole x-y planes. */
#define SIREN_CHUNK 16384

/* Window mode's sizes: nl low-res values of the deepest row slab, nh points of
 * the largest window, nout output values a buffer holds, ns the SRNO's floats. */
typedef struct {
    size_t nl, nh, nout, ns;
} window_sizes;

static window_sizes window_sizes_of(const e2e_fit *f) {
    uint32_t maxd = 0;
    for (uint32_t r = 0; r < rows_of(f); r++) {
        uint32_t a, b;
        srno_row_planes(f->srno, f->lz, f->hz, (int)r, &a, &b);
        if (b - a > maxd) maxd = b - a;
    }
    size_t t = (size_t)f->srno->window;
    window_sizes w;
    w.nl = (size_t)f->lx * f->ly * maxd;
    w.nh = (t < f->hx ? t : f->hx) * (t < f->hy ? t : f->hy) * (t < f->hz ? t : f->hz);
    w.ns = srno_row_acts_size(f->srno, f->lx, f->ly, f->lz, f->hx, f->hy, f->hz);
    w.nout = w.nh > SIREN_CHUNK ? w.nh : SIREN_CHUNK; /* hr also takes a chunk's values */
    return w;
}

/* Floats of window mode's scratch (hr, dhr and tbox: three output buffers). */
static size_t window_floats(const e2e_fit *f, const window_sizes *w) {
    return w->ns + floats_needed(f->siren, w->nl, SIREN_CHUNK, w->nout, 3);
}

static e2ec_status init_windows(e2e_fit *f, int batch, size_t max_floats) {
    f->n_windows = srno_window_count(f->srno, f->hx, f->hy, f->hz);
    f->windows = batch > 0 && batch < f->n_windows ? batch : f->n_windows;
    window_sizes w = window_sizes_of(f);
    size_t nl = w.nl, nh = w.nh, nout = w.nout, ns = w.ns;
    if (window_floats(f, &w) > max_floats) return E2EC_ERR_LIMIT;
    e2ec_status st = alloc_scratch(f, nl, SIREN_CHUNK, nout, ns);
    if (st) return st;
    f->siren_chunk = SIREN_CHUNK;
    f->tbox = malloc(nh * sizeof(float));
    f->chosen = malloc((size_t)f->n_windows * sizeof(int));
    if (!f->tbox || !f->chosen) {
        e2e_fit_free(f);
        return E2EC_ERR_NOMEM;
    }
    return E2EC_OK;
}

size_t e2e_fit_bytes(const siren_config *siren, const srno_config *srno, uint32_t lx,
                     uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz, int batch,
                     size_t max_floats) {
    e2e_fit f;
    set_fields(&f, siren, srno, lx, ly, lz, hx, hy, hz, NULL, NULL, 0, E2EC_LOSS_L1);
    if (batch == 0 && full_floats(&f) <= max_floats) return full_floats(&f) * sizeof(float);
    window_sizes w = window_sizes_of(&f);
    size_t n_windows = (size_t)srno_window_count(srno, hx, hy, hz);
    return window_floats(&f, &w) * sizeof(float) + n_windows * sizeof(int);
}

e2ec_status e2e_fit_init_batch(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                               uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                               uint32_t hz, const float *target, const float *lr_target,
                               float lr_weight, e2ec_loss loss, int batch, size_t max_floats) {
    set_fields(f, siren, srno, lx, ly, lz, hx, hy, hz, target, lr_target, lr_weight, loss);
    if (batch == 0) {
        e2ec_status st = init_full(f, max_floats);
        if (st != E2EC_ERR_LIMIT) return st;
    }
    return init_windows(f, batch, max_floats);
}

void e2e_fit_free(e2e_fit *f) {
    free(f->coords), free(f->lr), free(f->dlr), free(f->siren_acts), free(f->siren_scratch);
    free(f->hr), free(f->dhr), free(f->srno_acts), free(f->tbox), free(f->chosen);
    memset(f, 0, sizeof *f);
}

static e2ec_status grad_full(e2e_fit *f, const float *params, float *grads, double *loss,
                             double *mse) {
    size_t nl = (size_t)f->lx * f->ly * f->lz, nh = (size_t)f->hx * f->hy * f->hz;
    const float *srno_params = params + f->n_siren;
    siren_forward(f->siren, params, f->coords, f->lr, f->siren_acts, (int)nl);
    srno_forward(f->srno, srno_params, f->lr, f->lx, f->ly, f->lz, f->hr, f->hx, f->hy, f->hz,
                 f->srno_acts);
    memset(f->dhr, 0, nh * sizeof(float));
    memset(f->dlr, 0, nl * sizeof(float));
    *loss = loss_forward_backward(f->loss, f->hr, f->target, nh, 1.0f, f->dhr, mse);
    if (f->lr_weight > 0.0f)
        *loss += f->lr_weight * loss_forward_backward(f->loss, f->lr, f->lr_target, nl,
                                                      f->lr_weight, f->dlr, NULL);
    srno_backward(f->srno, srno_params, grads + f->n_siren, f->lr, f->lx, f->ly, f->lz, f->dhr,
                  f->hx, f->hy, f->hz, f->srno_acts, f->dlr);
    siren_backward(f->siren, params, grads, f->siren_acts, f->coords, f->dlr, f->siren_scratch,
                   (int)nl);
    return E2EC_OK;
}

static int by_index(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* This step's windows, increasing (so grouped by row): all of them, or a
 * random subset drawn without replacement (partial Fisher-Yates). */
static void choose_windows(e2e_fit *f, rng *r) {
    for (int i = 0; i < f->n_windows; i++) f->chosen[i] = i;
    if (f->windows == f->n_windows) return;
    for (int i = 0; i < f->windows; i++) {
        int j = i + (int)rng_below(r, (uint32_t)(f->n_windows - i));
        int t = f->chosen[i];
        f->chosen[i] = f->chosen[j], f->chosen[j] = t;
    }
    qsort(f->chosen, (size_t)f->windows, sizeof *f->chosen, by_index);
}

/* Low-res planes owned by a row: those its high-res planes map onto,
 * [ceil(z0 lz / hz), ceil(z1 lz / hz)); the rows partition the low-res grid. */
static void owned_planes(const e2e_fit *f, int row, uint32_t *o0, uint32_t *o1) {
    uint64_t t = (uint64_t)f->srno->window, z0 = row * t, z1 = z0 + t < f->hz ? z0 + t : f->hz;
    *o0 = (uint32_t)((z0 * f->lz + f->hz - 1) / f->hz);
    *o1 = (uint32_t)((z1 * f->lz + f->hz - 1) / f->hz);
}

static size_t window_points(const e2e_fit *f, int i, int *row) {
    nquery_box b = srno_window_box(f->srno, f->hx, f->hy, f->hz, i, row);
    return (size_t)(b.x1 - b.x0) * (b.y1 - b.y0) * (b.z1 - b.z0);
}

static void gather_target(const e2e_fit *f, const nquery_box *b) {
    float *t = f->tbox;
    for (int z = b->z0; z < b->z1; z++)
        for (int y = b->y0; y < b->y1; y++) {
            const float *src = f->target + ((size_t)z * f->hy + y) * f->hx + b->x0;
            memcpy(t, src, (size_t)(b->x1 - b->x0) * sizeof *t);
            t += b->x1 - b->x0;
        }
}

static e2ec_status grad_windows(e2e_fit *f, const float *params, float *grads, rng *r,
                                double *loss, double *mse) {
    choose_windows(f, r);
    /* the normalisers: output points of the chosen windows, owned low-res points of their rows */
    size_t points = 0, owned = 0, plane = (size_t)f->lx * f->ly;
    int last_row = -1;
    for (int k = 0; k < f->windows; k++) {
        int row;
        points += window_points(f, f->chosen[k], &row);
        if (row != last_row) {
            uint32_t o0, o1;
            owned_planes(f, row, &o0, &o1);
            owned += plane * (o1 - o0);
            last_row = row;
        }
    }
    const float *sp = params + f->n_siren;
    float *sg = grads + f->n_siren;
    double lsum = 0.0, msum = 0.0, lr_loss = 0.0;
    for (int k = 0; k < f->windows;) {
        int row;
        srno_window_box(f->srno, f->hx, f->hy, f->hz, f->chosen[k], &row);
        uint32_t a, b;
        srno_row_planes(f->srno, f->lz, f->hz, row, &a, &b);
        size_t nl = plane * (b - a);
        for (size_t i = 0; i < nl; i += f->siren_chunk) {
            size_t n = nl - i < f->siren_chunk ? nl - i : f->siren_chunk;
            fill_coords(f, a, i, n);
            siren_forward(f->siren, params, f->coords, f->lr + i, f->siren_acts, (int)n);
        }
        srno_row sr;
        srno_row_forward(&sr, f->srno, sp, f->lr, f->lx, f->ly, f->lz, f->hx, f->hy, f->hz, row,
                         f->srno_acts);
        memset(f->dlr, 0, nl * sizeof(float));
        for (; k < f->windows; k++) {
            int rw;
            nquery_box box = srno_window_box(f->srno, f->hx, f->hy, f->hz, f->chosen[k], &rw);
            if (rw != row) break;
            size_t n = window_points(f, f->chosen[k], &rw);
            srno_window_forward(&sr, sp, &box, f->hr);
            gather_target(f, &box);
            memset(f->dhr, 0, n * sizeof(float));
            double m;
            /* scaled so that the windows add up to the mean over the step's voxels */
            double l = loss_forward_backward(f->loss, f->hr, f->tbox, n,
                                             (float)((double)n / points), f->dhr, &m);
            lsum += l * n, msum += m * n;
            srno_window_backward(&sr, sp, sg, &box, f->dhr, f->dlr);
        }
        srno_row_backward(&sr, sp, sg, f->dlr);
        uint32_t o0, o1;
        owned_planes(f, row, &o0, &o1);
        if (f->lr_weight > 0.0f && o1 > o0) {
            size_t off = plane * (o0 - a), q = plane * (o1 - o0);
            float share = (float)((double)q / owned);
            lr_loss += share * loss_forward_backward(f->loss, f->lr + off,
                                                     f->lr_target + plane * o0, q,
                                                     f->lr_weight * share, f->dlr + off, NULL);
        }
        for (size_t i = 0; i < nl; i += f->siren_chunk) {
            size_t n = nl - i < f->siren_chunk ? nl - i : f->siren_chunk;
            fill_coords(f, a, i, n);
            siren_forward(f->siren, params, f->coords, f->hr, f->siren_acts, (int)n);
            siren_backward(f->siren, params, grads, f->siren_acts, f->coords, f->dlr + i,
                           f->siren_scratch, (int)n);
        }
    }
    *loss = lsum / points + f->lr_weight * lr_loss;
    *mse = msum / points;
    return E2EC_OK;
}

e2ec_status e2e_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                         double *mse) {
    e2e_fit *f = ctx;
    return f->windows ? grad_windows(f, params, grads, r, loss, mse)
                      : grad_full(f, params, grads, loss, mse);
}

e2ec_status e2e_warm_start(const siren_config *siren, const srno_config *srno, uint32_t lx,
                           uint32_t ly, uint32_t lz, const float *y, const e2ec_params *p,
                           float *params, rng *r) {
    size_t ns = siren_param_count(siren);
    srno_views v;
    srno_views_of(&v, srno, params + ns);
    memset(v.dec_w2, 0, (size_t)srno->hidden * sizeof *v.dec_w2);
    *v.dec_b2 = 0.0f;
    e2ec_params warm = *p;
    warm.epochs = p->epochs < E2E_WARM_EPOCHS / 10 ? 10 * p->epochs : E2E_WARM_EPOCHS;
    warm.batch = 0;
    warm.progress = NULL;
    siren_fit fit;
    e2ec_status st = siren_fit_init(&fit, siren, lx, ly, lz, y, p->loss, 0);
    if (st) return st;
    st = train_loop(&warm, ns, params, siren_fit_grad, &fit, r);
    siren_fit_free(&fit);
    return st;
}
