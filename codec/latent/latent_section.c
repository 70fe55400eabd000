/* The latent mode's header section and payload (latent_section.h, docs/bitstream.md). */
#include "latent_section.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "caps.h"
#include "ent/arm_section.h"
#include "ent/laplace_int.h"
#include "half.h"
#include "lossless/ll_code.h"
#include "lossless/ll_model.h"
#include "lossless/ll_section.h"
#include "net_section.h"

_Static_assert(E2EC_MAX_LATENT_LEVELS == GRID_MAX_LEVELS, "a latent level is a grid level");
_Static_assert(LATENT_HEADER_BYTES <= MODE_MAX_HEADER_BYTES, "the header section fits");

uint32_t latent_weight_count(int levels, int hidden, int arm_hidden) {
    return (uint32_t)(grid_mlp_size(levels, hidden) + (size_t)arm_param_count(LL_CTX, arm_hidden));
}

static uint64_t level_nodes(const int r[3]) { return (uint64_t)r[0] * (uint64_t)r[1] * (uint64_t)r[2]; }

/* The payload's bytes outside the levels and the tail: the ARM's tensors and
 * the MLP's, stored (version 4 and before); version 5 codes them
 * (net_section.h), in at least NET_SECTION_FIXED bytes. */
static uint64_t fixed_bytes(const e2ec_info *in) {
    if (in->version >= 5) return NET_SECTION_FIXED;
    return arm_section_bytes(LL_CTX, in->arm_hidden) + 2 * grid_mlp_size(in->grid_levels, in->grid_hidden);
}

/* A level's ll_model (E = 0: the latents are coded exactly). */
static ll_model level_model(const latent_model *m, int l) {
    return (ll_model){m->lo[l], m->hi[l], m->shift[l], &m->arm, 0};
}

static ll_shape level_shape(const grid_shape *s, int l, int32_t lo) {
    return (ll_shape){s->res[l][0], s->res[l][1], s->res[l][2], lo};
}

/* The header's fields of m into info; E2EC_ERR_ARG where m does not fit them. */
static e2ec_status fill_info(const latent_model *m, e2ec_info *in) {
    const grid_shape *s = &m->syn.shape;
    uint32_t n[3] = {in->nx, in->ny, in->nz};
    if (s->levels < 1 || s->levels > E2EC_MAX_LATENT_LEVELS || s->feats != 1 ||
        m->syn.hidden < 1 || m->syn.hidden > E2EC_MAX_GRID_HIDDEN || m->arm.ctx != LL_CTX ||
        arm_int_check(m->arm.ctx, m->arm.hidden, m->arm.shift) || !m->syn.q || !m->syn.mlp)
        return E2EC_ERR_ARG;
    in->grid_levels = s->levels, in->grid_feats = 1, in->grid_hidden = m->syn.hidden;
    in->grid_delta = 1.0f;
    in->arm_hidden = m->arm.hidden;
    memcpy(in->arm_shift, m->arm.shift, sizeof in->arm_shift);
    for (int l = 0; l < s->levels; l++) {
        for (int a = 0; a < 3; a++) {
            int r = s->res[l][a], finer = l + 1 < s->levels ? s->res[l + 1][a] : (int)n[a];
            if (r < 2 || r > finer || (l + 1 == s->levels && r != finer)) return E2EC_ERR_ARG;
            in->latent_res[l][a] = r;
            in->latent_keys[l][a] = latent_keys_code(s->keys[l][a]);
            if (in->latent_keys[l][a] && (r == (int)n[a] || s->keys[l][a] != latent_keys_value(in->latent_keys[l][a])))
                return E2EC_ERR_ARG; /* a cubic axis is a coarse one, its a in the stream's steps */
        }
        ll_model lm = level_model(m, l);
        if (ll_model_check(&lm) || m->lo[l] < -E2EC_MAX_LATENT_ABS || m->hi[l] > E2EC_MAX_LATENT_ABS)
            return E2EC_ERR_ARG;
        in->latent_shift[l] = m->shift[l], in->latent_lo[l] = m->lo[l], in->latent_hi[l] = m->hi[l];
    }
    in->grid_values = s->off[s->levels];
    if (in->grid_values > E2EC_MAX_LATENTS) return E2EC_ERR_ARG;
    in->n_weights = latent_weight_count(s->levels, m->syn.hidden, m->arm.hidden);
    return E2EC_OK;
}

