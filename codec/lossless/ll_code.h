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

/* What the coder needs besides the voxels: the alphabet, the input shift and the net. */
typedef struct {
    int32_t lo, hi; /* every voxel in [lo, hi], hi - lo < LAPLACE_MAX_SYMBOLS */
    int shift;      /* in [0, LL_MAX_SHIFT] */
    const arm_int *arm;
} ll_model;

/* E2EC_ERR_HEADER unless lo <= hi, hi - lo < LAPLACE_MAX_SYMBOLS, 0 <= shift <= LL_MAX_SHIFT. */
e2ec_status ll_model_check(const ll_model *m);

/* Codes v slice by slice: *out (malloc'ed, the caller frees it) holds the nz
 * streams back to back, slice_bytes[z] (nz entries, the caller's) their sizes.
 * E2EC_ERR_ARG when a voxel lies outside [lo, hi]. */
e2ec_status ll_encode(const ll_shape *s, const int32_t *v, const ll_model *m, uint8_t **out,
                      size_t *len, uint32_t *slice_bytes);

/* Fills v (nx ny nz voxels) from the streams as ll_encode wrote them;
 * E2EC_ERR_ENTROPY when a slice's stream does not end where its last voxel
 * does, E2EC_ERR_HEADER for a model out of range, E2EC_ERR_TRUNCATED when the
 * slice sizes add up to more than len. */
e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len,
                      const uint32_t *slice_bytes, const ll_model *m, int32_t *v);

#endif
