/*
 * Weight coding and near-lossless figures of one trained fp32 stream
 * (bench/quant runs it; bench/RESULTS.md, "Weight coding"):
 *  - the network quantised AFTER training (no QAT) to fp16 and 8..2 bits,
 *    per layer and per tensor: PSNR and true bpp of the stream it makes;
 *  - the bytes of the weights under each coder: raw, zlib 9, zstd 19;
 *  - the near-lossless residual (max error E) against the network's output
 *    and against a constant (the residual alone).
 * Usage: bench_quant ORIGINAL.raw FP32.e2ec THREADS
 * ORIGINAL.raw: the volume's voxels in the stream's type (e2ec convert X.nii.gz X.raw).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bitstream.h"
#include "model.h"
#include "quant.h"
#include "residual.h"

static uint8_t *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n);
    if (b && fread(b, 1, *n, f) != *n) free(b), b = NULL;
    fclose(f);
    return b;
}

static size_t zlib_bytes(const uint8_t *p, size_t n) {
    uLongf cap = compressBound((uLong)n);
    uint8_t *o = malloc(cap);
    compress2(o, &cap, p, (uLong)n, 9);
    free(o);
    return cap;
}

static size_t zstd_bytes(const uint8_t *p, size_t n) {
    uint8_t *o;
    size_t on = 0;
    if (quant_zstd_pack(p, n, &o, &on) == E2EC_OK) free(o);
    return on;
}

/* Decodes stream s and measures it against the original. */
static double psnr_of(const e2ec_volume *orig, const uint8_t *s, size_t n, int threads) {
    e2ec_volume out;
    e2ec_metrics m = {0};
    if (e2ec_decode(s, n, threads, &out) == E2EC_OK) {
        e2ec_compare(orig, &out, threads, &m);
        e2ec_volume_free(&out);
    }
    return m.psnr;
}

static double bpp(size_t bytes, const e2ec_info *i) {
    return 8.0 * (double)bytes / ((double)i->nx * i->ny * i->nz);
}

/* One stream of the network's weights stored as w says: its figures. */
static void report(const char *what, const e2ec_info *info, const bs_weights *w,
                   const e2ec_volume *orig, int threads) {
    uint8_t *s;
    size_t n;
    if (bitstream_write(info, w, NULL, &s, &n) != E2EC_OK) {
        printf("%-22s write failed\n", what);
        return;
    }
    e2ec_info got;
    bitstream_read_info(s, n, &got);
    printf("%-22s psnr %6.2f dB  stream %7zu B  bpp %.4f  weights %6u B  B/weight %.3f\n", what,
           psnr_of(orig, s, n, threads), n, bpp(n, info), got.weights_bytes,
           (double)got.weights_bytes / got.n_weights);
    free(s);
}

/* The coded sizes of a float weight buffer (f32 bytes). */
static void float_coders(const float *w, size_t n) {
    uint8_t *raw = malloc(4 * n), *shuf = malloc(4 * n);
    memcpy(raw, w, 4 * n); /* x86: little-endian, as the stream */
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 4; b++) shuf[b * n + i] = raw[4 * i + b];
    printf("coders fp32: raw %zu  zlib9 %zu  zstd19 %zu  zstd19 byte-planes %zu\n", 4 * n,
           zlib_bytes(raw, 4 * n), zstd_bytes(raw, 4 * n), zstd_bytes(shuf, 4 * n));
    free(raw), free(shuf);
}

/* Bytes an ideal order-0 coder needs for the codes (their entropy). */
static double entropy_bytes(const uint8_t *codes, size_t n) {
    size_t hist[256] = {0};
    for (size_t i = 0; i < n; i++) hist[codes[i]]++;
    double bits = 0;
    for (int v = 0; v < 256; v++)
        if (hist[v]) bits -= (double)hist[v] * log2((double)hist[v] / (double)n);
    return bits / 8;
}

/* The coded sizes of B-bit codes plus their group table. */
static void code_coders(int bits, const uint8_t *codes, size_t n, size_t groups) {
    size_t table = BS_QUANT_GROUP_BYTES * groups;
    uint8_t *delta = malloc(n);
    for (size_t i = 0; i < n; i++) delta[i] = (uint8_t)(codes[i] - (i ? codes[i - 1] : 0));
    printf("coders %d bits: packed %zu  zlib9 %zu  zstd19 %zu  zstd19 delta %zu  order-0 "
           "entropy %.0f  (+ table %zu)\n",
           bits, (bits * n + 7) / 8, zlib_bytes(codes, n), zstd_bytes(codes, n),
           zstd_bytes(delta, n), entropy_bytes(codes, n), table);
    free(delta);
}