static void write_header(const e2ec_info *in, uint8_t *h) {
    memset(h, 0, LATENT_HEADER_BYTES);
    h[LAT_HDR_LEVELS] = (uint8_t)in->grid_levels;
    h[LAT_HDR_ARM_CTX] = LL_CTX;
    h[LAT_HDR_ARM_HIDDEN] = (uint8_t)in->arm_hidden;
    for (int k = 0; k < ARM_LAYERS; k++) h[LAT_HDR_ARM_SHIFT + k] = (uint8_t)in->arm_shift[k];
    put_u16(h + LAT_HDR_HIDDEN, (uint32_t)in->grid_hidden);
    for (int l = 0; l < in->grid_levels; l++) {
        uint8_t *v = h + LAT_HDR_LEVEL + LAT_LEVEL_BYTES * l;
        for (int a = 0; a < 3; a++) put_u16(v + LAT_LVL_RES + 2 * a, (uint32_t)in->latent_res[l][a]);
        v[LAT_LVL_SHIFT] = (uint8_t)in->latent_shift[l];
        v[LAT_LVL_GROUP] = (uint8_t)in->latent_group[l];
        put_u32(v + LAT_LVL_LO, (uint32_t)in->latent_lo[l]);
        put_u32(v + LAT_LVL_HI, (uint32_t)in->latent_hi[l]);
        put_u32(v + LAT_LVL_BYTES, in->latent_bytes[l]);
    }
}

/* Each level coded by ll_pack: its streams and their sizes. */
typedef struct {
    uint8_t *streams[E2EC_MAX_LATENT_LEVELS];
    uint32_t *sizes[E2EC_MAX_LATENT_LEVELS];
    size_t bytes[E2EC_MAX_LATENT_LEVELS];
} coded_levels;

static void coded_free(coded_levels *c) {
    for (int l = 0; l < E2EC_MAX_LATENT_LEVELS; l++) free(c->streams[l]), free(c->sizes[l]);
}

/* A level's table and streams in bytes. */
static uint64_t level_bytes(uint32_t streams, size_t bytes) { return 4ull * streams + bytes; }

/* The streams a level keeps for its parallel decode unless fewer save much. */
#define LATENT_MIN_STREAMS 16

/* Level l's streams: a stream's 8-byte state and 4-byte table entry are most
 * of a small or near-constant level (on the MR sample at lambda 1e-1, 1,560 of
 * 8,069 bytes in 130 one-slice streams), so the slices a stream interleaves
 * double while that saves bytes and leaves LATENT_MIN_STREAMS streams (a
 * wavefront decode on as many threads, ll_code.h), or saves more than 1/64 of
 * the level's bytes. */
