/*
 * The e2ec bitstream, versions 1 to 4 (docs/bitstream.md is the specification):
 * the container of every mode's stream. Every field is written and read byte
 * by byte, little-endian, at the offsets of bitstream.h: no struct is copied,
 * nothing is read unaligned, and the result does not depend on the host's byte
 * order. What depends on the mode (which fields it uses, its own header
 * section, its payload) comes from its table (mode.h).
 */
#define ZLIB_CONST
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bitstream.h"
#include "bytes_le.h"
#include "caps.h"
#include "fft_downsample.h"
#include "mode.h"
#include "quant.h"

static const uint8_t magic[4] = {'E', '2', 'E', 'C'};

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

/* The bytes of the mode's own header section from version 2 on: 0 for a mode
 * byte this build does not know, which the reader refuses at its field. */
static size_t mode_header_bytes(int mode) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m ? m->layout.header_bytes : 0;
}

/* ------------------------------------------------------------------ writer */

static int fits(int v, int max) { return v >= 0 && v <= max; }

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
    put_u16(s + BS_OFF_HEADER_BYTES, (uint32_t)(BS_HEADER_BYTES_V2 + mode_header_bytes(info->mode)));
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

/* What the header's byte widths cannot hold, and a residual that does not
 * fit info; *res_bytes gets the residual section's size. */
static e2ec_status check_writable(const e2ec_info *info, const bs_residual *res,
                                  uint64_t *res_bytes) {
    /* Values that would be silently truncated by their byte width. */
    if (!fits((int)info->type, 0xff) || !fits((int)info->mode, 0xff) ||
        !fits((int)info->upsampler, 0xff) || !fits(info->scale, 0xff) ||
        !fits(info->siren_layers, 0xff) || !fits(info->siren_width, 0xffff) ||
        !fits(info->srno_channels, 0xffff) || !fits(info->srno_width, 0xffff) ||
        !fits(info->srno_heads, 0xff) || !fits(info->quant_bits, 0xff))
        return E2EC_ERR_ARG;
    *res_bytes = 0;
    return res ? check_residual(info, res, res_bytes) : E2EC_OK;
}

