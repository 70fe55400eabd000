/*
 * e2ec_encode_target: rate control by search over one knob (e2ec.h), the one
 * the mode's table names (mode.h): the SIREN's width (rate_width.c) or a rate
 * weight lambda (rate_lambda.c). Every trial is a full encode (rate_trial.c), decoded
 * and measured exactly as a user's decoder would, so what the search reports
 * is what the stream gives. The answer is the smallest stream whose PSNR
 * reaches a PSNR target, or the best PSNR within a bpp target; else the
 * nearest miss.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "mode.h"
#include "rate_search.h"

#define RC_DEFAULT_TRIALS 6

/* Whether the search turns lambda (else the width; also for a mode this
 * build does not know, whose first trial is refused by e2ec_encode). */
static int turns_lambda(const e2ec_params *p) {
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(p->mode);
    return mode && mode->knob == MODE_KNOB_LAMBDA;
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
    if (turns_lambda(p) && !(p->grid_lambda > 0.0f && p->grid_lambda <= 1.0f))
        return E2EC_ERR_ARG; /* the first lambda tried; the search keeps to (0, 1] */
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(p->mode);
    if (mode && mode->knob == MODE_KNOB_NONE) return E2EC_ERR_UNSUPPORTED;
    return E2EC_OK;
}

/* The trial to hand back: the smallest that meets the target, else the nearest miss. */
static const rc_trial *answer(const rc_search *s, const e2ec_target *t, int *met) {
    const rc_trial *best = NULL;
    *met = 0;
    for (int i = 0; i < s->count; i++) {
        const rc_trial *c = &s->t[i];
        int ok = t->kind == E2EC_TARGET_PSNR ? c->psnr >= t->value : rc_bpp(s, c) <= t->value;
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
    e2ec_status st = check_target(in, p, t);
    if (st) return st;
    rc_search *s = calloc(1, sizeof *s);
    if (!s) return E2EC_ERR_NOMEM;
    s->in = in, s->p = *p;
    s->voxels = (double)in->nx * in->ny * in->nz;
    s->lo_w = t->min_width ? t->min_width : 4;
    s->hi_w = t->max_width ? t->max_width : 256;
    int lambda = turns_lambda(p);
    if (!lambda) /* the first width, kept to the allowed range */
        s->p.siren_width = p->siren_width < s->lo_w ? s->lo_w
                           : p->siren_width > s->hi_w ? s->hi_w : p->siren_width;
    int trials = t->max_trials ? t->max_trials : RC_DEFAULT_TRIALS, more = 1;
    while (more && s->count < trials) {
        double x = lambda ? rc_lambda_x(s->p.grid_lambda) : rc_width_x(s, s->p.siren_width);
        if ((st = rc_run_trial(s, x))) break;
        more = lambda ? rc_next_lambda(s, t) : rc_next_width(s, t);
    }
    if (!st && s->count) {
        const rc_trial *a = answer(s, t, &r->met);
        r->psnr = a->psnr, r->true_bpp = rc_bpp(s, a);
        r->siren_width = lambda ? 0 : a->width;
        r->grid_lambda = lambda ? a->lambda : 0.0f;
        r->trials = s->count;
        *stream = a->stream, *size = a->bytes;
    }
    for (int i = 0; i < s->count; i++)
        if (s->t[i].stream != *stream) e2ec_free(s->t[i].stream);
    free(s);
    return st;
}
