/* IEEE 754 binary16 <-> binary32 by bit manipulation, so the result does not
 * depend on the compiler's _Float16 support or the FPU's rounding mode. */
#include <string.h>
#include "half.h"

uint16_t half_from_float(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;

    if (ax >= 0x7f800000u) {
        if (ax == 0x7f800000u) return sign | 0x7c00u;
        /* NaN: stays a (quiet) NaN, keeping the top payload bits. */
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    }
    /* 65520 is halfway between 65504 (the largest half, odd mantissa) and
     * 2^16: ties to even and everything above go to infinity. */
    if (ax >= 0x477ff000u) return sign | 0x7c00u;
    if (ax >= 0x38800000u) {
        /* Normal half: rebias the exponent (127 -> 15), drop 13 mantissa
         * bits rounding to nearest even; a carry into the exponent is right. */
        uint32_t v = ax - 0x38000000u;
        uint32_t h = v >> 13, rem = v & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    /* At most 2^-25 (half of the smallest subnormal): rounds to zero (the
     * tie at 2^-25 goes to the even 0). */
    if (ax <= 0x33000000u) return sign;
    /* Subnormal half: value / 2^-24 rounded to nearest even; rounding up to
     * 0x400 gives the smallest normal, which is the right encoding. */
    uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - e; /* 14..24 for e in 102..112 */
    uint32_t h = m >> shift, rem = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    uint32_t x;
    if (e == 0) {
        /* Zero or subnormal: m * 2^-24, exact in float. */
        float f = (float)m * (1.0f / 16777216.0f);
        memcpy(&x, &f, sizeof x);
        x |= sign;
    } else if (e == 31) {
        x = sign | 0x7f800000u | (m << 13);
    } else {
        x = sign | ((e + 112u) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}
