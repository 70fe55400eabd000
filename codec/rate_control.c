/*
 * e2ec_encode_target: rate control by search over the network's size (e2ec.h).
 *
 * The knob is the SIREN's width W: it sets the weight count n(W) (and so the
 * stream's bytes, nearly in proportion), and the quality rises with it. Every
 * trial is a full encode, decoded and measured exactly as a user's decoder
 * would, so what the search reports is what the stream gives.
 *  - bpp target: bytes are predicted as proportional to n(W), scaled from the
 *    measured trial nearest in n; the widest W predicted to fit is tried, and
 *    the prediction corrected until a trial fits.
 *  - PSNR target: PSNR is modelled as linear in log2 n(W): a slope guessed
 *    from the first trial alone, then the secant through the two trials that
 *    bracket (or are nearest to) the target. The answer is the smallest stream
 *    whose PSNR reaches the target.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "e2ec.h"

#define RC_MAX_TRIALS 16
#define RC_DEFAULT_TRIALS 6
/* dB per doubling of the weight count before two trials measure it: the
 * SIREN fits on the sample MR gain 1.5-3 dB per doubling (bench/RESULTS.md). */
#define RC_GUESSED_SLOPE 2.0

typedef struct {
    int width;
    double log_n;  /* log2 of the weight count */
    double psnr;
    size_t bytes;
    uint8_t *stream;
} trial;

typedef struct {
    const e2ec_volume *in;
    e2ec_params p;
    trial t[RC_MAX_TRIALS];
    int count, lo_w, hi_w;
    double voxels;
} search;

static double log_weights(const e2ec_params *base, int width) {
    e2ec_params p = *base;
    p.siren_width = width;
    return log2((double)e2ec_param_count(&p));
}

static const trial *tried(const search *s, int width) {
    for (int i = 0; i < s->count; i++)
        if (s->t[i].width == width) return &s->t[i];
    return NULL;
}

/* Encodes at one width, decodes and measures it. */
static e2ec_status run_trial(search *s, int width) {
    trial *t = &s->t[s->count];
    s->p.siren_width = width;
    e2ec_status st = e2ec_encode(s->in, &s->p, &t->stream, &t->bytes);
    if (st) return st;
    e2ec_volume out = {0};
    e2ec_metrics m;
    e2ec_decode_options o = {s->p.threads, s->p.max_memory};
    st = e2ec_decode_opt(t->stream, t->bytes, &o, &out);
    if (!st) st = e2ec_compare(s->in, &out, s->p.threads, &m);
    e2ec_volume_free(&out);
    if (st) {
        e2ec_free(t->stream);
        return st;
    }
    t->width = width;
    t->log_n = log_weights(&s->p, width);
    t->psnr = m.psnr;
    s->count++;
    return E2EC_OK;
}

static int clamp_width(const search *s, double w) {
    if (!(w >= s->lo_w)) return s->lo_w; /* also NaN */
    if (w > s->hi_w) return s->hi_w;
    return (int)lround(w);
}

/* The width whose weight count is closest to 2^log_n (widths are few and cheap to count). */
static int width_for_log_n(const search *s, double log_n) {
    int best = s->lo_w;
    double err = INFINITY;
    for (int w = s->lo_w; w <= s->hi_w; w++) {
        double e = fabs(log_weights(&s->p, w) - log_n);
        if (e < err) err = e, best = w;
    }
    return best;
}

/* Nearest untried width to w, searching outwards, within [lo, hi]; 0 if none. */
static int untried_near(const search *s, int w, int lo, int hi) {
    for (int d = 0; d <= s->hi_w - s->lo_w; d++) {
        if (w - d >= lo && !tried(s, w - d)) return w - d;
        if (w + d <= hi && !tried(s, w + d)) return w + d;
    }
    return 0;
}

static double bpp_of(const search *s, const trial *t) { return 8.0 * (double)t->bytes / s->voxels; }

/* Next width for a bpp target: the widest predicted to fit, below any that did not. */
static int next_width_bpp(const search *s, double target) {
    int hi = s->hi_w, lo = s->lo_w;
    for (int i = 0; i < s->count; i++) {
        const trial *t = &s->t[i];
        if (bpp_of(s, t) > target && t->width - 1 < hi) hi = t->width - 1;
        if (bpp_of(s, t) <= target && t->width + 1 > lo) lo = t->width + 1;
    }
    if (lo > hi) return 0;
    int best = 0;
    for (int w = lo; w <= hi; w++) {
        double log_n = log_weights(&s->p, w), near = INFINITY;
        const trial *ref = NULL;
        for (int i = 0; i < s->count; i++)
            if (fabs(s->t[i].log_n - log_n) < near) near = fabs(s->t[i].log_n - log_n), ref = &s->t[i];
        if (bpp_of(s, ref) * exp2(log_n - ref->log_n) <= target) best = w;
    }
    return best ? best : (tried(s, lo) ? 0 : lo);
}

