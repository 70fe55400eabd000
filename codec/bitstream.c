/*
 * The e2ec bitstream, versions 1 and 2 (docs/bitstream.md is the specification).
 * Every field is written and read byte by byte, little-endian, at the
 * offsets of bitstream.h: no struct is copied, nothing is read unaligned, and
 * the result does not depend on the host's byte order.
 */
#define ZLIB_CONST
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bitstream.h"
#include "half.h"
#include "quant.h"
#include "caps.h"
#include "fft_downsample.h"
#include "grid_fit.h"

static const uint8_t magic[4] = {'E', '2', 'E', 'C'};

/* ------------------------------------------------------ little-endian bytes */

static void put_u16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_f32(uint8_t *p, float f) {
    uint32_t v;
    memcpy(&v, &f, sizeof v);
    put_u32(p, v);
}
static void put_f64(uint8_t *p, double d) {
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put_u64(p, v);
}

static uint32_t get_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}
static float get_f32(const uint8_t *p) {
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}
static double get_f64(const uint8_t *p) {
    uint64_t v = get_u64(p);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* zlib's crc32 takes a uInt length: feed it in chunks so any size_t works. */
static uint32_t crc_of(const uint8_t *p, size_t n) {
    uLong c = crc32(0L, Z_NULL, 0);
    while (n) {
        uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
        c = crc32(c, p, k);
        p += k, n -= k;
    }
    return (uint32_t)c;
}

/* ------------------------------------------------------------------ writer */

static int fits(int v, int max) { return v >= 0 && v <= max; }

/* The float weights as f32 or f16 bytes: the raw form both versions code. */
static e2ec_status float_bytes(const float *w, size_t n, int fp16, uint8_t *raw) {
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) return E2EC_ERR_WEIGHTS;
        if (fp16) {
            uint16_t h = half_from_float(w[i]);
            if ((h & 0x7c00u) == 0x7c00u) return E2EC_ERR_WEIGHTS; /* beyond 65504: Inf */
            put_u16(raw + 2 * i, h);
        } else {
            put_f32(raw + 4 * i, w[i]);
        }
    }
    return E2EC_OK;
}

/* A quantisation's group table and codes, as a quantised section holds them
 * before zstd: counts, offsets, scales, codes. */
static e2ec_status quant_bytes(const bs_weights *w, int bits, uint8_t *raw) {
    size_t g = w->n_groups, sum = 0;
    uint8_t *counts = raw, *offsets = raw + 4 * g, *scales = raw + 8 * g;
    for (size_t i = 0; i < g; i++) {
        if (w->counts[i] == 0) return E2EC_ERR_ARG;
        if (!isfinite(w->offsets[i]) || !isfinite(w->scales[i]) || w->scales[i] < 0.0f)
            return E2EC_ERR_WEIGHTS;
        sum += w->counts[i];
        put_u32(counts + 4 * i, w->counts[i]);
        put_f32(offsets + 4 * i, w->offsets[i]);
        put_f32(scales + 4 * i, w->scales[i]);
    }
    if (sum != w->n) return E2EC_ERR_ARG;
    for (size_t i = 0; i < w->n; i++)
        if (w->codes[i] >> bits) return E2EC_ERR_ARG;
    memcpy(raw + BS_QUANT_GROUP_BYTES * g, w->codes, w->n);
    return E2EC_OK;
}

static uint32_t zigzag(int32_t q) {
    return q >= 0 ? (uint32_t)q * 2u : (uint32_t)(-(int64_t)q) * 2u - 1u;
}
static int32_t unzigzag(uint32_t z) {
    return z & 1u ? (int32_t)(-(int64_t)(z >> 1) - 1) : (int32_t)(z >> 1);
}

/* Bytes per zigzag-coded feature: the fewest of 1, 2, 4 that hold them all. */
static int feature_bytes(const int32_t *q, uint64_t n) {
    uint32_t m = 0;
    for (uint64_t i = 0; i < n; i++) m |= zigzag(q[i]);
    return m <= 0xffu ? 1 : m <= 0xffffu ? 2 : 4;
}

/* GRID mode's section before zstd: the features, zigzag-coded little-endian
 * in fb bytes each (level by level, [z][y][x][feature] as grid_interp.h lays
 * them out), then the MLP's weights as binary16. */
