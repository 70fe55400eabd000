/*
 * The lossless mode's section of a stream (docs/bitstream.md), little endian:
 *   u8 ctx (LL_CTX), u8 hidden, u8 input shift, u8 x 3 ARM layer shifts,
 *   u16 max_error (E, 0: lossless), i32 lo, i32 hi,
 *   the ARM: i16 W0 [hidden][ctx], i32 b0 [hidden], i16 W1 [hidden][hidden],
 *   i32 b1 [hidden], i16 W2 [2][hidden], i32 b2 [2],
 *   u32 slice bytes x nz, then the nz slices' rANS streams back to back.
 * The reader checks every field against its cap before anything is sized
 * by it, and that the slices fill the section exactly.
 */
#ifndef E2EC_LOSSLESS_LL_SECTION_H
#define E2EC_LOSSLESS_LL_SECTION_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"

#define LL_SECTION_FIXED 16 /* bytes before the ARM */

typedef struct {
    arm_int arm;
    int32_t lo, hi;
    int shift;
    int32_t max_error;
    uint32_t nz;
    const uint32_t *slice_bytes; /* writer: nz sizes */
    const uint8_t *slices;       /* writer: the streams back to back */
    size_t slices_bytes;         /* their sum */
} ll_section;

/* Bytes of the section for an ARM of `hidden` units, nz slices and the streams' total. */
size_t ll_section_size(int hidden, uint32_t nz, size_t slices_bytes);

/* Writes ll_section_size(...) bytes at dst. */
void ll_section_write(uint8_t *dst, const ll_section *s);

/* The slice table and the streams it sizes (the lossless section's tail, one
 * stream a slice, and each level of the latent mode's payload, one a group of
 * slices from version 6): nz u32 sizes, then the nz rANS streams back to
 * back (nz: the streams' count). The writer writes 4 nz + bytes bytes at dst and
 * returns their end. The reader takes n bytes at src that must hold exactly
 * that: *sizes (nz entries, malloc'ed, the caller frees it; NULL on error),
 * *streams points into src and *bytes is their sum. E2EC_ERR_TRUNCATED when
 * the table or the sizes run past n, E2EC_ERR_HEADER for a size below 8 (a
 * stream's final state), E2EC_ERR_MISMATCH when bytes are left over. */
uint8_t *ll_slices_write(uint8_t *dst, uint32_t nz, const uint32_t *sizes, const uint8_t *streams,
                         size_t bytes);
e2ec_status ll_slices_read(const uint8_t *src, size_t n, uint32_t nz, uint32_t **sizes,
                           const uint8_t **streams, size_t *bytes);

/* Parses n bytes at src for a volume of nz slices whose stored values lie in
 * [type_lo, type_hi]: s->slices points into src and *slice_bytes (nz entries,
 * malloc'ed, the caller frees it) gets the sizes. E2EC_ERR_UNSUPPORTED for
 * another context size, E2EC_ERR_HEADER for a field out of range,
 * E2EC_ERR_WEIGHTS for a weight beyond the integer ARM's bounds,
 * E2EC_ERR_TRUNCATED / E2EC_ERR_MISMATCH when the slices do not fill the
 * section exactly. */
e2ec_status ll_section_read(const uint8_t *src, size_t n, uint32_t nz, int64_t type_lo,
                            int64_t type_hi, ll_section *s, uint32_t **slice_bytes);

#endif
