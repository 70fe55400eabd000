/*
 * LOSSLESS mode through the public API: e2ec_encode then e2ec_decode gives
 * every voxel back, for each integer type; e2ec_decode_slice gives each slice;
 * the stream is the same bytes on 1 and 2 threads and decodes the same with
 * either; e2ec_get_info reports the mode and the bound (lossless, or
 * near-lossless and its max_error: what the DICOM writer's Lossy Image
 * Compression follows), and refuses a bound beyond the cap; what the mode cannot do (float
 * voxels, a rate target, a near-lossless residual on top) is refused by name,
 * and a corrupted payload is refused, never decoded into wrong voxels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "check.h"
#include "e2ec.h"

#define NX 24
#define NY 20
#define NZ 7

static void fill(e2ec_volume *v) {
    size_t i = 0;
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++, i++) {
                double r = hypot(x - NX / 2.0, y - NY / 2.0);
                int val = (r < 7 + z % 3 ? 900 : 100) + (int)(40 * sin(0.7 * x + 0.3 * z)) + (int)(i * 7919 % 13);
                if (v->type == E2EC_U8) ((uint8_t *)v->data)[i] = (uint8_t)(val / 4);
                else if (v->type == E2EC_I16) ((int16_t *)v->data)[i] = (int16_t)(val - 1024);
                else ((uint16_t *)v->data)[i] = (uint16_t)val;
            }
}

static void params(e2ec_params *p, int threads) {
    e2ec_params_default(p);
    p->mode = E2EC_MODE_LOSSLESS;
    p->epochs = 80, p->batch = 512, p->threads = threads;
}

static void roundtrip(e2ec_voxel_type type) {
    e2ec_volume v;
    e2ec_volume_alloc(&v, NX, NY, NZ, type);
    fill(&v);
    size_t vox = (size_t)NX * NY * NZ, bytes = e2ec_voxel_size(type);
    uint8_t *s[2] = {NULL, NULL};
    size_t size[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
        e2ec_params p;
        params(&p, t + 1);
        e2ec_status st = e2ec_encode(&v, &p, &s[t], &size[t]);
        CHECK(st == E2EC_OK, "type %d encode on %d threads: %s", type, t + 1, e2ec_error_name(st));
        if (st) return;
    }
    CHECK(size[0] == size[1] && memcmp(s[0], s[1], size[0]) == 0, "type %d: 1 and 2 threads write the same stream", type);
    e2ec_info info;
    CHECK(e2ec_get_info(s[0], size[0], &info) == E2EC_OK && info.mode == E2EC_MODE_LOSSLESS &&
              info.type == type && info.nz == NZ, "type %d: info", type);
    CHECK(info.lossless == 1 && info.max_error == 0 && !info.has_residual,
          "type %d: info says lossless (%d, max_error %u)", type, info.lossless, info.max_error);
    for (int t = 1; t <= 2; t++) {
        e2ec_volume d;
        e2ec_status st = e2ec_decode(s[0], size[0], t, &d);
        CHECK(st == E2EC_OK && d.type == type && memcmp(d.data, v.data, vox * bytes) == 0,
              "type %d: every voxel back on %d threads (%s)", type, t, e2ec_error_name(st));
        if (st == E2EC_OK) e2ec_volume_free(&d);
    }
    uint8_t *slice = malloc((size_t)NX * NY * bytes);
    int slices_ok = 1;
    for (uint32_t z = 0; z < NZ; z += 3)
        slices_ok &= e2ec_decode_slice(s[0], size[0], z, 1, slice) == E2EC_OK &&
                     memcmp(slice, (uint8_t *)v.data + (size_t)z * NX * NY * bytes, (size_t)NX * NY * bytes) == 0;
    CHECK(slices_ok, "type %d: slices 0, 3, 6 alone", type);
    /* a flipped payload bit is refused (the CRC first; with the CRC repaired,
     * the entropy decoder's own end check) */
    uint8_t *c = malloc(size[0]);
    memcpy(c, s[0], size[0]);
    c[size[0] / 2] ^= 0x08;
    e2ec_volume d;
    CHECK(e2ec_decode(c, size[0], 1, &d) != E2EC_OK, "type %d: a corrupt stream refused", type);
    free(c);
    free(slice);
    e2ec_free(s[0]);
    e2ec_free(s[1]);
    e2ec_volume_free(&v);
}

