/*
 * The lossless coder (codec/lossless): the rate's derivatives (laplace_rate)
 * against finite differences; a fitted ARM codes a structured volume bit-exactly,
 * in fewer bytes than zstd -19 of the same voxels and close to the rate its fit
 * predicted; the stream is the same whatever the thread count, and a truncated
 * or altered payload is refused; any rows' symbols are the whole volume's.
 */
#include <math.h>
#include <omp.h>
#include <string.h>
#include <zstd.h>

#include "check.h"
#include "ent/laplace_rate.h"
#include "ent/rans.h"
#include "lossless/ll_code.h"
#include "lossless/ll_fit.h"
#include "lossless/ll_model.h"
#include "lossless/ll_section.h"
#include "lossless/ll_volume.h"
#include "rng.h"

static void rate_gradients(void) {
    double worst = 0.0;
    const double mus[] = {-3.7, 0.0, 0.49, 2.2, 7.9, 12.5}, lbs[] = {-2.5, -0.7, 0.0, 0.8, 3.1};
    for (int x = 0; x <= 10; x++)
        for (int a = 0; a < 6; a++)
            for (int b = 0; b < 5; b++) {
                double dmu, dlb, d1, d2, h = 1e-6;
                double r = laplace_rate(x, 0, 10, mus[a], lbs[b], &dmu, &dlb);
                if (r >= RANS_PROB_BITS) continue; /* the floor: flat */
                double nmu = (laplace_rate(x, 0, 10, mus[a] + h, lbs[b], &d1, &d2) -
                              laplace_rate(x, 0, 10, mus[a] - h, lbs[b], &d1, &d2)) / (2 * h);
                double nlb = (laplace_rate(x, 0, 10, mus[a], lbs[b] + h, &d1, &d2) -
                              laplace_rate(x, 0, 10, mus[a], lbs[b] - h, &d1, &d2)) / (2 * h);
                worst = fmax(worst, fabs(nmu - dmu) / fmax(fabs(nmu) + fabs(dmu), 1e-3));
                worst = fmax(worst, fabs(nlb - dlb) / fmax(fabs(nlb) + fabs(dlb), 1e-3));
            }
    CHECK(worst < 1e-5, "laplace_rate derivatives off by %g", worst);
    /* P sums to one over the alphabet */
    double sum = 0.0, d1, d2;
    for (int x = 0; x <= 10; x++) sum += exp2(-laplace_rate(x, 0, 10, 3.3, 0.4, &d1, &d2));
    CHECK(fabs(sum - 1.0) < 1e-12, "probabilities sum to %.15f", sum);
}

/* A volume with edges, gradients across slices and noise: values in [0, 999]. */
static int32_t *phantom(const ll_shape *s) {
    int32_t *v = malloc((size_t)s->nx * s->ny * s->nz * sizeof *v);
    rng r = {3};
    size_t i = 0;
    for (int z = 0; z < s->nz; z++)
        for (int y = 0; y < s->ny; y++)
            for (int x = 0; x < s->nx; x++, i++) {
                double dx = x - s->nx / 2.0, dy = y - s->ny / 2.0, rr = sqrt(dx * dx + dy * dy);
                double val = rr < s->nx * (0.3 + 0.01 * z) ? 500 + 200 * sin(x * 0.3) * cos(y * 0.2 + z * 0.4) : 40;
                val += 12.0 * (rng_uniform(&r) + rng_uniform(&r) - 1.0);
                v[i] = (int32_t)fmin(fmax(val, 0), 999);
            }
    return v;
}