static e2ec_status grid_section(const e2ec_info *info, const bs_weights *w, int fb, uint8_t **sec,
                                size_t *n) {
    size_t ng = (size_t)info->grid_values, raw_bytes = ng * (size_t)fb + 2 * w->n;
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    for (size_t i = 0; i < ng; i++) {
        uint32_t z = zigzag(w->grid[i]);
        for (int b = 0; b < fb; b++) raw[(size_t)fb * i + (size_t)b] = (uint8_t)(z >> (8 * b));
    }
    e2ec_status st = float_bytes(w->values, w->n, 1, raw + ng * (size_t)fb);
    if (!st) st = quant_zstd_pack(raw, raw_bytes, sec, n);
    free(raw);
    return st;
}

/* The weights section: zstd of the float or quantised bytes. */
static e2ec_status weights_section(const e2ec_info *info, const bs_weights *w, uint8_t **sec,
                                   size_t *n) {
    int bits = info->quant_bits;
    size_t raw_bytes;
    if (bits == 0) {
        if (!w->values) return E2EC_ERR_ARG;
        raw_bytes = w->n * (info->fp16 ? 2 : 4);
    } else {
        if (bits < QUANT_MIN_BITS || bits > QUANT_MAX_BITS || info->fp16 || !w->counts ||
            !w->offsets || !w->scales || !w->codes || w->n_groups == 0 || w->n_groups > w->n)
            return E2EC_ERR_ARG;
        if (w->n_groups > E2EC_MAX_QUANT_GROUPS) return E2EC_ERR_LIMIT;
        raw_bytes = BS_QUANT_GROUP_BYTES * w->n_groups + w->n;
    }
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    e2ec_status st =
        bits ? quant_bytes(w, bits, raw) : float_bytes(w->values, w->n, info->fp16, raw);
    if (!st) st = quant_zstd_pack(raw, raw_bytes, sec, n);
    free(raw);
    return st;
}

static e2ec_status check_residual(const e2ec_info *info, const bs_residual *r, uint64_t *bytes) {
    if (!r->chunk_bytes || !r->chunks || info->type == E2EC_F32 ||
        (r->sample_bytes != 1 && r->sample_bytes != 2 && r->sample_bytes != 4) ||
        r->max_error > E2EC_MAX_ERROR)
        return E2EC_ERR_ARG;
    *bytes = 4ull * info->nz;
    for (uint32_t z = 0; z < info->nz; z++) {
        if (r->chunk_bytes[z] == 0) return E2EC_ERR_ARG;
        *bytes += r->chunk_bytes[z];
    }
    return E2EC_OK;
}

/* Offsets 0..87: what versions 1 and 2 share. */
static void put_common_header(uint8_t *s, const e2ec_info *info, uint32_t flags, size_t n_weights,
                              uint32_t payload_bytes) {
    memcpy(s + BS_OFF_MAGIC, magic, sizeof magic);
    put_u16(s + BS_OFF_VERSION, E2EC_BITSTREAM_VERSION);
    put_u16(s + BS_OFF_HEADER_BYTES, BS_HEADER_BYTES_V2);
    put_u16(s + BS_OFF_FLAGS, flags);
    put_u32(s + BS_OFF_NX, info->nx);
    put_u32(s + BS_OFF_NY, info->ny);
    put_u32(s + BS_OFF_NZ, info->nz);
    for (int a = 0; a < 3; a++) put_f32(s + BS_OFF_SPACING + 4 * a, info->spacing[a]);
    s[BS_OFF_VOXEL_TYPE] = (uint8_t)info->type;
    s[BS_OFF_BITS_STORED] = info->bits_stored;
    s[BS_OFF_MODE] = (uint8_t)info->mode;
    s[BS_OFF_UPSAMPLER] = (uint8_t)info->upsampler;
    put_f64(s + BS_OFF_VMIN, info->vmin);
    put_f64(s + BS_OFF_VMAX, info->vmax);
    s[BS_OFF_SCALE] = (uint8_t)info->scale;
    s[BS_OFF_SIREN_LAYERS] = (uint8_t)info->siren_layers;
    put_u16(s + BS_OFF_SIREN_WIDTH, (uint32_t)info->siren_width);
    put_f32(s + BS_OFF_OMEGA0, info->omega0);
    put_u32(s + BS_OFF_LX, info->lx);
    put_u32(s + BS_OFF_LY, info->ly);
    put_u32(s + BS_OFF_LZ, info->lz);
    put_u16(s + BS_OFF_SRNO_CHANNELS, (uint32_t)info->srno_channels);
    put_u16(s + BS_OFF_SRNO_WIDTH, (uint32_t)info->srno_width);
    s[BS_OFF_SRNO_HEADS] = (uint8_t)info->srno_heads;
    s[BS_OFF_RESERVED] = 0;
    put_u32(s + BS_OFF_N_WEIGHTS, (uint32_t)n_weights);
    put_u32(s + BS_OFF_PAYLOAD_BYTES, payload_bytes);
}

