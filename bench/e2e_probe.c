/*
 * Short, bounded experiments on E2E training (docs/architecture.md, "Why E2E
 * was at 20.7 dB"): the ceilings of the low-res grid through the fixed
 * upsamplers, and E2E training variants, on one volume.
 *
 *   e2e_probe ceiling VOL.raw NX NY NZ [SCALE=2]
 *   e2e_probe train   VOL.raw NX NY NZ [key=value ...]
 *     scale=2 sn=30 epochs=200 lr=1.5e-3 srno_lr=(lr) warm=0 (e2e_warm_start
 *     with that many SIREN epochs; 0: none, the SRNO's decoder as initialised
 *     and a random SIREN) ramp=0 (the rate rises linearly over the first
 *     `ramp` epochs) cosine=0
 *     (lr decays to lr/20 by a cosine) lr_weight=0 omega=30 seed=1 every=25
 *
 * VOL.raw: int16 voxels, x fastest; normalised by its own min/max, as the
 * codec does. PSNR with MAX = 1 (= the data range), outputs clamped to [0, 1].
 * Its own Adam loop (two optimisers, one per module) so that per-module
 * rates and schedules can be tried without touching train.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "adam.h"
#include "e2e_fit.h"
#include "fft_downsample.h"
#include "loss.h"
#include "metrics.h"
#include "siren_fit.h"
#include "threads.h"
#include "upsample.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double psnr_clamped(const float *a, const float *ref, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        float v = a[i] < 0.0f ? 0.0f : a[i] > 1.0f ? 1.0f : a[i];
        s += ((double)v - ref[i]) * ((double)v - ref[i]);
    }
    return psnr_from_mse(s / (double)n, 1.0);
}

static float *load(const char *path, size_t n) {
    FILE *f = fopen(path, "rb");
    int16_t *raw = malloc(n * sizeof *raw);
    float *x = malloc(n * sizeof *x);
    if (!f || !raw || !x || fread(raw, sizeof *raw, n, f) != n) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    int16_t lo = raw[0], hi = raw[0];
    for (size_t i = 0; i < n; i++) lo = raw[i] < lo ? raw[i] : lo, hi = raw[i] > hi ? raw[i] : hi;
    for (size_t i = 0; i < n; i++) x[i] = (float)(raw[i] - lo) / (float)(hi - lo);
    free(raw);
    return x;
}

static double arg(int argc, char **argv, const char *key, double def) {
    size_t k = strlen(key);
    for (int i = 6; i < argc; i++)
        if (!strncmp(argv[i], key, k) && argv[i][k] == '=') return atof(argv[i] + k + 1);
    return def;
}

/* PSNR of y -> upsampler, and of the best low-res grid for trilinear
 * upsampling (least squares by Adam on the grid itself, from y). */
static void ceiling(const float *x, uint32_t nx, uint32_t ny, uint32_t nz, int s) {
    uint32_t lx = lowres_size(nx, s), ly = lowres_size(ny, s), lz = lowres_size(nz, s);
    size_t nl = (size_t)lx * ly * lz, nh = (size_t)nx * ny * nz;
    float *y = malloc(nl * sizeof *y), *hr = malloc(nh * sizeof *hr), *d = malloc(nh * sizeof *d),
          *g = malloc(nl * sizeof *g);
    fft_downsample(x, nx, ny, nz, y, lx, ly, lz);
    upsample_forward(E2EC_UP_TRILINEAR, y, lx, ly, lz, hr, nx, ny, nz, 0, nz);
    printf("y (FFT, scale %d) -> trilinear: %.2f dB, SSIM %.3f\n", s, psnr_clamped(hr, x, nh),
           ssim3d(hr, x, nx, ny, nz, 1.0));
    upsample_forward(E2EC_UP_TRICUBIC, y, lx, ly, lz, hr, nx, ny, nz, 0, nz);
    printf("y (FFT, scale %d) -> tricubic:  %.2f dB, SSIM %.3f\n", s, psnr_clamped(hr, x, nh),
           ssim3d(hr, x, nx, ny, nz, 1.0));
    adam_state opt;
    adam_init(&opt, nl, 1e-2f);
    for (int it = 1; it <= 500; it++) {
        upsample_forward(E2EC_UP_TRILINEAR, y, lx, ly, lz, hr, nx, ny, nz, 0, nz);
        memset(d, 0, nh * sizeof *d), memset(g, 0, nl * sizeof *g);
        double mse;
        loss_forward_backward(E2EC_LOSS_L2, hr, x, nh, 1.0f, d, &mse);
        upsample_backward(E2EC_UP_TRILINEAR, g, lx, ly, lz, d, nx, ny, nz);
        adam_step(&opt, y, g);
        if (it % 500 == 0)
            printf("best low-res grid for trilinear, %d Adam steps: %.2f dB, SSIM %.3f\n", it,
                   psnr_clamped(hr, x, nh), ssim3d(hr, x, nx, ny, nz, 1.0));
    }
    adam_free(&opt);
    free(y), free(hr), free(d), free(g);
}

