/*
 * The lambda knob of e2ec_encode_target (rate_search.h), for the grid and
 * latent modes. lambda weights the rate in the fit's loss: a smaller lambda
 * gives a larger stream and a higher PSNR. The knob is continuous, so the search brackets
 * the target and stops as soon as a trial lands in a narrow band on the good
 * side of it: a PSNR at most RC_PSNR_BAND dB above a PSNR target, a size at
 * most RC_BPP_BAND below a bpp target.
 *
 * On the axis x = log2(1 / lambda), both the PSNR and ln(bpp) rise roughly
 * linearly over the useful range (bench/RESULTS.md, grid and latent sweeps):
 * the next x is the secant through the trials on either side of the band's
 * middle, or, before the target is bracketed, a step along the measured slope,
 * else the guessed one: the mode's own for PSNR (mode_ops.h:
 * lambda_psnr_slope; the latent mode's PSNR rises about twice as fast as the
 * grid's), one for ln(bpp).
 */
#include <math.h>
#include "mode.h"
#include "rate_search.h"

#define RC_PSNR_BAND 0.25 /* dB */
#define RC_BPP_BAND 0.05  /* fraction of the target */
/* lambda's range: 1 leaves the grid almost empty, 1e-5 has stopped pulling at it */
#define RC_X_MIN 0.0
#define RC_X_MAX 16.6
/* ln(bpp)'s rise per doubling of 1/lambda before two trials measure it: 0.2
 * (MR) to 0.3 (CT crop) in the grid mode, 0.28-0.32 in the latent mode. */
#define RC_GUESSED_LNBPP_SLOPE 0.25
#define RC_MAX_STEP 4.0   /* doublings per step outside the bracket */
#define RC_MIN_STEP 0.05  /* closer knobs give the same stream, give or take noise */

double rc_lambda_x(float lambda) { return -log2((double)lambda); }

/* The trial's value on an axis that rises with x. */
static double value(const rc_search *s, const rc_trial *t, const e2ec_target *g) {
    return g->kind == E2EC_TARGET_PSNR ? t->psnr : log(rc_bpp(s, t));
}

int rc_next_lambda(rc_search *s, const e2ec_target *g) {
    double a, b; /* the band of values that ends the search */
    if (g->kind == E2EC_TARGET_PSNR) a = g->value, b = g->value + RC_PSNR_BAND;
    else b = log(g->value), a = b + log(1.0 - RC_BPP_BAND);
    const rc_trial *lo = NULL, *hi = NULL; /* the nearest trials below and above the band */
    for (int i = 0; i < s->count; i++) {
        const rc_trial *t = &s->t[i];
        double v = value(s, t, g);
        if (v >= a && v <= b) return 0;
        if (v < a && (!lo || t->x > lo->x)) lo = t;
        if (v > b && (!hi || t->x < hi->x)) hi = t;
    }
    double mid = 0.5 * (a + b), x;
    if (lo && hi) {
        double d = hi->x - lo->x;
        if (d < 2 * RC_MIN_STEP) return 0; /* bracketed as finely as the knob resolves */
        x = lo->x + (mid - value(s, lo, g)) * d / (value(s, hi, g) - value(s, lo, g));
        x = fmin(fmax(x, lo->x + 0.1 * d), hi->x - 0.1 * d); /* the bracket must shrink */
    } else {
        const rc_trial *e = lo ? lo : hi, *o = NULL; /* every trial is on e's side */
        for (int i = 0; i < s->count; i++)
            if (&s->t[i] != e && (!o || fabs(s->t[i].x - e->x) < fabs(o->x - e->x))) o = &s->t[i];
        double guess = g->kind == E2EC_TARGET_PSNR
                           ? (double)e2ec_mode_ops_of(s->p.mode)->lambda_psnr_slope
                           : RC_GUESSED_LNBPP_SLOPE;
        double slope = guess;
        if (o && fabs(o->x - e->x) > RC_MIN_STEP) {
            double m = (value(s, o, g) - value(s, e, g)) / (o->x - e->x);
            if (m > 0.25 * guess) slope = m; /* flatter is noise or saturation: keep moving */
        }
        double step = fabs(mid - value(s, e, g)) / slope;
        step = fmin(fmax(step, 4 * RC_MIN_STEP), RC_MAX_STEP);
        x = fmin(fmax(e->x + (lo ? step : -step), RC_X_MIN), RC_X_MAX);
        if (fabs(x - e->x) < RC_MIN_STEP) return 0; /* at the end of lambda's range */
    }
    s->p.grid_lambda = (float)exp2(-x);
    return 1;
}
