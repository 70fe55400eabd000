/* The e2ec bitstream (docs/bitstream.md): the container every mode's stream is
 * in. A header (the fields every stream has, then in version 2 the mode's own
 * header section), the mode's payload (the paper's modes: their weights,
 * weights_section.h; version 1: float weights, zlib), an optional near-lossless
 * residual (version 2), CRC-32. Writes version 2, reads 1 and 2. What a mode's
 * stream holds is its table's business (mode_ops.h): the reader checks the
 * fields against the layout of the stream's mode and has the mode read its
 * own header section. */
#ifndef E2EC_BITSTREAM_H
#define E2EC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "mode_ops.h"
#include "weights_section.h"

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
    BS_OFF_PAYLOAD_V2 = 104,    /* the mode's header section (mode_layout.header_bytes,
                                   e.g. grid_stream.h), its payload, residual, CRC-32 */
    BS_HEADER_BYTES_V2 = BS_OFF_PAYLOAD_V2 - BS_OFF_FLAGS, /* + the mode's section */
    BS_MIN_SIZE_V2 = BS_OFF_PAYLOAD_V2 + BS_CRC_BYTES
};

/* Flag bits (BS_OFF_FLAGS); every other bit must be 0. */
#define BS_FLAG_FP16 0x0001u
#define BS_FLAG_RESIDUAL 0x0002u /* version 2 */

/* A near-lossless residual (residual.h): info->nz chunks, one per slice,
 * chunk_bytes[z] bytes each, back to back in `chunks`. */
typedef struct {
    uint32_t max_error;
    uint8_t sample_bytes;
    const uint32_t *chunk_bytes;
    const uint8_t *chunks;
} bs_residual;

/*
 * Serialises a version-2 stream of a mode's encoding (ms: the header's
 * fields, the mode's header section and payload) and, when res is not NULL,
 * the residual. *out is malloc'd. The stream is parsed back with
 * bitstream_read_info before it is returned, so the writer never hands out a
 * stream a reader refuses (its error is returned). An info field that does not
 * fit its byte width is E2EC_ERR_ARG.
 */
e2ec_status bitstream_write_stream(const mode_stream *ms, const bs_residual *res, uint8_t **out,
                                   size_t *size);

/* A stream of the paper's modes from their weights w: info's fields (those of
 * the volume, the architecture, fp16 and quant_bits; the others are set by
 * the writer), the weights section of w, as bitstream_write_stream. A NaN/Inf
 * weight, or one beyond the half range with fp16, is E2EC_ERR_WEIGHTS. */
e2ec_status bitstream_write(const e2ec_info *info, const bs_weights *w, const bs_residual *res,
                            uint8_t **out, size_t *size);

/*
 * Parses and validates the header and the CRC, without inflating weights.
 * Every field is checked against codec/caps.h, against the others (lowres
 * dims vs scale) and against the layout of the stream's mode, whose own header
 * section its table reads. That n_weights equals the architecture's count is
 * checked by the caller (e2ec_get_info). Order and error names: docs/bitstream.md.
 */
e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info);

/* The mode's payload of a stream read as above (info describes s, else
 * E2EC_ERR_ARG): *payload points into s, *n bytes (info->weights_bytes). */
e2ec_status bitstream_payload(const uint8_t *s, size_t size, const e2ec_info *info,
                              const uint8_t **payload, size_t *n);

/* Decodes the weights of a stream of the paper's modes into w
 * (info->n_weights floats, info as read above from the same stream, else
 * E2EC_ERR_ARG; a mode whose payload is not the weights section is too),
 * as weights_section_read. On error the contents of w are unspecified. */
e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w);

/* The coded residual of slice z (info->has_residual, info as read above from
 * the same stream, z < nz; else E2EC_ERR_ARG): *chunk points into s. */
e2ec_status bitstream_residual_chunk(const uint8_t *s, size_t size, const e2ec_info *info,
                                     uint32_t z, const uint8_t **chunk, size_t *n);

#endif