static e2ec_status code_level(const latent_model *m, int l, e2ec_info *in, coded_levels *c) {
    const grid_shape *s = &m->syn.shape;
    ll_shape sh = level_shape(s, l, m->lo[l]);
    ll_model lm = level_model(m, l);
    size_t plane = (size_t)sh.nx * sh.ny, nodes = plane * (size_t)sh.nz;
    uint32_t nz = (uint32_t)sh.nz;
    rans_sym *syms = malloc(nodes * sizeof *syms);
    c->sizes[l] = malloc((size_t)nz * sizeof *c->sizes[l]);
    uint32_t *sizes = malloc((size_t)nz * sizeof *sizes);
    e2ec_status st = syms && c->sizes[l] && sizes ? E2EC_OK : E2EC_ERR_NOMEM;
    if (!st) st = ll_symbols(&sh, m->syn.q + s->off[l], &lm, syms, NULL);
    if (!st) st = ll_pack(syms, plane, nz, 0, &c->streams[l], &c->bytes[l], c->sizes[l]);
    int g = 0;
    for (int next = 1; !st && next <= LL_MAX_GROUP && (1u << (next - 1)) < nz; next++) {
        uint8_t *streams;
        size_t bytes;
        st = ll_pack(syms, plane, nz, next, &streams, &bytes, sizes);
        if (st) break;
        uint64_t was = level_bytes(ll_streams(nz, g), c->bytes[l]), now = level_bytes(ll_streams(nz, next), bytes);
        uint64_t saved = was - (now < was ? now : was);
        if (!saved || (ll_streams(nz, next) < LATENT_MIN_STREAMS && 64 * saved <= was)) {
            free(streams);
            break;
        }
        free(c->streams[l]);
        c->streams[l] = streams, c->bytes[l] = bytes, g = next;
        uint32_t *t = c->sizes[l];
        c->sizes[l] = sizes, sizes = t;
    }
    free(syms), free(sizes);
    if (st) return st;
    uint64_t level = level_bytes(ll_streams(nz, g), c->bytes[l]);
    if (level > UINT32_MAX) return E2EC_ERR_LIMIT;
    in->latent_bytes[l] = (uint32_t)level, in->latent_group[l] = g;
    return E2EC_OK;
}

e2ec_status latent_section_pack(const latent_model *m, mode_stream *out) {
    e2ec_info *in = &out->info;
    if (!m) return E2EC_ERR_ARG;
    e2ec_status st = fill_info(m, in);
    if (!st && (value_map_check(&m->map, in) || post_filter_check(&m->filter, in) ||
                (m->cnn.channels && (m->filter.on || !post_cnn_bytes(&m->cnn)))))
        st = E2EC_ERR_ARG; /* one post stage at most, the network's weights in their steps */
    coded_levels c;
    memset(&c, 0, sizeof c);
    uint8_t *nets = NULL;
    size_t nets_bytes = 0;
    if (!st) st = net_section_code(&m->arm, m->syn.mlp, in->grid_levels, in->grid_hidden, m->mlp_q, &nets, &nets_bytes);
    for (int l = 0; !st && l < in->grid_levels; l++) st = code_level(m, l, in, &c);
    size_t post = m->cnn.channels ? post_cnn_bytes(&m->cnn) : post_filter_bytes(&m->filter);
    uint64_t total = nets_bytes + 3 * (uint64_t)in->grid_levels + post +
                     (uint64_t)m->map.count * VALUE_MAP_ENTRY_BYTES;
    for (int l = 0; l < in->grid_levels; l++) total += in->latent_bytes[l];
    if (!st && total > UINT32_MAX) st = E2EC_ERR_LIMIT;
    uint8_t *p = st ? NULL : malloc((size_t)total);
    if (!st && !p) st = E2EC_ERR_NOMEM;
    if (!st) {
        memcpy(p, nets, nets_bytes);
        uint8_t *at = p + nets_bytes;
        for (int l = 0; l < in->grid_levels; l++)
            for (int a = 0; a < 3; a++) *at++ = (uint8_t)in->latent_keys[l][a];
        for (int l = 0; l < in->grid_levels; l++)
            at = ll_slices_write(at, ll_streams((uint32_t)in->latent_res[l][2], in->latent_group[l]),
                                 c.sizes[l], c.streams[l], c.bytes[l]);
        value_map_write(at, &m->map);
        at += (size_t)m->map.count * VALUE_MAP_ENTRY_BYTES;
        if (m->cnn.channels) st = post_cnn_write(at, post, &m->cnn);
        else post_filter_write(at, &m->filter);
    }
    coded_free(&c);
    free(nets);
    if (st) {
        free(p);
        return st;
    }
    write_header(in, out->header);
    out->payload = p;
    out->payload_bytes = (size_t)total;
    return E2EC_OK;
}

/* A level's slot, in stream order: resolution (nested in the previous level),
 * input shift, slices per stream, alphabet, bytes. */
