/*
 * The 3D Super-Resolution Neural Operator (E2E mode): maps the SIREN's
 * low-resolution grid (1 channel) to the full-resolution grid. The 2D SRNO
 * (Wei & Zhang, CVPR 2023) lifted to 3D as the paper intends; every layer,
 * shape and deviation from the authors' code is in docs/architecture.md.
 *
 *   lr [lz][ly][lx]
 *   -> EDSR encoder on the LOW-res grid: conv3 1->NC; `resblocks` x
 *      (x + conv3(relu(conv3(x)))); conv3; + the head's output  => F [NC][lz][ly][lx]
 *   -> for each high-res point: 8-corner local ensemble on F (codec/nn/nquery.h)
 *   -> 1x1 lift to `width`; 2 Galerkin attention blocks (codec/nn/galerkin.h),
 *      each normalising over one WINDOW of window^3 high-res points
 *   -> decoder width -> hidden -> 1 with GELU
 *   -> + trilinear upsampling of lr (codec/upsample.h)    => hr [hz][hy][hx]
 *
 * Attention windows: the high-res grid is cut into boxes of window^3 voxels
 * anchored at the origin (the last ones along an axis may be smaller); k^T v
 * is taken over one box, so decoding a slice needs only its row of windows.
 */
#ifndef E2EC_SRNO_H
#define E2EC_SRNO_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "nn/nquery.h"
#include "rng.h"

#define SRNO_BLOCKS 2         /* Galerkin attention blocks (SRNO: 2) */
#define SRNO_MAX_RESBLOCKS 16
#define SRNO_MAX_HIDDEN 1024
#define SRNO_MAX_WINDOW 256
/* Layer norm over fewer channels per head is degenerate: over 2 it is a sign
 * function (the authors' w=4, 2 heads), over 1 it is 0/0 (NaN). */
#define SRNO_MIN_HEAD_CHANNELS 4

typedef struct {
    int channels;  /* NC: encoder feature channels */
    int width;     /* w: neural-operator width */
    int heads;     /* attention heads; width / heads >= SRNO_MIN_HEAD_CHANNELS, exactly */
    int resblocks; /* EDSR residual blocks */
    int hidden;    /* decoder hidden width */
    int window;    /* attention window edge, high-res voxels */
} srno_config;

/* Our defaults: NC=4, w=8, 1 head, 2 resblocks, hidden 64, 64^3 windows:
 * 4,197 weights, 6,208 with the SN=30 SIREN (paper's trade-off point: 6,348). */
void srno_config_default(srno_config *c);
/* E2EC_OK, or E2EC_ERR_HEADER when a field is out of range. */
e2ec_status srno_config_check(const srno_config *c);

/* Weights: 28 NC + (2R+1)(27 NC^2 + NC) + (8 NC + 28) w + 2 (5 w^2 + 9 w) + (w + 2) hidden + 1.
 * It depends neither on the scale nor on the heads. */
size_t srno_param_count(const srno_config *c);

/* Views into one parameter buffer, in storage order. */
typedef struct {
    float *head_w, *head_b;                  /* conv3 1 -> NC */
    float *res_w[2 * SRNO_MAX_RESBLOCKS];    /* block r: convs 2r, 2r+1 (NC -> NC) */
    float *res_b[2 * SRNO_MAX_RESBLOCKS];
    float *body_w, *body_b;                  /* conv3 NC -> NC */
    float *lift_w, *lift_b;                  /* [w][8 NC + 27] */
    float *attn[SRNO_BLOCKS];                /* galerkin.h packing */
    float *dec_w1, *dec_b1, *dec_w2, *dec_b2; /* [hidden][w], [1][hidden] */
} srno_views;

void srno_views_of(srno_views *v, const srno_config *c, float *params);
/* PyTorch's defaults: conv/linear weights and biases U(-1/sqrt(fan_in), +1/sqrt(fan_in)),
 * layer-norm gains 1 and biases 0. */
void srno_init(const srno_config *c, float *params, rng *r);

/* Floats of acts a training forward/backward over the whole grids needs
 * (activations and the backward's scratch). */
size_t srno_acts_size(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                      uint32_t hy, uint32_t hz);
/* Training forward over the whole grids: lr [lz][ly][lx] -> hr [hz][hy][hx]. */
void srno_forward(const srno_config *c, const float *params, const float *lr, uint32_t lx,
                  uint32_t ly, uint32_t lz, float *hr, uint32_t hx, uint32_t hy, uint32_t hz,
                  float *acts);
