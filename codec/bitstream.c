/*
 * The e2ec bitstream, version 1 (docs/bitstream.md is the specification).
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
#include "caps.h"
#include "fft_downsample.h"

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

e2ec_status bitstream_write(const e2ec_info *info, const float *weights, size_t n_weights,
                            uint8_t **out, size_t *size) {
    if (!info || !weights || !out || !size || n_weights == 0) return E2EC_ERR_ARG;
    *out = NULL;
    *size = 0;
    if (n_weights > E2EC_MAX_WEIGHTS) return E2EC_ERR_LIMIT;
    /* Values that would be silently truncated by their byte width. */
    if (!fits((int)info->type, 0xff) || !fits((int)info->mode, 0xff) ||
        !fits((int)info->upsampler, 0xff) || !fits(info->scale, 0xff) ||
        !fits(info->siren_layers, 0xff) || !fits(info->siren_width, 0xffff) ||
        !fits(info->srno_channels, 0xffff) || !fits(info->srno_width, 0xffff) ||
        !fits(info->srno_heads, 0xff))
        return E2EC_ERR_ARG;

    const int fp16 = info->fp16 != 0;
    const size_t wsize = fp16 ? 2 : 4, raw_bytes = n_weights * wsize;
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    for (size_t i = 0; i < n_weights; i++) {
        if (!isfinite(weights[i])) {
            free(raw);
            return E2EC_ERR_WEIGHTS;
        }
        if (fp16) {
            uint16_t h = half_from_float(weights[i]);
            if ((h & 0x7c00u) == 0x7c00u) { /* beyond 65504: would read back as Inf */
                free(raw);
                return E2EC_ERR_WEIGHTS;
            }
            put_u16(raw + 2 * i, h);
        } else {
            put_f32(raw + 4 * i, weights[i]);
        }
    }

    uLongf payload_bytes = compressBound((uLong)raw_bytes);
    uint8_t *s = malloc(BS_MIN_SIZE + (size_t)payload_bytes);
    if (!s) {
        free(raw);
        return E2EC_ERR_NOMEM;
    }
    int zr = compress2(s + BS_OFF_PAYLOAD, &payload_bytes, raw, (uLong)raw_bytes, 9);
    free(raw);
    if (zr != Z_OK) {
        free(s);
        return zr == Z_MEM_ERROR ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL;
    }

    memcpy(s + BS_OFF_MAGIC, magic, sizeof magic);
    put_u16(s + BS_OFF_VERSION, E2EC_BITSTREAM_VERSION);
    put_u16(s + BS_OFF_HEADER_BYTES, BS_HEADER_BYTES_V1);
    put_u16(s + BS_OFF_FLAGS, fp16 ? BS_FLAG_FP16 : 0);
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
    put_u32(s + BS_OFF_PAYLOAD_BYTES, (uint32_t)payload_bytes);
    size_t total = BS_MIN_SIZE + (size_t)payload_bytes;
    put_u32(s + total - BS_CRC_BYTES, crc_of(s, total - BS_CRC_BYTES));

    e2ec_info check;
    e2ec_status st = bitstream_read_info(s, total, &check);
    if (st != E2EC_OK) {
        free(s);
        return st;
    }
    uint8_t *shrunk = realloc(s, total); /* give back compressBound's slack */
    *out = shrunk ? shrunk : s;
    *size = total;
    return E2EC_OK;
}

/* ------------------------------------------------------------------ reader */

/* The framing: magic, version, header length, and a total size that matches
 * payload_bytes. Checked before the CRC, because a stream of another version
 * may not even keep its CRC where version 1 does. */