/* The section's bytes: written, read back and decoded; then lies refused by name. */
static void section(const ll_shape *sh, const arm_int *m, int32_t lo, int32_t hi, int shift,
                    const uint8_t *slices, size_t len, const uint32_t *zb, const int32_t *v) {
    ll_section w = {*m, lo, hi, shift, 0, (uint32_t)sh->nz, zb, slices, len}, r;
    size_t n = ll_section_size(m->hidden, (uint32_t)sh->nz, len);
    uint8_t *b = malloc(n);
    ll_section_write(b, &w);
    uint32_t *sizes;
    CHECK(ll_section_read(b, n, (uint32_t)sh->nz, 0, 65535, &r, &sizes) == E2EC_OK, "section read");
    size_t nv = (size_t)sh->nx * sh->ny * sh->nz;
    int32_t *d = malloc(nv * sizeof *d);
    ll_model mm = {r.lo, r.hi, r.shift, &r.arm, r.max_error};
    CHECK(ll_decode(sh, r.slices, r.slices_bytes, sizes, 0, &mm, d) == E2EC_OK &&
              memcmp(d, v, nv * sizeof *d) == 0, "decoded from the section");
    free(sizes);
    struct { size_t at; uint8_t val; size_t cut; e2ec_status want; const char *what; } lies[] = {
        {0, LL_CTX + 1, 0, E2EC_ERR_UNSUPPORTED, "another context size"},
        {1, 0, 0, E2EC_ERR_HEADER, "no hidden units"},
        {1, ARM_MAX_HIDDEN + 1, 0, E2EC_ERR_HEADER, "too many hidden units"},
        {2, LL_MAX_SHIFT + 1, 0, E2EC_ERR_HEADER, "an input shift beyond the cap"},
        {3, ARM_MAX_SHIFT + 1, 0, E2EC_ERR_HEADER, "a layer shift beyond the cap"},
        {7, 1, 0, E2EC_ERR_HEADER, "a near-lossless bound beyond the cap"},
        {11, 0x7F, 0, E2EC_ERR_HEADER, "lo above hi"},
        {17, 0x7F, 0, E2EC_ERR_WEIGHTS, "a weight beyond the ARM's bound"},
        {0, 0, 1, E2EC_ERR_TRUNCATED, "a section one byte short"},
        {0, 0, n - 20, E2EC_ERR_TRUNCATED, "a section cut inside the slice table"},
        {0, 0, n - 3, E2EC_ERR_TRUNCATED, "a section cut inside the header"},
    };
    for (size_t i = 0; i < sizeof lies / sizeof *lies; i++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        if (!lies[i].cut) c[lies[i].at] = lies[i].val;
        e2ec_status st = ll_section_read(c, n - lies[i].cut, (uint32_t)sh->nz, 0, 65535, &r, &sizes);
        CHECK(st == lies[i].want && !sizes, "%s: %s", lies[i].what, e2ec_error_name(st));
        free(sizes);
        free(c);
    }
    CHECK(ll_section_read(b, n, (uint32_t)sh->nz, 0, hi - 1, &r, &sizes) == E2EC_ERR_HEADER && !sizes,
          "an alphabet beyond the voxel type refused");
    uint8_t *longer = calloc(n + 1, 1);
    memcpy(longer, b, n);
    CHECK(ll_section_read(longer, n + 1, (uint32_t)sh->nz, 0, 65535, &r, &sizes) == E2EC_ERR_MISMATCH &&
              !sizes, "bytes the slices do not account for refused");
    free(longer);
    free(b);
    free(d);
}

/* Streams of 2^g slices (the latent mode's grouping, ll_pack): coded on 1
 * thread and decoded on 2 and the other way, every voxel back; fewer bytes
 * than one stream a slice; a stream read with another grouping refused. */
static void groups(const ll_shape *s, const int32_t *v, const ll_model *mm, size_t one_a_slice) {
    size_t n = (size_t)s->nx * s->ny * s->nz, plane = (size_t)s->nx * s->ny;
    rans_sym *syms = malloc(n * sizeof *syms);
    int32_t *d = malloc(n * sizeof *d);
    uint32_t zb[64];
    int threads = omp_get_max_threads();
    CHECK(ll_symbols(s, v, mm, syms, NULL) == E2EC_OK, "the symbols");
    size_t last = one_a_slice;
    for (int g = 1; (1 << (g - 1)) < s->nz; g++) {
        for (int t = 0; t < 2; t++) {
            uint8_t *buf = NULL;
            size_t len = 0;
            omp_set_num_threads(t ? 2 : 1);
            memset(zb, 0, sizeof zb); /* the sizes a reader with a smaller g reads past these: 0 */
            e2ec_status st = ll_pack(syms, plane, (uint32_t)s->nz, g, &buf, &len, zb);
            omp_set_num_threads(t ? 1 : 2);
            if (!st) st = ll_decode(s, buf, len, zb, g, mm, d);
            CHECK(st == E2EC_OK && memcmp(d, v, n * sizeof *d) == 0,
                  "%u streams of %d slices, coded on %d threads, decoded on %d: %s",
                  ll_streams((uint32_t)s->nz, g), 1 << g, t ? 2 : 1, t ? 1 : 2, e2ec_error_name(st));
            size_t table = 4 * (size_t)ll_streams((uint32_t)s->nz, g);
            if (t == 0) {
                CHECK(len + table < last, "%d slices a stream: %zu bytes, fewer than %zu", 1 << g, len + table, last);
                last = len + table;
                st = ll_decode(s, buf, len, zb, g - 1, mm, d);
                CHECK(st == E2EC_ERR_TRUNCATED || st == E2EC_ERR_ENTROPY, "read as %d slices a stream: %s",
                      1 << (g - 1), e2ec_error_name(st));
            }
            free(buf);
        }
    }
    omp_set_num_threads(threads);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK(ll_pack(syms, plane, (uint32_t)s->nz, LL_MAX_GROUP + 1, &buf, &len, zb) == E2EC_ERR_ARG &&
              ll_decode(s, (const uint8_t *)"", 0, zb, LL_MAX_GROUP + 1, mm, d) == E2EC_ERR_ARG,
          "a group beyond 2^%d slices refused", LL_MAX_GROUP);
    free(syms), free(d);
}

