/*
 * The grid representation (codec/grid_fit.h) on a raw volume, at one or more
 * quantisation steps: fits, decodes, and prints every byte a stream would hold
 * (header, zstd'd features, binary16 MLP weights), bpp, PSNR (MAX = data range
 * of the original) and 3D SSIM, one CSV row per step. Issue 7 item 5.
 *
 * Usage: bench_grid RAW NX NY NZ u8|i16|u16 [--levels L] [--feats F]
 *          [--step SX,SY,SZ] [--hidden H] [--steps N] [--batch B] [--lambda X]
 *          [--lr-grid X] [--qat FRAC] [--freeze FRAC] [--threads T] [--seed S] [--out PREFIX] [-v] DELTA...
 * RAW is little-endian voxels, x fastest. --out writes PREFIX<delta>.raw, the
 * decoded volume in the input's type, to cross-check the figures elsewhere.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>
#include "grid_fit.h"
#include "metrics.h"
#include "volume_norm.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Stored values as doubles, for the metrics. */
static void to_float(const e2ec_volume *v, float *out) {
    size_t n = volume_voxels(v);
    for (size_t i = 0; i < n; i++)
        out[i] = v->type == E2EC_U8    ? ((const uint8_t *)v->data)[i]
                 : v->type == E2EC_I16 ? ((const int16_t *)v->data)[i]
                                       : ((const uint16_t *)v->data)[i];
}

/*
 * The features' bytes: each level's integers, feature planes one after the
 * other, zigzag-mapped to unsigned, little-endian in the fewest bytes (1, 2
 * or 4) that hold the largest, all levels in one zstd frame (level 19). *entropy gets the bytes
 * an ideal order-0 coder with a per-level, per-feature model would need
 * (its tables not counted), to show what zstd leaves on the table.
 */
static size_t feature_bytes(const grid_model *m, double *entropy) {
    const grid_shape *s = &m->shape;
    size_t ng = s->off[s->levels];
    uint32_t maxz = 0;
    uint32_t *z = malloc(ng * sizeof *z);
    size_t k = 0;
    *entropy = 0.0;
    for (int l = 0; l < s->levels; l++) {
        size_t nodes = (s->off[l + 1] - s->off[l]) / (size_t)s->feats;
        for (int f = 0; f < s->feats; f++) {
            int32_t lo = 0, hi = 0;
            for (size_t i = 0; i < nodes; i++) {
                int32_t q = m->q[s->off[l] + i * (size_t)s->feats + (size_t)f];
                z[k++] = q >= 0 ? (uint32_t)q * 2u : (uint32_t)(-(int64_t)q) * 2u - 1u;
                if (z[k - 1] > maxz) maxz = z[k - 1];
                lo = q < lo ? q : lo, hi = q > hi ? q : hi;
            }
            size_t span = (size_t)(hi - lo) + 1;
            size_t *count = calloc(span, sizeof *count);
            for (size_t i = 0; i < nodes; i++)
                count[m->q[s->off[l] + i * (size_t)s->feats + (size_t)f] - lo]++;
            for (size_t j = 0; j < span; j++)
                if (count[j]) *entropy -= (double)count[j] * log2((double)count[j] / (double)nodes) / 8.0;
            free(count);
        }
    }
    size_t width = maxz < 256 ? 1 : maxz < 65536 ? 2 : 4, raw_n = ng * width;
    uint8_t *raw = malloc(raw_n);
    for (size_t i = 0; i < ng; i++)
        for (size_t b = 0; b < width; b++) raw[i * width + b] = (uint8_t)(z[i] >> (8 * b));
    size_t cap = ZSTD_compressBound(raw_n);
    void *dst = malloc(cap);
    size_t n = ZSTD_compress(dst, cap, raw, raw_n, 19);
    free(dst), free(raw), free(z);
    return ZSTD_isError(n) ? 0 : n;
}

/*
 * An estimate, not a coder: the bytes an adaptive arithmetic coder would write
 * for the features with a context model (none is implemented; this says
 * whether writing one would pay against zstd, issue 7 item 3). Each level's
 * feature plane is scanned z, y, x; the context is min(|q|, 2) of the causal
 * neighbours at x-1, y-1 and z-1 (27 contexts); per context, adaptive counts
 * over the zigzag values 0..30 and an escape (31) followed by an Exp-Golomb
 * code of the rest. Counts start at 1, so the cost of learning them is in.
 */
