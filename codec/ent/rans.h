/*
 * rANS entropy coder with 24-bit probabilities: a 64-bit state and 32-bit
 * renormalisation (Giesen's rans64 layout). 24 bits, not 16, because every
 * symbol of an alphabet keeps at least one unit: over a 12-bit CT's 4,096
 * levels, 16-bit units cost log2(2^16 / (2^16 - 4096)) = 0.09 bit per voxel
 * (1.4 % of a lossless CT stream), 24-bit units 0.0004. Shared by the modes that code symbols with a learned model
 * (latent, lossless). Pure integer arithmetic: a stream decodes the same on
 * every machine as long as the model gives the same frequencies (laplace_int.h).
 *
 * Stream: the encoder's final state (8 bytes, little endian), then the
 * renormalisation words (4 bytes each, little endian) in the order the
 * decoder reads them. The decoder
 * checks at the end that it used every byte and came back to the encoder's
 * initial state: a truncated or altered payload is refused there.
 */
#ifndef E2EC_ENT_RANS_H
#define E2EC_ENT_RANS_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"

#define RANS_PROB_BITS 24
#define RANS_TOTAL (1u << RANS_PROB_BITS)
#define RANS_LOW (1ull << 31) /* the state stays in [RANS_LOW, 2^63) */

/* One coded symbol: its cumulative frequency and frequency, out of RANS_TOTAL;
 * freq >= 1 and start + freq <= RANS_TOTAL. */
typedef struct {
    uint32_t start, freq;
} rans_sym;

/* The largest stream rans_encode can write for n symbols: each symbol emits at
 * most one 32-bit word, plus the state. */
size_t rans_bound(size_t n);

/* Codes syms[0..n) (in decoding order) into out[0..cap); returns the bytes
 * written, or 0 when cap < rans_bound(n) or a symbol is out of range. */
size_t rans_encode(const rans_sym *syms, size_t n, uint8_t *out, size_t cap);

/* rans_encode of `runs` runs of `run` symbols each, run r starting at
 * syms + r * stride (run <= stride): the slices of a volume that one stream
 * interleaves, coded where they lie. */
size_t rans_encode_runs(const rans_sym *syms, size_t run, size_t stride, size_t runs, uint8_t *out,
                        size_t cap);

typedef struct {
    uint64_t x;
    const uint8_t *p, *end;
    int overrun; /* a read past the end (counted, answered with zeros) */
} rans_dec;

/* E2EC_ERR_ENTROPY when the payload is shorter than a state or the state is
 * not one an encoder leaves. */
e2ec_status rans_dec_init(rans_dec *d, const uint8_t *buf, size_t len);

/* The slot in [0, RANS_TOTAL) that names the next symbol: the model finds
 * the symbol s with start(s) <= slot < start(s) + freq(s). */
static inline uint32_t rans_dec_slot(const rans_dec *d) { return (uint32_t)(d->x & (RANS_TOTAL - 1)); }

/* Consumes the symbol found for the current slot. */
void rans_dec_advance(rans_dec *d, rans_sym s);

/* After the last symbol: E2EC_OK when every byte was read and none past the
 * end, and the state is the encoder's initial one; else E2EC_ERR_ENTROPY. */
e2ec_status rans_dec_finish(const rans_dec *d);

#endif