static e2ec_status check_frame(const uint8_t *s, size_t size) {
    size_t m = size < sizeof magic ? size : sizeof magic;
    if (memcmp(s, magic, m) != 0) return E2EC_ERR_MAGIC;
    if (size < BS_OFF_FLAGS) return E2EC_ERR_TRUNCATED;
    if (get_u16(s + BS_OFF_VERSION) != E2EC_BITSTREAM_VERSION) return E2EC_ERR_VERSION;
    if (get_u16(s + BS_OFF_HEADER_BYTES) != BS_HEADER_BYTES_V1) return E2EC_ERR_HEADER;
    if (size < BS_MIN_SIZE) return E2EC_ERR_TRUNCATED;
    uint64_t want = (uint64_t)BS_MIN_SIZE + get_u32(s + BS_OFF_PAYLOAD_BYTES);
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

e2ec_status bitstream_read_info(const uint8_t *s, size_t size, e2ec_info *info) {
    if (!s || !info) return E2EC_ERR_ARG;
    TRY(check_frame(s, size));
    if (get_u32(s + size - BS_CRC_BYTES) != crc_of(s, size - BS_CRC_BYTES)) return E2EC_ERR_CRC;

    /* Fields, in stream order, into a local copy: info is only written on success. */
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.version = E2EC_BITSTREAM_VERSION;
    uint32_t flags = get_u16(s + BS_OFF_FLAGS);
    if (flags & ~BS_FLAG_FP16) return E2EC_ERR_HEADER;
    in.fp16 = (flags & BS_FLAG_FP16) != 0;

    in.nx = get_u32(s + BS_OFF_NX);
    in.ny = get_u32(s + BS_OFF_NY);
    in.nz = get_u32(s + BS_OFF_NZ);
    TRY(check_count(in.nx, E2EC_MAX_DIM));
    TRY(check_count(in.ny, E2EC_MAX_DIM));
    TRY(check_count(in.nz, E2EC_MAX_DIM));
    if ((uint64_t)in.nx * in.ny * in.nz > E2EC_MAX_VOXELS) return E2EC_ERR_LIMIT;

    for (int a = 0; a < 3; a++) {
        in.spacing[a] = get_f32(s + BS_OFF_SPACING + 4 * a);
        if (!isfinite(in.spacing[a]) || !(in.spacing[a] > 0)) return E2EC_ERR_HEADER;
    }

    uint8_t type = s[BS_OFF_VOXEL_TYPE];
    if (type < E2EC_U8 || type > E2EC_F32) return E2EC_ERR_HEADER;
    in.type = (e2ec_voxel_type)type;
    in.bits_stored = s[BS_OFF_BITS_STORED];
    if (in.type == E2EC_F32 ? in.bits_stored != 0 : in.bits_stored > 8 * e2ec_voxel_size(in.type))
        return E2EC_ERR_MISMATCH;

    uint8_t mode = s[BS_OFF_MODE];
    if (mode < E2EC_MODE_SIREN || mode > E2EC_MODE_E2E) return E2EC_ERR_HEADER;
    in.mode = (e2ec_mode)mode;
    uint8_t up = s[BS_OFF_UPSAMPLER];
    if (in.mode == E2EC_MODE_SIREN_DS) {
        if (up < E2EC_UP_TRILINEAR || up > E2EC_UP_TRICUBIC) return E2EC_ERR_HEADER;
    } else if (up != 0) {
        return E2EC_ERR_MISMATCH;
    }
    in.upsampler = (e2ec_upsampler)up;

    in.vmin = get_f64(s + BS_OFF_VMIN);
    in.vmax = get_f64(s + BS_OFF_VMAX);
    if (!isfinite(in.vmin) || !isfinite(in.vmax)) return E2EC_ERR_HEADER;
    if (in.vmin > in.vmax) return E2EC_ERR_MISMATCH;

    uint8_t scale = s[BS_OFF_SCALE];
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) return E2EC_ERR_HEADER;
    if (in.mode == E2EC_MODE_SIREN && scale != 1) return E2EC_ERR_MISMATCH;
    in.scale = scale;

    uint32_t layers = s[BS_OFF_SIREN_LAYERS], width = get_u16(s + BS_OFF_SIREN_WIDTH);
    TRY(check_count(layers, E2EC_MAX_SIREN_LAYERS));
    TRY(check_count(width, E2EC_MAX_SIREN_WIDTH));
    in.siren_layers = (int)layers;
    in.siren_width = (int)width;
    in.omega0 = get_f32(s + BS_OFF_OMEGA0);
    if (!isfinite(in.omega0) || !(in.omega0 > 0)) return E2EC_ERR_HEADER;

    in.lx = get_u32(s + BS_OFF_LX);
    in.ly = get_u32(s + BS_OFF_LY);
    in.lz = get_u32(s + BS_OFF_LZ);
    if (in.lx != lowres_size(in.nx, (int)scale) || in.ly != lowres_size(in.ny, (int)scale) ||
        in.lz != lowres_size(in.nz, (int)scale))
        return E2EC_ERR_MISMATCH;

    uint32_t nc = get_u16(s + BS_OFF_SRNO_CHANNELS), nw = get_u16(s + BS_OFF_SRNO_WIDTH),
             nh = s[BS_OFF_SRNO_HEADS];
    if (in.mode == E2EC_MODE_E2E) {
        TRY(check_count(nc, E2EC_MAX_SRNO_CHANNELS));
        TRY(check_count(nw, E2EC_MAX_SRNO_WIDTH));
        TRY(check_count(nh, E2EC_MAX_SRNO_HEADS));
    } else if (nc || nw || nh) {
        return E2EC_ERR_MISMATCH;
    }
    in.srno_channels = (int)nc;
    in.srno_width = (int)nw;
    in.srno_heads = (int)nh;

    if (s[BS_OFF_RESERVED] != 0) return E2EC_ERR_HEADER;
    in.n_weights = get_u32(s + BS_OFF_N_WEIGHTS);
    TRY(check_count(in.n_weights, E2EC_MAX_WEIGHTS));

    in.stream_bytes = size;
    *info = in;
    return E2EC_OK;
}

