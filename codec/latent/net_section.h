/*
 * The latent payload's networks from bitstream version 5: the integer ARM's
 * tensors and the synthesis MLP's, coded (ent/int_code.h) instead of stored
 * raw (version 4: the ARM as ent/arm_section.h lays it, 872 bytes for the
 * default 18-12-12-2, and the MLP as binary16, 834 bytes: together a fifth
 * of the MR's stream at 0.07 bpp). Layout (docs/bitstream.md):
 *   u16 B, the bytes that follow, then within them
 *   6 x u8  the MLP tensors' step exponents q (mlp_steps.h), 0..24
 *   12 x u8 the int_code orders: the ARM's W0 b0 W1 b1 W2 b2, then the MLP's
 *           W1 b1 W2 b2 W3 b3, 0..24
 *   the bit string: those twelve tensors' integers in that order (the ARM's
 *   weights and biases as arm_int holds them, the MLP's as mlp_steps_ints
 *   gives them), zero bits to the byte's end.
 */
#ifndef E2EC_LATENT_NET_SECTION_H
#define E2EC_LATENT_NET_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"
#include "grid_mlp.h"

#define NET_SECTION_FIXED (2 + GRID_MLP_TENSORS + 2 * ARM_LAYERS + GRID_MLP_TENSORS)

/* Codes arm and the MLP mlp (cin inputs, h hidden, whole numbers of steps q)
 * into *out (malloc'ed, *bytes of it, the u16 included). E2EC_ERR_ARG when
 * an MLP weight is not a whole number of its step (mlp_steps_ints),
 * E2EC_ERR_LIMIT when the coded networks pass the u16's 65,535 bytes. */
e2ec_status net_section_code(const arm_int *arm, const float *mlp, int cin, int h,
                             const uint8_t q[GRID_MLP_TENSORS], uint8_t **out, size_t *bytes);

/* The bits net_section_code gives the ARM's six tensors (the step search's
 * rate of the ARM itself: arm_steps.h). */
uint64_t net_section_arm_bits(const arm_int *arm);

/* The bytes of the section at src (n bytes available): E2EC_ERR_TRUNCATED
 * when n cannot hold its u16 or the bytes it counts, E2EC_ERR_HEADER when it
 * counts fewer than its fixed fields. */
e2ec_status net_section_size(const uint8_t *src, size_t n, size_t *bytes);

/* Reads the section at src (net_section_size's bytes) into arm (ctx, hidden
 * and shift set and checked; prepared for the forward), mlp (cin, h) and q.
 * E2EC_ERR_HEADER for a step or order out of range; int_code_read's errors
 * (E2EC_ERR_WEIGHTS also for an ARM weight or bias beyond its bound, an MLP
 * integer beyond MLP_STEP_MAX_K); E2EC_ERR_MISMATCH when the bit string ends
 * anywhere but in its last byte's zero padding. */
e2ec_status net_section_read(const uint8_t *src, size_t bytes, arm_int *arm, float *mlp, int cin, int h,
                             uint8_t q[GRID_MLP_TENSORS]);

#endif
