/*
 * bench_lossless RAW NX NY NZ TYPE [STEPS HIDDEN [E]]: the lossless coder's
 * settings on a raw volume (TYPE u8, i16 or u16, little endian): fits the
 * ARM (STEPS Adam steps, HIDDEN units; the defaults otherwise), codes the
 * volume (near-lossless within E when E > 0), decodes it, checks every voxel
 * (exact, or within E) and prints the rate the fit expected, the coded rate
 * (the section's bytes, ARM included), and the fit, encode and decode seconds
 * with the thread count (OMP_NUM_THREADS).
 * bench/results/lossless/settings.log holds its runs.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_raw.h"
#include "lossless/ll_volume.h"

int main(int argc, char **argv) {
    if (argc < 6 || argc == 7 || argc > 9) {
        fprintf(stderr, "usage: bench_lossless RAW NX NY NZ u8|i16|u16 [STEPS HIDDEN [E]]\n");
        return 2;
    }
    e2ec_voxel_type type = bench_raw_type(argv[5]);
    e2ec_volume v, d;
    uint32_t nx = (uint32_t)atoi(argv[2]), ny = (uint32_t)atoi(argv[3]), nz = (uint32_t)atoi(argv[4]);
    if (bench_raw_read("bench_lossless", argv[1], nx, ny, nz, type, &v) ||
        e2ec_volume_alloc(&d, nx, ny, nz, type))
        return 1;
    size_t n = (size_t)nx * ny * nz;
    ll_fit_opts o;
    ll_fit_opts_default(&o);
    if (argc >= 8) o.steps = atoi(argv[6]), o.hidden = atoi(argv[7]);
    int32_t e = argc == 9 ? atoi(argv[8]) : 0;
    uint8_t *sec;
    size_t len;
    double bits, t0 = omp_get_wtime();
    e2ec_status st = ll_compress(&v, &o, e, &sec, &len, &bits);
    double t1 = omp_get_wtime();
    if (st == E2EC_OK) st = ll_decompress(sec, len, &d);
    double t2 = omp_get_wtime();
    double worst = 0.0;
    for (size_t i = 0; st == E2EC_OK && i < n; i++) {
        double a = e2ec_voxel_value(&v, i) - e2ec_voxel_value(&d, i);
        worst = a < 0 ? (-a > worst ? -a : worst) : (a > worst ? a : worst);
    }
    int exact = st == E2EC_OK && worst <= e;
    printf("%s %ux%ux%u %s steps %d hidden %d E %d threads %d: fit expects %.4f bpp (E = 0), "
           "coded %.4f bpp (%zu bytes), encode %.1f s (fit + code), decode %.2f s (%.2f Mvoxel/s), "
           "max error %g: %s\n",
           argv[1], nx, ny, nz, argv[5], o.steps, o.hidden, (int)e, omp_get_max_threads(), bits,
           8.0 * len / n, len, t1 - t0, t2 - t1, n / (t2 - t1) / 1e6, worst,
           exact ? "ok" : st ? e2ec_error_name(st) : "BEYOND E");
    return exact ? 0 : 1;
}