#define CTX_SYMS 32
static double context_code_bytes(const grid_model *m) {
    const grid_shape *s = &m->shape;
    double bits = 0.0;
    for (int l = 0; l < s->levels; l++) {
        const int *r = s->res[l];
        const int32_t *base = m->q + s->off[l];
        for (int f = 0; f < s->feats; f++) {
            double count[27][CTX_SYMS], total[27];
            for (int c = 0; c < 27; c++) {
                total[c] = CTX_SYMS;
                for (int k = 0; k < CTX_SYMS; k++) count[c][k] = 1.0;
            }
            for (int z = 0; z < r[2]; z++)
                for (int y = 0; y < r[1]; y++)
                    for (int x = 0; x < r[0]; x++) {
#define Q(X, Y, Z) base[((((size_t)(Z) * r[1]) + (size_t)(Y)) * r[0] + (size_t)(X)) * s->feats + f]
#define MAG(V) ((V) < 0 ? ((V) < -1 ? 2 : 1) : ((V) > 1 ? 2 : (V)))
                        int cx = x ? MAG(Q(x - 1, y, z)) : 0, cy = y ? MAG(Q(x, y - 1, z)) : 0;
                        int cz = z ? MAG(Q(x, y, z - 1)) : 0, c = cx + 3 * cy + 9 * cz;
                        int32_t q = Q(x, y, z);
#undef Q
#undef MAG
                        uint32_t zz = q >= 0 ? (uint32_t)q * 2u : (uint32_t)(-(int64_t)q) * 2u - 1u;
                        int sym = zz < CTX_SYMS - 1 ? (int)zz : CTX_SYMS - 1;
                        bits -= log2(count[c][sym] / total[c]);
                        count[c][sym] += 1.0, total[c] += 1.0;
                        if (sym == CTX_SYMS - 1) { /* Exp-Golomb of the rest */
                            uint32_t rest = zz - (CTX_SYMS - 1) + 1;
                            int nb = 0;
                            while (rest >> nb) nb++;
                            bits += 2.0 * nb - 1.0;
                        }
                    }
        }
    }
    return bits / 8.0;
}

