/* The weights section of the paper's modes (docs/bitstream.md, "Version 2: the
 * weights section" and "Version 1: the payload"): the network's weights as
 * f32 or f16, or quantised in groups (quant.h); zstd (version 2) or zlib
 * (version 1). Packed by network_codec.c, read by it and bitstream_read_weights. */
#ifndef E2EC_WEIGHTS_SECTION_H
#define E2EC_WEIGHTS_SECTION_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

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
} bs_weights;

/* n float weights as f32 or f16 (fp16) little-endian bytes at raw: the raw
 * form both versions code (GRID mode's MLP too). A NaN/Inf weight, or one
 * beyond the half range with fp16, is E2EC_ERR_WEIGHTS. */
e2ec_status weights_float_bytes(const float *w, size_t n, int fp16, uint8_t *raw);

/* The version-2 section of w as info codes it (fp16, quant_bits); *sec is
 * malloc'd. A NaN/Inf weight, offset or scale, a negative scale, or a weight
 * beyond the half range with fp16 is E2EC_ERR_WEIGHTS; a group table that does
 * not add up to n or a code beyond quant_bits, E2EC_ERR_ARG; more groups than
 * the cap, E2EC_ERR_LIMIT. */
e2ec_status weights_section_pack(const e2ec_info *info, const bs_weights *w, uint8_t **sec,
                                 size_t *n);

/* Decodes a section of n bytes (info->version's coding) into info->n_weights
 * floats at w, dequantised if quantised: E2EC_ERR_PAYLOAD when it does not
 * unpack to exactly its size or its group table does not add up or a code
 * exceeds quant_bits, E2EC_ERR_WEIGHTS for a NaN/Inf weight, offset or scale.
 * Allocates according to info's checked counts only. */
e2ec_status weights_section_read(const uint8_t *sec, size_t n, const e2ec_info *info, float *w);

#endif
