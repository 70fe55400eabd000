/*
 * The near-lossless residual (bitstream version 2, e2ec_params.max_error):
 * after the network is trained, r = original - decoded (integers, stored
 * units) is quantised as JPEG-LS near-lossless coding does,
 *     q = sign(r) floor((|r| + E) / (2E + 1)),   reconstruction q (2E + 1),
 * so that |original - (decoded + q (2E + 1))| <= E (E = 0: lossless).
 * Each slice's q is coded alone (zigzag to unsigned, byte planes, zstd), so
 * that decoding one slice reads one chunk.
 */
#ifndef E2EC_RESIDUAL_H
#define E2EC_RESIDUAL_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

typedef struct {
    uint32_t max_error;
    uint8_t sample_bytes;  /* 1, 2 or 4: the widest zigzagged q of the volume */
    uint32_t nz;
    uint32_t *chunk_bytes; /* nz */
    uint8_t *chunks;       /* the chunks back to back */
} residual_coded;

/* Codes original - decoded (same dims and integer type) with bound E. */
e2ec_status residual_code(const e2ec_volume *original, const e2ec_volume *decoded, uint32_t E,
                          residual_coded *out);
void residual_coded_free(residual_coded *r);

/* Adds one slice's coded residual (a chunk of n bytes) to `slice` (plane
 * voxels of `type`, as the network decoded them), clamping to [lo, hi]
 * (the original's range). A chunk that does not unpack to exactly plane
 * samples is E2EC_ERR_PAYLOAD. */
e2ec_status residual_apply(const uint8_t *chunk, size_t n, uint8_t sample_bytes, uint32_t E,
                           e2ec_voxel_type type, double lo, double hi, size_t plane,
                           void *slice);

#endif
