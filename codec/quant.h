/*
 * Uniform quantisation of a float array to B bits (2..8), group by group, and
 * zstd packing of byte buffers. Used for the network's weights (bitstream
 * version 2, docs/bitstream.md) and open to any other mode that stores floats.
 *
 * A group is a run of consecutive values (e.g. one layer's weights and
 * biases) with its own offset and scale:
 *     code  = clamp(round((w - offset) / scale), 0, 2^B - 1)
 *     value = offset + code * scale            (quant_dequantise)
 * offset is the group's minimum and scale (max - min) / (2^B - 1), so both
 * ends of the group are represented exactly. The decoder runs the values
 * quant_dequantise gives; quant_round gives the encoder the same values.
 *
 * Typical use:
 *     quant_quantise(w, n, counts, n_groups, bits, codes, offsets, scales);
 *     ... store codes (1 byte each), offsets, scales; quant_zstd_pack(...) ...
 *     quant_dequantise(codes, counts, n_groups, offsets, scales, w_decoded);
 */
#ifndef E2EC_QUANT_H
#define E2EC_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

#define QUANT_MIN_BITS 2
#define QUANT_MAX_BITS 8

/* counts[g] values in group g, sum = n. codes gets n bytes; offsets and
 * scales n_groups floats each. w must be finite. */
void quant_quantise(const float *w, const uint32_t *counts, size_t n_groups, int bits,
                    uint8_t *codes, float *offsets, float *scales);
/* w[i] = offset + code * scale of its group. */
void quant_dequantise(const uint8_t *codes, const uint32_t *counts, size_t n_groups,
                      const float *offsets, const float *scales, float *w);
/* In place: w becomes the dequantisation of its own quantisation, bit for
 * bit what quant_quantise then quant_dequantise give (quantisation-aware
 * training runs its forward on these). */
void quant_round(float *w, const uint32_t *counts, size_t n_groups, int bits);

/* zstd (level 19) of n bytes; *out is malloc'd. */
e2ec_status quant_zstd_pack(const uint8_t *in, size_t n, uint8_t **out, size_t *out_n);
/* Unpacks one zstd frame of exactly n bytes into exactly want bytes at out.
 * The frame must declare its content size, equal to want, before anything is
 * decompressed (a zstd bomb is refused unread); a frame that is damaged,
 * decodes to another size or is followed by other bytes is E2EC_ERR_PAYLOAD. */
e2ec_status quant_zstd_unpack(const uint8_t *in, size_t n, uint8_t *out, size_t want);

#endif
