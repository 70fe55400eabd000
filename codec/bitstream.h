/* The e2ec bitstream (docs/bitstream.md): header, coded weights (version 2: float
 * or quantised, zstd; version 1: float, zlib), an optional near-lossless
 * residual (version 2), CRC-32. Writes version 2, reads 1 and 2. */
#ifndef E2EC_BITSTREAM_H
#define E2EC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

/* Byte offsets (docs/bitstream.md has the meaning and valid range of each).
 * Offsets 0..87 are common to versions 1 and 2. All little-endian. */
enum {
    BS_OFF_MAGIC = 0,           /* "E2EC" */
    BS_OFF_VERSION = 4,         /* u16 */
    BS_OFF_HEADER_BYTES = 6,    /* u16: bytes from BS_OFF_FLAGS to the payload */
    BS_OFF_FLAGS = 8,           /* u16 */
    BS_OFF_NX = 10,             /* u32 x 3 */
    BS_OFF_NY = 14,
    BS_OFF_NZ = 18,
    BS_OFF_SPACING = 22,        /* f32 x 3 */
    BS_OFF_VOXEL_TYPE = 34,     /* u8 */
    BS_OFF_BITS_STORED = 35,    /* u8 */
    BS_OFF_MODE = 36,           /* u8 */
    BS_OFF_UPSAMPLER = 37,      /* u8 */
    BS_OFF_VMIN = 38,           /* f64 */
    BS_OFF_VMAX = 46,           /* f64 */
    BS_OFF_SCALE = 54,          /* u8 */
    BS_OFF_SIREN_LAYERS = 55,   /* u8 */
    BS_OFF_SIREN_WIDTH = 56,    /* u16 */
    BS_OFF_OMEGA0 = 58,         /* f32 */
    BS_OFF_LX = 62,             /* u32 x 3 */
    BS_OFF_LY = 66,
    BS_OFF_LZ = 70,
    BS_OFF_SRNO_CHANNELS = 74,  /* u16 */
    BS_OFF_SRNO_WIDTH = 76,     /* u16 */
    BS_OFF_SRNO_HEADS = 78,     /* u8 */
    BS_OFF_RESERVED = 79,       /* u8, 0 */
    BS_OFF_N_WEIGHTS = 80,      /* u32 */
    BS_OFF_PAYLOAD_BYTES = 84,  /* u32 */
    BS_OFF_PAYLOAD = 88,        /* v1: zlib stream, then CRC-32 u32 */
    BS_HEADER_BYTES_V1 = BS_OFF_PAYLOAD - BS_OFF_FLAGS,
    BS_CRC_BYTES = 4,
    BS_MIN_SIZE = BS_OFF_PAYLOAD + BS_CRC_BYTES, /* v1 */
    /* version 2 */
    BS_OFF_QUANT_BITS = 88,     /* u8: 0 float weights, 2..8 */
    BS_OFF_RES_SAMPLE = 89,     /* u8: residual sample bytes 1, 2, 4; 0 without */
    BS_OFF_RESERVED2 = 90,      /* u16, 0 */
    BS_OFF_QUANT_GROUPS = 92,   /* u32 */
    BS_OFF_WEIGHTS_BYTES = 96,  /* u32 */
    BS_OFF_MAX_ERROR = 100,     /* u32 */
    BS_OFF_PAYLOAD_V2 = 104,    /* weights section, residual section, CRC-32 */
    BS_HEADER_BYTES_V2 = BS_OFF_PAYLOAD_V2 - BS_OFF_FLAGS,
    BS_MIN_SIZE_V2 = BS_OFF_PAYLOAD_V2 + BS_CRC_BYTES,
    /* version 2, GRID mode only: the grid's header, then the payload */
    BS_OFF_GRID_LEVELS = 104,   /* u8 */
    BS_OFF_GRID_FEATS = 105,    /* u8 */
    BS_OFF_GRID_HIDDEN = 106,   /* u16 */
    BS_OFF_GRID_STEP = 108,     /* u16 x 3 */
    BS_OFF_GRID_FBYTES = 114,   /* u8: 1, 2, 4 */
    BS_OFF_GRID_RESERVED = 115, /* u8, 0 */
    BS_OFF_GRID_DELTA = 116,    /* f32 */
    BS_OFF_PAYLOAD_GRID = 120,  /* grid section (zstd), CRC-32 */
    BS_HEADER_BYTES_GRID = BS_OFF_PAYLOAD_GRID - BS_OFF_FLAGS
};