e2ec_status bitstream_write(const e2ec_info *info, const bs_weights *w, const bs_residual *res,
                            uint8_t **out, size_t *size) {
    if (!info || !w || !out || !size || w->n == 0) return E2EC_ERR_ARG;
    *out = NULL;
    *size = 0;
    if (w->n > E2EC_MAX_WEIGHTS) return E2EC_ERR_LIMIT;
    /* Values that would be silently truncated by their byte width. */
    if (!fits((int)info->type, 0xff) || !fits((int)info->mode, 0xff) ||
        !fits((int)info->upsampler, 0xff) || !fits(info->scale, 0xff) ||
        !fits(info->siren_layers, 0xff) || !fits(info->siren_width, 0xffff) ||
        !fits(info->srno_channels, 0xffff) || !fits(info->srno_width, 0xffff) ||
        !fits(info->srno_heads, 0xff) || !fits(info->quant_bits, 0xff))
        return E2EC_ERR_ARG;
    uint64_t res_bytes = 0;
    e2ec_status st = res ? check_residual(info, res, &res_bytes) : E2EC_OK;
    if (st) return st;

    int grid = info->mode == E2EC_MODE_GRID, fb = 0;
    if (grid) {
        if (!w->grid || !w->values || res || info->quant_bits || !info->fp16 ||
            info->grid_values == 0 || info->grid_values > E2EC_MAX_GRID_VALUES ||
            !fits(info->grid_levels, 0xff) || !fits(info->grid_feats, 0xff) ||
            !fits(info->grid_hidden, 0xffff) || !fits(info->grid_step[0], 0xffff) ||
            !fits(info->grid_step[1], 0xffff) || !fits(info->grid_step[2], 0xffff))
            return E2EC_ERR_ARG;
        fb = feature_bytes(w->grid, info->grid_values);
    }
    size_t at = grid ? BS_OFF_PAYLOAD_GRID : BS_OFF_PAYLOAD_V2;
    uint8_t *sec;
    size_t sec_bytes;
    if ((st = grid ? grid_section(info, w, fb, &sec, &sec_bytes)
                   : weights_section(info, w, &sec, &sec_bytes)))
        return st;
    uint64_t payload = sec_bytes + res_bytes;
    if (payload > 0xffffffffu - at - BS_CRC_BYTES) {
        free(sec);
        return E2EC_ERR_LIMIT;
    }
    size_t total = at + BS_CRC_BYTES + (size_t)payload;
    uint8_t *s = malloc(total);
    if (!s) {
        free(sec);
        return E2EC_ERR_NOMEM;
    }
    uint32_t flags = (info->fp16 ? BS_FLAG_FP16 : 0) | (res ? BS_FLAG_RESIDUAL : 0);
    put_common_header(s, info, flags, w->n, (uint32_t)payload);
    s[BS_OFF_QUANT_BITS] = (uint8_t)info->quant_bits;
    s[BS_OFF_RES_SAMPLE] = res ? res->sample_bytes : 0;
    put_u16(s + BS_OFF_RESERVED2, 0);
    put_u32(s + BS_OFF_QUANT_GROUPS, info->quant_bits ? (uint32_t)w->n_groups : 0);
    put_u32(s + BS_OFF_WEIGHTS_BYTES, (uint32_t)sec_bytes);
    put_u32(s + BS_OFF_MAX_ERROR, res ? res->max_error : 0);
    if (grid) {
        put_u16(s + BS_OFF_HEADER_BYTES, BS_HEADER_BYTES_GRID);
        s[BS_OFF_GRID_LEVELS] = (uint8_t)info->grid_levels;
        s[BS_OFF_GRID_FEATS] = (uint8_t)info->grid_feats;
        put_u16(s + BS_OFF_GRID_HIDDEN, (uint32_t)info->grid_hidden);
        for (int a = 0; a < 3; a++) put_u16(s + BS_OFF_GRID_STEP + 2 * a, (uint32_t)info->grid_step[a]);
        s[BS_OFF_GRID_FBYTES] = (uint8_t)fb;
        s[BS_OFF_GRID_RESERVED] = 0;
        put_f32(s + BS_OFF_GRID_DELTA, info->grid_delta);
    }
    uint8_t *p = s + at;
    memcpy(p, sec, sec_bytes);
    free(sec);
    p += sec_bytes;
    if (res) {
        size_t chunks = 0;
        for (uint32_t z = 0; z < info->nz; z++, p += 4) {
            put_u32(p, res->chunk_bytes[z]);
            chunks += res->chunk_bytes[z];
        }
        memcpy(p, res->chunks, chunks);
    }
    put_u32(s + total - BS_CRC_BYTES, crc_of(s, total - BS_CRC_BYTES));

    e2ec_info check;
    if ((st = bitstream_read_info(s, total, &check))) {
        free(s);
        return st;
    }
    *out = s;
    *size = total;
    return E2EC_OK;
}

