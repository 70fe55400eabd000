/*
 * make-seeds OUT SAMPLE_DIR: writes the seed corpora of the fuzz targets, all made
 * by the library itself from generated volumes and the sample series (no
 * hand-made binaries):
 *   OUT/stream  streams for fuzz_bitstream and fuzz_decode: bitstream_write output
 *               per mode and weight coding (fp32, fp16, quantised), and tiny
 *               encoded volumes (every mode and coding, near-lossless, lossless);
 *   OUT/dicom   DICOM files for fuzz_dicom_series: sample MR slices, one CT slice,
 *               and three MR slices joined as one directory input;
 *   OUT/object  an e2ec DICOM object of four MR slices, for fuzz_dicom_object and
 *               fuzz_dcmtk;
 *   OUT/lossless  lossless and near-lossless sections of small generated volumes
 *               (each type), behind the 4-byte shape fuzz_lossless reads.
 *   OUT/latent  the latent mode's header sections and payloads of models made
 *               without training, behind the 3-byte shape fuzz_latent reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bitstream.h"
#include "latent_synthetic.h"
#include "lossless/ll_volume.h"
#include "quant.h"
#include "e2ec_dicom.h"

#define FILE_SEPARATOR "--e2ec-next-file--" /* fuzz_dicom_series.cc */

static int write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    int bad = !f || fwrite(data, 1, size, f) != size;
    if (f && fclose(f)) bad = 1;
    if (bad) fprintf(stderr, "make-seeds: cannot write %s\n", path);
    return bad;
}

/* Appends the file at path to f; returns nonzero on failure. */
static int append_file(FILE *f, const char *path) {
    FILE *in = fopen(path, "rb");
    if (!in) return 1;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, f);
    fclose(in);
    return 0;
}

/* How a seed's weights are stored. */
typedef enum { SEED_FP32, SEED_FP16, SEED_QUANT6, SEED_QUANT8_RESIDUAL, SEED_CODINGS } seed_coding;
static const char *const coding_names[SEED_CODINGS] = {"fp32", "fp16", "q6", "q8-res1"};

