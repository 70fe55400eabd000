/*
 * GRID mode's part of its stream (docs/bitstream.md, "GRID mode"): a 16-byte
 * header section at offset 104 (levels, features, hidden width, finest steps,
 * feature bytes, delta) and a payload of one zstd frame holding the integer
 * features, zigzag-coded little-endian in the fewest of 1, 2 or 4 bytes that
 * hold them all (level by level, [z][y][x][feature] as grid_interp.h lays them
 * out), then the MLP's n_weights weights as binary16.
 */
#ifndef E2EC_GRID_STREAM_H
#define E2EC_GRID_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "mode_ops.h"

/* Offsets within the header section. */
enum {
    GRID_HDR_LEVELS = 0,    /* u8 */
    GRID_HDR_FEATS = 1,     /* u8 */
    GRID_HDR_HIDDEN = 2,    /* u16 */
    GRID_HDR_STEP = 4,      /* u16 x 3 */
    GRID_HDR_FBYTES = 10,   /* u8: 1, 2, 4 */
    GRID_HDR_RESERVED = 11, /* u8, 0 */
    GRID_HDR_DELTA = 12,    /* f32 */
    GRID_HEADER_BYTES = 16
};

/* The header section of out->info (its grid fields) and the payload of the
 * features q (info->grid_values) and the MLP's info->n_weights weights mlp
 * (already binary16 values) into out. A grid field beyond its byte width or
 * a grid size outside 1..cap is E2EC_ERR_ARG; a weight beyond the half
 * range, E2EC_ERR_WEIGHTS. */
e2ec_status grid_stream_pack(const int32_t *q, const float *mlp, mode_stream *out);

/* mode_ops.read_header: the header section at sec, in stream order; every
 * field is checked before the grid's size is derived from it, and that size
 * against its cap. */
e2ec_status grid_stream_read_header(const uint8_t *sec, e2ec_info *in);

/* The features and MLP weights of a payload of n bytes (info as read from
 * the same stream): E2EC_ERR_PAYLOAD when it does not unpack to exactly its
 * size, E2EC_ERR_WEIGHTS for a NaN/Inf weight. */
e2ec_status grid_stream_read(const uint8_t *payload, size_t n, const e2ec_info *info, int32_t *q,
                             float *mlp);

#endif