/* ll_row_symbols: any rows of any slice give ll_symbols' symbols for them;
 * near-lossless models, rows and slices outside the volume are refused. */
static void row_symbols(const ll_shape *s, const int32_t *v, const ll_model *mm) {
    size_t plane = (size_t)s->nx * s->ny;
    rans_sym *all = malloc(plane * s->nz * sizeof *all), *rows = malloc(plane * sizeof *rows);
    CHECK(ll_symbols(s, v, mm, all, NULL) == E2EC_OK, "the symbols");
    int same = 1;
    const int spans[][2] = {{0, 1}, {3, 9}, {0, 40}, {39, 40}};
    for (int z = 0; z < s->nz; z += 5)
        for (int k = 0; k < 4; k++) {
            int y0 = spans[k][0], y1 = spans[k][1];
            e2ec_status st = ll_row_symbols(s, v, mm, z, y0, y1, rows);
            same &= st == E2EC_OK &&
                    memcmp(rows, all + plane * z + (size_t)s->nx * y0, (size_t)(y1 - y0) * s->nx * sizeof *rows) == 0;
        }
    CHECK(same, "rows of slices 0, 5 and 10 as ll_symbols codes them");
    ll_model near = *mm;
    near.max_error = 1;
    CHECK(ll_row_symbols(s, v, &near, 0, 0, 1, rows) == E2EC_ERR_ARG &&
              ll_row_symbols(s, v, mm, s->nz, 0, 1, rows) == E2EC_ERR_ARG &&
              ll_row_symbols(s, v, mm, 0, 2, 1, rows) == E2EC_ERR_ARG &&
              ll_row_symbols(s, v, mm, 0, 0, s->ny + 1, rows) == E2EC_ERR_ARG,
          "near-lossless, a slice past the volume, rows backwards or past it refused");
    free(all), free(rows);
}