/* ------------------------------------------------------------------ reader */

/* The framing: magic, version, header length, and a total size that matches
 * payload_bytes; *payload gets the payload's offset. Checked before the CRC,
 * because a stream of another version may not even keep its CRC here. */
static e2ec_status check_frame(const uint8_t *s, size_t size, size_t *payload) {
    size_t m = size < sizeof magic ? size : sizeof magic;
    if (memcmp(s, magic, m) != 0) return E2EC_ERR_MAGIC;
    if (size < BS_OFF_FLAGS) return E2EC_ERR_TRUNCATED;
    uint32_t version = get_u16(s + BS_OFF_VERSION);
    if (version != 1 && version != 2) return E2EC_ERR_VERSION;
    /* GRID mode (version 2) has its own header after the common one */
    if (version == 2 && size <= BS_OFF_MODE) return E2EC_ERR_TRUNCATED;
    *payload = version == 1                        ? BS_OFF_PAYLOAD
               : s[BS_OFF_MODE] == E2EC_MODE_GRID ? BS_OFF_PAYLOAD_GRID
                                                  : BS_OFF_PAYLOAD_V2;
    if (get_u16(s + BS_OFF_HEADER_BYTES) != *payload - BS_OFF_FLAGS) return E2EC_ERR_HEADER;
    if (size < *payload + BS_CRC_BYTES) return E2EC_ERR_TRUNCATED;
    uint64_t want = (uint64_t)*payload + BS_CRC_BYTES + get_u32(s + BS_OFF_PAYLOAD_BYTES);
    if ((uint64_t)size < want) return E2EC_ERR_TRUNCATED;
    if ((uint64_t)size > want) return E2EC_ERR_TRAILING;
    return E2EC_OK;
}

/* A count that must be 1..cap: 0 is meaningless (HEADER), more is a cap (LIMIT). */
static e2ec_status check_count(uint32_t v, uint32_t cap) {
    if (v == 0) return E2EC_ERR_HEADER;
    return v > cap ? E2EC_ERR_LIMIT : E2EC_OK;
}

#define TRY(x)                             \
    do {                                   \
        e2ec_status try_ = (x);            \
        if (try_ != E2EC_OK) return try_;  \
    } while (0)

