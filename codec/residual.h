/*
 * The near-lossless residual (bitstream version 2, e2ec_params.max_error):
 * after the network is trained, r = original - decoded (integers, stored
 * units) is quantised as JPEG-LS near-lossless coding does,
 *     q = sign(r) floor((|r| + E) / (2E + 1)),   reconstruction q (2E + 1),
 * so that |original - (decoded + q (2E + 1))| <= E (E = 0: lossless).
 * Within a slice, r may first be predicted from its reconstructed left, upper
 * and upper-left neighbours (JPEG-LS's MED), q then being that of r minus the
 * prediction: the coder tries both per slice and keeps the smaller. Each
 * slice is coded alone (one predictor byte, then zstd of the zigzagged q in
 * byte planes), so that decoding one slice reads one chunk.
 */
#ifndef E2EC_RESIDUAL_H
#define E2EC_RESIDUAL_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

typedef enum { RESIDUAL_NONE = 0, RESIDUAL_MED = 1 } residual_predictor;

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

/* Adds one slice's coded residual (a chunk of n bytes) to `slice` (nx*ny
 * voxels of `type`, as the network decoded them), clamping to [lo, hi] (the
 * original's range, within the type's). A chunk with an unknown predictor or
 * that does not unpack to exactly nx*ny samples is E2EC_ERR_PAYLOAD. */
e2ec_status residual_apply(const uint8_t *chunk, size_t n, uint8_t sample_bytes, uint32_t E,
                           e2ec_voxel_type type, double lo, double hi, uint32_t nx, uint32_t ny,
                           void *slice);

#endif