static size_t residual_bytes(const e2ec_volume *orig, const e2ec_volume *pred, uint32_t E) {
    residual_coded rc;
    if (residual_code(orig, pred, E, &rc) != E2EC_OK) return 0;
    size_t b = 4ull * rc.nz;
    for (uint32_t z = 0; z < rc.nz; z++) b += rc.chunk_bytes[z];
    residual_coded_free(&rc);
    return b;
}

static void residuals(const e2ec_volume *orig, const uint8_t *s, size_t n, const e2ec_info *info,
                      int threads) {
    e2ec_volume net, flat;
    if (e2ec_decode(s, n, threads, &net) != E2EC_OK) return;
    e2ec_volume_alloc(&flat, info->nx, info->ny, info->nz, info->type);
    size_t nv = (size_t)info->nx * info->ny * info->nz;
    double mid = 0.5 * (info->vmin + info->vmax);
    for (size_t i = 0; i < nv; i++) { /* the integer types e2ec codes residuals for */
        if (info->type == E2EC_U8) ((uint8_t *)flat.data)[i] = (uint8_t)mid;
        else if (info->type == E2EC_I16) ((int16_t *)flat.data)[i] = (int16_t)mid;
        else ((uint16_t *)flat.data)[i] = (uint16_t)mid;
    }
    const uint32_t es[] = {0, 1, 2, 4, 8};
    for (size_t k = 0; k < sizeof es / sizeof *es; k++) {
        size_t rn = residual_bytes(orig, &net, es[k]), rf = residual_bytes(orig, &flat, es[k]);
        printf("max_error %u: network (%zu B) + residual %zu B = bpp %.4f;  residual alone "
               "(constant) bpp %.4f\n",
               es[k], n, rn, bpp(n + rn, info), bpp(rf + 4, info));
    }
    e2ec_volume_free(&net), e2ec_volume_free(&flat);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bench_quant ORIGINAL.raw FP32.e2ec THREADS\n");
        return 2;
    }
    int threads = atoi(argv[3]);
    size_t n, rn;
    uint8_t *s = read_all(argv[2], &n), *raw = read_all(argv[1], &rn);
    e2ec_info info;
    model m;
    if (!s || !raw || e2ec_get_info(s, n, &info) || model_from_info(&m, &info) ||
        info.quant_bits || info.fp16) {
        fprintf(stderr, "bench_quant: need the original and an fp32 stream\n");
        return 1;
    }
    e2ec_volume orig = {info.nx, info.ny, info.nz, {1, 1, 1}, info.type, info.bits_stored, raw};
    if (rn != (size_t)info.nx * info.ny * info.nz * e2ec_voxel_size(info.type)) {
        fprintf(stderr, "bench_quant: %s is not the stream's volume\n", argv[1]);
        return 1;
    }
    float *w = malloc(sizeof(float) * info.n_weights);
    bitstream_read_weights(s, n, &info, w);
    const size_t nw = info.n_weights;
    printf("weights: %zu\n", nw);
    float_coders(w, nw);
    bs_weights fw = {.n = nw, .values = w};
    report("fp32", &info, &fw, &orig, threads);
    info.fp16 = 1;
    report("fp16", &info, &fw, &orig, threads);
    info.fp16 = 0;

    uint8_t *codes = malloc(nw);
    uint32_t counts[MODEL_MAX_GROUPS];
    float offsets[MODEL_MAX_GROUPS], scales[MODEL_MAX_GROUPS];
    const char *names[] = {"layer", "tensor"};
    for (int how = MODEL_GROUPS_LAYER; how <= MODEL_GROUPS_TENSOR; how++) {
        size_t g = model_quant_groups(&m, w, (model_grouping)how, counts);
        printf("grouping per %s: %zu groups\n", names[how], g);
        for (int bits = QUANT_MAX_BITS; bits >= QUANT_MIN_BITS; bits--) {
            quant_quantise(w, counts, g, bits, codes, offsets, scales);
            info.quant_bits = bits;
            bs_weights qw = {.n = nw, .n_groups = g, .counts = counts, .offsets = offsets,
                             .scales = scales, .codes = codes};
            char what[64];
            snprintf(what, sizeof what, "%d bits per %s", bits, names[how]);
            report(what, &info, &qw, &orig, threads);
            if (how == MODEL_GROUPS_LAYER) code_coders(bits, codes, nw, g);
        }
    }
    info.quant_bits = 0;
    residuals(&orig, s, n, &info, threads);
    free(codes), free(w), free(s), free(raw);
    return 0;
}