e2ec_status bitstream_write_stream(const mode_stream *ms, const bs_residual *res, uint8_t **out,
                                   size_t *size) {
    if (!ms || !out || !size || (!ms->payload && ms->payload_bytes)) return E2EC_ERR_ARG;
    *out = NULL;
    *size = 0;
    const e2ec_info *info = &ms->info;
    uint64_t res_bytes;
    e2ec_status st = check_writable(info, res, &res_bytes);
    if (st) return st;
    size_t hb = mode_header_bytes(info->mode), at = BS_OFF_PAYLOAD_V2 + hb;
    uint64_t payload = ms->payload_bytes + res_bytes;
    if (payload > 0xffffffffu - at - BS_CRC_BYTES) return E2EC_ERR_LIMIT;
    size_t total = at + BS_CRC_BYTES + (size_t)payload;
    uint8_t *s = malloc(total);
    if (!s) return E2EC_ERR_NOMEM;
    uint32_t flags = (info->fp16 ? BS_FLAG_FP16 : 0) | (res ? BS_FLAG_RESIDUAL : 0);
    put_common_header(s, info, flags, info->n_weights, (uint32_t)payload);
    s[BS_OFF_QUANT_BITS] = (uint8_t)info->quant_bits;
    s[BS_OFF_RES_SAMPLE] = res ? res->sample_bytes : 0;
    put_u16(s + BS_OFF_RESERVED2, 0);
    put_u32(s + BS_OFF_QUANT_GROUPS, info->quant_bits ? info->quant_groups : 0);
    put_u32(s + BS_OFF_WEIGHTS_BYTES, (uint32_t)ms->payload_bytes);
    put_u32(s + BS_OFF_MAX_ERROR, res ? res->max_error : 0);
    memcpy(s + BS_OFF_PAYLOAD_V2, ms->header, hb);
    uint8_t *p = s + at;
    if (ms->payload_bytes) memcpy(p, ms->payload, ms->payload_bytes);
    p += ms->payload_bytes;
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

e2ec_status bitstream_write(const e2ec_info *info, const bs_weights *w, const bs_residual *res,
                            uint8_t **out, size_t *size) {
    if (!info || !w || !out || !size || w->n == 0) return E2EC_ERR_ARG;
    *out = NULL;
    *size = 0;
    if (w->n > E2EC_MAX_WEIGHTS) return E2EC_ERR_LIMIT;
    uint64_t res_bytes;
    mode_stream ms = {.info = *info};
    ms.info.n_weights = (uint32_t)w->n;
    ms.info.quant_groups = info->quant_bits ? (uint32_t)w->n_groups : 0;
    e2ec_status st = check_writable(info, res, &res_bytes);
    if (!st) st = weights_section_pack(info, w, &ms.payload, &ms.payload_bytes);
    if (!st) st = bitstream_write_stream(&ms, res, out, size);
    free(ms.payload);
    return st;
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
    if (version < 1 || version > E2EC_BITSTREAM_VERSION) return E2EC_ERR_VERSION;
    /* a mode may have its own header section after the common one (version 2 on) */
    if (version >= 2 && size <= BS_OFF_MODE) return E2EC_ERR_TRUNCATED;
    *payload = version == 1 ? BS_OFF_PAYLOAD : BS_OFF_PAYLOAD_V2 + mode_header_bytes(s[BS_OFF_MODE]);
    if (get_u16(s + BS_OFF_HEADER_BYTES) != *payload - BS_OFF_FLAGS) return E2EC_ERR_HEADER;
    if (size < *payload + BS_CRC_BYTES) return E2EC_ERR_TRUNCATED;
    uint64_t want = (uint64_t)*payload + BS_CRC_BYTES + get_u32(s + BS_OFF_PAYLOAD_BYTES);
    if ((uint64_t)size < want) return E2EC_ERR_TRUNCATED;
    if ((uint64_t)size > want) return E2EC_ERR_TRAILING;
    return E2EC_OK;
}

#define TRY(x)                             \
    do {                                   \
        e2ec_status try_ = (x);            \
        if (try_ != E2EC_OK) return try_;  \
    } while (0)

/* Offsets 0..87, shared by versions 1 and 2, in stream order; *mode gets the
 * table of the stream's mode, whose layout says which fields it uses. */
static e2ec_status read_common(const uint8_t *s, uint32_t flag_mask, e2ec_info *in,
                               const e2ec_mode_ops **mode) {
    uint32_t flags = get_u16(s + BS_OFF_FLAGS);
    if (flags & ~flag_mask) return E2EC_ERR_HEADER;
    in->fp16 = (flags & BS_FLAG_FP16) != 0;
    in->has_residual = (flags & BS_FLAG_RESIDUAL) != 0;

    in->nx = get_u32(s + BS_OFF_NX);
    in->ny = get_u32(s + BS_OFF_NY);
    in->nz = get_u32(s + BS_OFF_NZ);
    TRY(caps_check_count(in->nx, E2EC_MAX_DIM));
    TRY(caps_check_count(in->ny, E2EC_MAX_DIM));
    TRY(caps_check_count(in->nz, E2EC_MAX_DIM));
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

    *mode = e2ec_mode_ops_of(s[BS_OFF_MODE]);
    if (!*mode) return E2EC_ERR_HEADER;
    const mode_layout *L = &(*mode)->layout;
    in->mode = (*mode)->mode;
    uint8_t up = s[BS_OFF_UPSAMPLER];
    if (L->upsampler) {
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
    if (!L->scaled && scale != 1) return E2EC_ERR_MISMATCH;
    in->scale = scale;

    uint32_t layers = s[BS_OFF_SIREN_LAYERS], width = get_u16(s + BS_OFF_SIREN_WIDTH);
    in->omega0 = get_f32(s + BS_OFF_OMEGA0);
    if (L->siren) {
        TRY(caps_check_count(layers, E2EC_MAX_SIREN_LAYERS));
        TRY(caps_check_count(width, E2EC_MAX_SIREN_WIDTH));
        if (!isfinite(in->omega0) || !(in->omega0 > 0)) return E2EC_ERR_HEADER;
    } else if (layers || width || get_u32(s + BS_OFF_OMEGA0)) { /* no SIREN: its fields are 0 */
        return E2EC_ERR_MISMATCH;
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
    if (L->srno) {
        TRY(caps_check_count(nc, E2EC_MAX_SRNO_CHANNELS));
        TRY(caps_check_count(nw, E2EC_MAX_SRNO_WIDTH));
        TRY(caps_check_count(nh, E2EC_MAX_SRNO_HEADS));
    } else if (nc || nw || nh) {
        return E2EC_ERR_MISMATCH;
    }
    in->srno_channels = (int)nc;
    in->srno_width = (int)nw;
    in->srno_heads = (int)nh;

    if (s[BS_OFF_RESERVED] != 0) return E2EC_ERR_HEADER;
    in->n_weights = get_u32(s + BS_OFF_N_WEIGHTS);
    return caps_check_count(in->n_weights, E2EC_MAX_WEIGHTS);
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

/* Offsets 88..103 of version 2, in stream order, against the mode's layout. */
static e2ec_status read_v2(const uint8_t *s, const mode_layout *L, e2ec_info *in) {
    int bits = s[BS_OFF_QUANT_BITS];
    if (bits != 0 && (bits < QUANT_MIN_BITS || bits > QUANT_MAX_BITS)) return E2EC_ERR_HEADER;
    if (bits && in->fp16) return E2EC_ERR_MISMATCH;
    if ((bits && !L->quantised) || (L->fp16_set && !in->fp16) ||
        (in->has_residual && !L->residual))
        return E2EC_ERR_MISMATCH;
    in->quant_bits = bits;
    uint8_t sample = s[BS_OFF_RES_SAMPLE];
    if (in->has_residual ? sample != 1 && sample != 2 && sample != 4 : sample != 0)
        return in->has_residual ? E2EC_ERR_HEADER : E2EC_ERR_MISMATCH;
    in->residual_sample_bytes = sample;
    if (get_u16(s + BS_OFF_RESERVED2) != 0) return E2EC_ERR_HEADER;
    in->quant_groups = get_u32(s + BS_OFF_QUANT_GROUPS);
    if (bits) {
        TRY(caps_check_count(in->quant_groups, E2EC_MAX_QUANT_GROUPS));
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
    size_t table = BS_OFF_PAYLOAD_V2 + L->header_bytes + (size_t)in->weights_bytes;
    return check_chunk_table(s, table, res_bytes, in->nz);
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
    /* versions 3 and 4 lay out as version 2 (they add the latent mode's value
     * map and post-filter) */
    int v2 = in.version >= 2;
    const e2ec_mode_ops *mode;
    TRY(read_common(s, v2 ? BS_FLAG_FP16 | BS_FLAG_RESIDUAL : BS_FLAG_FP16, &in, &mode));
    if (v2) TRY(read_v2(s, &mode->layout, &in));
    else in.weights_bytes = get_u32(s + BS_OFF_PAYLOAD_BYTES);
    if (in.version < mode->layout.min_version) return E2EC_ERR_MISMATCH;
    /* (a mode with a header section of its own exists from version 2 on) */
    if (v2 && mode->layout.header_bytes) TRY(mode->read_header(s + BS_OFF_PAYLOAD_V2, &in));
    if (v2 && mode->read_payload_info)
        TRY(mode->read_payload_info(s + BS_OFF_PAYLOAD_V2 + mode->layout.header_bytes,
                                    in.weights_bytes, &in));
    in.stream_bytes = size;
    *info = in;
    return E2EC_OK;
}

/* Whether info describes the stream s (what sizes buffers and loops must
 * agree): a caller's mistake must not make us read or write out of bounds. */
static int info_matches(const uint8_t *s, size_t size, const e2ec_info *info, size_t *payload) {
    if (check_frame(s, size, payload) != E2EC_OK || info->version != get_u16(s + BS_OFF_VERSION) ||
        s[BS_OFF_MODE] != (uint32_t)info->mode || info->n_weights == 0 ||
        info->n_weights > E2EC_MAX_WEIGHTS || get_u32(s + BS_OFF_N_WEIGHTS) != info->n_weights ||
        ((get_u16(s + BS_OFF_FLAGS) & BS_FLAG_FP16) != 0) != (info->fp16 != 0))
        return 0;
    if (info->version == 1) return info->quant_bits == 0 && !info->has_residual;
    return s[BS_OFF_QUANT_BITS] == info->quant_bits &&
           get_u32(s + BS_OFF_QUANT_GROUPS) == info->quant_groups &&
           info->quant_groups <= E2EC_MAX_QUANT_GROUPS &&
           get_u32(s + BS_OFF_WEIGHTS_BYTES) == info->weights_bytes &&
           info->weights_bytes <= get_u32(s + BS_OFF_PAYLOAD_BYTES) &&
           ((get_u16(s + BS_OFF_FLAGS) & BS_FLAG_RESIDUAL) != 0) == (info->has_residual != 0) &&
           info->nz == get_u32(s + BS_OFF_NZ);
}

e2ec_status bitstream_payload(const uint8_t *s, size_t size, const e2ec_info *info,
                              const uint8_t **payload, size_t *n) {
    size_t at;
    if (!s || !info || !payload || !n || !info_matches(s, size, info, &at)) return E2EC_ERR_ARG;
    *payload = s + at;
    *n = info->version == 1 ? get_u32(s + BS_OFF_PAYLOAD_BYTES) : info->weights_bytes;
    return E2EC_OK;
}

e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w) {
    if (!s || !info || !w) return E2EC_ERR_ARG;
    const uint8_t *sec;
    size_t n;
    e2ec_status st = bitstream_payload(s, size, info, &sec, &n);
    if (st) return st;
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(info->mode);
    if (!mode || !mode->layout.weights) return E2EC_ERR_ARG; /* its payload is its own */
    return weights_section_read(sec, n, info, w);
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
