/* The e2ec bitstream (docs/bitstream.md): header, zlib-deflated weights, CRC-32. */
#ifndef E2EC_BITSTREAM_H
#define E2EC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

/* Byte offsets of the version-1 layout (docs/bitstream.md has the meaning
 * and valid range of each). All integers and floats are little-endian. */
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
    BS_OFF_PAYLOAD = 88,        /* zlib stream, then CRC-32 u32 */
    BS_HEADER_BYTES_V1 = BS_OFF_PAYLOAD - BS_OFF_FLAGS,
    BS_CRC_BYTES = 4,
    BS_MIN_SIZE = BS_OFF_PAYLOAD + BS_CRC_BYTES
};

/* Flag bits (BS_OFF_FLAGS); every other bit must be 0. */
#define BS_FLAG_FP16 0x0001u

/*
 * Serialises a header (info: every field but version, n_weights and
 * stream_bytes is written; those are set by the writer) and n_weights
 * floats. With info->fp16 the weights are stored as IEEE half floats.
 * *out is malloc'd. The stream is parsed back with bitstream_read_info before
 * it is returned, so the writer never hands out a stream a reader refuses
 * (its error is returned). An info field that does not fit its byte width is
 * E2EC_ERR_ARG; a NaN/Inf weight, or one beyond the half range with fp16,
 * is E2EC_ERR_WEIGHTS.
 */
e2ec_status bitstream_write(const e2ec_info *info, const float *weights, size_t n_weights,
                            uint8_t **out, size_t *size);

/*
 * Parses and validates the header and the CRC, without inflating weights.
 * Every field is checked against codec/caps.h and against the others
 * (lowres dims vs scale). That n_weights equals the architecture's count is
 * checked by the caller (model_from_info). Order and error names: docs/bitstream.md.
 */
e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info);

/* Inflates the weights into w (info->n_weights floats, info as read above
 * from the same stream, else E2EC_ERR_ARG); refuses a payload that does not
 * inflate to exactly that size (E2EC_ERR_PAYLOAD), and NaN/Inf
 * (E2EC_ERR_WEIGHTS). On error the contents of w are unspecified. */
e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w);

#endif
