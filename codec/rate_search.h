/*
 * The state of an e2ec_encode_target search (rate_control.c) and the two
 * knobs it can turn, as a mode's table names it (mode_ops.h: knob): the
 * SIREN's width (rate_width.c) for the network modes, the rate weight lambda
 * (rate_lambda.c) for the grid and latent modes. Each trial is a whole
 * encode, decoded and measured as a user's decoder would.
 */
#ifndef E2EC_RATE_SEARCH_H
#define E2EC_RATE_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

#define RC_MAX_TRIALS 16

typedef struct {
    int width;      /* the SIREN width encoded (network modes) */
    float lambda;   /* the rate weight encoded (grid and latent modes) */
    double x;       /* the knob on the search's axis, rising with the rate:
                     * log2 of the weight count, or log2(1 / lambda) */
    double psnr;
    size_t bytes;
    uint8_t *stream;
} rc_trial;

typedef struct {
    const e2ec_volume *in;
    e2ec_params p;        /* the parameters of the next trial */
    rc_trial t[RC_MAX_TRIALS];
    int count;
    double voxels;
    int lo_w, hi_w;       /* widths the width search may choose */
} rc_search;

/* Encodes with s->p, decodes and measures; the trial's knob is x (rate_trial.c). */
e2ec_status rc_run_trial(rc_search *s, double x);
double rc_bpp(const rc_search *s, const rc_trial *t);

/* The next knob setting to try, written into s->p; 0 when the search is done. */
int rc_next_width(rc_search *s, const e2ec_target *t);
int rc_next_lambda(rc_search *s, const e2ec_target *t);
/* The knob position of the first trial, from s->p. */
double rc_width_x(const rc_search *s, int width);
double rc_lambda_x(float lambda);

#endif
