/*
 * The width knob of e2ec_encode_target (rate_search.h), for the network modes.
 * The width W sets the weight count n(W), and with it the stream's bytes
 * nearly in proportion; the quality rises with it. Widths are integers, so
 * the search ends when two adjacent widths bracket the target.
 *  - bpp target: bytes are predicted as proportional to n(W), scaled from the
 *    measured trial nearest in n; the widest W predicted to fit is tried, and
 *    a trial over the target bounds the widths from above.
 *  - PSNR target: PSNR is modelled as linear in log2 n(W): a slope guessed
 *    from the first trial alone, then the secant through the two trials that
 *    bracket (or are nearest to) the target.
 */
#include <math.h>
#include "rate_search.h"

/* dB per doubling of the weight count before two trials measure it: the
 * SIREN fits on the sample MR gain 1.5-3 dB per doubling (bench/RESULTS.md). */
#define RC_GUESSED_SLOPE 2.0

double rc_width_x(const rc_search *s, int width) {
    e2ec_params p = s->p;
    p.siren_width = width;
    return log2((double)e2ec_param_count(&p));
}

static const rc_trial *tried(const rc_search *s, int width) {
    for (int i = 0; i < s->count; i++)
        if (s->t[i].width == width) return &s->t[i];
    return NULL;
}

static int clamp_width(const rc_search *s, double w) {
    if (!(w >= s->lo_w)) return s->lo_w; /* also NaN */
    if (w > s->hi_w) return s->hi_w;
    return (int)lround(w);
}

/* The width whose weight count is closest to 2^x (widths are few and cheap to count). */
static int width_for_x(const rc_search *s, double x) {
    int best = s->lo_w;
    double err = INFINITY;
    for (int w = s->lo_w; w <= s->hi_w; w++) {
        double e = fabs(rc_width_x(s, w) - x);
        if (e < err) err = e, best = w;
    }
    return best;
}

/* Nearest untried width to w, searching outwards, within [lo, hi]; 0 if none. */
static int untried_near(const rc_search *s, int w, int lo, int hi) {
    for (int d = 0; d <= s->hi_w - s->lo_w; d++) {
        if (w - d >= lo && !tried(s, w - d)) return w - d;
        if (w + d <= hi && !tried(s, w + d)) return w + d;
    }
    return 0;
}

/* Next width for a bpp target: the widest predicted to fit, below any that did not. */
static int next_width_bpp(const rc_search *s, double target) {
    int hi = s->hi_w, lo = s->lo_w;
    for (int i = 0; i < s->count; i++) {
        const rc_trial *t = &s->t[i];
        if (rc_bpp(s, t) > target && t->width - 1 < hi) hi = t->width - 1;
        if (rc_bpp(s, t) <= target && t->width + 1 > lo) lo = t->width + 1;
    }
    if (lo > hi) return 0;
    int best = 0;
    for (int w = lo; w <= hi; w++) {
        double x = rc_width_x(s, w), near = INFINITY;
        const rc_trial *ref = NULL;
        for (int i = 0; i < s->count; i++)
            if (fabs(s->t[i].x - x) < near) near = fabs(s->t[i].x - x), ref = &s->t[i];
        if (rc_bpp(s, ref) * exp2(x - ref->x) <= target) best = w;
    }
    return best ? best : (tried(s, lo) ? 0 : lo);
}

/* Next width for a PSNR target: secant in log2 n through the trials around it. */
static int next_width_psnr(const rc_search *s, double target) {
    const rc_trial *below = NULL, *above = NULL;
    for (int i = 0; i < s->count; i++) {
        const rc_trial *t = &s->t[i];
        if (t->psnr < target && (!below || t->x > below->x)) below = t;
        if (t->psnr >= target && (!above || t->x < above->x)) above = t;
    }
    int lo = below ? below->width + 1 : s->lo_w, hi = above ? above->width - 1 : s->hi_w;
    if (lo > hi) return 0; /* adjacent widths bracket the target: done */
    const rc_trial *a = below ? below : above, *b = NULL;
    if (below && above) b = above;
    else /* one side only: the other nearest trial on the same side, if any */
        for (int i = 0; i < s->count; i++)
            if (&s->t[i] != a && (!b || fabs(s->t[i].x - a->x) < fabs(b->x - a->x)))
                b = &s->t[i];
    double slope = RC_GUESSED_SLOPE;
    if (b && b->x != a->x) slope = (b->psnr - a->psnr) / (b->x - a->x);
    if (!(slope > 0.25)) slope = RC_GUESSED_SLOPE; /* noise, not a trend: keep moving */
    int w = width_for_x(s, a->x + (target - a->psnr) / slope);
    return untried_near(s, clamp_width(s, w), lo, hi);
}

int rc_next_width(rc_search *s, const e2ec_target *t) {
    int w = t->kind == E2EC_TARGET_PSNR ? next_width_psnr(s, t->value)
                                        : next_width_bpp(s, t->value);
    if (w) s->p.siren_width = w;
    return w != 0;
}