/* Offsets 0..87, shared by versions 1 and 2, in stream order. */
static e2ec_status read_common(const uint8_t *s, uint32_t flag_mask, e2ec_info *in) {
    uint32_t flags = get_u16(s + BS_OFF_FLAGS);
    if (flags & ~flag_mask) return E2EC_ERR_HEADER;
    in->fp16 = (flags & BS_FLAG_FP16) != 0;
    in->has_residual = (flags & BS_FLAG_RESIDUAL) != 0;

    in->nx = get_u32(s + BS_OFF_NX);
    in->ny = get_u32(s + BS_OFF_NY);
    in->nz = get_u32(s + BS_OFF_NZ);
    TRY(check_count(in->nx, E2EC_MAX_DIM));
    TRY(check_count(in->ny, E2EC_MAX_DIM));
    TRY(check_count(in->nz, E2EC_MAX_DIM));
    if ((uint64_t)in->nx * in->ny * in->nz > E2EC_MAX_VOXELS) return E2EC_ERR_LIMIT;

    for (int a = 0; a < 3; a++) {
        in->spacing[a] = get_f32(s + BS_OFF_SPACING + 4 * a);
        if (!isfinite(in->spacing[a]) || !(in->spacing[a] > 0)) return E2EC_ERR_HEADER;
    }

    uint8_t type = s[BS_OFF_VOXEL_TYPE];
    if (type < E2EC_U8 || type > E2EC_F32) return E2EC_ERR_HEADER;
    in->type = (e2ec_voxel_type)type;
    in->bits_stored = s[BS_OFF_BITS_STORED];
    if (in->type == E2EC_F32 ? in->bits_stored != 0
                             : in->bits_stored > 8 * e2ec_voxel_size(in->type))
        return E2EC_ERR_MISMATCH;

    uint8_t mode = s[BS_OFF_MODE];
    if (mode < E2EC_MODE_SIREN || mode > E2EC_MODE_GRID) return E2EC_ERR_HEADER;
    in->mode = (e2ec_mode)mode;
    uint8_t up = s[BS_OFF_UPSAMPLER];
    if (in->mode == E2EC_MODE_SIREN_DS) {
        if (up < E2EC_UP_TRILINEAR || up > E2EC_UP_TRICUBIC) return E2EC_ERR_HEADER;
    } else if (up != 0) {
        return E2EC_ERR_MISMATCH;
    }
    in->upsampler = (e2ec_upsampler)up;

    in->vmin = get_f64(s + BS_OFF_VMIN);
    in->vmax = get_f64(s + BS_OFF_VMAX);
    if (!isfinite(in->vmin) || !isfinite(in->vmax)) return E2EC_ERR_HEADER;
    if (in->vmin > in->vmax) return E2EC_ERR_MISMATCH;

    uint8_t scale = s[BS_OFF_SCALE];
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) return E2EC_ERR_HEADER;
    int grid = in->mode == E2EC_MODE_GRID;
    if ((in->mode == E2EC_MODE_SIREN || grid) && scale != 1) return E2EC_ERR_MISMATCH;
    in->scale = scale;

    uint32_t layers = s[BS_OFF_SIREN_LAYERS], width = get_u16(s + BS_OFF_SIREN_WIDTH);
    in->omega0 = get_f32(s + BS_OFF_OMEGA0);
    if (grid) { /* no SIREN: its fields are 0 */
        if (layers || width || get_u32(s + BS_OFF_OMEGA0)) return E2EC_ERR_MISMATCH;
    } else {
        TRY(check_count(layers, E2EC_MAX_SIREN_LAYERS));
        TRY(check_count(width, E2EC_MAX_SIREN_WIDTH));
        if (!isfinite(in->omega0) || !(in->omega0 > 0)) return E2EC_ERR_HEADER;
    }
    in->siren_layers = (int)layers;
    in->siren_width = (int)width;

    in->lx = get_u32(s + BS_OFF_LX);
    in->ly = get_u32(s + BS_OFF_LY);
    in->lz = get_u32(s + BS_OFF_LZ);
    if (in->lx != lowres_size(in->nx, (int)scale) || in->ly != lowres_size(in->ny, (int)scale) ||
        in->lz != lowres_size(in->nz, (int)scale))
        return E2EC_ERR_MISMATCH;

    uint32_t nc = get_u16(s + BS_OFF_SRNO_CHANNELS), nw = get_u16(s + BS_OFF_SRNO_WIDTH),
             nh = s[BS_OFF_SRNO_HEADS];
    if (in->mode == E2EC_MODE_E2E) {
        TRY(check_count(nc, E2EC_MAX_SRNO_CHANNELS));
        TRY(check_count(nw, E2EC_MAX_SRNO_WIDTH));
        TRY(check_count(nh, E2EC_MAX_SRNO_HEADS));
    } else if (nc || nw || nh) {
        return E2EC_ERR_MISMATCH;
    }
    in->srno_channels = (int)nc;
    in->srno_width = (int)nw;
    in->srno_heads = (int)nh;

    if (s[BS_OFF_RESERVED] != 0) return E2EC_ERR_HEADER;
    in->n_weights = get_u32(s + BS_OFF_N_WEIGHTS);
    return check_count(in->n_weights, E2EC_MAX_WEIGHTS);
}

/* The residual section's chunk table (nz sizes, then the chunks) must fill
 * exactly the bytes after the weights. */
static e2ec_status check_chunk_table(const uint8_t *s, size_t section, uint64_t bytes,
                                     uint32_t nz) {
    if (bytes < 4ull * nz) return E2EC_ERR_MISMATCH;
    uint64_t sum = 4ull * nz;
    for (uint32_t z = 0; z < nz; z++) {
        uint32_t c = get_u32(s + section + 4 * (size_t)z);
        if (c == 0) return E2EC_ERR_HEADER;
        sum += c;
    }
    return sum == bytes ? E2EC_OK : E2EC_ERR_MISMATCH;
}

