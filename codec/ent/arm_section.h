/*
 * The integer ARM's tensors as a stream stores them (docs/bitstream.md), shared
 * by the sections that carry an ARM (the lossless section, the latent mode's
 * payload), little endian: W0 [hidden][ctx] i16, b0 [hidden] i32, W1
 * [hidden][hidden] i16, b1 [hidden] i32, W2 [2][hidden] i16, b2 [2] i32. The
 * shape (ctx, hidden, the layer shifts) is each section's own header field.
 */
#ifndef E2EC_ENT_ARM_SECTION_H
#define E2EC_ENT_ARM_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "arm_int.h"
#include "e2ec.h"

/* m's tensors in stream order, W0 b0 W1 b1 W2 b2: each layer's weights and
 * biases and their counts (the coded networks of the latent mode walk the
 * same order: latent/net_section.c). */
typedef struct {
    int16_t *w[ARM_LAYERS];
    int32_t *b[ARM_LAYERS];
    int nw[ARM_LAYERS], nb[ARM_LAYERS];
} arm_tensors;
arm_tensors arm_section_tensors(arm_int *m);

/* Bytes of the tensors of an ARM of ctx inputs and `hidden` units. */
size_t arm_section_bytes(int ctx, int hidden);

/* Writes m's tensors at dst; returns the byte after them. */
uint8_t *arm_section_write(uint8_t *dst, const arm_int *m);

/* Reads the tensors of m (whose ctx, hidden and shift are set and checked by
 * arm_int_check) from arm_section_bytes(m->ctx, m->hidden) bytes at src, and
 * prepares m for the forward. E2EC_ERR_WEIGHTS for a weight beyond
 * ARM_W_MAX or a bias beyond ARM_B_MAX. */
e2ec_status arm_section_read(const uint8_t *src, arm_int *m);

#endif