/* Flag bits (BS_OFF_FLAGS); every other bit must be 0. */
#define BS_FLAG_FP16 0x0001u
#define BS_FLAG_RESIDUAL 0x0002u /* version 2 */

/* Bytes per group in a quantised weights section: count u32, offset f32, scale f32. */
#define BS_QUANT_GROUP_BYTES 12u

/* The weights as they are stored: info->quant_bits == 0, `values` (f32, or
 * f16 with info->fp16); else the quantisation of quant.h: n_groups groups of
 * counts[g] codes with offsets[g], scales[g]. */
typedef struct {
    size_t n;
    const float *values;
    size_t n_groups;
    const uint32_t *counts;
    const float *offsets, *scales;
    const uint8_t *codes;
    const int32_t *grid; /* GRID mode: info->grid_values integer features; values
                            are then the MLP's n weights, stored as binary16 */
} bs_weights;

/* A near-lossless residual (residual.h): info->nz chunks, one per slice,
 * chunk_bytes[z] bytes each, back to back in `chunks`. */
typedef struct {
    uint32_t max_error;
    uint8_t sample_bytes;
    const uint32_t *chunk_bytes;
    const uint8_t *chunks;
} bs_residual;

/*
 * Serialises a version-2 stream: a header (info: the fields of the volume, the
 * architecture, fp16 and quant_bits are written; the others are set by the
 * writer), the weights and, when res is not NULL, the residual.
 * *out is malloc'd. The stream is parsed back with bitstream_read_info before
 * it is returned, so the writer never hands out a stream a reader refuses
 * (its error is returned). An info field that does not fit its byte width is
 * E2EC_ERR_ARG; a NaN/Inf weight, or one beyond the half range with fp16,
 * is E2EC_ERR_WEIGHTS.
 */
e2ec_status bitstream_write(const e2ec_info *info, const bs_weights *w, const bs_residual *res,
                            uint8_t **out, size_t *size);

/*
 * Parses and validates the header and the CRC, without inflating weights.
 * Every field is checked against codec/caps.h and against the others
 * (lowres dims vs scale). That n_weights equals the architecture's count is
 * checked by the caller (model_from_info). Order and error names: docs/bitstream.md.
 */
e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info);

/* Decodes the weights into w (info->n_weights floats, info as read above
 * from the same stream, else E2EC_ERR_ARG), dequantised if quantised;
 * refuses a payload that does not unpack to exactly its declared size or
 * whose group table does not add up (E2EC_ERR_PAYLOAD), and NaN/Inf
 * (E2EC_ERR_WEIGHTS). On error the contents of w are unspecified. */
e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w);

/* GRID mode: the integer features (info->grid_values) and the MLP's
 * info->n_weights weights of a stream read as above; E2EC_ERR_PAYLOAD when
 * the section does not unpack to exactly its size, E2EC_ERR_WEIGHTS for a
 * NaN/Inf weight. */
e2ec_status bitstream_read_grid(const uint8_t *s, size_t size, const e2ec_info *info, int32_t *q,
                                float *mlp);

/* The coded residual of slice z (info->has_residual, info as read above from
 * the same stream, z < nz; else E2EC_ERR_ARG): *chunk points into s. */
e2ec_status bitstream_residual_chunk(const uint8_t *s, size_t size, const e2ec_info *info,
                                     uint32_t z, const uint8_t **chunk, size_t *n);

#endif