static void roundtrip(void) {
    ll_shape s = {48, 40, 12, 0};
    size_t n = (size_t)s.nx * s.ny * s.nz;
    int32_t *v = phantom(&s), lo = 0, hi = 999;
    ll_fit_opts o = {12, 300, 1024, 3e-3f, 7};
    int shift = ll_pick_shift(&s, v), np = arm_param_count(LL_CTX, o.hidden);
    float *p = malloc((size_t)np * sizeof *p);
    double est;
    CHECK(ll_fit(&s, v, lo, hi, shift, &o, p, &est) == E2EC_OK, "fit");
    arm_int m;
    arm_int_quantise(&m, LL_CTX, o.hidden, p);
    ll_model mm = {lo, hi, shift, &m, 0};
    uint8_t *buf[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    uint32_t *zb[2] = {malloc((size_t)s.nz * 4), malloc((size_t)s.nz * 4)};
    int32_t *d[2] = {malloc(n * sizeof(int32_t)), malloc(n * sizeof(int32_t))};
    int threads = omp_get_max_threads(), same = 1, exact = 1;
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t ? 2 : 1);
        CHECK(ll_encode(&s, v, &mm, &buf[t], &len[t], zb[t], d[t]) == E2EC_OK &&
                  memcmp(d[t], v, n * sizeof(int32_t)) == 0, "encode, its reconstruction exact");
        /* the other thread count decodes it */
        omp_set_num_threads(t ? 1 : 2);
        CHECK(ll_decode(&s, buf[t], len[t], zb[t], 0, &mm, d[t]) == E2EC_OK, "decode");
        exact &= memcmp(d[t], v, n * sizeof(int32_t)) == 0;
    }
    omp_set_num_threads(threads);
    same = len[0] == len[1] && memcmp(buf[0], buf[1], len[0]) == 0 &&
           memcmp(zb[0], zb[1], (size_t)s.nz * 4) == 0;
    CHECK(same, "1 and 2 threads code the same bytes");
    CHECK(exact, "every voxel back, coded on 1 thread and decoded on 2, and the other way");
    groups(&s, v, &mm, len[0] + 4 * (size_t)s.nz);
    row_symbols(&s, v, &mm);
    /* against zstd at its strongest level, on the voxels as 16-bit words */
    int16_t *raw = malloc(n * sizeof *raw);
    for (size_t i = 0; i < n; i++) raw[i] = (int16_t)v[i];
    size_t zcap = ZSTD_compressBound(n * 2);
    void *z = malloc(zcap);
    size_t zlen = ZSTD_compress(z, zcap, raw, n * 2, 19);
    double bpp = 8.0 * len[0] / n;
    printf("lossless phantom %dx%dx%d: %.3f bpp (fit predicted %.3f), zstd -19 %.3f bpp\n", s.nx,
           s.ny, s.nz, bpp, est, 8.0 * zlen / n);
    CHECK(!ZSTD_isError(zlen) && len[0] < zlen, "%zu bytes against zstd's %zu", len[0], zlen);
    /* the coder spends what the model predicts: the fit's estimate is a mean
     * over its last batches, the stream the whole volume under the integer
     * net (they agree to 0.1 % here; 3 % leaves room for the sampling) */
    CHECK(fabs(bpp - est) < 0.03 * est, "coded %.3f bpp, predicted %.3f", bpp, est);
    CHECK(ll_decode(&s, buf[0], len[0] - 1, zb[0], 0, &mm, d[0]) == E2EC_ERR_TRUNCATED,
          "slices longer than the payload refused");
    zb[0][s.nz - 1]--;
    CHECK(ll_decode(&s, buf[0], len[0] - 1, zb[0], 0, &mm, d[0]) == E2EC_ERR_ENTROPY,
          "a slice cut short refused");
    zb[0][s.nz - 1]++;
    buf[0][len[0] / 2] ^= 0x40;
    CHECK(ll_decode(&s, buf[0], len[0], zb[0], 0, &mm, d[0]) == E2EC_ERR_ENTROPY, "altered payload refused");
    section(&s, &m, lo, hi, shift, buf[1], len[1], zb[1], v);
    ll_model wrong = {lo, hi, LL_MAX_SHIFT + 1, &m, 0};
    CHECK(ll_decode(&s, buf[1], len[1], zb[1], 0, &wrong, d[0]) == E2EC_ERR_HEADER, "a shift beyond the cap refused");
    free(v), free(p), free(buf[0]), free(buf[1]), free(d[0]), free(d[1]), free(zb[0]), free(zb[1]);
    free(raw), free(z);
}

/* Whole volumes of each integer type through ll_compress / ll_decompress, and
 * the volumes the mode refuses. */
static void volumes(void) {
    ll_shape s = {20, 16, 6, 0};
    int32_t *ph = phantom(&s);
    e2ec_voxel_type types[3] = {E2EC_U8, E2EC_I16, E2EC_U16};
    ll_fit_opts o;
    ll_fit_opts_default(&o);
    o.steps = 60, o.batch = 256, o.hidden = 8;
    for (int t = 0; t < 3; t++) {
        e2ec_volume v, d;
        e2ec_volume_alloc(&v, (uint32_t)s.nx, (uint32_t)s.ny, (uint32_t)s.nz, types[t]);
        e2ec_volume_alloc(&d, (uint32_t)s.nx, (uint32_t)s.ny, (uint32_t)s.nz, types[t]);
        size_t n = (size_t)s.nx * s.ny * s.nz;
        for (size_t i = 0; i < n; i++) {
            if (types[t] == E2EC_U8) ((uint8_t *)v.data)[i] = (uint8_t)(ph[i] / 4);
            else if (types[t] == E2EC_I16) ((int16_t *)v.data)[i] = (int16_t)(ph[i] * 3 - 1024);
            else ((uint16_t *)v.data)[i] = (uint16_t)(ph[i] * 4);
        }
        uint8_t *sec;
        size_t len;
        double bits;
        CHECK(ll_compress(&v, &o, 0, &sec, &len, &bits) == E2EC_OK, "type %d compressed", types[t]);
        CHECK(ll_decompress(sec, len, &d) == E2EC_OK &&
                  memcmp(v.data, d.data, n * e2ec_voxel_size(types[t])) == 0,
              "type %d: every voxel back", types[t]);
        /* the first slices alone */
        memset(d.data, 0, n * e2ec_voxel_size(types[t]));
        CHECK(ll_decompress_planes(sec, len, &d, 2) == E2EC_OK &&
                  memcmp(v.data, d.data, 2 * (size_t)s.nx * s.ny * e2ec_voxel_size(types[t])) == 0,
              "type %d: the first two slices alone", types[t]);
        free(sec);
        e2ec_volume_free(&v);
        e2ec_volume_free(&d);
    }
    e2ec_volume f, w;
    e2ec_volume_alloc(&f, 4, 4, 2, E2EC_F32);
    e2ec_volume_alloc(&w, 4, 4, 2, E2EC_U16);
    ((uint16_t *)w.data)[5] = 65535; /* the whole 16-bit alphabet */
    uint8_t *sec = NULL;
    size_t len;
    double bits;
    CHECK(ll_compress(&f, &o, 0, &sec, &len, &bits) == E2EC_ERR_UNSUPPORTED, "float voxels refused");
    CHECK(ll_compress(&w, &o, LL_MAX_ERROR + 1, &sec, &len, &bits) == E2EC_ERR_LIMIT,
          "a near-lossless bound beyond the cap refused");
    e2ec_volume wd;
    e2ec_volume_alloc(&wd, 4, 4, 2, E2EC_U16);
    CHECK(ll_compress(&w, &o, 0, &sec, &len, &bits) == E2EC_OK && ll_decompress(sec, len, &wd) == E2EC_OK &&
              memcmp(w.data, wd.data, 32 * sizeof(uint16_t)) == 0,
          "the whole 16-bit alphabet");
    free(sec);
    e2ec_volume_free(&wd);
    e2ec_volume_free(&f);
    e2ec_volume_free(&w);
    free(ph);
}