/* Offsets 88..103 of version 2, in stream order. */
static e2ec_status read_v2(const uint8_t *s, e2ec_info *in) {
    int bits = s[BS_OFF_QUANT_BITS];
    if (bits != 0 && (bits < QUANT_MIN_BITS || bits > QUANT_MAX_BITS)) return E2EC_ERR_HEADER;
    if (bits && in->fp16) return E2EC_ERR_MISMATCH;
    /* GRID: binary16 MLP weights, no residual */
    if (in->mode == E2EC_MODE_GRID && (bits || !in->fp16 || in->has_residual))
        return E2EC_ERR_MISMATCH;
    in->quant_bits = bits;
    uint8_t sample = s[BS_OFF_RES_SAMPLE];
    if (in->has_residual ? sample != 1 && sample != 2 && sample != 4 : sample != 0)
        return in->has_residual ? E2EC_ERR_HEADER : E2EC_ERR_MISMATCH;
    in->residual_sample_bytes = sample;
    if (get_u16(s + BS_OFF_RESERVED2) != 0) return E2EC_ERR_HEADER;
    in->quant_groups = get_u32(s + BS_OFF_QUANT_GROUPS);
    if (bits) {
        TRY(check_count(in->quant_groups, E2EC_MAX_QUANT_GROUPS));
        if (in->quant_groups > in->n_weights) return E2EC_ERR_MISMATCH;
    } else if (in->quant_groups) {
        return E2EC_ERR_MISMATCH;
    }
    uint32_t payload = get_u32(s + BS_OFF_PAYLOAD_BYTES);
    in->weights_bytes = get_u32(s + BS_OFF_WEIGHTS_BYTES);
    if (in->weights_bytes == 0) return E2EC_ERR_HEADER;
    if (in->weights_bytes > payload) return E2EC_ERR_MISMATCH;
    in->max_error = get_u32(s + BS_OFF_MAX_ERROR);
    uint64_t res_bytes = (uint64_t)payload - in->weights_bytes;
    if (!in->has_residual) return in->max_error || res_bytes ? E2EC_ERR_MISMATCH : E2EC_OK;
    if (in->max_error > E2EC_MAX_ERROR) return E2EC_ERR_LIMIT;
    if (in->type == E2EC_F32) return E2EC_ERR_MISMATCH;
    return check_chunk_table(s, BS_OFF_PAYLOAD_V2 + (size_t)in->weights_bytes, res_bytes, in->nz);
}

/* Offsets 104..119 of a GRID stream, in stream order: every field is checked
 * before the grid's size is derived from it, and that size against its cap. */
static e2ec_status read_grid_header(const uint8_t *s, e2ec_info *in) {
    uint32_t levels = s[BS_OFF_GRID_LEVELS], feats = s[BS_OFF_GRID_FEATS];
    uint32_t hidden = get_u16(s + BS_OFF_GRID_HIDDEN), n[3] = {in->nx, in->ny, in->nz};
    TRY(check_count(levels, GRID_MAX_LEVELS));
    TRY(check_count(feats, E2EC_MAX_GRID_FEATS));
    TRY(check_count(hidden, E2EC_MAX_GRID_HIDDEN));
    grid_fit_config c;
    grid_fit_defaults(&c);
    c.levels = (int)levels, c.feats = (int)feats, c.hidden = (int)hidden;
    for (int a = 0; a < 3; a++) {
        uint32_t step = get_u16(s + BS_OFF_GRID_STEP + 2 * a);
        if (step == 0) return E2EC_ERR_HEADER;
        if (n[a] < 2 || step > n[a] - 1) return E2EC_ERR_MISMATCH; /* no cell to hold */
        c.fine_step[a] = in->grid_step[a] = (int)step;
    }
    uint32_t fb = s[BS_OFF_GRID_FBYTES];
    if ((fb != 1 && fb != 2 && fb != 4) || s[BS_OFF_GRID_RESERVED]) return E2EC_ERR_HEADER;
    in->grid_delta = get_f32(s + BS_OFF_GRID_DELTA);
    if (!isfinite(in->grid_delta) || !(in->grid_delta > 0)) return E2EC_ERR_HEADER;
    grid_shape gs;
    if (grid_shape_for(&c, in->nx, in->ny, in->nz, &gs)) return E2EC_ERR_HEADER;
    if (gs.off[gs.levels] > E2EC_MAX_GRID_VALUES) return E2EC_ERR_LIMIT;
    if (in->n_weights != grid_mlp_size((int)(levels * feats), (int)hidden))
        return E2EC_ERR_MISMATCH;
    in->grid_levels = (int)levels, in->grid_feats = (int)feats, in->grid_hidden = (int)hidden;
    in->grid_feature_bytes = (int)fb;
    in->grid_values = gs.off[gs.levels];
    return E2EC_OK;
}

e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info) {
    if (!s || !info) return E2EC_ERR_ARG;
    size_t payload;
    TRY(check_frame(s, size, &payload));
    if (get_u32(s + size - BS_CRC_BYTES) != crc_of(s, size - BS_CRC_BYTES)) return E2EC_ERR_CRC;

    /* Fields, in stream order, into a local copy: info is only written on success. */
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.version = (uint16_t)get_u16(s + BS_OFF_VERSION);
    int v2 = in.version == 2;
    TRY(read_common(s, v2 ? BS_FLAG_FP16 | BS_FLAG_RESIDUAL : BS_FLAG_FP16, &in));
    if (v2) TRY(read_v2(s, &in));
    else in.weights_bytes = get_u32(s + BS_OFF_PAYLOAD_BYTES);
    if (in.mode == E2EC_MODE_GRID) {
        if (!v2) return E2EC_ERR_MISMATCH;
        TRY(read_grid_header(s, &in));
    }
    in.stream_bytes = size;
    *info = in;
    return E2EC_OK;
}

