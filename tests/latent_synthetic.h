/* A latent model made without training, for the tests and the fuzz seeds: a
 * 3-level pyramid over a 12 x 10 x 6 volume whose levels' latents are drawn at
 * random (or all zero, or only their alphabet's ends), a random MLP of width
 * 8 whose weights are binary16 values (so in steps of 2^-24, and storable by
 * version 4 too), and an ARM of 8 units quantised from random floats. */
#ifndef E2EC_TEST_LATENT_SYNTHETIC_H
#define E2EC_TEST_LATENT_SYNTHETIC_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "grid_fit.h"
#include "half.h"
#include "ent/arm_section.h"
#include "latent/latent_section.h"
#include "latent/mlp_steps.h"
#include "latent/net_section.h"
#include "lossless/ll_code.h"
#include "lossless/ll_context.h"
#include "lossless/ll_section.h"
#include "rng.h"
#include "volume_norm.h"

#define SYN_NX 12
#define SYN_NY 10
#define SYN_NZ 6
#define SYN_LEVELS 3

/* How the latents of a level are drawn. */
typedef enum { DRAW_RANDOM, DRAW_ZERO, DRAW_ENDS } syn_draw;

/* Level l's latents in [lo[l], hi[l]] drawn as kinds[l] says; m is freed with
 * latent_model_free. */
static inline void latent_synthetic(latent_model *m, const syn_draw kinds[SYN_LEVELS],
                                    const int32_t lo[SYN_LEVELS], const int32_t hi[SYN_LEVELS],
                                    uint64_t seed) {
    memset(m, 0, sizeof *m);
    static const int res[SYN_LEVELS][3] = {{3, 3, 2}, {6, 5, SYN_NZ}, {SYN_NX, SYN_NY, SYN_NZ}};
    grid_shape *s = &m->syn.shape;
    s->levels = SYN_LEVELS, s->feats = 1;
    memcpy(s->res, res, sizeof res);
    size_t ng = grid_shape_init(s), nw = grid_mlp_size(SYN_LEVELS, 8);
    m->syn.delta = 1.0f, m->syn.hidden = 8;
    m->syn.q = malloc(ng * sizeof *m->syn.q);
    m->syn.mlp = malloc(nw * sizeof *m->syn.mlp);
    rng r = {seed};
    for (int l = 0; l < SYN_LEVELS; l++) {
        m->lo[l] = lo[l], m->hi[l] = hi[l], m->shift[l] = l % 3;
        uint32_t span = (uint32_t)(hi[l] - lo[l] + 1);
        for (size_t i = s->off[l]; i < s->off[l + 1]; i++)
            m->syn.q[i] = kinds[l] == DRAW_ZERO ? 0
                          : kinds[l] == DRAW_ENDS ? (rng_below(&r, 2) ? hi[l] : lo[l])
                                                  : lo[l] + (int32_t)rng_below(&r, span);
    }
    for (size_t i = 0; i < nw; i++) m->syn.mlp[i] = half_to_float(half_from_float(rng_range(&r, -0.6f, 0.6f)));
    m->syn.mlp[nw - 1] = 0.5f; /* the output's bias: mid-range, so that clamping hides little */
    memset(m->mlp_q, MLP_STEP_MAX_Q, sizeof m->mlp_q);
    int np = arm_param_count(LL_CTX, 8);
    float *p = malloc((size_t)np * sizeof *p);
    for (int i = 0; i < np; i++) p[i] = rng_range(&r, -0.4f, 0.4f);
    arm_int_quantise(&m->arm, LL_CTX, 8, p);
    free(p);
}

/* The header fields of the u16 volume of values 0..1000 (voxel i: i * 37
 * mod 1001) that the synthetic streams describe. */
static inline e2ec_status latent_synthetic_header(e2ec_info *info) {
    e2ec_volume v;
    memset(info, 0, sizeof *info);
    e2ec_status st = e2ec_volume_alloc(&v, SYN_NX, SYN_NY, SYN_NZ, E2EC_U16);
    if (st) return st;
    for (size_t i = 0; i < (size_t)SYN_NX * SYN_NY * SYN_NZ; i++)
        ((uint16_t *)v.data)[i] = (uint16_t)(i * 37 % 1001);
    volume_header(&v, info);
    e2ec_volume_free(&v);
    return E2EC_OK;
}

