/*
 * The latent mode's fit (codec/latent/latent_fit.h) on a raw volume, at one
 * or more rate weights: fits, codes every level's latents with ll_encode as
 * the stream does (and decodes them back, checking every latent), decodes the
 * volume with grid_decode, and prints one CSV row per lambda: the coded
 * latent bytes, the ARM's and the MLP's bytes, the total with the stream's
 * fixed headers, true bpp, PSNR (MAX = data range of the original), 3D SSIM
 * and the fit's seconds. Issue 17; bench/results/latent/ holds its runs.
 *
 * Usage: bench_latent RAW NX NY NZ u8|i16|u16 SPX SPY SPZ LAMBDA[,LAMBDA...]
 *          [--levels L] [--hidden H] [--arm-hidden A] [--steps N] [--batch B]
 *          [--lr-latent X] [--lr-mlp X] [--lr-arm X] [--soft F] [--ste F] [--freeze F]
 *          [--t-start T] [--t-end T] [--threads T] [--seed S] [-v]
 * RAW is little-endian voxels, x fastest; SP* the voxel spacing in mm.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_raw.h"
#include "latent/latent_fit.h"
#include "lossless/ll_code.h"
#include "volume_norm.h"

/* The stream's fixed parts as docs/bitstream.md lays them out: the main
 * header (104 bytes) and the latent header section (8 bytes and 20 a level,
 * for the 8 levels the format allows). */
#define FIXED_BYTES (104 + 8 + 20 * GRID_MAX_LEVELS)

/* Codes every level as the stream does: *slices gets the levels' slice
 * tables (4 bytes a slice) and rANS bytes; 0, or nonzero when a level does
 * not decode back to its latents. */
static int code_latents(const latent_model *m, size_t *slices) {
    const grid_shape *s = &m->syn.shape;
    int bad = 0;
    *slices = 0;
    for (int l = 0; l < s->levels; l++) {
        const int *r = s->res[l];
        ll_shape sh = {r[0], r[1], r[2], m->lo[l]};
        ll_model lm = {m->lo[l], m->hi[l], m->shift[l], &m->arm, 0};
        size_t n = (size_t)r[0] * r[1] * r[2], len = 0;
        uint32_t *zb = malloc((size_t)r[2] * sizeof *zb);
        int32_t *back = malloc(n * sizeof *back);
        uint8_t *buf = NULL;
        if (!zb || !back || ll_encode(&sh, m->syn.q + s->off[l], &lm, &buf, &len, zb, back) ||
            ll_decode(&sh, buf, len, zb, &lm, back) ||
            memcmp(back, m->syn.q + s->off[l], n * sizeof *back))
            bad = 1;
        *slices += len + 4 * (size_t)r[2];
        free(zb), free(back), free(buf);
    }
    return bad;
}

/* The ARM's tensors: int16 weights, int32 biases (arm_int.h). */
static size_t arm_bytes_of(int h) {
    size_t biases = (size_t)2 * h + 2;
    return 2 * ((size_t)arm_param_count(LL_CTX, h) - biases) + 4 * biases;
}