/* -v: a line every 200 steps, naming the training phase (grid_fit.h) */
static int print_step(const e2ec_progress *p, void *user) {
    const grid_fit_config *c = user;
    int qat = (int)(c->qat_from * (float)c->steps), frz = (int)(c->freeze_from * (float)c->steps);
    fprintf(stderr, "  step %5d  batch PSNR %.2f dB%s\n", p->epoch, p->psnr,
            p->epoch > frz ? " (grid frozen)" : p->epoch > qat ? " (quantised)" : "");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: bench_grid RAW NX NY NZ u8|i16|u16 [options] DELTA...\n");
        return 2;
    }
    e2ec_volume v = {0};
    v.nx = (uint32_t)atoi(argv[2]), v.ny = (uint32_t)atoi(argv[3]), v.nz = (uint32_t)atoi(argv[4]);
    v.type = !strcmp(argv[5], "u8") ? E2EC_U8 : !strcmp(argv[5], "i16") ? E2EC_I16 : E2EC_U16;
    grid_fit_config c;
    grid_fit_defaults(&c);
    const char *out_prefix = NULL;
    double deltas[32];
    int nd = 0;
    for (int i = 6; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--levels")) c.levels = atoi(val), i++;
        else if (!strcmp(a, "--feats")) c.feats = atoi(val), i++;
        else if (!strcmp(a, "--step"))
            sscanf(val, "%d,%d,%d", &c.fine_step[0], &c.fine_step[1], &c.fine_step[2]), i++;
        else if (!strcmp(a, "--hidden")) c.hidden = atoi(val), i++;
        else if (!strcmp(a, "--steps")) c.steps = atoi(val), i++;
        else if (!strcmp(a, "--batch")) c.batch = atoi(val), i++;
        else if (!strcmp(a, "--lambda")) c.lambda = (float)atof(val), i++;
        else if (!strcmp(a, "--lr-grid")) c.lr_grid = (float)atof(val), i++;
        else if (!strcmp(a, "--qat")) c.qat_from = (float)atof(val), i++;
        else if (!strcmp(a, "--freeze")) c.freeze_from = (float)atof(val), i++;
        else if (!strcmp(a, "--threads")) c.threads = atoi(val), i++;
        else if (!strcmp(a, "--seed")) c.seed = (uint64_t)atoll(val), i++;
        else if (!strcmp(a, "--out")) out_prefix = val, i++;
        else if (!strcmp(a, "-v")) c.progress = print_step, c.progress_user = &c, c.progress_every = 200;
        else if (nd < 32) deltas[nd++] = atof(a);
    }
    size_t n = volume_voxels(&v), vs = e2ec_voxel_size(v.type);
    v.data = malloc(n * vs);
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(v.data, vs, n, f) != n) {
        fprintf(stderr, "bench_grid: cannot read %zu voxels from %s\n", n, argv[1]);
        return 1;
    }
    fclose(f);
    double vmin, vmax;
    volume_minmax(&v, &vmin, &vmax);
    float *target = malloc(n * sizeof *target), *dec = malloc(n * sizeof *dec);
    float *orig = malloc(n * sizeof *orig), *got = malloc(n * sizeof *got);
    void *stored = malloc(n * vs);
    volume_to_normalised(&v, vmin, vmax, target);
    to_float(&v, orig);
    grid_shape s;
    if (grid_shape_for(&c, v.nx, v.ny, v.nz, &s)) {
        fprintf(stderr, "bench_grid: bad grid settings\n");
        return 2;
    }
    int cin = s.levels * s.feats;
    size_t nw = grid_mlp_size(cin, c.hidden);
    printf("# %s %ux%ux%u %s, stored %.0f..%.0f; levels %d (", argv[1], v.nx, v.ny, v.nz, argv[5],
           vmin, vmax, s.levels);
    for (int l = 0; l < s.levels; l++)
        printf("%s%dx%dx%d", l ? " " : "", s.res[l][0], s.res[l][1], s.res[l][2]);
    printf("), %d feats, %zu grid values, MLP %d-%d-%d-1 (%zu weights), %d steps x %d voxels, "
           "lambda %g, %d threads\n",
           s.feats, s.off[s.levels], cin, c.hidden, c.hidden, nw, c.steps, c.batch, c.lambda,
           c.threads);
    printf("delta,lambda,feature_bytes,entropy_bytes,mlp_bytes,header_bytes,bytes,bpp,psnr,ssim,"
           "nonzero_frac,fit_s,context_est_bytes\n");
    for (int d = 0; d < nd; d++) {
        c.delta = (float)deltas[d];
        grid_model m;
        double t0 = now_s();
        if (grid_fit(target, v.nx, v.ny, v.nz, &c, &m)) {
            fprintf(stderr, "bench_grid: fit failed\n");
            return 1;
        }
        double fit_s = now_s() - t0;
        grid_decode(&m, v.nx, v.ny, v.nz, c.threads, dec);
        normalised_to_stored(dec, n, vmin, vmax, v.type, 0, stored);
        e2ec_volume w = v;
        w.data = stored;
        to_float(&w, got);
        double se = 0.0;
        for (size_t i = 0; i < n; i++) se += ((double)got[i] - orig[i]) * ((double)got[i] - orig[i]);
        double psnr = psnr_from_mse(se / (double)n, vmax - vmin);
        double ssim = ssim3d(orig, got, v.nx, v.ny, v.nz, vmax - vmin);
        double ent;
        size_t fb = feature_bytes(&m, &ent), nz = 0;
        for (size_t i = 0; i < s.off[s.levels]; i++) nz += m.q[i] != 0;
        /* A grid-mode header: magic + version (6), dims (12), voxel type and
         * Bits Stored (2), vmin/vmax (16), levels, feats, hidden and the three
         * fine steps (6), delta (4), feature payload size (4), CRC-32 (4). */
        size_t header = 6 + 12 + 2 + 16 + 6 + 4 + 4 + 4, mlpb = 2 * nw;
        size_t total = header + fb + mlpb;
        printf("%g,%g,%zu,%.0f,%zu,%zu,%zu,%.4f,%.2f,%.4f,%.4f,%.1f,%.0f\n", deltas[d], c.lambda, fb,
               ent, mlpb, header, total, 8.0 * (double)total / (double)n, psnr, ssim,
               (double)nz / (double)s.off[s.levels], fit_s, context_code_bytes(&m));
        fflush(stdout);
        if (out_prefix) {
            char path[1024];
            snprintf(path, sizeof path, "%s%g.raw", out_prefix, deltas[d]);
            FILE *o = fopen(path, "wb");
            if (o) fwrite(stored, vs, n, o), fclose(o);
        }
        grid_model_free(&m);
    }
    free(v.data), free(target), free(dec), free(orig), free(got), free(stored);
    return 0;
}
