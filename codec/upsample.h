/* Fixed upsampling from a low-resolution grid to a high-resolution one, both
 * cell-centred: high-res voxel i sits at low-res coordinate
 * u = (i + 0.5) * l / h - 0.5, clamped to the edge. Used by the SIREN_DS mode
 * and (trilinear) as the SRNO's skip connection. */
#ifndef E2EC_UPSAMPLE_H
#define E2EC_UPSAMPLE_H

#include <stdint.h>
#include "e2ec.h"

/* Low-res planes [*lz0, *lz1) that high-res planes [z0, z1) read. */
void upsample_lr_planes(e2ec_upsampler kind, uint32_t lz, uint32_t hz, uint32_t z0,
                        uint32_t z1, uint32_t *lz0, uint32_t *lz1);

/* Writes high-res planes [z0, z1) (hx*hy*(z1-z0) floats at hr) from the
 * whole low-res grid lr (lx*ly*lz floats; only the planes above are read). */
void upsample_forward(e2ec_upsampler kind, const float *lr, uint32_t lx, uint32_t ly,
                      uint32_t lz, float *hr, uint32_t hx, uint32_t hy, uint32_t hz,
                      uint32_t z0, uint32_t z1);

/* The adjoint over the whole grid: dlr += U^T dhr. */
void upsample_backward(e2ec_upsampler kind, float *dlr, uint32_t lx, uint32_t ly,
                       uint32_t lz, const float *dhr, uint32_t hx, uint32_t hy, uint32_t hz);

/* The same values at the points of one box of the high-res grid,
 * box = {x0, x1, y0, y1, z0, z1} (half-open; out is x fastest), from low-res
 * planes lr = [lz0, ...) of the lx*ly*lz grid (those upsample_lr_planes names). */
void upsample_box_forward(e2ec_upsampler kind, const float *lr, uint32_t lz0, uint32_t lx,
                          uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz,
                          const uint32_t box[6], float *out);
/* Its adjoint: dlr (planes [lz0, ...)) += U^T dout. */
void upsample_box_backward(e2ec_upsampler kind, float *dlr, uint32_t lz0, uint32_t lx,
                           uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz,
                           const uint32_t box[6], const float *dout);

#endif
