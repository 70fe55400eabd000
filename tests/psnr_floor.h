/* Quality floors of the tests. flat_psnr: the PSNR (MAX = max - min of v, as
 * e2ec_compare) that the best flat volume scores against v: every voxel at
 * v's mean, so its MSE is v's variance. A decoded volume that scores no more
 * than this says nothing about the codec, so every floor is checked to lie
 * above it (check_psnr_floor). */
#ifndef E2EC_TEST_PSNR_FLOOR_H
#define E2EC_TEST_PSNR_FLOOR_H

#include <math.h>
#include "check.h"
#include "e2ec.h"

static inline double flat_psnr(const e2ec_volume *v) {
    size_t n = (size_t)v->nx * v->ny * v->nz;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = e2ec_voxel_value(v, i);
        sum += x;
        lo = x < lo ? x : lo, hi = x > hi ? x : hi;
    }
    double mean = sum / (double)n, var = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = e2ec_voxel_value(v, i) - mean;
        var += d * d;
    }
    return 10.0 * log10((hi - lo) * (hi - lo) / (var / (double)n));
}

/* psnr, a decode of v, is at least floor, and floor is above the flat volume's. */
static inline void check_psnr_floor(const char *what, double psnr, double floor,
                                    const e2ec_volume *v) {
    double flat = flat_psnr(v);
    printf("%s: PSNR %.2f dB (floor %.2f, flat volume %.2f)\n", what, psnr, floor, flat);
    CHECK(psnr >= floor, "%s: PSNR %.2f dB under its floor %.2f", what, psnr, floor);
    CHECK(floor > flat, "%s: the floor %.2f is not above a flat volume's %.2f dB", what, floor,
          flat);
}

#endif
