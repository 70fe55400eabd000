/*
 * The latent mode's post-filter (codec/latent/post_filter.h): applied, it
 * gives what a plain reading of its formula gives (every voxel, every type,
 * the faces, on 1, 2 and 3 threads, a slab at a time or the whole volume);
 * fitted to a blurred decode, it takes back most of the blur, the same on 1
 * and 2 threads, and a rate weight too high for it leaves it off; in a
 * stream it is read from the payload's end, decodes (whole and slice by
 * slice) through the map and then the filter, and bad kinds, missing taps, a
 * filter on an F32 volume and a version-3 stream's bytes with one are refused
 * by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "check.h"
#include "e2ec.h"
#include "latent/post_filter.h"
#include "latent_synthetic.h"
#include "rng.h"
#include "threads.h"
#include "voxel_int.h"

/* The formula read plainly: clamped coordinates, the sum in int64. */
static int64_t reference_at(const post_filter *f, const e2ec_info *info, const void *v, int64_t x, int64_t y,
                            int64_t z) {
    const int64_t nx = info->nx, ny = info->ny, nz = info->nz;
#define AT(X, Y, Z)                                                                                                \
    voxel_int(v, info->type,                                                                                       \
              (size_t)(((Z) < 0 ? 0 : (Z) >= nz ? nz - 1 : (Z)) * ny * nx + ((Y) < 0 ? 0 : (Y) >= ny ? ny - 1 : (Y)) * nx + \
                       ((X) < 0 ? 0 : (X) >= nx ? nx - 1 : (X))))
    int64_t c = AT(x, y, z), acc = f->offset + 512;
    int k = 0;
    for (int dz = -1; dz <= 1; dz++)
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++) {
                int after = dz > 0 || (dz == 0 && (dy > 0 || (dy == 0 && dx > 0)));
                if (!after) continue;
                acc += (int64_t)f->c[k++] * (AT(x + dx, y + dy, z + dz) + AT(x - dx, y - dy, z - dz) - 2 * c);
            }
#undef AT
    int64_t q = acc >= 0 ? acc / 1024 : -((-acc + 1023) / 1024), out = c + q;
    return out < (int64_t)info->vmin ? (int64_t)info->vmin : out > (int64_t)info->vmax ? (int64_t)info->vmax : out;
}

static void random_filter(post_filter *f, rng *r, int scale) {
    f->on = 1;
    for (int k = 0; k < POST_FILTER_TAPS; k++) f->c[k] = (int16_t)((int)rng_below(r, 2 * scale + 1) - scale);
    f->offset = (int32_t)rng_below(r, 4001) - 2000;
}

static void apply_matches(e2ec_voxel_type type, double vmin, double vmax, uint32_t nx, uint32_t ny, uint32_t nz) {
    e2ec_volume v;
    e2ec_volume_alloc(&v, nx, ny, nz, type);
    e2ec_info info;
    memset(&info, 0, sizeof info);
    info.nx = nx, info.ny = ny, info.nz = nz, info.type = type, info.vmin = vmin, info.vmax = vmax;
    rng r = {7};
    size_t n = (size_t)nx * ny * nz, vs = e2ec_voxel_size(type), plane = (size_t)nx * ny;
    for (size_t i = 0; i < n; i++) set_voxel_int(v.data, type, i, (int64_t)vmin + rng_below(&r, (uint32_t)(vmax - vmin) + 1));
    post_filter f;
    random_filter(&f, &r, 300);
    int64_t *want = malloc(n * sizeof *want);
    for (uint32_t z = 0; z < nz; z++)
        for (uint32_t y = 0; y < ny; y++)
            for (uint32_t x = 0; x < nx; x++) want[((size_t)z * ny + y) * nx + x] = reference_at(&f, &info, v.data, x, y, z);
    uint8_t *out = malloc(n * vs);
    for (int t = 1; t <= 3; t++) {
        int saved = threads_enter(t), same = 1;
        /* the whole volume, then slabs of 2 and 1 planes from their sources */
        const uint32_t slabs[3] = {nz, 2, 1};
        for (int k = 0; k < 3 && same; k++) {
            uint32_t slab = slabs[k];
            memset(out, 0xa5, n * vs);
            for (uint32_t z = 0; z < nz; z += slab) {
                uint32_t ze = z + slab < nz ? z + slab : nz, a, b;
                post_filter_source(&info, z, ze, &a, &b);
                same &= a == (z ? z - 1 : 0) && b == (ze < nz ? ze + 1 : nz);
                same &= post_filter_apply(&f, &info, (const uint8_t *)v.data + plane * a * vs, a, b, z, ze,
                                          out + plane * z * vs) == E2EC_OK;
            }
            for (size_t i = 0; i < n && same; i++) same = voxel_int(out, type, i) == want[i];
        }
        threads_leave(saved);
        CHECK(same, "type %d, %ux%ux%u, %d threads: post_filter_apply = the formula, whole and in slabs", type, nx, ny,
              nz, t);
    }
    free(out), free(want), e2ec_volume_free(&v);
}