/* dparams accumulates; dlr (may be NULL) accumulates; acts from the forward. */
void srno_backward(const srno_config *c, const float *params, float *dparams, const float *lr,
                   uint32_t lx, uint32_t ly, uint32_t lz, const float *dhr, uint32_t hx,
                   uint32_t hy, uint32_t hz, float *acts, float *dlr);

/* Low-res planes [*lz0, *lz1) that output planes [z0, z1) read: their rows of
 * windows' ensemble corners plus the encoder's receptive field. */
void srno_lr_planes(const srno_config *c, uint32_t lz, uint32_t hz, uint32_t z0, uint32_t z1,
                    uint32_t *lz0, uint32_t *lz1);
/* Inference: output planes [z0, z1) (hx*hy*(z1-z0) floats) from lr, the whole
 * low-res grid of which only the planes of srno_lr_planes() are read. Works
 * one row of windows at a time, one window at a time: memory is bounded by
 * the window and a slab of low-res planes, not by the volume's depth. Each
 * output voxel is computed by the same operations whatever [z0, z1), so any
 * split of the planes gives bit-identical results.
 * Returns E2EC_ERR_NOMEM when its working memory cannot be allocated. */
e2ec_status srno_eval_planes(const srno_config *c, const float *params, const float *lr,
                             uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                             uint32_t hz, uint32_t z0, uint32_t z1, float *out);
/* Floats of working memory srno_eval_planes allocates for [z0, z1) (memory_budget.h). */
size_t srno_eval_floats(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                        uint32_t hy, uint32_t hz, uint32_t z0, uint32_t z1);
/* Floats of the largest operand of a matrix product the SRNO runs, evaluating
 * or training, as the BLAS packs it (blas_pack.h): a window's rows of query
 * features, block activations or decoder hidden units, or a low-res plane's
 * im2col matrix (3^3 taps of each channel). */
uint64_t srno_blas_floats(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t hx,
                          uint32_t hy, uint32_t hz);

/* ---- Training one row of windows at a time (e2e_fit.h's window mode).
 * The encoder runs on the row's low-res slab (whole x-y planes, the planes of
 * srno_row_planes), then each chosen window of the row is run forward and
 * backward ALONE: its attention normalises over exactly that window, as in
 * srno_forward and in inference, so its gradient is exact. Memory is bounded
 * by one slab and one window, not by the volume. Per row:
 *   srno_row_forward; for each window of the row: srno_window_forward, then
 *   (before the next window) srno_window_backward; finally srno_row_backward.
 * Windows are numbered as in srno_forward: z-major, so row = i / windows per row. */
int srno_window_count(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz);
/* Window i's box of high-res points and (in *row) its row of windows. */
nquery_box srno_window_box(const srno_config *c, uint32_t hx, uint32_t hy, uint32_t hz, int i,
                           int *row);
/* Low-res planes [*a, *b) that row `row` reads (the SRNO and its skip). */
void srno_row_planes(const srno_config *c, uint32_t lz, uint32_t hz, int row, uint32_t *a,
                     uint32_t *b);
/* Floats of acts for any row of these grids. */
size_t srno_row_acts_size(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz,
                          uint32_t hx, uint32_t hy, uint32_t hz);
typedef struct {
    const srno_config *c;
    const float *slab; /* the row's low-res planes [g.f0, g.f0 + g.fd) */
    nquery_geom g;
    float *acts;
} srno_row;
/* Encoder over slab (planes srno_row_planes(row) of the low-res grid). */
void srno_row_forward(srno_row *r, const srno_config *c, const float *params, const float *slab,
                      uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                      uint32_t hz, int row, float *acts);
/* out (box points, x fastest) = SRNO + trilinear skip for one window of the row. */
void srno_window_forward(const srno_row *r, const float *params, const nquery_box *box,
                         float *out);
/* dparams and dslab ([g.fd][ly][lx]) accumulate the window's share for dout. */
void srno_window_backward(const srno_row *r, const float *params, float *dparams,
                          const nquery_box *box, const float *dout, float *dslab);
/* The encoder's backward for all the row's windows: dparams, dslab accumulate. */
void srno_row_backward(const srno_row *r, const float *params, float *dparams, float *dslab);

#endif