static int print_step(const e2ec_progress *p, void *user) {
    (void)user;
    fprintf(stderr, "  step %5d  batch PSNR %.2f dB  %.1f s\n", p->epoch, p->psnr, p->elapsed_s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 10) {
        fprintf(stderr, "usage: bench_latent RAW NX NY NZ u8|i16|u16 SPX SPY SPZ LAMBDA[,...] [options]\n");
        return 2;
    }
    e2ec_voxel_type type = bench_raw_type(argv[5]);
    uint32_t nx = (uint32_t)atoi(argv[2]), ny = (uint32_t)atoi(argv[3]), nz = (uint32_t)atoi(argv[4]);
    float sp[3] = {(float)atof(argv[6]), (float)atof(argv[7]), (float)atof(argv[8])};
    latent_fit_config c;
    latent_fit_defaults(&c);
    for (int i = 10; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "-v")) { c.progress = print_step, c.progress_every = 100; continue; }
        i++;
        if (!strcmp(a, "--levels")) c.levels = atoi(val);
        else if (!strcmp(a, "--hidden")) c.hidden = atoi(val);
        else if (!strcmp(a, "--arm-hidden")) c.arm_hidden = atoi(val);
        else if (!strcmp(a, "--steps")) c.steps = atoi(val);
        else if (!strcmp(a, "--batch")) c.batch = atoi(val);
        else if (!strcmp(a, "--lr-latent")) c.lr_latent = (float)atof(val);
        else if (!strcmp(a, "--lr-mlp")) c.lr_mlp = (float)atof(val);
        else if (!strcmp(a, "--lr-arm")) c.lr_arm = (float)atof(val);
        else if (!strcmp(a, "--soft")) c.soft_from = (float)atof(val);
        else if (!strcmp(a, "--ste")) c.ste_from = (float)atof(val);
        else if (!strcmp(a, "--freeze")) c.freeze_from = (float)atof(val);
        else if (!strcmp(a, "--t-start")) c.t_start = (float)atof(val);
        else if (!strcmp(a, "--t-end")) c.t_end = (float)atof(val);
        else if (!strcmp(a, "--threads")) c.threads = atoi(val);
        else if (!strcmp(a, "--seed")) c.seed = (uint64_t)atoll(val);
        else {
            fprintf(stderr, "bench_latent: unknown option %s\n", a);
            return 2;
        }
    }
    e2ec_volume v, d;
    if (bench_raw_read("bench_latent", argv[1], nx, ny, nz, type, &v) ||
        e2ec_volume_alloc(&d, nx, ny, nz, type))
        return 1;
    size_t n = (size_t)nx * ny * nz;
    double vmin, vmax;
    volume_minmax(&v, &vmin, &vmax);
    float *target = malloc(n * sizeof *target), *dec = malloc(n * sizeof *dec);
    volume_to_normalised(&v, vmin, vmax, target);
    grid_shape s;
    if (latent_shape_for(c.levels, nx, ny, nz, sp, &s)) {
        fprintf(stderr, "bench_latent: bad pyramid settings\n");
        return 2;
    }
    size_t mlp_bytes = 2 * grid_mlp_size(s.levels, c.hidden), arm_bytes = arm_bytes_of(c.arm_hidden);
    printf("# %s %ux%ux%u %s, spacing %g x %g x %g mm, stored %.0f..%.0f; levels %d (", argv[1], nx,
           ny, nz, argv[5], sp[0], sp[1], sp[2], vmin, vmax, s.levels);
    for (int l = 0; l < s.levels; l++) printf("%s%dx%dx%d", l ? " " : "", s.res[l][0], s.res[l][1], s.res[l][2]);
    printf("), %zu latents, MLP %d-%d-%d-1, ARM %d-%d-%d-2, %d steps x %d voxels, lr %g/%g/%g, "
           "phases %g/%g/%g, T %g->%g, %d threads\n",
           s.off[s.levels], s.levels, c.hidden, c.hidden, LL_CTX, c.arm_hidden, c.arm_hidden,
           c.steps, c.batch, c.lr_latent, c.lr_mlp, c.lr_arm, c.soft_from, c.ste_from,
           c.freeze_from, c.t_start, c.t_end, omp_get_max_threads());
    printf("lambda,latent_bytes,arm_bytes,mlp_bytes,fixed_bytes,bytes,bpp,psnr,ssim,fit_s\n");
    for (char *tok = strtok(argv[9], ","); tok; tok = strtok(NULL, ",")) {
        c.lambda = (float)atof(tok);
        latent_model m;
        double t0 = omp_get_wtime();
        e2ec_status st = latent_fit(target, nx, ny, nz, sp, &c, &m);
        double fit_s = omp_get_wtime() - t0;
        if (st) {
            fprintf(stderr, "bench_latent: fit failed: %s\n", e2ec_error_name(st));
            return 1;
        }
        size_t lat_bytes;
        if (code_latents(&m, &lat_bytes)) {
            fprintf(stderr, "bench_latent: the latents do not code back\n");
            return 1;
        }
        e2ec_metrics mt;
        if (grid_decode(&m.syn, nx, ny, nz, c.threads, dec)) return 1;
        normalised_to_stored(dec, n, vmin, vmax, type, 0, d.data);
        if (e2ec_compare(&v, &d, c.threads, &mt)) return 1;
        size_t total = lat_bytes + arm_bytes + mlp_bytes + FIXED_BYTES;
        printf("%g,%zu,%zu,%zu,%d,%zu,%.4f,%.2f,%.4f,%.1f\n", c.lambda, lat_bytes, arm_bytes,
               mlp_bytes, FIXED_BYTES, total, 8.0 * (double)total / (double)n, mt.psnr, mt.ssim3d,
               fit_s);
        fflush(stdout);
        latent_model_free(&m);
    }
    free(target), free(dec);
    e2ec_volume_free(&v), e2ec_volume_free(&d);
    return 0;
}