/* Version 1: inflate straight into w's memory, exactly n * wsize bytes: one
 * byte more or less than that, or anything after the end of the zlib stream,
 * is a bad payload; output beyond the buffer is never produced (a zlib bomb
 * stops at the buffer's end). */
static e2ec_status inflate_exact(const uint8_t *in, size_t n, uint8_t *out, size_t want) {
    z_stream z;
    memset(&z, 0, sizeof z);
    int zr = inflateInit(&z);
    if (zr != Z_OK) return zr == Z_MEM_ERROR ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL;
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)want;
    zr = inflate(&z, Z_FINISH);
    int complete = zr == Z_STREAM_END && z.avail_out == 0 && z.avail_in == 0;
    inflateEnd(&z);
    if (zr == Z_MEM_ERROR) return E2EC_ERR_NOMEM;
    return complete ? E2EC_OK : E2EC_ERR_PAYLOAD;
}

/* Float weights, unpacked into w's own memory then decoded in place. Halves
 * are read from the top down: float i (bytes 4i..4i+3) only overwrites halves
 * 2i and 2i+1, which are >= i and so already decoded (or, for i = 0, read
 * just before). */
static e2ec_status read_floats(const uint8_t *sec, size_t sec_bytes, const e2ec_info *info,
                               float *w) {
    const size_t n = info->n_weights, wsize = info->fp16 ? 2 : 4;
    uint8_t *b = (uint8_t *)w;
    e2ec_status st = info->version == 1 ? inflate_exact(sec, sec_bytes, b, n * wsize)
                                        : quant_zstd_unpack(sec, sec_bytes, b, n * wsize);
    if (st) return st;
    if (info->fp16) {
        for (size_t i = n; i-- > 0;) w[i] = half_to_float((uint16_t)get_u16(b + 2 * i));
    } else {
        for (size_t i = 0; i < n; i++) w[i] = get_f32(b + 4 * i);
    }
    return E2EC_OK;
}

/* Quantised weights: the group table must cover exactly n_weights, codes
 * must fit quant_bits, offsets and scales be finite (scales >= 0). */
static e2ec_status read_quantised(const uint8_t *sec, size_t sec_bytes, const e2ec_info *info,
                                  float *w) {
    const size_t n = info->n_weights, g = info->quant_groups;
    const size_t raw_bytes = BS_QUANT_GROUP_BYTES * g + n;
    uint8_t *raw = malloc(raw_bytes);
    uint32_t *counts = malloc(sizeof(uint32_t) * g);
    float *offsets = malloc(sizeof(float) * g), *scales = malloc(sizeof(float) * g);
    e2ec_status st = !raw || !counts || !offsets || !scales
                         ? E2EC_ERR_NOMEM
                         : quant_zstd_unpack(sec, sec_bytes, raw, raw_bytes);
    uint64_t sum = 0;
    for (size_t i = 0; i < g && !st; i++) {
        counts[i] = get_u32(raw + 4 * i);
        offsets[i] = get_f32(raw + 4 * g + 4 * i);
        scales[i] = get_f32(raw + 8 * g + 4 * i);
        sum += counts[i];
        if (counts[i] == 0) st = E2EC_ERR_PAYLOAD;
        else if (!isfinite(offsets[i]) || !isfinite(scales[i]) || scales[i] < 0.0f)
            st = E2EC_ERR_WEIGHTS;
    }
    if (!st && sum != n) st = E2EC_ERR_PAYLOAD;
    const uint8_t *codes = raw + BS_QUANT_GROUP_BYTES * g;
    for (size_t i = 0; i < n && !st; i++)
        if (codes[i] >> info->quant_bits) st = E2EC_ERR_PAYLOAD;
    if (!st) quant_dequantise(codes, counts, g, offsets, scales, w);
    free(raw), free(counts), free(offsets), free(scales);
    return st;
}

/* Whether info describes the stream s (what sizes buffers and loops must
 * agree): a caller's mistake must not make us read or write out of bounds. */
