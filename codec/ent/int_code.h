/*
 * Small integer tensors (a network's quantised weights) in a byte-padded bit
 * string: each value zigzag-mapped (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) and
 * written as an Exp-Golomb code of order k, most significant bit first, one
 * order per tensor. Why Exp-Golomb: a network's weights are few (hundreds),
 * so a code with no table to send beats an adaptive one; the order matches
 * the tensor's magnitude, and its codes are within a bit or so of a Laplace's
 * entropy at that scale. Integers only: the same bits on every machine.
 */
#ifndef E2EC_ENT_INT_CODE_H
#define E2EC_ENT_INT_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"

#define INT_CODE_MAX_ORDER 24 /* orders 0 .. 24 */
#define INT_CODE_MAX_ABS (1 << 30) /* codable: |value| < 2^30 (readers cap lower) */

/* Bits of v[0..n) at order k. */
uint64_t int_code_bits(const int32_t *v, size_t n, int k);

/* The order in [0, INT_CODE_MAX_ORDER] giving v[0..n) the fewest bits (the
 * smallest such order). */
int int_code_order(const int32_t *v, size_t n);

/* A bit string being written into buf[0..cap) or read from it. */
typedef struct {
    uint8_t *buf;
    size_t cap, bit; /* bit: the next bit's position */
} int_writer;

typedef struct {
    const uint8_t *buf;
    size_t len, bit;
} int_reader;

/* Writes v[0..n) at order k (|v| < INT_CODE_MAX_ABS); E2EC_ERR_LIMIT when
 * cap would be passed. The writer's buf must start zeroed. */
e2ec_status int_code_write(int_writer *w, const int32_t *v, size_t n, int k);

/* Reads n values at order k into v; E2EC_ERR_TRUNCATED past the end,
 * E2EC_ERR_WEIGHTS for a code longer than any writer makes or a value beyond
 * max_abs. */
e2ec_status int_code_read(int_reader *r, int32_t *v, size_t n, int k, int32_t max_abs);

/* Bytes of a string of `bits` bits. */
static inline size_t int_code_bytes(uint64_t bits) { return (size_t)((bits + 7) / 8); }

/* E2EC_OK when r has read every byte but for the last one's padding and that
 * padding is 0 bits; else E2EC_ERR_MISMATCH. */
e2ec_status int_reader_end(const int_reader *r);

#endif
