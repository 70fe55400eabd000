/* Decoding planes [z0, z1) of a mode whose model gives values normalised to
 * [0, 1] (the paper's modes, the grid): slab by slab into one float buffer,
 * each slab mapped to stored voxels (volume_norm.h), so that the scratch is
 * bounded by the slab whatever nz is. */
#ifndef E2EC_SLAB_DECODE_H
#define E2EC_SLAB_DECODE_H

#include <stdint.h>
#include "e2ec.h"

/* Normalised planes [z0, z1) (nx*ny*(z1-z0) floats) of the model `state`. */
typedef e2ec_status (*slab_eval_fn)(void *state, uint32_t z0, uint32_t z1, float *out);

/* Planes [z0, z1) of info's volume as stored voxels at dst, `slab` planes
 * (1..z1-z0) evaluated at a time. */
e2ec_status slab_decode(const e2ec_info *info, uint32_t slab, slab_eval_fn eval,
                        void *state, uint32_t z0, uint32_t z1, void *dst);

#endif
