/*
 * Coding a volume losslessly with the integer ARM: each voxel, in raster
 * order, is one rANS symbol under the integer Laplace that ll_predict derives
 * from the voxels before it. The decoder runs the same prediction, so the
 * voxels come back bit for bit on any machine.
 */
#ifndef E2EC_LOSSLESS_LL_CODE_H
#define E2EC_LOSSLESS_LL_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "ent/arm_int.h"
#include "e2ec.h"
#include "ll_context.h"

/* Every voxel must lie in [lo, hi], hi - lo < LAPLACE_MAX_SYMBOLS. *out is
 * malloc'ed (the caller frees it). */
e2ec_status ll_encode(const ll_shape *s, const int32_t *v, int32_t lo, int32_t hi, int shift,
                      const arm_int *m, uint8_t **out, size_t *len);

/* Fills v (nx ny nz voxels); E2EC_ERR_ENTROPY when the payload does not end
 * where the last voxel does. */
e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len, int32_t lo, int32_t hi,
                      int shift, const arm_int *m, int32_t *v);

#endif
