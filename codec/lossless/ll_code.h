/*
 * Coding a volume losslessly with the integer ARM: each voxel, in raster
 * order, is one rANS symbol under the integer Laplace that ll_predict derives
 * from the voxels before it. The decoder runs the same prediction, so the
 * voxels come back bit for bit on any machine and thread count.
 *
 * Each slice is its own rANS stream (4 bytes of state each), so that slices
 * decode side by side as a wavefront: row y of slice z needs rows up to y + 1
 * of slice z - 1 (the context's S neighbour), so a thread on slice z follows
 * the one on slice z - 1 two rows behind.
 */
#ifndef E2EC_LOSSLESS_LL_CODE_H
#define E2EC_LOSSLESS_LL_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"
#include "ll_context.h"

/* The largest near-lossless bound (stored units). */
#define LL_MAX_ERROR 255

/* What the coder needs besides the voxels: the alphabet, the input shift, the
 * net and the error bound E. With E > 0 (near-lossless, as JPEG-LS's NEAR)
 * each voxel codes q, its difference from the rounded prediction p in steps
 * of 2E + 1, and decodes to clamp(p + q (2E + 1), lo, hi), within E of the
 * original; the context reads those reconstructed voxels, so the encoder
 * walks the volume as the decoder does. E = 0 codes every voxel exactly. */
typedef struct {
    int32_t lo, hi; /* every voxel in [lo, hi], hi - lo < LAPLACE_MAX_SYMBOLS */
    int shift;      /* in [0, LL_MAX_SHIFT] */
    const arm_int *arm;
    int32_t max_error; /* E in [0, LL_MAX_ERROR] */
} ll_model;

/* E2EC_ERR_HEADER unless lo <= hi, hi - lo < LAPLACE_MAX_SYMBOLS, 0 <= shift
 * <= LL_MAX_SHIFT and 0 <= max_error <= LL_MAX_ERROR. */
e2ec_status ll_model_check(const ll_model *m);

/* Codes v slice by slice: *out (malloc'ed, the caller frees it) holds the nz
 * streams back to back, slice_bytes[z] (nz entries, the caller's) their sizes;
 * recon (nx ny nz voxels, the caller's) gets what the decoder will give (v
 * itself when E = 0). E2EC_ERR_ARG when a voxel lies outside [lo, hi]. */
e2ec_status ll_encode(const ll_shape *s, const int32_t *v, const ll_model *m, uint8_t **out,
                      size_t *len, uint32_t *slice_bytes, int32_t *recon);

/* Fills v (nx ny nz voxels) from the streams as ll_encode wrote them;
 * E2EC_ERR_ENTROPY when a slice's stream does not end where its last voxel
 * does, E2EC_ERR_HEADER for a model out of range, E2EC_ERR_TRUNCATED when the
 * slice sizes add up to more than len. */
e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len,
                      const uint32_t *slice_bytes, const ll_model *m, int32_t *v);

#endif