/* Next width for a PSNR target: secant in log2 n through the trials around it. */
static int next_width_psnr(const search *s, double target) {
    const trial *below = NULL, *above = NULL;
    for (int i = 0; i < s->count; i++) {
        const trial *t = &s->t[i];
        if (t->psnr < target && (!below || t->log_n > below->log_n)) below = t;
        if (t->psnr >= target && (!above || t->log_n < above->log_n)) above = t;
    }
    int lo = below ? below->width + 1 : s->lo_w, hi = above ? above->width - 1 : s->hi_w;
    if (lo > hi) return 0; /* adjacent widths bracket the target: done */
    const trial *a = below ? below : above, *b = NULL;
    if (below && above) b = above;
    else /* one side only: the other nearest trial on the same side, if any */
        for (int i = 0; i < s->count; i++)
            if (&s->t[i] != a && (!b || fabs(s->t[i].log_n - a->log_n) < fabs(b->log_n - a->log_n)))
                b = &s->t[i];
    double slope = RC_GUESSED_SLOPE;
    if (b && b->log_n != a->log_n) slope = (b->psnr - a->psnr) / (b->log_n - a->log_n);
    if (!(slope > 0.25)) slope = RC_GUESSED_SLOPE; /* noise, not a trend: keep moving */
    int w = width_for_log_n(s, a->log_n + (target - a->psnr) / slope);
    return untried_near(s, clamp_width(s, w), lo, hi);
}

static e2ec_status check_target(const e2ec_volume *in, const e2ec_params *p,
                                const e2ec_target *t) {
    if (!in || !p || !t || !in->nx || !in->ny || !in->nz) return E2EC_ERR_ARG;
    if (t->kind != E2EC_TARGET_PSNR && t->kind != E2EC_TARGET_BPP) return E2EC_ERR_ARG;
    if (!(t->value > 0.0) || !isfinite(t->value)) return E2EC_ERR_ARG;
    if (t->max_trials < 0 || t->max_trials > RC_MAX_TRIALS) return E2EC_ERR_ARG;
    if (t->min_width < 0 || t->max_width < 0 || t->max_width > E2EC_MAX_SIREN_WIDTH ||
        (t->max_width && t->min_width > t->max_width))
        return E2EC_ERR_ARG;
    return E2EC_OK;
}

/* The trial to hand back: the smallest that meets the target, else the nearest miss. */
static const trial *answer(const search *s, const e2ec_target *t, int *met) {
    const trial *best = NULL;
    *met = 0;
    for (int i = 0; i < s->count; i++) {
        const trial *c = &s->t[i];
        int ok = t->kind == E2EC_TARGET_PSNR ? c->psnr >= t->value : bpp_of(s, c) <= t->value;
        if (ok && (!*met || (t->kind == E2EC_TARGET_PSNR ? c->bytes < best->bytes
                                                          : c->psnr > best->psnr)))
            best = c, *met = 1;
        else if (!ok && !*met &&
                 (!best || (t->kind == E2EC_TARGET_PSNR ? c->psnr > best->psnr
                                                         : c->bytes < best->bytes)))
            best = c;
    }
    return best;
}

e2ec_status e2ec_encode_target(const e2ec_volume *in, const e2ec_params *p,
                               const e2ec_target *t, uint8_t **stream, size_t *size,
                               e2ec_target_result *r) {
    if (!stream || !size || !r) return E2EC_ERR_ARG;
    *stream = NULL, *size = 0;
    memset(r, 0, sizeof *r);
    if (p && p->mode == E2EC_MODE_GRID) return E2EC_ERR_UNSUPPORTED; /* it searches a SIREN width */
    e2ec_status st = check_target(in, p, t);
    if (st) return st;
    search *s = calloc(1, sizeof *s);
    if (!s) return E2EC_ERR_NOMEM;
    s->in = in, s->p = *p;
    s->voxels = (double)in->nx * in->ny * in->nz;
    s->lo_w = t->min_width ? t->min_width : 4;
    s->hi_w = t->max_width ? t->max_width : 256;
    int trials = t->max_trials ? t->max_trials : RC_DEFAULT_TRIALS;
    int w = clamp_width(s, p->siren_width);
    while (w && s->count < trials) {
        if ((st = run_trial(s, w))) break;
        w = t->kind == E2EC_TARGET_PSNR ? next_width_psnr(s, t->value)
                                        : next_width_bpp(s, t->value);
    }
    if (!st && s->count) {
        const trial *a = answer(s, t, &r->met);
        r->psnr = a->psnr, r->true_bpp = bpp_of(s, a), r->siren_width = a->width;
        r->trials = s->count;
        *stream = a->stream, *size = a->bytes;
    }
    for (int i = 0; i < s->count; i++)
        if (s->t[i].stream != *stream) e2ec_free(s->t[i].stream);
    free(s);
    return st;
}