/* A stream straight from the writer: valid framing, weights of any count. */
static int writer_seed(const char *dir, e2ec_mode mode, seed_coding c, uint32_t n) {
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.nx = 12, in.ny = 10, in.nz = 5;
    in.spacing[0] = in.spacing[1] = 0.8f, in.spacing[2] = 2.0f;
    in.type = mode == E2EC_MODE_E2E ? E2EC_U8 : E2EC_I16;
    in.bits_stored = mode == E2EC_MODE_E2E ? 8 : 12;
    in.vmin = -1000, in.vmax = 2000;
    in.mode = mode;
    in.scale = mode == E2EC_MODE_SIREN ? 1 : 2;
    in.lx = in.nx / in.scale, in.ly = in.ny / in.scale, in.lz = in.nz / in.scale;
    in.siren_width = 8, in.siren_layers = 2, in.omega0 = 30;
    if (mode == E2EC_MODE_SIREN_DS) in.upsampler = E2EC_UP_TRILINEAR;
    if (mode == E2EC_MODE_E2E) in.srno_channels = 4, in.srno_width = 8, in.srno_heads = 2;
    in.fp16 = c == SEED_FP16;
    float w[64], offsets[2], scales[2];
    for (uint32_t i = 0; i < n; i++) w[i] = (float)((int)(i * 37 % 19) - 9) / 16.0f;
    uint32_t counts[2] = {n / 2 ? n / 2 : n, n - n / 2};
    uint8_t codes[64];
    bs_weights bw = {.n = n, .values = w};
    if (c == SEED_QUANT6) {
        in.quant_bits = 6;
        size_t groups = n / 2 ? 2 : 1;
        quant_quantise(w, counts, groups, 6, codes, offsets, scales);
        bw = (bs_weights){.n = n, .n_groups = groups, .counts = counts, .offsets = offsets,
                          .scales = scales, .codes = codes};
    }
    uint8_t *s;
    size_t size;
    e2ec_status st = bitstream_write(&in, &bw, NULL, &s, &size);
    if (st != E2EC_OK) {
        fprintf(stderr, "make-seeds: %s\n", e2ec_strerror(st));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/writer-mode%d-%s-%u", dir, (int)mode, coding_names[c], n);
    int bad = write_file(path, s, size);
    e2ec_free(s);
    return bad;
}

/* Tiny encoding parameters: the seeds must decode fast, not well. */
static void tiny_params(e2ec_params *p, e2ec_mode mode, seed_coding c) {
    e2ec_params_default(p);
    p->mode = mode;
    p->scale = mode == E2EC_MODE_SIREN ? 1 : 2;
    p->siren_width = 8, p->siren_layers = 2, p->epochs = 2, p->fp16 = c == SEED_FP16;
    p->quant_bits = c == SEED_QUANT6 ? 6 : c == SEED_QUANT8_RESIDUAL ? 8 : 0;
    if (c == SEED_QUANT8_RESIDUAL) p->max_error = 1;
    p->srno_channels = 4, p->srno_width = 8, p->srno_heads = 2;
    p->threads = 1, p->progress_every = 0;
}

/* A real stream: a small generated volume encoded in each mode. */
static int encoded_seed(const char *dir, e2ec_mode mode, seed_coding c) {
    e2ec_volume v;
    if (e2ec_volume_alloc(&v, 12, 10, 6, E2EC_I16)) return 1;
    for (size_t i = 0; i < 12 * 10 * 6; i++) ((int16_t *)v.data)[i] = (int16_t)((i * 7) % 300 - 100);
    v.bits_stored = 12;
    e2ec_params p;
    tiny_params(&p, mode, c);
    uint8_t *s = NULL;
    size_t size = 0;
    e2ec_status st = e2ec_encode(&v, &p, &s, &size);
    e2ec_volume_free(&v);
    if (st == E2EC_ERR_UNSUPPORTED) return 0; /* a mode this build cannot encode yet */
    if (st) {
        fprintf(stderr, "make-seeds: encoding mode %d: %s\n", (int)mode, e2ec_strerror(st));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/encoded-mode%d-%s", dir, (int)mode, coding_names[c]);
    int bad = write_file(path, s, size);
    e2ec_free(s);
    return bad;
}

static int dicom_seeds(const char *dir, const char *samples) {
    int bad = 0;
    char src[4096], dst[4096];
    const char *files[] = {"mr-t1-head-dicom/MR0001.dcm", "mr-t1-head-dicom/MR0031.dcm",
                           "ct-chest/1-27.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(src, sizeof src, "%s/%s", samples, files[i]);
        snprintf(dst, sizeof dst, "%s/sample-%zu.dcm", dir, i);
        FILE *f = fopen(dst, "wb");
        bad |= !f || append_file(f, src);
        if (f) fclose(f);
    }
    snprintf(dst, sizeof dst, "%s/three-slices", dir);
    FILE *f = fopen(dst, "wb");
    for (int k = 1; f && k <= 3; k++) {
        if (k > 1) fputs(FILE_SEPARATOR, f);
        snprintf(src, sizeof src, "%s/mr-t1-head-dicom/MR000%d.dcm", samples, k);
        bad |= append_file(f, src);
    }
    if (!f || fclose(f)) bad = 1;
    if (bad) fprintf(stderr, "make-seeds: cannot copy the sample series from %s\n", samples);
    return bad;
}

static int object_seed(const char *dir, const char *samples) {
    char paths[4][4096], err[1024];
    const char *p[4];
    for (int k = 0; k < 4; k++) {
        snprintf(paths[k], sizeof paths[k], "%s/mr-t1-head-dicom/MR00%d.dcm", samples, 30 + k);
        p[k] = paths[k];
    }
    e2ec_dicom_series *s = NULL;
    e2ec_status st = e2ec_dicom_series_read(p, 4, NULL, &s, err, sizeof err);
    e2ec_params par;
    tiny_params(&par, E2EC_MODE_SIREN_DS, SEED_FP16);
    uint8_t *stream = NULL;
    size_t size = 0;
    if (!st) st = e2ec_encode(e2ec_dicom_series_volume(s), &par, &stream, &size);
    char path[4096];
    snprintf(path, sizeof path, "%s/mr-4-slices.dcm", dir);
    if (!st) st = e2ec_dicom_write_compressed(s, stream, size, NULL, path, err, sizeof err);
    if (st) fprintf(stderr, "make-seeds: the DICOM object: %s %s\n", e2ec_strerror(st), err);
    e2ec_free(stream);
    e2ec_dicom_series_free(s);
    return st != E2EC_OK;
}

/* A lossless section of a small volume with an edge and a ramp, per voxel type. */
static int lossless_seed(const char *dir, e2ec_voxel_type type, uint32_t nx, uint32_t ny,
                         uint32_t nz, int32_t max_error) {
    e2ec_volume v;
    if (e2ec_volume_alloc(&v, nx, ny, nz, type) != E2EC_OK) return 1;
    size_t n = (size_t)nx * ny * nz;
    for (size_t i = 0; i < n; i++) {
        int val = (int)(i % nx) * 7 + (int)(i / nx % ny) * 3 + (i % 5 == 0 ? 40 : 0);
        if (type == E2EC_U8) ((uint8_t *)v.data)[i] = (uint8_t)val;
        else if (type == E2EC_I16) ((int16_t *)v.data)[i] = (int16_t)(val - 100);
        else ((uint16_t *)v.data)[i] = (uint16_t)(val * 9);
    }
    ll_fit_opts o;
    ll_fit_opts_default(&o);
    o.hidden = 4, o.steps = 20, o.batch = 64;
    uint8_t *sec;
    size_t len;
    double bits;
    e2ec_status st = ll_compress(&v, &o, max_error, &sec, &len, &bits);
    e2ec_volume_free(&v);
    if (st != E2EC_OK) return 1;
    uint8_t *in = malloc(len + 4);
    if (!in) return 1;
    in[0] = (uint8_t)nx, in[1] = (uint8_t)ny, in[2] = (uint8_t)(nz - 1), in[3] = (uint8_t)(type - 1);
    memcpy(in + 4, sec, len);
    char path[1200];
    snprintf(path, sizeof path, "%s/lossless-t%d-%ux%ux%u-e%d", dir, (int)type, nx, ny, nz,
             (int)max_error);
    int bad = write_file(path, in, len + 4);
    free(in);
    free(sec);
    return bad;
}

/* A latent stream made without training (tests/latent_synthetic.h: levels of
 * wide and narrow alphabets, an all-zero level, one of only the two ends; the
 * first with a value map of two entries, the second with a post-filter, the
 * third read through cubic kernels (version 7) on its coarse axes; the
 * first again in 2 planes a stream, 3 interleaved streams a level, where the
 * encoder makes one; the second with a 2-channel post-network (version 8)
 * instead of its filter), whole in the stream corpus, and its header section and
 * payload behind the 3-byte shape fuzz_latent reads; and a tiny encoded one in
 * the stream corpus. */
static int latent_seeds(const char *streams, const char *dir) {
    static const syn_draw kinds[3][SYN_LEVELS] = {
        {DRAW_RANDOM, DRAW_RANDOM, DRAW_RANDOM}, {DRAW_ZERO, DRAW_ENDS, DRAW_RANDOM},
        {DRAW_RANDOM, DRAW_ZERO, DRAW_ENDS}};
    static const int32_t lo[SYN_LEVELS] = {-40, -300, -3}, hi[SYN_LEVELS] = {40, 300, 3};
    int bad = encoded_seed(streams, E2EC_MODE_LATENT, SEED_FP16);
    for (int k = 0; k < 5; k++) {
        latent_model m;
        latent_synthetic(&m, kinds[k % 3], lo, hi, (uint64_t)(k % 3) + 1);
        if (k % 3 == 0 && (m.map.index = malloc(2 * sizeof *m.map.index)) && (m.map.delta = malloc(2 * sizeof *m.map.delta)))
            m.map.count = 2, m.map.index[0] = 3, m.map.delta[0] = 1, m.map.index[1] = 500, m.map.delta[1] = -2;
        if (k == 1) {
            m.filter.on = 1, m.filter.offset = -300;
            for (int t = 0; t < POST_FILTER_TAPS; t++) m.filter.c[t] = (int16_t)((t * 37) % 101 - 50);
        }
        if (k == 4) { /* weights in steps of 2^-6 */
            m.cnn.channels = 2;
            memset(m.cnn.q, 6, sizeof m.cnn.q);
            for (int i = 0; i < POST_CNN_SIZE(2); i++) m.cnn.w[i] = (float)((i * 29) % 33 - 16) / 64.0f;
        }
        if (k == 2) { /* levels 3 x 3 x 2 and 6 x 5 x 6 of 12 x 10 x 6 */
            float (*a)[3] = m.syn.shape.keys;
            a[0][0] = -0.5f, a[0][1] = -0.75f, a[0][2] = -2.0f, a[1][0] = -1.0f / 64.0f, a[1][1] = -1.0f;
        }
        mode_stream ms;
        uint8_t *s = NULL, *in = NULL;
        size_t size = 0;
        bad |= latent_synthetic_stream(&m, &ms, &s, &size) != E2EC_OK;
        if (k == 3 && s) { /* regrouped: g = 1 */
            uint8_t *g1 = NULL;
            bad |= latent_stream_regrouped(s, size, E2EC_BITSTREAM_VERSION, 1, &g1, &size) != 0;
            e2ec_free(s), s = g1;
        }
        size_t body = s ? size - BS_OFF_PAYLOAD_V2 - BS_CRC_BYTES : 0;
        if (s && (in = malloc(body + 3))) {
            char path[4096];
            snprintf(path, sizeof path, "%s/latent-synthetic-%d", streams, k);
            bad |= write_file(path, s, size);
            in[0] = SYN_NX - 2, in[1] = SYN_NY - 2, in[2] = SYN_NZ - 2;
            memcpy(in + 3, s + BS_OFF_PAYLOAD_V2, body);
            snprintf(path, sizeof path, "%s/latent-synthetic-%d", dir, k);
            bad |= write_file(path, in, body + 3);
        }
        free(in), free(ms.payload), e2ec_free(s);
        latent_model_free(&m);
    }
    return bad;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: make-seeds OUT SAMPLE_DIR\n");
        return 2;
    }
    /* shorter than the file paths made under it, so that they never truncate */
    char dir[5][1024];
    const char *names[5] = {"stream", "dicom", "object", "lossless", "latent"};
    if (strlen(argv[1]) + sizeof "/lossless" > sizeof dir[0]) {
        fprintf(stderr, "make-seeds: %s: path too long\n", argv[1]);
        return 2;
    }
    mkdir(argv[1], 0777);
    for (int i = 0; i < 5; i++) {
        snprintf(dir[i], sizeof dir[i], "%s/%s", argv[1], names[i]);
        mkdir(dir[i], 0777);
    }
    int bad = 0;
    for (int m = E2EC_MODE_SIREN; m <= E2EC_MODE_E2E; m++)
        for (int c = 0; c < SEED_CODINGS; c++) {
            if (c != SEED_QUANT8_RESIDUAL) { /* the writer's seeds carry no residual */
                bad |= writer_seed(dir[0], (e2ec_mode)m, (seed_coding)c, 1);
                bad |= writer_seed(dir[0], (e2ec_mode)m, (seed_coding)c, 64);
            }
            bad |= encoded_seed(dir[0], (e2ec_mode)m, (seed_coding)c);
        }
    bad |= encoded_seed(dir[0], E2EC_MODE_GRID, SEED_FP16); /* its MLP is binary16 */
    bad |= encoded_seed(dir[0], E2EC_MODE_LOSSLESS, SEED_FP32); /* its ARM is integer */
    bad |= dicom_seeds(dir[1], argv[2]);
    bad |= object_seed(dir[2], argv[2]);
    bad |= lossless_seed(dir[3], E2EC_U8, 16, 12, 5, 0);
    bad |= lossless_seed(dir[3], E2EC_I16, 9, 7, 3, 0);
    bad |= lossless_seed(dir[3], E2EC_U16, 20, 4, 2, 0);
    bad |= lossless_seed(dir[3], E2EC_U16, 11, 9, 4, 3); /* near-lossless */
    bad |= latent_seeds(dir[0], dir[4]);
    return bad;
}