static e2ec_status read_level(const uint8_t *v, int l, const uint32_t n[3], e2ec_info *in) {
    for (int a = 0; a < 3; a++) {
        uint32_t r = get_u16(v + LAT_LVL_RES + 2 * a);
        if (r < 2) return E2EC_ERR_HEADER; /* a grid interpolates between 2 nodes at least */
        if (r > n[a] || (l > 0 && (int)r < in->latent_res[l - 1][a])) return E2EC_ERR_MISMATCH;
        in->latent_res[l][a] = (int)r;
    }
    if (v[LAT_LVL_SHIFT] > LL_MAX_SHIFT || (in->version < 6 && v[LAT_LVL_GROUP])) return E2EC_ERR_HEADER;
    in->latent_shift[l] = v[LAT_LVL_SHIFT];
    /* one value of g per grouping: none past the one that holds every slice */
    int g = v[LAT_LVL_GROUP];
    if (g > LL_MAX_GROUP || (g > 0 && (1u << (g - 1)) >= (uint32_t)in->latent_res[l][2])) return E2EC_ERR_MISMATCH;
    in->latent_group[l] = g;
    int32_t lo = (int32_t)get_u32(v + LAT_LVL_LO), hi = (int32_t)get_u32(v + LAT_LVL_HI);
    if (lo > hi) return E2EC_ERR_HEADER;
    if ((int64_t)hi - lo >= LAPLACE_MAX_SYMBOLS || lo < -E2EC_MAX_LATENT_ABS ||
        hi > E2EC_MAX_LATENT_ABS)
        return E2EC_ERR_LIMIT;
    in->latent_lo[l] = lo, in->latent_hi[l] = hi;
    in->latent_bytes[l] = get_u32(v + LAT_LVL_BYTES);
    /* each stream: its size in the table and 8 bytes at least */
    if (in->latent_bytes[l] / 12 < ll_streams((uint32_t)in->latent_res[l][2], g)) return E2EC_ERR_MISMATCH;
    return E2EC_OK;
}

static int all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

e2ec_status latent_section_read_header(const uint8_t *sec, e2ec_info *in) {
    uint32_t levels = sec[LAT_HDR_LEVELS], arm_hidden = sec[LAT_HDR_ARM_HIDDEN];
    uint32_t hidden = get_u16(sec + LAT_HDR_HIDDEN), n[3] = {in->nx, in->ny, in->nz};
    e2ec_status st = caps_check_count(levels, E2EC_MAX_LATENT_LEVELS);
    if (st) return st;
    if (sec[LAT_HDR_ARM_CTX] != LL_CTX) return E2EC_ERR_UNSUPPORTED;
    if ((st = caps_check_count(arm_hidden, ARM_MAX_HIDDEN))) return st;
    for (int k = 0; k < ARM_LAYERS; k++) {
        in->arm_shift[k] = sec[LAT_HDR_ARM_SHIFT + k];
        if (in->arm_shift[k] > ARM_MAX_SHIFT) return E2EC_ERR_HEADER;
    }
    if ((st = caps_check_count(hidden, E2EC_MAX_GRID_HIDDEN))) return st;
    in->grid_levels = (int)levels, in->grid_feats = 1, in->grid_hidden = (int)hidden;
    in->grid_delta = 1.0f, in->arm_hidden = (int)arm_hidden;
    uint64_t latents = 0, payload = fixed_bytes(in);
    for (uint32_t l = 0; l < E2EC_MAX_LATENT_LEVELS; l++) {
        const uint8_t *v = sec + LAT_HDR_LEVEL + LAT_LEVEL_BYTES * l;
        if (l >= levels) {
            if (!all_zero(v, LAT_LEVEL_BYTES)) return E2EC_ERR_HEADER;
            continue;
        }
        if ((st = read_level(v, (int)l, n, in))) return st;
        latents += level_nodes(in->latent_res[l]);
        payload += in->latent_bytes[l];
    }
    for (int a = 0; a < 3; a++) /* the finest level is the volume's grid */
        if ((uint32_t)in->latent_res[levels - 1][a] != n[a]) return E2EC_ERR_MISMATCH;
    if (latents > E2EC_MAX_LATENTS) return E2EC_ERR_LIMIT;
    in->grid_values = latents;
    if (in->n_weights != latent_weight_count((int)levels, (int)hidden, (int)arm_hidden) ||
        in->weights_bytes < payload || (in->version < 3 && in->weights_bytes != payload))
        return E2EC_ERR_MISMATCH;
    return E2EC_OK; /* the rest, from version 3 on: latent_section_read_payload_info */
}