static void fit(void) {
    e2ec_volume v;
    e2ec_info info;
    uint16_t *dec = malloc(40 * 36 * 8 * 2), *out = malloc(40 * 36 * 8 * 2);
    latent_blurred_pair(&v, dec, &info);
    post_filter f1, f2;
    e2ec_status st = post_filter_fit(&v, &info, dec, 0.0, 1, &f1, NULL);
    CHECK(st == E2EC_OK && f1.on, "fitted at lambda 0: on (%s)", e2ec_error_name(st));
    CHECK(post_filter_fit(&v, &info, dec, 0.0, 2, &f2, NULL) == E2EC_OK && !memcmp(&f1, &f2, sizeof f1),
          "the same taps on 1 and 2 threads");
    post_filter_apply(&f1, &info, dec, 0, v.nz, 0, v.nz, out);
    double before = u16_squared_error(dec, &v), after = u16_squared_error(out, &v);
    /* measured: 0.503 of the blur's squared error remains on this volume */
    printf("blurred decode: squared error %.0f, filtered %.0f (%.3f of it)\n", before, after, after / before);
    CHECK(after < 0.55 * before, "the filter takes back most of the blur: squared error %.0f -> %.0f", before, after);
    CHECK(post_filter_fit(&v, &info, dec, 1e9, 1, &f1, NULL) == E2EC_OK && !f1.on, "lambda 1e9: off");
    e2ec_info f32 = info;
    f32.type = E2EC_F32;
    CHECK(post_filter_fit(&v, &f32, dec, 0.0, 1, &f1, NULL) == E2EC_OK && !f1.on, "an F32 volume: off");
    free(dec), free(out), e2ec_volume_free(&v);
}

static void fix_crc(uint8_t *s, size_t n) { put_u32(s + n - 4, (uint32_t)crc32(0L, s, (uInt)(n - 4))); }