/* Near-lossless: every voxel within E, fewer bytes as E grows, the same
 * bytes and voxels whatever the thread counts of encoder and decoder. */
static void near_lossless(void) {
    ll_shape s = {40, 32, 9, 0};
    int32_t *ph = phantom(&s);
    e2ec_volume v;
    e2ec_volume_alloc(&v, (uint32_t)s.nx, (uint32_t)s.ny, (uint32_t)s.nz, E2EC_U16);
    size_t n = (size_t)s.nx * s.ny * s.nz;
    for (size_t i = 0; i < n; i++) ((uint16_t *)v.data)[i] = (uint16_t)ph[i];
    ll_fit_opts o;
    ll_fit_opts_default(&o);
    o.steps = 150, o.batch = 1024, o.hidden = 12;
    size_t prev = 0;
    const int32_t es[] = {0, 1, 2, 4, 8};
    for (int k = 0; k < 5; k++) {
        uint8_t *sec[2];
        size_t len[2];
        double bits;
        int threads = omp_get_max_threads();
        for (int t = 0; t < 2; t++) {
            omp_set_num_threads(t + 1);
            CHECK(ll_compress(&v, &o, es[k], &sec[t], &len[t], &bits) == E2EC_OK, "E %d", es[k]);
        }
        CHECK(len[0] == len[1] && memcmp(sec[0], sec[1], len[0]) == 0, "E %d: 1 and 2 threads, same bytes", es[k]);
        e2ec_volume d[2];
        int worst = 0, same = 1;
        for (int t = 0; t < 2; t++) {
            omp_set_num_threads(2 - t);
            e2ec_volume_alloc(&d[t], v.nx, v.ny, v.nz, E2EC_U16);
            CHECK(ll_decompress(sec[0], len[0], &d[t]) == E2EC_OK, "E %d decoded", es[k]);
        }
        omp_set_num_threads(threads);
        for (size_t i = 0; i < n; i++) {
            int a = abs((int)((uint16_t *)d[0].data)[i] - (int)((uint16_t *)v.data)[i]);
            worst = a > worst ? a : worst;
            same &= ((uint16_t *)d[0].data)[i] == ((uint16_t *)d[1].data)[i];
        }
        printf("near-lossless E %d: %.3f bpp, max error %d\n", es[k], 8.0 * len[0] / n, worst);
        CHECK(worst <= es[k] && same, "E %d: max error %d, same voxels on 1 and 2 threads: %d", es[k], worst, same);
        CHECK(!prev || len[0] < prev, "E %d: %zu bytes, fewer than at the E before (%zu)", es[k], len[0], prev);
        prev = len[0];
        free(sec[0]), free(sec[1]);
        e2ec_volume_free(&d[0]), e2ec_volume_free(&d[1]);
    }
    e2ec_volume_free(&v);
    free(ph);
}

int main(void) {
    rate_gradients();
    roundtrip();
    volumes();
    near_lossless();
    return check_summary();
}