static void train(const float *x, uint32_t nx, uint32_t ny, uint32_t nz, int argc, char **argv) {
    int s = (int)arg(argc, argv, "scale", 2), epochs = (int)arg(argc, argv, "epochs", 200);
    int warm = (int)arg(argc, argv, "warm", 0), every = (int)arg(argc, argv, "every", 25);
    float lr = (float)arg(argc, argv, "lr", 1.5e-3);
    float srno_lr = (float)arg(argc, argv, "srno_lr", lr);
    int cosine = (int)arg(argc, argv, "cosine", 0), ramp = (int)arg(argc, argv, "ramp", 0);
    float lr_weight = (float)arg(argc, argv, "lr_weight", 0);
    siren_config sc = {(int)arg(argc, argv, "sn", 30), 3, (float)arg(argc, argv, "omega", 30)};
    srno_config rc;
    srno_config_default(&rc);
    uint32_t lx = lowres_size(nx, s), ly = lowres_size(ny, s), lz = lowres_size(nz, s);
    size_t nl = (size_t)lx * ly * lz, nh = (size_t)nx * ny * nz;
    size_t ns = siren_param_count(&sc), n = ns + srno_param_count(&rc);
    float *p = malloc(n * sizeof *p), *best = malloc(n * sizeof *best), *g = malloc(n * sizeof *g);
    float *y = malloc(nl * sizeof *y);
    fft_downsample(x, nx, ny, nz, y, lx, ly, lz);
    rng r = {(uint64_t)arg(argc, argv, "seed", 1)};
    siren_init(&sc, p, &r);
    srno_init(&rc, p + ns, &r);
    double t0 = now_s();
    if (warm > 0) { /* the codec's warm start, for `warm` SIREN epochs at rate lr */
        e2ec_params wp;
        e2ec_params_default(&wp);
        wp.epochs = warm, wp.lr = lr, wp.threads = 0;
        e2e_warm_start(&sc, &rc, lx, ly, lz, y, &wp, p, &r);
        float *lo = malloc(nl * sizeof *lo);
        siren_eval_grid(&sc, p, lx, ly, lz, 0, lz, lo);
        printf("warm: %d SIREN epochs on y, %.1f s, low-res fit %.2f dB\n", warm, now_s() - t0,
               psnr_clamped(lo, y, nl));
        free(lo);
    }
    e2e_fit f;
    if (e2e_fit_init(&f, &sc, &rc, lx, ly, lz, nx, ny, nz, x, y, lr_weight, E2EC_LOSS_L1)) exit(1);
    adam_state os, on;
    adam_init(&os, ns, lr), adam_init(&on, n - ns, srno_lr);
    double bl = INFINITY, l, m;
    memcpy(best, p, n * sizeof *best);
    for (int e = 1; e <= epochs; e++) {
        memset(g, 0, n * sizeof *g);
        e2e_fit_grad(&f, p, g, &r, &l, &m);
        if (l < bl) bl = l, memcpy(best, p, n * sizeof *best);
        if (e == 1 || e % every == 0)
            printf("epoch %d loss %.5f fit %.2f dB lr-grid %.2f dB %.1f s\n", e, l, -10 * log10(m),
                   psnr_clamped(f.lr, y, nl), now_s() - t0);
        double k = cosine ? 0.05 + 0.95 * 0.5 * (1 + cos(M_PI * (e - 1) / epochs)) : 1.0;
        if (e <= ramp) k *= (double)e / ramp;
        os.lr = (float)(lr * k), on.lr = (float)(srno_lr * k);
        adam_step(&os, p, g), adam_step(&on, p + ns, g + ns);
    }
    e2e_fit_grad(&f, best, g, &r, &l, &m);
    printf("best: loss %.5f PSNR %.2f dB SSIM %.3f (%d epochs, %.1f s)\n", l,
           psnr_clamped(f.hr, x, nh), ssim3d(f.hr, x, nx, ny, nz, 1.0), epochs, now_s() - t0);
    e2e_fit_free(&f), adam_free(&os), adam_free(&on);
    free(p), free(best), free(g), free(y);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: e2e_probe ceiling|train VOL.raw NX NY NZ [...]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress visible when redirected */
    uint32_t nx = (uint32_t)atoi(argv[3]), ny = (uint32_t)atoi(argv[4]), nz = (uint32_t)atoi(argv[5]);
    float *x = load(argv[2], (size_t)nx * ny * nz);
    int saved = threads_enter((int)arg(argc, argv, "threads", 1));
    if (!strcmp(argv[1], "ceiling"))
        ceiling(x, nx, ny, nz, (int)arg(argc, argv, "scale", 2));
    else
        train(x, nx, ny, nz, argc, argv);
    threads_leave(saved);
    free(x);
    return 0;
}