/* Where a payload of n bytes lays its parts: nets, the networks' bytes at its
 * start (version 5: the coded section, its size its own u16; before: the
 * ARM's stored tensors, the MLP's binary16 after the levels), then (version
 * 7) the levels' upsampling kernels, keys bytes, the levels at nets + keys,
 * and core, the bytes before the tail (the value map, the post-filter). */
typedef struct {
    size_t nets, keys;
    uint64_t core;
} payload_parts;

/* Version 7's kernel codes, one byte per level and axis (x, y, z), coarse
 * to fine: 0 linear, 1..LATENT_KEYS_MAX_CODE Keys' cubic; a cubic axis is one
 * whose nodes are sparser than the voxels. */
static size_t keys_bytes(const e2ec_info *in) { return in->version >= 7 ? 3 * (size_t)in->grid_levels : 0; }

static e2ec_status read_keys(const uint8_t *p, e2ec_info *in) {
    const uint32_t n[3] = {in->nx, in->ny, in->nz};
    for (int l = 0; l < in->grid_levels; l++)
        for (int a = 0; a < 3; a++) {
            int code = p ? p[3 * l + a] : 0;
            if (code > LATENT_KEYS_MAX_CODE) return E2EC_ERR_HEADER;
            if (code && (uint32_t)in->latent_res[l][a] == n[a]) return E2EC_ERR_MISMATCH;
            in->latent_keys[l][a] = code;
        }
    return E2EC_OK;
}

static e2ec_status parts_of(const uint8_t *payload, size_t n, const e2ec_info *in, payload_parts *p) {
    uint64_t levels = 0;
    for (int l = 0; l < in->grid_levels; l++) levels += in->latent_bytes[l];
    if (in->version >= 5) {
        e2ec_status st = net_section_size(payload, n, &p->nets);
        if (st) return st;
        p->keys = keys_bytes(in);
        p->core = p->nets + p->keys + levels;
    } else {
        p->nets = arm_section_bytes(LL_CTX, in->arm_hidden), p->keys = 0;
        p->core = fixed_bytes(in) + levels;
    }
    return p->core > n ? E2EC_ERR_MISMATCH : E2EC_OK;
}

/* The tail, n bytes after the core (parts_of): version 3 the value map's
 * entries, version 4 on the entries then the post-filter, or from version 8
 * the post-network, either ending the payload with its kind (*used: its
 * bytes). */
static e2ec_status read_tail(const uint8_t *tail, size_t n, const e2ec_info *in, post_filter *f, post_cnn *c,
                             size_t *used) {
    memset(f, 0, sizeof *f), memset(c, 0, sizeof *c);
    *used = 0;
    if (in->version >= 8 && n >= 1 && tail[n - 1] == POST_CNN_KIND) return post_cnn_read(tail, n, in, c, used);
    return in->version >= 4 ? post_filter_read(tail, n, in, f, used) : E2EC_OK;
}

e2ec_status latent_section_read_payload_info(const uint8_t *payload, size_t n, e2ec_info *in) {
    payload_parts pp;
    post_filter f;
    post_cnn c;
    size_t used;
    e2ec_status st = parts_of(payload, n, in, &pp);
    if (!st) st = read_keys(pp.keys ? payload + pp.nets : NULL, in);
    if (!st) st = read_tail(payload + pp.core, n - pp.core, in, &f, &c, &used);
    if (st) return st;
    in->post_filter = c.channels ? 2 : f.on, in->post_cnn_channels = c.channels;
    return value_map_count(n - pp.core - used, in, &in->value_map_entries);
}