/* m's synthesis decoded and stored in that header's values (info), as the
 * decoder stores it before the value map and the post stages. */
static inline e2ec_status latent_synthetic_plain(const latent_model *m, e2ec_info *info, uint16_t *plain) {
    const size_t nv = (size_t)SYN_NX * SYN_NY * SYN_NZ;
    float *x = malloc(nv * sizeof *x);
    e2ec_status st = x ? latent_synthetic_header(info) : E2EC_ERR_NOMEM;
    if (!st) st = grid_decode(&m->syn, SYN_NX, SYN_NY, SYN_NZ, 1, x);
    if (!st) normalised_to_stored(x, nv, info->vmin, info->vmax, E2EC_U16, 0, plain);
    free(x);
    return st;
}

/* m's stream, with that header: the writer's mode_stream (its payload
 * malloc'ed, kept for edits) and the stream (e2ec_free). */
static inline e2ec_status latent_synthetic_stream(const latent_model *m, mode_stream *ms,
                                                  uint8_t **s, size_t *n) {
    memset(ms, 0, sizeof *ms);
    e2ec_status st = latent_synthetic_header(&ms->info);
    if (st) return st;
    ms->info.mode = E2EC_MODE_LATENT, ms->info.fp16 = 1;
    st = latent_section_pack(m, ms);
    return st ? st : bitstream_write_stream(ms, NULL, s, n);
}

/* The squared error of u16 voxels a against volume v's. */
static inline double u16_squared_error(const uint16_t *a, const e2ec_volume *v) {
    double se = 0.0;
    for (size_t i = 0; i < (size_t)v->nx * v->ny * v->nz; i++) {
        double e = (double)a[i] - ((const uint16_t *)v->data)[i];
        se += e * e;
    }
    return se;
}

/* The payload's header and size fields of stream b (at bytes before its
 * payload, payload bytes long) moved by grow (mod 2^32), the version set
 * and the CRC made right. */
static inline void latent_stream_refit(uint8_t *b, size_t at, size_t payload, uint32_t grow, int version) {
    put_u16(b + BS_OFF_VERSION, (uint32_t)version);
    put_u32(b + BS_OFF_PAYLOAD_BYTES, get_u32(b + BS_OFF_PAYLOAD_BYTES) + grow);
    put_u32(b + BS_OFF_WEIGHTS_BYTES, get_u32(b + BS_OFF_WEIGHTS_BYTES) + grow);
    put_u32(b + at + payload, (uint32_t)crc32(0L, b, (uInt)(at + payload)));
}

/* A latent stream s of n bytes, as the library writes it (version
 * E2EC_BITSTREAM_VERSION, 8), with every level recoded in streams of 2^g
 * slices (ll_pack; g lowered for a level of fewer slices, to the value that
 * makes one stream): version 5's layout for g = 0 and version 5, or one that
 * version 6, 7 or 8 may hold (7's is 8's: 8 adds a kind of tail); under
 * version 7 without the levels' kernel bytes
 * (-1 unless every level is linear, as older versions read them). *out:
 * malloc'ed. */
