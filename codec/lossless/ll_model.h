/*
 * The lossless mode's model around the ARM: its inputs are the context's
 * neighbours minus the reference, times 2^-shift (0 <= shift <= 8, so that
 * the integer inputs in 1/256 units are exact: (nb - ref) 2^(8 - shift)); its
 * outputs are a correction to the reference, times 2^shift, and log2 of the
 * scale, minus shift. The float twin (training) and the integer network
 * (coding) see the same numbers.
 */
#ifndef E2EC_LOSSLESS_LL_MODEL_H
#define E2EC_LOSSLESS_LL_MODEL_H

#include "ent/arm_int.h"
#include "ent/laplace_int.h"
#include "ll_context.h"

#define LL_MAX_SHIFT 8

/* The integer Laplace of voxel (x, y, z) given the voxels before it: its
 * mean and log2 scale in 1/256 units (laplace_int's). */
void ll_predict(const ll_shape *s, const int32_t *v, int x, int y, int z, int shift,
                const arm_int *m, int64_t *mu, int32_t *log2b);

/* The float inputs of the twin for the same voxel; returns the reference. */
int32_t ll_inputs(const ll_shape *s, const int32_t *v, int x, int y, int z, int shift,
                  float in[LL_CTX]);

#endif