static int info_matches(const uint8_t *s, size_t size, const e2ec_info *info, size_t *payload) {
    if (check_frame(s, size, payload) != E2EC_OK || info->version != get_u16(s + BS_OFF_VERSION) ||
        info->n_weights == 0 || info->n_weights > E2EC_MAX_WEIGHTS ||
        get_u32(s + BS_OFF_N_WEIGHTS) != info->n_weights ||
        ((get_u16(s + BS_OFF_FLAGS) & BS_FLAG_FP16) != 0) != (info->fp16 != 0))
        return 0;
    if (info->version == 1) return info->quant_bits == 0 && !info->has_residual;
    return s[BS_OFF_QUANT_BITS] == info->quant_bits &&
           get_u32(s + BS_OFF_QUANT_GROUPS) == info->quant_groups &&
           info->quant_groups <= E2EC_MAX_QUANT_GROUPS &&
           get_u32(s + BS_OFF_WEIGHTS_BYTES) == info->weights_bytes &&
           info->weights_bytes <= get_u32(s + BS_OFF_PAYLOAD_BYTES) &&
           ((get_u16(s + BS_OFF_FLAGS) & BS_FLAG_RESIDUAL) != 0) == (info->has_residual != 0) &&
           info->nz == get_u32(s + BS_OFF_NZ) &&
           (s[BS_OFF_MODE] == E2EC_MODE_GRID) == (info->mode == E2EC_MODE_GRID);
}

/* A GRID stream described by info: the fields that size the section agree. */
static int grid_matches(const uint8_t *s, size_t size, const e2ec_info *info, size_t *payload) {
    if (!info_matches(s, size, info, payload) || info->mode != E2EC_MODE_GRID) return 0;
    e2ec_info again;
    return bitstream_read_info(s, size, &again) == E2EC_OK &&
           again.grid_values == info->grid_values &&
           again.grid_feature_bytes == info->grid_feature_bytes;
}

e2ec_status bitstream_read_grid(const uint8_t *s, size_t size, const e2ec_info *info, int32_t *q,
                                float *mlp) {
    size_t payload;
    if (!s || !info || !q || !mlp || !grid_matches(s, size, info, &payload)) return E2EC_ERR_ARG;
    size_t ng = (size_t)info->grid_values, fb = (size_t)info->grid_feature_bytes;
    size_t nw = info->n_weights, raw_bytes = ng * fb + 2 * nw;
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    e2ec_status st = quant_zstd_unpack(s + payload, info->weights_bytes, raw, raw_bytes);
    for (size_t i = 0; i < ng && !st; i++) {
        uint32_t z = 0;
        for (size_t b = 0; b < fb; b++) z |= (uint32_t)raw[fb * i + b] << (8 * b);
        q[i] = unzigzag(z);
    }
    for (size_t i = 0; i < nw && !st; i++) {
        mlp[i] = half_to_float((uint16_t)get_u16(raw + fb * ng + 2 * i));
        if (!isfinite(mlp[i])) st = E2EC_ERR_WEIGHTS;
    }
    free(raw);
    return st;
}

e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w) {
    if (!s || !info || !w) return E2EC_ERR_ARG;
    size_t payload;
    if (!info_matches(s, size, info, &payload) || info->mode == E2EC_MODE_GRID)
        return E2EC_ERR_ARG; /* a grid's section is read by bitstream_read_grid */
    const uint8_t *sec = s + payload;
    size_t sec_bytes = info->version == 1 ? get_u32(s + BS_OFF_PAYLOAD_BYTES) : info->weights_bytes;
    e2ec_status st = info->quant_bits ? read_quantised(sec, sec_bytes, info, w)
                                      : read_floats(sec, sec_bytes, info, w);
    if (st) return st;
    for (size_t i = 0; i < info->n_weights; i++)
        if (!isfinite(w[i])) return E2EC_ERR_WEIGHTS;
    return E2EC_OK;
}

e2ec_status bitstream_residual_chunk(const uint8_t *s, size_t size, const e2ec_info *info,
                                     uint32_t z, const uint8_t **chunk, size_t *n) {
    size_t payload;
    if (!s || !info || !chunk || !n || !info->has_residual || z >= info->nz ||
        !info_matches(s, size, info, &payload))
        return E2EC_ERR_ARG;
    /* the table was checked to fill the section exactly (read_info); bounds
     * are checked again so that a stream changed since cannot mislead us */
    size_t table = payload + info->weights_bytes, end = size - BS_CRC_BYTES;
    if (table + 4ull * info->nz > end) return E2EC_ERR_ARG;
    size_t at = table + 4 * (size_t)info->nz;
    for (uint32_t k = 0; k < z; k++) at += get_u32(s + table + 4 * (size_t)k);
    size_t len = get_u32(s + table + 4 * (size_t)z);
    if (at > end || len > end - at) return E2EC_ERR_ARG;
    *chunk = s + at;
    *n = len;
    return E2EC_OK;
}
