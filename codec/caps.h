/* Caps on what a stream may declare. Every field read from untrusted bytes is
 * checked against these before it sizes an allocation or a loop. */
#ifndef E2EC_CAPS_H
#define E2EC_CAPS_H

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

#endif
