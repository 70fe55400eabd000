/*
 * The latent mode's post-network (bitstream version 8): a small residual
 * convolutional network on the decoded volume, after the value map, in the
 * place of the 5 x 5 x 3 post-filter (post_filter.h) where it pays more. The
 * encoder trains it on this volume (the decode against the original) and
 * sends its weights. Why: the synthesis sees one voxel at a time, so its
 * decode is soft at edges and blotchy in noise; a linear filter takes back
 * 0.1-0.25 dB of that on the CT, a network that sees a voxel's neighbours
 * through two ReLUs +0.67 dB on the whole chest CT at lambda 3e-3 on top of
 * the filter (a scratch probe: bench/results/latent/post-cnn-probe.log).
 *
 *   x    the planes z - 1, z, z + 1 of the decode, (v - vmin) / (vmax - vmin)
 *   h1 = relu(conv(x;  W1, b1))   3 -> C channels
 *   h2 = relu(conv(h1; W2, b2))   C -> C
 *   out(z) = clamp(x(z) + conv(h2; W3, b3), 0, 1), stored as the decoder
 *            stores the synthesis (normalised_to_stored)
 *
 * conv: 3 x 3 in-plane (nn/conv2d.h), so the first layer is 3 x 3 x 3 in the
 * volume; each plane is extended by POST_CNN_REACH voxels (coordinates clamped
 * at its edges) and the planes beyond the volume's faces are the face's, so
 * a plane reads the same planes as the filter's (POST_FILTER_REACH_Z). Floats
 * in one order of operations (conv2d.h): the same voxels on every machine,
 * ISA path and thread count. Integer voxel types only.
 */
#ifndef E2EC_LATENT_POST_CNN_H
#define E2EC_LATENT_POST_CNN_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"

#define POST_CNN_KIND 2           /* the tail's kind byte (post_filter.h's NONE 0, BOX 1) */
#define POST_CNN_MAX_CHANNELS 16
#define POST_CNN_REACH 3          /* in-plane: three 3 x 3 layers */
#define POST_CNN_TENSORS 6        /* W1 b1 W2 b2 W3 b3 */
#define POST_CNN_SIZE(c) (27 * (c) + (c) + 9 * (c) * (c) + (c) + 9 * (c) + 1)
#define POST_CNN_MAX_Q 24         /* steps 2^0 .. 2^-24 */
#define POST_CNN_MAX_K ((1 << 24) - 1) /* |k| of a weight k 2^-q: exact in float */
/* Its bytes before the coded weights: channels, each tensor's q and int_code order. */
#define POST_CNN_FIXED (1 + 2 * POST_CNN_TENSORS)

typedef struct {
    int channels;                  /* C; 0: no network */
    uint8_t q[POST_CNN_TENSORS];   /* each tensor's weights are whole multiples of 2^-q */
    float w[POST_CNN_SIZE(POST_CNN_MAX_CHANNELS)]; /* W1 b1 W2 b2 W3 b3, conv2d's layouts */
} post_cnn;

/* How the encoder trains it: Adam with a cosine schedule, `steps` steps of
 * `batch` patches of `patch` x `patch` voxels from planes drawn at random. */
typedef struct {
    int channels, steps, batch, patch;
    float lr;
    uint64_t seed;
} post_cnn_config;

void post_cnn_defaults(post_cnn_config *c);

/* The mode's training length: POST_CNN_STEPS_PER_PASS steps for each pass
 * the latent fit trains (50 on a volume of 2^23 to 14 M voxels, by default:
 * 2,000 steps, +0.42 dB on the chest CT where 500 gave +0.20:
 * bench/results/latent/post-cnn-steps-lr.log), at most POST_CNN_MAX_PASSES
 * passes of cfg's patches over the volume's voxels, at least 1. Why the cap:
 * the training costs the same on any volume while what it can remove grows
 * with the voxels. 2,000 steps are 7.8 passes of the chest CT (6,000, 23
 * passes, gained 0.2 dB more in the probe; it trains 1,680 at its 42
 * passes); the sample MR's were 129 passes, about 70 s of its encode, and
 * kept no network at lambda 1e-2, 1e-3 or 1e-4
 * (bench/results/latent/post-cnn-mr.log); capped, it trains 372 steps. */
#define POST_CNN_STEPS_PER_PASS 40
#define POST_CNN_MAX_PASSES 24
int post_cnn_steps_for(const e2ec_info *info, const post_cnn_config *cfg, int passes);

/* The network for the decode dec of volume in (both stored values, info's
 * header fields), in whole steps: off (channels 0) unless the squared error
 * it removes over the volume, in the fit's units ([0, 1] values), exceeds
 * lambda times its bits; *gain (may be NULL) gets that difference (0 when
 * off). The error removed is measured on 16 planes spread over the volume
 * (all of a smaller one) and scaled to it. Off for F32 volumes and volumes without a range. The same network on
 * every thread count. E2EC_ERR_ARG for a configuration out of range. */
e2ec_status post_cnn_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                         int threads, const post_cnn_config *cfg, post_cnn *c, double *gain);
/* The bytes post_cnn_fit allocates (memory estimates). */
uint64_t post_cnn_fit_bytes(const e2ec_info *info, int threads, const post_cnn_config *cfg);

/* Planes [z0, z1) of the network's output into dst from planes [a, b) of the
 * decode (src), as post_filter_source gives them. E2EC_ERR_NOMEM. */
e2ec_status post_cnn_apply(const post_cnn *c, const e2ec_info *info, const void *src, uint32_t a, uint32_t b,
                           uint32_t z0, uint32_t z1, void *dst);
/* The scratch post_cnn_apply allocates for a C-channel network on `threads` threads. */
uint64_t post_cnn_apply_bytes(const e2ec_info *info, int channels, int threads);

/* The stream's bytes of c (coded weights, their byte count and the kind),
 * and c written into p[0..n) (n = post_cnn_bytes(c)); E2EC_ERR_ARG when a
 * weight is not a whole number of its step, E2EC_ERR_LIMIT past the count's
 * u16. */
size_t post_cnn_bytes(const post_cnn *c);
e2ec_status post_cnn_write(uint8_t *p, size_t n, const post_cnn *c);

/* The network that ends the n bytes at p (kind POST_CNN_KIND at p[n - 1]):
 * E2EC_ERR_TRUNCATED when n is short of what it counts, E2EC_ERR_HEADER for
 * a count below its fixed fields, channels outside 1..POST_CNN_MAX_CHANNELS
 * or a step or order past its cap, E2EC_ERR_WEIGHTS for a weight past
 * POST_CNN_MAX_K or bits that do not end where the count says,
 * E2EC_ERR_MISMATCH on an F32 volume or one without a range. *used: its bytes. */
e2ec_status post_cnn_read(const uint8_t *p, size_t n, const e2ec_info *info, post_cnn *c, size_t *used);

/* One training patch through the network (also what the tests check against
 * finite differences), in training's order of operations (nn/conv2d.h's
 * gemm forms): x, 3 planes of (p + 6) x (p + 6); t, p x p targets.
 * Returns the clamped output's squared error summed over the patch; with g
 * (not NULL) adds scale times its gradient in the weights to g. h: scratch of
 * post_cnn_patch_floats(channels, p) floats. */
double post_cnn_patch(const float *w, int channels, const float *x, const float *t, int p, float scale, float *g,
                      float *h);
size_t post_cnn_patch_floats(int channels, int p);

#endif
