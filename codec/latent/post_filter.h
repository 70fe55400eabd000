/*
 * The latent mode's post-filter (bitstream version 4, docs/bitstream.md): a
 * symmetric 5 x 5 x 3 Wiener filter on the decoded stored values, after the
 * value map, its taps chosen by the encoder for this volume by least squares
 * and sent in the stream (what VVC's adaptive loop filter does for a frame).
 * Why: the synthesis reads trilinear latents through a small MLP, so its
 * decode is smoother than the volume at edges; a linear filter fitted to the
 * decode's error takes back part of it (+0.11 dB on the whole chest CT at
 * the default lambda for 78 bytes more than none;
 * bench/results/latent/post-filter-ct.log). Integers in, integers out:
 *
 *   out(p) = clamp(d(p) + floor((sum_k c_k (d(p + k) + d(p - k) - 2 d(p))
 *                                 + offset + 2^(S-1)) / 2^S), vmin, vmax)
 *
 * over the 37 offsets k of half the 5 x 5 x 3 box (k > 0 in (z, y, x) order),
 * S = POST_FILTER_SHIFT, coordinates clamped at the volume's faces; a decoder
 * gets the same voxels on every machine. Integer voxel types only.
 */
#ifndef E2EC_LATENT_POST_FILTER_H
#define E2EC_LATENT_POST_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"

#define POST_FILTER_TAPS 37  /* the pairs (k, -k) of a 5 x 5 x 3 box */
#define POST_FILTER_SHIFT 10 /* coefficients and offset in units of 2^-10 */
#define POST_FILTER_REACH_Z 1 /* planes read on each side of the one filtered */

/* In the stream, the payload's last bytes: for POST_FILTER_BOX the 37 x i16
 * coefficients and the i32 offset, then the u8 kind (POST_FILTER_NONE alone
 * when there is no filter). The kind is last so that a reader finds it from
 * the payload's end, whatever the sizes before it say. */
enum { POST_FILTER_NONE = 0, POST_FILTER_BOX = 1 };
#define POST_FILTER_BYTES (1 + 2 * POST_FILTER_TAPS + 4)

typedef struct {
    int on;
    int16_t c[POST_FILTER_TAPS];
    int32_t offset;
} post_filter;

/* The filter for the decode dec of volume in (both stored values, info's
 * header fields): the least-squares taps, rounded; on where the squared
 * error it removes, in the fit's units ([0, 1] values), exceeds lambda times
 * the bits of its taps; *gain (may be NULL) gets that difference (0 when
 * off). Off for F32 volumes. The same on every thread count. */
e2ec_status post_filter_fit(const e2ec_volume *in, const e2ec_info *info, const void *dec, double lambda,
                            int threads, post_filter *f, double *gain);
/* The bytes post_filter_fit allocates (memory estimates). */
uint64_t post_filter_fit_bytes(const e2ec_info *info, int threads);

/* Planes [z0, z1) of the filtered volume into dst from planes [a, b) of the
 * decode (src; a = max(z0 - 1, 0), b = min(z1 + 1, nz), as
 * post_filter_source gives them). */
e2ec_status post_filter_apply(const post_filter *f, const e2ec_info *info, const void *src, uint32_t a,
                              uint32_t b, uint32_t z0, uint32_t z1, void *dst);
/* The scratch post_filter_apply allocates on `threads` threads (memory estimates). */
uint64_t post_filter_apply_bytes(const e2ec_info *info, int threads);

/* The decode planes [*a, *b) that planes [z0, z1) of the filtered volume read. */
void post_filter_source(const e2ec_info *info, uint32_t z0, uint32_t z1, uint32_t *a, uint32_t *b);

/* Whether f fits info's volume: a filter on an F32 volume, or on one
 * without a range, is E2EC_ERR_MISMATCH. */
e2ec_status post_filter_check(const post_filter *f, const e2ec_info *info);

/* The stream's bytes of f (1, or POST_FILTER_BYTES), and f at p. */
size_t post_filter_bytes(const post_filter *f);
void post_filter_write(uint8_t *p, const post_filter *f);

/* The filter that ends the n bytes at p (its kind at p[n - 1]):
 * E2EC_ERR_TRUNCATED when n is short of what its kind needs, E2EC_ERR_HEADER
 * for an unknown kind, a filter on an F32 volume is E2EC_ERR_MISMATCH.
 * *used: its bytes, the last of the n. */
e2ec_status post_filter_read(const uint8_t *p, size_t n, const e2ec_info *info, post_filter *f, size_t *used);

#endif