e2ec_status bitstream_read_weights(const uint8_t *s, size_t size, const e2ec_info *info,
                                   float *w) {
    if (!s || !info || !w) return E2EC_ERR_ARG;
    /* info must describe this stream: re-check what sizes the work below, so
     * that a caller's mistake cannot make us read or write out of bounds. */
    if (check_frame(s, size) != E2EC_OK || info->n_weights == 0 ||
        info->n_weights > E2EC_MAX_WEIGHTS ||
        get_u32(s + BS_OFF_N_WEIGHTS) != info->n_weights ||
        ((get_u16(s + BS_OFF_FLAGS) & BS_FLAG_FP16) != 0) != (info->fp16 != 0))
        return E2EC_ERR_ARG;

    const size_t n = info->n_weights, wsize = info->fp16 ? 2 : 4;
    /* Inflate straight into w's memory, exactly n * wsize bytes: one byte
     * more or less than that, or anything after the end of the zlib stream,
     * is a bad payload; output beyond the buffer is never produced (a zlib
     * bomb stops at the buffer's end). */
    uint8_t *b = (uint8_t *)w;
    z_stream z;
    memset(&z, 0, sizeof z);
    int zr = inflateInit(&z);
    if (zr != Z_OK) return zr == Z_MEM_ERROR ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL;
    z.next_in = s + BS_OFF_PAYLOAD;
    z.avail_in = get_u32(s + BS_OFF_PAYLOAD_BYTES);
    z.next_out = b;
    z.avail_out = (uInt)(n * wsize);
    zr = inflate(&z, Z_FINISH);
    int complete = zr == Z_STREAM_END && z.avail_out == 0 && z.avail_in == 0;
    inflateEnd(&z);
    if (zr == Z_MEM_ERROR) return E2EC_ERR_NOMEM;
    if (!complete) return E2EC_ERR_PAYLOAD;

    /* Decode in place. Halves are read from the top down: float i (bytes
     * 4i..4i+3) only overwrites halves 2i and 2i+1, which are >= i and so
     * already decoded (or, for i = 0, read just before). */
    if (info->fp16) {
        for (size_t i = n; i-- > 0;) w[i] = half_to_float((uint16_t)get_u16(b + 2 * i));
    } else {
        for (size_t i = 0; i < n; i++) w[i] = get_f32(b + 4 * i);
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i])) return E2EC_ERR_WEIGHTS;
    return E2EC_OK;
}