static void streams(void) {
    static const syn_draw kinds[SYN_LEVELS] = {DRAW_RANDOM, DRAW_RANDOM, DRAW_RANDOM};
    static const int32_t lo[SYN_LEVELS] = {-40, -9, -3}, hi[SYN_LEVELS] = {40, 12, 3};
    latent_model m;
    latent_synthetic(&m, kinds, lo, hi, 5);
    rng r = {11};
    random_filter(&m.filter, &r, 80);
    /* one map entry: the value the first voxel decodes to, moved by one */
    const size_t nv = (size_t)SYN_NX * SYN_NY * SYN_NZ;
    e2ec_info info;
    uint16_t *plain = malloc(nv * 2), *want = malloc(nv * 2);
    latent_synthetic_plain(&m, &info, plain);
    uint16_t idx = (uint16_t)(plain[0] - (int)info.vmin);
    m.map.count = 1;
    m.map.index = malloc(sizeof *m.map.index), m.map.delta = malloc(sizeof *m.map.delta);
    m.map.index[0] = idx, m.map.delta[0] = (int16_t)(idx < 1000 ? 1 : -1);
    for (size_t i = 0; i < nv; i++) plain[i] = (uint16_t)(plain[i] + (plain[i] == idx + (int)info.vmin ? m.map.delta[0] : 0));
    for (uint32_t z = 0; z < SYN_NZ; z++)
        for (uint32_t y = 0; y < SYN_NY; y++)
            for (uint32_t xx = 0; xx < SYN_NX; xx++)
                want[((size_t)z * SYN_NY + y) * SYN_NX + xx] = (uint16_t)reference_at(&m.filter, &info, plain, xx, y, z);
    mode_stream ms;
    uint8_t *s;
    size_t n;
    e2ec_status st = latent_synthetic_stream(&m, &ms, &s, &n);
    CHECK(st == E2EC_OK && s[n - 5] == POST_FILTER_BOX, "a stream with a map and a filter, its kind last: %s",
          e2ec_error_name(st));
    if (st) return;
    e2ec_info got;
    CHECK(e2ec_get_info(s, n, &got) == E2EC_OK && got.post_filter && got.value_map_entries == 1,
          "get_info: a post-filter and 1 map entry");
    for (int t = 1; t <= 2; t++) {
        e2ec_volume d;
        st = e2ec_decode(s, n, t, &d);
        CHECK(st == E2EC_OK && !memcmp(d.data, want, nv * 2), "%d threads: decodes through the map, then the filter: %s",
              t, e2ec_error_name(st));
        if (!st) e2ec_volume_free(&d);
    }
    uint16_t slice[SYN_NX * SYN_NY];
    int same = 1;
    for (uint32_t z = 0; z < SYN_NZ && same; z++)
        same = e2ec_decode_slice(s, n, z, 1, slice) == E2EC_OK &&
               !memcmp(slice, want + (size_t)z * SYN_NX * SYN_NY, sizeof slice);
    CHECK(same, "each slice alone decodes as the volume does (the faces' planes too)");
    /* the kind: unknown; taps missing (the sizes told); the bytes as version 3 */
    struct {
        const char *what;
        int cut;
        uint8_t kind;
        int version;
        e2ec_status want;
    } lies[] = {
        {"an unknown kind", 0, 3, 5, E2EC_ERR_HEADER},
        {"taps missing", 40, POST_FILTER_BOX, 5, E2EC_ERR_TRUNCATED},
        {"a filter in version 3's bytes", 0, POST_FILTER_BOX, 3, E2EC_ERR_MISMATCH},
    };
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        uint8_t *b = malloc(n);
        size_t bn = n - (size_t)lies[k].cut;
        memcpy(b, s, bn - 5);
        b[bn - 5] = lies[k].kind;
        put_u32(b + BS_OFF_PAYLOAD_BYTES, get_u32(s + BS_OFF_PAYLOAD_BYTES) - (uint32_t)lies[k].cut);
        put_u32(b + BS_OFF_WEIGHTS_BYTES, get_u32(s + BS_OFF_WEIGHTS_BYTES) - (uint32_t)lies[k].cut);
        fix_crc(b, bn);
        if (lies[k].version < 5) { /* version 4's layout (networks stored), the field then set lower */
            uint8_t *old;
            if (latent_stream_as_version(b, bn, 4, 0, &old, &bn)) {
                CHECK(0, "%s: the older layout made", lies[k].what);
                free(b);
                continue;
            }
            free(b), b = old;
            put_u16(b + BS_OFF_VERSION, (uint32_t)lies[k].version);
            fix_crc(b, bn);
        }
        e2ec_volume d;
        e2ec_status e = e2ec_decode(b, bn, 1, &d);
        CHECK(e == lies[k].want, "%s: %s (want %s)", lies[k].what, e2ec_error_name(e), e2ec_error_name(lies[k].want));
        if (!e) e2ec_volume_free(&d);
        free(b);
    }
    e2ec_info f32 = info;
    f32.type = E2EC_F32;
    post_filter f;
    size_t used;
    uint8_t block[POST_FILTER_BYTES];
    post_filter_write(block, &m.filter);
    CHECK(post_filter_read(block, sizeof block, &f32, &f, &used) == E2EC_ERR_MISMATCH, "a filter on an F32 volume: MISMATCH");
    CHECK(post_filter_read(block, sizeof block, &info, &f, &used) == E2EC_OK && used == POST_FILTER_BYTES &&
              !memcmp(f.c, m.filter.c, sizeof f.c) && f.offset == m.filter.offset,
          "the block reads back");
    latent_model w = m;
    mode_stream ws;
    memset(&ws, 0, sizeof ws);
    ws.info = info, ws.info.mode = E2EC_MODE_LATENT, ws.info.fp16 = 1, ws.info.type = E2EC_F32;
    w.map.count = 0;
    CHECK(latent_section_pack(&w, &ws) == E2EC_ERR_ARG, "the writer refuses a filter on an F32 volume");
    free(ms.payload), e2ec_free(s);
    free(plain), free(want), latent_model_free(&m);
}

int main(void) {
    apply_matches(E2EC_U16, 0, 4000, 9, 7, 5);
    apply_matches(E2EC_I16, -1024, 3071, 6, 5, 3);
    apply_matches(E2EC_U8, 0, 255, 5, 4, 2);
    fit();
    streams();
    return check_summary();
}
