/* half.c: every half survives half -> float -> half; floats round to the
 * nearest half, ties to even; subnormals, overflow, Inf and NaN. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "half.h"

static float from_bits(uint32_t x) {
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* Is h the correctly rounded half of the finite float f? Checked against the
 * neighbouring halves in double precision (all exact there). */
static int rounds_right(float f, uint16_t h) {
    double x = fabs((double)f);
    uint16_t mag = h & 0x7fffu;
    if (!!signbit(f) != ((h & 0x8000u) != 0) && mag != 0) return 0;
    if (mag == 0x7c00u) return x >= 65520.0; /* overflow: halfway to 2^16 and up */
    if (mag > 0x7bffu) return 0;
    double d = fabs((double)half_to_float(h)) - x, err = fabs(d);
    if (mag > 0) {
        double down = x - fabs((double)half_to_float((uint16_t)(mag - 1)));
        if (down < err || (down == err && (mag & 1u))) return 0;
    }
    double up = mag < 0x7bffu ? fabs((double)half_to_float((uint16_t)(mag + 1))) - x : 65536.0 - x;
    if (up < err || (up == err && (mag & 1u))) return 0;
    return 1;
}

int main(void) {
    /* Every half round-trips; NaNs stay NaN. */
    int bad_trip = 0;
    for (uint32_t h = 0; h < 0x10000u; h++) {
        float f = half_to_float((uint16_t)h);
        int is_nan = (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu);
        if (is_nan ? !isnan(f) || !isnan(half_to_float(half_from_float(f)))
                   : half_from_float(f) != h)
            bad_trip++;
    }
    CHECK(bad_trip == 0, "%d halves do not survive a round trip", bad_trip);

    /* Known values. */
    CHECK(half_to_float(0x3c00) == 1.0f, "1.0");
    CHECK(half_to_float(0xc000) == -2.0f, "-2.0");
    CHECK(half_to_float(0x7bff) == 65504.0f, "largest half");
    CHECK(half_to_float(0x0001) == ldexpf(1.0f, -24), "smallest subnormal");
    CHECK(half_to_float(0x0400) == ldexpf(1.0f, -14), "smallest normal");
    CHECK(isinf(half_to_float(0x7c00)) && half_to_float(0xfc00) < 0, "infinities");
    CHECK(signbit(half_to_float(0x8000)) && half_to_float(0x8000) == 0.0f, "-0");
    CHECK(half_from_float(65519.0f) == 0x7bff, "65519 -> 65504: %04x", half_from_float(65519.0f));
    CHECK(half_from_float(65520.0f) == 0x7c00, "65520 ties to even = Inf");
    CHECK(half_from_float(1e10f) == 0x7c00 && half_from_float(-1e10f) == 0xfc00, "overflow");
    CHECK(half_from_float(1.0f + ldexpf(1, -11)) == 0x3c00, "tie to even, down");
    CHECK(half_from_float(1.0f + 3 * ldexpf(1, -11)) == 0x3c02, "tie to even, up");
    CHECK(half_from_float(ldexpf(1, -25)) == 0x0000, "2^-25 ties to 0");
    CHECK(half_from_float(1.5f * ldexpf(1, -25)) == 0x0001, "above the tie rounds up");
    CHECK(half_from_float(3 * ldexpf(1, -25)) == 0x0002, "subnormal tie to even");
    CHECK(half_from_float(ldexpf(1023.5f, -24)) == 0x0400, "subnormal rounds into normal");
    CHECK(half_from_float(-0.0f) == 0x8000, "-0 keeps its sign");
    CHECK(half_from_float(INFINITY) == 0x7c00 && half_from_float(-INFINITY) == 0xfc00, "Inf");
    CHECK(isnan(half_to_float(half_from_float(NAN))), "NaN stays NaN");
    CHECK((half_from_float(from_bits(0x7f800001u)) & 0x3ffu) != 0, "signalling NaN is not Inf");

    /* Rounding over a sweep of float bit patterns (a prime stride reaches
     * every exponent and many mantissas), plus every float near the half
     * range's interesting edges. */
    int bad_round = 0;
    for (uint64_t x = 0; x < 0x100000000ull; x += 1009) {
        float f = from_bits((uint32_t)x);
        if (isfinite(f) && !rounds_right(f, half_from_float(f))) bad_round++;
    }
    const uint32_t edges[] = {0x33000000u, 0x38800000u, 0x477fe000u, 0x3f800000u};
    for (int e = 0; e < 4; e++)
        for (uint32_t d = 0; d < 0x4000u; d++) {
            float f = from_bits(edges[e] - 0x2000u + d);
            if (!rounds_right(f, half_from_float(f)) || !rounds_right(-f, half_from_float(-f)))
                bad_round++;
        }
    CHECK(bad_round == 0, "%d floats not rounded to the nearest half (ties to even)", bad_round);
    return check_summary();
}