static void refusals(void) {
    e2ec_volume f, v;
    e2ec_volume_alloc(&f, 8, 8, 3, E2EC_F32);
    e2ec_volume_alloc(&v, 8, 8, 3, E2EC_U16);
    e2ec_params p;
    params(&p, 1);
    uint8_t *s = NULL;
    size_t n = 0;
    CHECK(e2ec_encode(&f, &p, &s, &n) == E2EC_ERR_UNSUPPORTED, "float voxels refused");
    p.max_error = 300;
    e2ec_status st = e2ec_encode(&v, &p, &s, &n);
    CHECK(st == E2EC_ERR_LIMIT, "a near-lossless bound beyond 255 refused: %s", e2ec_error_name(st));
    p.max_error = -1;
    e2ec_target t = {.kind = E2EC_TARGET_PSNR, .value = 40};
    e2ec_target_result r;
    CHECK(e2ec_encode_target(&v, &p, &t, &s, &n, &r) == E2EC_ERR_UNSUPPORTED, "a rate target refused");
    e2ec_volume_free(&f);
    e2ec_volume_free(&v);
}

/* --max-error in the mode: near-lossless inside the section, no residual */
static void near_lossless(void) {
    e2ec_volume v;
    e2ec_volume_alloc(&v, NX, NY, NZ, E2EC_U16);
    fill(&v);
    e2ec_params p;
    params(&p, 2);
    p.max_error = 3;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_status st = e2ec_encode(&v, &p, &s, &n);
    CHECK(st == E2EC_OK, "near-lossless encode: %s", e2ec_error_name(st));
    e2ec_info info;
    e2ec_volume d;
    if (st == E2EC_OK && e2ec_get_info(s, n, &info) == E2EC_OK && e2ec_decode(s, n, 1, &d) == E2EC_OK) {
        int worst = 0;
        for (size_t i = 0; i < (size_t)NX * NY * NZ; i++) {
            int a = abs((int)((uint16_t *)d.data)[i] - (int)((uint16_t *)v.data)[i]);
            worst = a > worst ? a : worst;
        }
        CHECK(worst <= 3 && !info.has_residual, "every voxel within 3 (%d), no residual", worst);
        CHECK(info.max_error == 3 && !info.lossless, "info says near-lossless within 3 (%u, %d)",
              info.max_error, info.lossless);
        /* the section's bound is read by e2ec_get_info: beyond the cap, refused by name
         * (CRC repaired, so that the field itself is what is refused) */
        uint8_t *c = malloc(n);
        memcpy(c, s, n);
        c[BS_OFF_PAYLOAD_V2 + 6] = (E2EC_LOSSLESS_MAX_ERROR + 1) & 0xff;
        c[BS_OFF_PAYLOAD_V2 + 7] = (E2EC_LOSSLESS_MAX_ERROR + 1) >> 8;
        uLong crc = crc32(0L, c, (uInt)(n - 4));
        for (int b = 0; b < 4; b++) c[n - 4 + b] = (uint8_t)(crc >> (8 * b));
        e2ec_info bad;
        st = e2ec_get_info(c, n, &bad);
        CHECK(st == E2EC_ERR_HEADER, "a bound of %d in the section: %s", E2EC_LOSSLESS_MAX_ERROR + 1,
              e2ec_error_name(st));
        free(c);
        e2ec_volume_free(&d);
    } else {
        CHECK(0, "near-lossless stream read back");
    }
    e2ec_free(s);
    e2ec_volume_free(&v);
}

int main(void) {
    near_lossless();
    roundtrip(E2EC_U8);
    roundtrip(E2EC_I16);
    roundtrip(E2EC_U16);
    refusals();
    return check_summary();
}
