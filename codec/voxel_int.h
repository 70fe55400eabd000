/* Voxels of the integer types read and written as int64: the near-lossless
 * residual and the latent mode's value map work on stored values. An F32
 * voxel reads as 0 and is not written (neither applies to f32 volumes). */
#ifndef E2EC_VOXEL_INT_H
#define E2EC_VOXEL_INT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

static inline int64_t voxel_int(const void *data, e2ec_voxel_type t, size_t i) {
    switch (t) {
    case E2EC_U8: return ((const uint8_t *)data)[i];
    case E2EC_I16: return ((const int16_t *)data)[i];
    case E2EC_U16: return ((const uint16_t *)data)[i];
    default: return 0;
    }
}

static inline void set_voxel_int(void *data, e2ec_voxel_type t, size_t i, int64_t v) {
    switch (t) {
    case E2EC_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    case E2EC_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    case E2EC_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
    default: break;
    }
}

#endif
