/* A latent model made without training, for the tests and the fuzz seeds: a
 * 3-level pyramid over a 12 x 10 x 6 volume whose levels' latents are drawn at
 * random (or all zero, or only their alphabet's ends), a random binary16 MLP
 * of width 8, and an ARM of 8 units quantised from random floats. */
#ifndef E2EC_TEST_LATENT_SYNTHETIC_H
#define E2EC_TEST_LATENT_SYNTHETIC_H

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "half.h"
#include "latent/latent_section.h"
#include "lossless/ll_context.h"
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
    int np = arm_param_count(LL_CTX, 8);
    float *p = malloc((size_t)np * sizeof *p);
    for (int i = 0; i < np; i++) p[i] = rng_range(&r, -0.4f, 0.4f);
    arm_int_quantise(&m->arm, LL_CTX, 8, p);
    free(p);
}

/* m's stream, as a u16 volume of values 0..1000 would have it: the writer's
 * mode_stream (its payload malloc'ed, kept for edits) and the stream
 * (e2ec_free). */
static inline e2ec_status latent_synthetic_stream(const latent_model *m, mode_stream *ms,
                                                  uint8_t **s, size_t *n) {
    e2ec_volume v;
    memset(ms, 0, sizeof *ms);
    e2ec_status st = e2ec_volume_alloc(&v, SYN_NX, SYN_NY, SYN_NZ, E2EC_U16);
    if (st) return st;
    for (size_t i = 0; i < (size_t)SYN_NX * SYN_NY * SYN_NZ; i++)
        ((uint16_t *)v.data)[i] = (uint16_t)(i * 37 % 1001);
    volume_header(&v, &ms->info);
    e2ec_volume_free(&v);
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

/* A latent stream s of n bytes, as the library writes it (version
 * E2EC_BITSTREAM_VERSION), that has no post-filter and `entries` value map
 * entries, as an older version writes it: version 3 without the post-filter's
 * byte, version 2 without that and the entries (an older version's encoder
 * had neither); the header's sizes and the CRC made right. *out: malloc'ed. */
static inline int latent_stream_as_version(const uint8_t *s, size_t n, int version, uint32_t entries,
                                           uint8_t **out, size_t *out_n) {
    size_t tail = 4 * (size_t)entries, cut = (version < 4 ? 1 : 0) + (version < 3 ? tail : 0);
    if (n < BS_MIN_SIZE_V2 + 1 + tail) return -1;
    size_t filter_at = n - 4 - 1; /* the post-filter's kind ends the payload (POST_FILTER_NONE) */
    if (s[filter_at] != 0) return -1;
    uint8_t *b = malloc(n);
    if (!b) return -1;
    size_t at = n - 4 - cut;
    memcpy(b, s, at);
    put_u16(b + BS_OFF_VERSION, (uint32_t)version);
    put_u32(b + BS_OFF_PAYLOAD_BYTES, get_u32(s + BS_OFF_PAYLOAD_BYTES) - (uint32_t)cut);
    put_u32(b + BS_OFF_WEIGHTS_BYTES, get_u32(s + BS_OFF_WEIGHTS_BYTES) - (uint32_t)cut);
    put_u32(b + at, (uint32_t)crc32(0L, b, (uInt)at));
    *out = b, *out_n = at + 4;
    return 0;
}

#endif
