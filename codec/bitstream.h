/* The e2ec bitstream (docs/bitstream.md): header, zlib-deflated weights, CRC-32. */
#ifndef E2EC_BITSTREAM_H
#define E2EC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

/*
 * Serialises a header (info: every field but version, n_weights and
 * stream_bytes is written; those are set by the writer) and info->n_weights
 * floats. With info->fp16 the weights are stored as IEEE half floats.
 * *out is malloc'd.
 */
e2ec_status bitstream_write(const e2ec_info *info, const float *weights, size_t n_weights,
                            uint8_t **out, size_t *size);

/*
 * Parses and validates the header and the CRC, without inflating weights.
 * Every field is checked against codec/limits.h and against the others
 * (lowres dims vs scale, n_weights vs the architecture's count).
 */
e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info);

/* Inflates the weights into w (info->n_weights floats, as read above);
 * refuses a payload that does not inflate to exactly that size, and NaN/Inf. */
e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w);

#endif