/* The synthesis model's shape and buffers from info. */
static e2ec_status model_alloc(const e2ec_info *info, latent_model *m) {
    memset(m, 0, sizeof *m);
    grid_shape *s = &m->syn.shape;
    s->levels = info->grid_levels, s->feats = 1;
    memcpy(s->res, info->latent_res, sizeof s->res);
    if (grid_shape_init(s) != info->grid_values) return E2EC_ERR_ARG;
    m->syn.delta = 1.0f, m->syn.hidden = info->grid_hidden;
    m->syn.q = malloc((size_t)info->grid_values * sizeof *m->syn.q);
    m->syn.mlp = malloc(grid_mlp_size(s->levels, m->syn.hidden) * sizeof *m->syn.mlp);
    return m->syn.q && m->syn.mlp ? E2EC_OK : E2EC_ERR_NOMEM;
}

static e2ec_status read_levels(const uint8_t *p, const e2ec_info *info, latent_model *m) {
    const grid_shape *s = &m->syn.shape;
    e2ec_status st = E2EC_OK;
    for (int l = 0; l < s->levels && !st; l++) {
        m->shift[l] = info->latent_shift[l], m->lo[l] = info->latent_lo[l], m->hi[l] = info->latent_hi[l];
        ll_shape sh = level_shape(s, l, m->lo[l]);
        ll_model lm = level_model(m, l);
        uint32_t *sizes;
        const uint8_t *streams;
        size_t bytes;
        int g = info->latent_group[l];
        st = ll_slices_read(p, info->latent_bytes[l], ll_streams((uint32_t)sh.nz, g), &sizes, &streams, &bytes);
        if (!st) st = ll_decode(&sh, streams, bytes, sizes, g, &lm, m->syn.q + s->off[l]);
        free(sizes);
        p += info->latent_bytes[l];
    }
    return st;
}

/* The binary16 MLP of version 4 and before: nw weights at p. */
static e2ec_status read_half_mlp(const uint8_t *p, size_t nw, float *mlp) {
    for (size_t i = 0; i < nw; i++) {
        mlp[i] = half_to_float((uint16_t)get_u16(p + 2 * i));
        if (!isfinite(mlp[i])) return E2EC_ERR_WEIGHTS;
    }
    return E2EC_OK;
}

e2ec_status latent_section_read(const uint8_t *payload, size_t n, const e2ec_info *info,
                                latent_model *m) {
    payload_parts pp = {0, 0, 0};
    e2ec_status st = model_alloc(info, m);
    if (!st) st = parts_of(payload, n, info, &pp);
    if (!st && info->version < 3 && pp.core != n) st = E2EC_ERR_MISMATCH;
    if (!st) {
        m->arm.ctx = LL_CTX, m->arm.hidden = info->arm_hidden;
        memcpy(m->arm.shift, info->arm_shift, sizeof m->arm.shift);
        if (arm_int_check(m->arm.ctx, m->arm.hidden, m->arm.shift)) st = E2EC_ERR_ARG;
    }
    int cin = info->grid_levels, h = info->grid_hidden;
    size_t nw = grid_mlp_size(cin, h);
    if (!st)
        st = info->version >= 5 ? net_section_read(payload, pp.nets, &m->arm, m->syn.mlp, cin, h, m->mlp_q)
                                : arm_section_read(payload, &m->arm);
    e2ec_info k = *info; /* the kernels read again: a caller need not have read the payload's info */
    if (!st) st = read_keys(pp.keys ? payload + pp.nets : NULL, &k);
    for (int l = 0; !st && l < info->grid_levels; l++)
        for (int a = 0; a < 3; a++) {
            int code = k.latent_keys[l][a];
            m->syn.shape.keys[l][a] = code ? latent_keys_value(code) : 0.0f;
        }
    if (!st) st = read_levels(payload + pp.nets + pp.keys, info, m);
    if (!st && info->version < 5) st = read_half_mlp(payload + (pp.core - 2 * nw), nw, m->syn.mlp);
    size_t used = 0;
    if (!st) st = read_tail(payload + pp.core, n - pp.core, info, &m->filter, &m->cnn, &used);
    if (!st) st = value_map_read(payload + pp.core, n - pp.core - used, info, &m->map);
    if (st) grid_model_free(&m->syn);
    return st;
}
