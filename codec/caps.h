/* Caps on what a stream may declare. Every field read from untrusted bytes is
 * checked against these before it sizes an allocation or a loop. */
#ifndef E2EC_CAPS_H
#define E2EC_CAPS_H

#include <stdint.h>
#include "e2ec.h"

#define E2EC_MAX_DIM 16384u                 /* voxels along one axis */
#define E2EC_MAX_VOXELS (1ull << 31)        /* voxels per volume (2 Gi, 4 GiB of u16) */
#define E2EC_MAX_SIREN_WIDTH 1024
#define E2EC_MAX_SIREN_LAYERS 16
#define E2EC_MAX_WEIGHTS (1u << 24)         /* 16 Mi weights, 64 MiB of fp32 */
#define E2EC_MAX_SRNO_CHANNELS 256
#define E2EC_MAX_SRNO_WIDTH 256
#define E2EC_MAX_SRNO_HEADS 16
#define E2EC_MAX_QUANT_GROUPS 65536u       /* groups of quantised weights (also <= n_weights) */
#define E2EC_MAX_ERROR 65535u               /* near-lossless bound, stored units */
#define E2EC_MAX_GRID_FEATS 16              /* GRID mode: features per node */
#define E2EC_MAX_GRID_HIDDEN 256            /* GRID mode: the MLP's hidden width */
#define E2EC_MAX_GRID_VALUES (1ull << 27)   /* GRID mode: integer features (512 MiB as int32) */
#define E2EC_MAX_LATENTS (1ull << 29)       /* LATENT mode: latents of all levels (the finest
                                               level alone has a latent per voxel; 2 GiB as int32) */
#define E2EC_MAX_LATENT_ABS (1 << 24)       /* LATENT mode: |lo|, |hi| of a level's alphabet (a
                                               binary32 holds every integer up to 2^24) */

/* A count read from a stream that must be 1..cap: 0 is meaningless
 * (E2EC_ERR_HEADER), more is beyond a cap (E2EC_ERR_LIMIT). */
static inline e2ec_status caps_check_count(uint32_t v, uint32_t cap) {
    if (v == 0) return E2EC_ERR_HEADER;
    return v > cap ? E2EC_ERR_LIMIT : E2EC_OK;
}

#endif