static inline int latent_stream_regrouped(const uint8_t *s, size_t n, int version, int g,
                                          uint8_t **out, size_t *out_n) {
    const size_t at = BS_OFF_PAYLOAD_V2 + LATENT_HEADER_BYTES;
    e2ec_info in;
    const uint8_t *payload;
    size_t pn, nets;
    latent_model m;
    if (bitstream_read_info(s, n, &in) || bitstream_payload(s, n, &in, &payload, &pn) ||
        net_section_size(payload, pn, &nets) || latent_section_read(payload, pn, &in, &m))
        return -1;
    uint8_t *lv[E2EC_MAX_LATENT_LEVELS] = {0};
    size_t lb[E2EC_MAX_LATENT_LEVELS] = {0}, levels = 0, old_levels = 0;
    uint32_t zb[E2EC_MAX_LATENT_LEVELS][64];
    int lg[E2EC_MAX_LATENT_LEVELS] = {0}, bad = 0;
    for (int l = 0; l < in.grid_levels; l++) {
        const int *r = in.latent_res[l];
        ll_shape sh = {r[0], r[1], r[2], in.latent_lo[l]};
        ll_model lm = {in.latent_lo[l], in.latent_hi[l], in.latent_shift[l], &m.arm, 0};
        size_t plane = (size_t)r[0] * r[1];
        rans_sym *syms = malloc(plane * (size_t)r[2] * sizeof *syms);
        for (lg[l] = g; lg[l] > 0 && (1 << (lg[l] - 1)) >= r[2];) lg[l]--;
        bad |= r[2] > 64 || !syms || ll_symbols(&sh, m.syn.q + m.syn.shape.off[l], &lm, syms, NULL) ||
               ll_pack(syms, plane, (uint32_t)r[2], lg[l], &lv[l], &lb[l], zb[l]);
        free(syms);
        levels += 4 * (size_t)ll_streams((uint32_t)r[2], lg[l]) + lb[l], old_levels += in.latent_bytes[l];
    }
    size_t keys = in.version >= 7 ? 3 * (size_t)in.grid_levels : 0, kept = version >= 7 ? keys : 0;
    for (size_t i = kept; i < keys; i++) bad |= payload[nets + i] != 0;
    size_t rest = pn - nets - keys - old_levels, payload_n = nets + kept + levels + rest;
    uint8_t *b = bad ? NULL : malloc(at + payload_n + BS_CRC_BYTES);
    if (b) {
        memcpy(b, s, at + nets + kept);
        uint8_t *p = b + at + nets + kept;
        for (int l = 0; l < in.grid_levels; l++) {
            uint8_t *v = b + BS_OFF_PAYLOAD_V2 + LAT_HDR_LEVEL + LAT_LEVEL_BYTES * l;
            uint32_t streams = ll_streams((uint32_t)in.latent_res[l][2], lg[l]);
            v[LAT_LVL_GROUP] = (uint8_t)lg[l];
            put_u32(v + LAT_LVL_BYTES, (uint32_t)(4 * (size_t)streams + lb[l]));
            p = ll_slices_write(p, streams, zb[l], lv[l], lb[l]);
        }
        memcpy(p, payload + nets + keys + old_levels, rest);
        latent_stream_refit(b, at, payload_n, (uint32_t)payload_n - (uint32_t)pn, version);
        *out = b, *out_n = at + payload_n + BS_CRC_BYTES;
    }
    for (int l = 0; l < E2EC_MAX_LATENT_LEVELS; l++) free(lv[l]);
    latent_model_free(&m);
    return b ? 0 : -1;
}

/* A version-5 latent stream s of n bytes (latent_stream_regrouped's, g = 0), with
 * `entries` value map entries and (for a version under 4) no post-filter, as
 * an older version (2 to 4) writes it: the networks stored raw (the ARM's
 * tensors first, the MLP's binary16 after the levels: exact for
 * latent_synthetic's MLP), version 3 without the post-filter's byte, version 2
 * without that and the entries (an older version's encoder had neither); the
 * header's sizes and the CRC made right. *out: malloc'ed. */
