/*
 * E2EC_MODE_GRID as a codec mode: the grid of grid_fit.h trained by
 * e2ec_encode and stored in bitstream version 2 (docs/bitstream.md, "GRID
 * mode"), decoded by e2ec_decode / e2ec_decode_slice.
 */
#ifndef E2EC_GRID_CODEC_H
#define E2EC_GRID_CODEC_H

#include <stdint.h>
#include "e2ec.h"
#include "grid_fit.h"

/* The fit e2ec_encode runs for parameters p (e2ec.h, GRID mode). */
void grid_config_from_params(const e2ec_params *p, grid_fit_config *c);

/* e2ec_encode in GRID mode (in and p already checked). */
e2ec_status grid_encode(const e2ec_volume *in, const e2ec_params *p, uint8_t **stream,
                        size_t *size);

/* Decodes planes [z0, z1) of a GRID stream whose header info was read from
 * it into dst (stored voxels of info->type). The whole grid is unpacked (it
 * is one zstd frame); the MLP runs only on the planes asked for. */
e2ec_status grid_decode_stream(const uint8_t *s, size_t size, const e2ec_info *info, uint32_t z0,
                               uint32_t z1, void *dst);

/* Bytes grid_encode needs (e2ec_encode_memory), checked before it allocates. */
e2ec_status grid_encode_memory(const e2ec_volume *in, const e2ec_params *p, uint64_t *bytes);

/* Bytes grid_decode_stream needs for planes [z0, z1) with `threads` threads,
 * plus the output volume when the library allocates it (whole != 0): the bound
 * memory_budget.h's callers check before anything is allocated. */
uint64_t grid_decode_memory(const e2ec_info *info, uint32_t z0, uint32_t z1, int whole,
                            int threads);

#endif