static inline int latent_stream_v5_as(const uint8_t *s, size_t n, int version, uint32_t entries,
                                      uint8_t **out, size_t *out_n) {
    const size_t at = BS_OFF_PAYLOAD_V2 + LATENT_HEADER_BYTES;
    size_t tail = 4 * (size_t)entries, cut = (version < 4 ? 1 : 0) + (version < 3 ? tail : 0), nets, levels = 0;
    e2ec_info in;
    if (version < 2 || version > 4 || n < at + BS_CRC_BYTES + 1 + tail || bitstream_read_info(s, n, &in) ||
        net_section_size(s + at, n - at, &nets) || (version < 4 && s[n - BS_CRC_BYTES - 1] != 0))
        return -1;
    for (int l = 0; l < in.grid_levels; l++) levels += in.latent_bytes[l];
    if (at + nets + levels + cut + BS_CRC_BYTES > n) return -1;
    int cin = in.grid_levels, h = in.grid_hidden;
    size_t nw = grid_mlp_size(cin, h);
    arm_int arm = {.ctx = LL_CTX, .hidden = in.arm_hidden};
    memcpy(arm.shift, in.arm_shift, sizeof arm.shift);
    float *mlp = malloc(nw * sizeof *mlp);
    uint8_t q[GRID_MLP_TENSORS];
    size_t arm_bytes = arm_section_bytes(LL_CTX, in.arm_hidden);
    size_t rest = n - BS_CRC_BYTES - at - nets - levels; /* the value map, the post-filter */
    size_t payload = arm_bytes + levels + 2 * nw + rest - cut, old_payload = nets + levels + rest;
    uint8_t *b = malloc(at + payload + BS_CRC_BYTES);
    if (!mlp || !b || net_section_read(s + at, nets, &arm, mlp, cin, h, q)) {
        free(mlp), free(b);
        return -1;
    }
    memcpy(b, s, at);
    uint8_t *p = arm_section_write(b + at, &arm);
    memcpy(p, s + at + nets, levels), p += levels;
    for (size_t i = 0; i < nw; i++, p += 2) put_u16(p, half_from_float(mlp[i]));
    memcpy(p, s + at + nets + levels, rest - cut);
    free(mlp);
    latent_stream_refit(b, at, payload, (uint32_t)payload - (uint32_t)old_payload, version);
    *out = b, *out_n = at + payload + BS_CRC_BYTES;
    return 0;
}

/* A latent stream s of n bytes, as the library writes it (version
 * E2EC_BITSTREAM_VERSION), as an older version (2 to 7) writes it: versions 5
 * to 7 by latent_stream_regrouped (g = 0), versions 2 to 4 by
 * latent_stream_v5_as on version 5's. *out: malloc'ed. */
static inline int latent_stream_as_version(const uint8_t *s, size_t n, int version, uint32_t entries,
                                           uint8_t **out, size_t *out_n) {
    uint8_t *s5 = NULL;
    size_t n5 = 0;
    if (version < 2 || version > 7 || latent_stream_regrouped(s, n, version < 5 ? 5 : version, 0, &s5, &n5))
        return -1;
    if (version >= 5) {
        *out = s5, *out_n = n5;
        return 0;
    }
    int r = latent_stream_v5_as(s5, n5, version, entries, out, out_n);
    free(s5);
    return r;
}

/* A smooth volume of 40 x 36 x 8 (discs and a ramp) and its decode: a
 * 3 x 3 in-plane box blur of it (the decode's edges soft, as the
 * synthesis's are), for the post stages' fits. */
static inline void latent_blurred_pair(e2ec_volume *v, uint16_t *dec, e2ec_info *info) {
    const uint32_t nx = 40, ny = 36, nz = 8;
    e2ec_volume_alloc(v, nx, ny, nz, E2EC_U16);
    uint16_t *o = v->data;
    for (uint32_t z = 0; z < nz; z++)
        for (uint32_t y = 0; y < ny; y++)
            for (uint32_t x = 0; x < nx; x++) /* discs and a ramp: edges the blur softens */
                o[((size_t)z * ny + y) * nx + x] =
                    (uint16_t)(100 + 3 * x + (((int)x - 12) * ((int)x - 12) + ((int)y - 15) * ((int)y - 15) < 49 + 4 * (int)z ? 600 : 0) +
                               ((x / 9 + y / 7) % 2 ? 250 : 0));
    memset(info, 0, sizeof *info);
    volume_header(v, info);
    for (uint32_t z = 0; z < nz; z++)
        for (uint32_t y = 0; y < ny; y++)
            for (uint32_t x = 0; x < nx; x++) {
                int s = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = (int)x + dx, yy = (int)y + dy;
                        xx = xx < 0 ? 0 : xx >= (int)nx ? (int)nx - 1 : xx, yy = yy < 0 ? 0 : yy >= (int)ny ? (int)ny - 1 : yy;
                        s += o[((size_t)z * ny + yy) * nx + xx];
                    }
                dec[((size_t)z * ny + y) * nx + x] = (uint16_t)((s + 4) / 9);
            }
}

#endif
