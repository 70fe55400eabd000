/*
 * The bitstream (docs/bitstream.md): round trips, and that every damaged or
 * lying stream gets a named error and never a crash (CI runs this under
 * ASan + UBSan), for the version the library writes, 6 (float, quantised,
 * with a residual), for versions 2 to 5 (the same layout for these modes:
 * made from a version-6 stream) and for version 1 (made from a version-6
 * header, as e2ec 0.1 wrote it). Bad
 * streams are made from bitstream_write's output by
 * patching fields and recomputing the CRC, never by hand.
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "bitstream.h"
#include "grid_fit.h"
#include "grid_stream.h"
#include "check.h"
#include "half.h"
#include "caps.h"
#include "quant.h"
#include "residual.h"
#include <zstd.h>

#define NW 200

static uint32_t lcg = 12345;
static float rnd(void) { /* uniform in [-1, 1) */
    lcg = lcg * 1664525u + 1013904223u;
    return (float)(lcg >> 8) / 8388608.0f - 1.0f;
}

static uint32_t lowres(uint32_t n, int s) { return n / s ? n / s : 1; }

static e2ec_info make_info(e2ec_mode mode, int fp16) {
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.nx = 10, in.ny = 9, in.nz = 7;
    in.spacing[0] = 0.7f, in.spacing[1] = 0.75f, in.spacing[2] = 2.5f;
    in.type = E2EC_I16;
    in.bits_stored = 12;
    in.vmin = -1024.0, in.vmax = 3071.0;
    in.mode = mode;
    in.scale = mode == E2EC_MODE_SIREN ? 1 : (mode == E2EC_MODE_SIREN_DS ? 2 : 4);
    in.lx = lowres(in.nx, in.scale), in.ly = lowres(in.ny, in.scale), in.lz = lowres(in.nz, in.scale);
    in.siren_width = 16, in.siren_layers = 3;
    in.omega0 = 30.0f;
    if (mode == E2EC_MODE_SIREN_DS) in.upsampler = E2EC_UP_TRICUBIC;
    if (mode == E2EC_MODE_E2E) in.srno_channels = 8, in.srno_width = 16, in.srno_heads = 2;
    in.fp16 = fp16;
    return in;
}

/* ----------------------------------------------------- patching helpers */

static void put_le(uint8_t *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t f32_bits(float f) {
    uint32_t v;
    memcpy(&v, &f, 4);
    return v;
}
static uint64_t f64_bits(double d) {
    uint64_t v;
    memcpy(&v, &d, 8);
    return v;
}
static void fix_crc(uint8_t *s, size_t size) {
    put_le(s + size - 4, crc32(0L, s, (uInt)(size - 4)), 4);
}
static uint8_t *dup_bytes(const uint8_t *s, size_t n) {
    uint8_t *d = malloc(n ? n : 1);
    if (n) memcpy(d, s, n);
    return d;
}

/* The stream s with its payload replaced by payload (n_weights and flags as
 * already patched in s), CRC recomputed. */
static uint8_t *with_payload(const uint8_t *s, const uint8_t *payload, size_t pn, size_t *size) {
    *size = BS_MIN_SIZE + pn;
    uint8_t *d = malloc(*size);
    memcpy(d, s, BS_OFF_PAYLOAD);
    memcpy(d + BS_OFF_PAYLOAD, payload, pn);
    put_le(d + BS_OFF_PAYLOAD_BYTES, pn, 4);
    fix_crc(d, *size);
    return d;
}

/* zlib level 9 of raw bytes, as the writer does. */
static uint8_t *deflate_bytes(const uint8_t *raw, size_t n, size_t *pn) {
    uLongf cap = compressBound((uLong)n);
    uint8_t *p = malloc(cap);
    compress2(p, &cap, raw, (uLong)n, 9);
    *pn = cap;
    return p;
}

/* A stream of float weights, as the library writes it (E2EC_BITSTREAM_VERSION). */
static e2ec_status write_floats(const e2ec_info *in, const float *w, size_t n, uint8_t **s,
                                size_t *size) {
    bs_weights bw = {.n = n, .values = w};
    return bitstream_write(in, &bw, NULL, s, size);
}

/* A stream of a version from 2 to the library's: these modes lay out in
 * every version from 2 on as in 2. */
static e2ec_status write_older(int version, const e2ec_info *in, const float *w, size_t n, uint8_t **s,
                               size_t *size) {
    e2ec_status st = write_floats(in, w, n, s, size);
    if (!st) put_le(*s + BS_OFF_VERSION, (uint64_t)version, 2), fix_crc(*s, *size);
    return st;
}

/* A version-1 stream, as e2ec 0.1 wrote it: the shared header (offsets
 * 0..87) of a version-7 stream, version 1, the weights deflated. */
static e2ec_status write_v1(const e2ec_info *in, const float *w, size_t n, uint8_t **out,
                            size_t *size) {
    uint8_t *v2;
    size_t n2;
    e2ec_status st = write_floats(in, w, n, &v2, &n2);
    if (st) return st;
    size_t wsize = in->fp16 ? 2 : 4, pn;
    uint8_t *raw = malloc(n * wsize);
    for (size_t i = 0; i < n; i++)
        put_le(raw + wsize * i, in->fp16 ? half_from_float(w[i]) : f32_bits(w[i]), (int)wsize);
    uint8_t *p = deflate_bytes(raw, n * wsize, &pn);
    *size = BS_MIN_SIZE + pn;
    *out = malloc(*size);
    memcpy(*out, v2, BS_OFF_PAYLOAD);
    put_le(*out + BS_OFF_VERSION, 1, 2);
    put_le(*out + BS_OFF_HEADER_BYTES, BS_HEADER_BYTES_V1, 2);
    put_le(*out + BS_OFF_PAYLOAD_BYTES, pn, 4);
    memcpy(*out + BS_OFF_PAYLOAD, p, pn);
    fix_crc(*out, *size);
    free(raw), free(p), free(v2);
    return E2EC_OK;
}

/* read_info, then read_weights into a buffer of exactly n_weights floats,
 * then every slice's residual onto a zero slice. */
static e2ec_status parse_all(const uint8_t *s, size_t size, e2ec_info *info) {
    e2ec_status st = bitstream_read_info(s, size, info);
    if (st != E2EC_OK) return st;
    if (info->mode == E2EC_MODE_GRID) {
        int32_t *q = malloc(sizeof(int32_t) * info->grid_values);
        float *mlp = malloc(sizeof(float) * info->n_weights);
        const uint8_t *payload;
        size_t n;
        st = bitstream_payload(s, size, info, &payload, &n);
        if (!st) st = q && mlp ? grid_stream_read(payload, n, info, q, mlp) : E2EC_ERR_NOMEM;
        free(q), free(mlp);
        return st;
    }
    float *w = malloc(sizeof(float) * info->n_weights);
    if (!w) return E2EC_ERR_NOMEM;
    st = bitstream_read_weights(s, size, info, w);
    free(w);
    size_t plane = (size_t)info->nx * info->ny;
    for (uint32_t z = 0; z < info->nz && info->has_residual && !st; z++) {
        const uint8_t *chunk;
        size_t n;
        int16_t *slice = calloc(plane, sizeof *slice);
        st = bitstream_residual_chunk(s, size, info, z, &chunk, &n);
        if (!st)
            st = residual_apply(chunk, n, info->residual_sample_bytes, info->max_error, E2EC_I16,
                                -32768, 32767, info->nx, info->ny, slice);
        free(slice);
    }
    return st;
}

/* The errors a damaged stream may legitimately produce. */
static int is_stream_error(e2ec_status st) {
    switch (st) {
    case E2EC_ERR_TRUNCATED: case E2EC_ERR_MAGIC: case E2EC_ERR_VERSION:
    case E2EC_ERR_HEADER: case E2EC_ERR_MISMATCH: case E2EC_ERR_CRC:
    case E2EC_ERR_PAYLOAD: case E2EC_ERR_WEIGHTS: case E2EC_ERR_TRAILING:
    case E2EC_ERR_LIMIT: return 1;
    default: return 0;
    }
}

/* ------------------------------------------------------------ round trips */

typedef e2ec_status (*writer_fn)(const e2ec_info *, const float *, size_t, uint8_t **, size_t *);

static void test_round_trip(e2ec_mode mode, int fp16, int version) {
    float w[NW], back[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd() * (i % 7 ? 1.0f : 40.0f);
    w[3] = ldexpf(1.0f, -20); /* a half subnormal */
    w[5] = -0.0f;
    e2ec_info in = make_info(mode, fp16), out;
    uint8_t *s;
    size_t size;
    e2ec_status st = version == 1 ? write_v1(&in, w, NW, &s, &size) : write_older(version, &in, w, NW, &s, &size);
    CHECK(st == E2EC_OK, "mode %d fp16 %d: write: %s", mode, fp16, e2ec_error_name(st));
    if (st != E2EC_OK) return;
    CHECK(memcmp(s, "E2EC", 4) == 0 && s[4] == version && s[5] == 0, "magic, version");
    st = bitstream_read_info(s, size, &out);
    CHECK(st == E2EC_OK, "read_info: %s", e2ec_error_name(st));
    CHECK(out.version == version && out.stream_bytes == size && out.n_weights == NW,
          "version %u, stream_bytes %zu of %zu, n_weights %u", out.version, out.stream_bytes,
          size, out.n_weights);
    CHECK(out.nx == in.nx && out.ny == in.ny && out.nz == in.nz && out.lx == in.lx &&
              out.ly == in.ly && out.lz == in.lz, "dims");
    CHECK(memcmp(out.spacing, in.spacing, sizeof in.spacing) == 0, "spacing");
    CHECK(out.type == in.type && out.bits_stored == in.bits_stored && out.vmin == in.vmin &&
              out.vmax == in.vmax, "voxel type and range");
    CHECK(out.mode == in.mode && out.scale == in.scale && out.upsampler == in.upsampler &&
              out.siren_width == in.siren_width && out.siren_layers == in.siren_layers &&
              out.omega0 == in.omega0, "architecture");
    CHECK(out.srno_channels == in.srno_channels && out.srno_width == in.srno_width &&
              out.srno_heads == in.srno_heads && out.fp16 == fp16, "srno, fp16");
    st = bitstream_read_weights(s, size, &out, back);
    CHECK(st == E2EC_OK, "read_weights: %s", e2ec_error_name(st));
    int bad = 0;
    for (int i = 0; i < NW; i++) {
        float want = fp16 ? half_to_float(half_from_float(w[i])) : w[i];
        if (memcmp(&want, &back[i], sizeof want) != 0) bad++;
    }
    CHECK(bad == 0, "mode %d fp16 %d: %d weights differ (fp32 bit-exact, fp16 = rounding)",
          mode, fp16, bad);
    CHECK(size == (version == 1 ? BS_MIN_SIZE : BS_MIN_SIZE_V2) +
                      (s[BS_OFF_PAYLOAD_BYTES] | (size_t)s[BS_OFF_PAYLOAD_BYTES + 1] << 8),
          "size = header + payload + CRC");
    CHECK(out.quant_bits == 0 && !out.has_residual, "float weights, no residual");
    free(s);
}

static void test_writer_refuses(void) {
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    e2ec_info in = make_info(E2EC_MODE_SIREN_DS, 0);
    uint8_t *s = (uint8_t *)&in;
    size_t size = 1;
    w[7] = NAN;
    CHECK(write_floats(&in, w, NW, &s, &size) == E2EC_ERR_WEIGHTS && !s && !size, "NaN weight");
    w[7] = 7e4f;
    CHECK(write_floats(&in, w, NW, &s, &size) == E2EC_OK, "70000 fits fp32");
    free(s);
    in.fp16 = 1;
    CHECK(write_floats(&in, w, NW, &s, &size) == E2EC_ERR_WEIGHTS, "70000 is Inf in fp16");
    w[7] = 0;
    in.scale = 3;
    CHECK(write_floats(&in, w, NW, &s, &size) == E2EC_ERR_HEADER, "scale 3");
    in = make_info(E2EC_MODE_SIREN_DS, 0);
    in.siren_width = 65536 + 16; /* would wrap to 16 in a u16 */
    CHECK(write_floats(&in, w, NW, &s, &size) == E2EC_ERR_ARG, "width beyond u16");
    in = make_info(E2EC_MODE_SIREN_DS, 0);
    CHECK(write_floats(&in, w, 0, &s, &size) == E2EC_ERR_ARG, "no weights");
    CHECK(write_floats(&in, w, (size_t)E2EC_MAX_WEIGHTS + 1, &s, &size) == E2EC_ERR_LIMIT,
          "too many weights");
}

/* ------------------------------------------------------ damaged streams */

/* Damage of every kind to stream s (consumed). */
static void check_damage(const char *what, uint8_t *s, size_t size) {
    e2ec_info out;
    CHECK(parse_all(s, size, &out) == E2EC_OK, "%s: valid before damage", what);

    /* Every byte flipped (all bits, and the low bit): the CRC or a framing
     * check catches each one. */
    int flips_ok = 0, flips_unnamed = 0;
    for (size_t i = 0; i < size; i++)
        for (int k = 0; k < 2; k++) {
            uint8_t *d = dup_bytes(s, size);
            d[i] ^= k ? 0x01 : 0xff;
            e2ec_status st = parse_all(d, size, &out);
            flips_ok += st == E2EC_OK;
            flips_unnamed += !is_stream_error(st);
            free(d);
        }
    CHECK(flips_ok == 0 && flips_unnamed == 0, "%s: byte flips: %d accepted, %d not a stream error",
          what, flips_ok, flips_unnamed);

    /* Every bit flipped with the CRC made right again, so that the field
     * checks and the inflater see the damage: a named error or a valid parse
     * whose fields respect the caps. */
    int bits_unnamed = 0, bits_ok_bad = 0, seen[E2EC_ERR_COUNT_] = {0};
    for (size_t i = 0; i < size - 4; i++)
        for (int b = 0; b < 8; b++) {
            uint8_t *d = dup_bytes(s, size);
            d[i] ^= (uint8_t)(1u << b);
            fix_crc(d, size);
            e2ec_status st = parse_all(d, size, &out);
            seen[st]++;
            if (st == E2EC_OK)
                bits_ok_bad += out.n_weights > E2EC_MAX_WEIGHTS || out.nx > E2EC_MAX_DIM ||
                               out.siren_width > E2EC_MAX_SIREN_WIDTH;
            else
                bits_unnamed += !is_stream_error(st);
            free(d);
        }
    CHECK(bits_unnamed == 0 && bits_ok_bad == 0, "%s: bit flips: %d unnamed errors, %d bad accepts",
          what, bits_unnamed, bits_ok_bad);
    CHECK(seen[E2EC_ERR_HEADER] && seen[E2EC_ERR_MISMATCH] && seen[E2EC_ERR_LIMIT] &&
              seen[E2EC_ERR_PAYLOAD] && seen[E2EC_ERR_VERSION] && seen[E2EC_ERR_MAGIC],
          "%s: bit flips reach every field check", what);

    /* Every truncation, in a buffer of exactly that length (ASan sees any
     * read past it), and one byte too many. */
    int trunc_bad = 0;
    for (size_t n = 0; n < size; n++) {
        uint8_t *d = dup_bytes(s, n);
        trunc_bad += parse_all(d, n, &out) != E2EC_ERR_TRUNCATED;
        free(d);
    }
    CHECK(trunc_bad == 0, "%s: %d truncations not E2EC_ERR_TRUNCATED", what, trunc_bad);
    uint8_t *d = malloc(size + 1);
    memcpy(d, s, size);
    d[size] = 0;
    CHECK(parse_all(d, size + 1, &out) == E2EC_ERR_TRAILING, "%s: a byte appended", what);
    free(d);
    free(s);
}

static void test_damage(writer_fn write, int fp16) {
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    e2ec_info in = make_info(E2EC_MODE_E2E, fp16);
    uint8_t *s;
    size_t size;
    if (write(&in, w, NW, &s, &size) != E2EC_OK) {
        CHECK(0, "write");
        return;
    }
    check_damage(fp16 ? "float fp16" : "float fp32", s, size);
}

/* ------------------------------------------------------- lying headers */

enum { U8 = 1, U16 = 2, U32 = 4, U64 = 8 };
typedef struct {
    const char *what;
    e2ec_mode mode;
    int off, bytes;
    uint64_t value;
    e2ec_status want;
} lie;

static void test_lies(writer_fn write) {
    const lie lies[] = {
        {"magic", E2EC_MODE_SIREN, BS_OFF_MAGIC, U32, 0x45324543u /* "CE2E" */, E2EC_ERR_MAGIC},
        {"future version", E2EC_MODE_SIREN, BS_OFF_VERSION, U16, E2EC_BITSTREAM_VERSION + 1, E2EC_ERR_VERSION},
        {"version 0", E2EC_MODE_SIREN, BS_OFF_VERSION, U16, 0, E2EC_ERR_VERSION},
        {"header_bytes", E2EC_MODE_SIREN, BS_OFF_HEADER_BYTES, U16, BS_HEADER_BYTES_V1 + 4, E2EC_ERR_HEADER},
        {"unknown flag", E2EC_MODE_SIREN, BS_OFF_FLAGS, U16, 2, E2EC_ERR_HEADER},
        {"nx 0", E2EC_MODE_SIREN, BS_OFF_NX, U32, 0, E2EC_ERR_HEADER},
        {"nx too large", E2EC_MODE_SIREN, BS_OFF_NX, U32, E2EC_MAX_DIM + 1, E2EC_ERR_LIMIT},
        {"nz 2^32-1", E2EC_MODE_SIREN, BS_OFF_NZ, U32, 0xffffffffu, E2EC_ERR_LIMIT},
        {"spacing 0", E2EC_MODE_SIREN, BS_OFF_SPACING, U32, f32_bits(0.0f), E2EC_ERR_HEADER},
        {"spacing < 0", E2EC_MODE_SIREN, BS_OFF_SPACING + 4, U32, f32_bits(-1.0f), E2EC_ERR_HEADER},
        {"spacing NaN", E2EC_MODE_SIREN, BS_OFF_SPACING + 8, U32, f32_bits(NAN), E2EC_ERR_HEADER},
        {"voxel type 0", E2EC_MODE_SIREN, BS_OFF_VOXEL_TYPE, U8, 0, E2EC_ERR_HEADER},
        {"voxel type 5", E2EC_MODE_SIREN, BS_OFF_VOXEL_TYPE, U8, 5, E2EC_ERR_HEADER},
        {"bits_stored 17 of i16", E2EC_MODE_SIREN, BS_OFF_BITS_STORED, U8, 17, E2EC_ERR_MISMATCH},
        {"mode 0", E2EC_MODE_SIREN, BS_OFF_MODE, U8, 0, E2EC_ERR_HEADER},
        {"mode 7 (unknown)", E2EC_MODE_SIREN, BS_OFF_MODE, U8, E2EC_MODE_LATENT + 1, E2EC_ERR_HEADER},
        /* a known mode whose layout the fields contradict: a SIREN stream called lossless */
        {"mode 5 on SIREN fields", E2EC_MODE_SIREN, BS_OFF_MODE, U8, E2EC_MODE_LOSSLESS, E2EC_ERR_MISMATCH},
        {"upsampler in SIREN", E2EC_MODE_SIREN, BS_OFF_UPSAMPLER, U8, 1, E2EC_ERR_MISMATCH},
        {"upsampler 3", E2EC_MODE_SIREN_DS, BS_OFF_UPSAMPLER, U8, 3, E2EC_ERR_HEADER},
        {"upsampler 0 in SIREN_DS", E2EC_MODE_SIREN_DS, BS_OFF_UPSAMPLER, U8, 0, E2EC_ERR_HEADER},
        {"vmin NaN", E2EC_MODE_SIREN, BS_OFF_VMIN, U64, f64_bits(NAN), E2EC_ERR_HEADER},
        {"vmax Inf", E2EC_MODE_SIREN, BS_OFF_VMAX, U64, f64_bits(INFINITY), E2EC_ERR_HEADER},
        {"vmin > vmax", E2EC_MODE_SIREN, BS_OFF_VMIN, U64, f64_bits(4000.0), E2EC_ERR_MISMATCH},
        {"scale 3", E2EC_MODE_SIREN_DS, BS_OFF_SCALE, U8, 3, E2EC_ERR_HEADER},
        {"scale 0", E2EC_MODE_SIREN_DS, BS_OFF_SCALE, U8, 0, E2EC_ERR_HEADER},
        {"scale 2 in SIREN", E2EC_MODE_SIREN, BS_OFF_SCALE, U8, 2, E2EC_ERR_MISMATCH},
        {"scale 4 with the lx of scale 2", E2EC_MODE_SIREN_DS, BS_OFF_SCALE, U8, 4, E2EC_ERR_MISMATCH},
        {"lx inconsistent", E2EC_MODE_SIREN_DS, BS_OFF_LX, U32, 6, E2EC_ERR_MISMATCH},
        {"lz 0", E2EC_MODE_E2E, BS_OFF_LZ, U32, 0, E2EC_ERR_MISMATCH},
        {"layers 0", E2EC_MODE_SIREN, BS_OFF_SIREN_LAYERS, U8, 0, E2EC_ERR_HEADER},
        {"layers too many", E2EC_MODE_SIREN, BS_OFF_SIREN_LAYERS, U8, E2EC_MAX_SIREN_LAYERS + 1, E2EC_ERR_LIMIT},
        {"width 0", E2EC_MODE_SIREN, BS_OFF_SIREN_WIDTH, U16, 0, E2EC_ERR_HEADER},
        {"width too large", E2EC_MODE_SIREN, BS_OFF_SIREN_WIDTH, U16, E2EC_MAX_SIREN_WIDTH + 1, E2EC_ERR_LIMIT},
        {"omega0 0", E2EC_MODE_SIREN, BS_OFF_OMEGA0, U32, f32_bits(0.0f), E2EC_ERR_HEADER},
        {"omega0 Inf", E2EC_MODE_SIREN, BS_OFF_OMEGA0, U32, f32_bits(INFINITY), E2EC_ERR_HEADER},
        {"srno channels outside E2E", E2EC_MODE_SIREN_DS, BS_OFF_SRNO_CHANNELS, U16, 8, E2EC_ERR_MISMATCH},
        {"srno heads outside E2E", E2EC_MODE_SIREN, BS_OFF_SRNO_HEADS, U8, 1, E2EC_ERR_MISMATCH},
        {"srno channels 0", E2EC_MODE_E2E, BS_OFF_SRNO_CHANNELS, U16, 0, E2EC_ERR_HEADER},
        {"srno width too large", E2EC_MODE_E2E, BS_OFF_SRNO_WIDTH, U16, E2EC_MAX_SRNO_WIDTH + 1, E2EC_ERR_LIMIT},
        {"srno heads too many", E2EC_MODE_E2E, BS_OFF_SRNO_HEADS, U8, E2EC_MAX_SRNO_HEADS + 1, E2EC_ERR_LIMIT},
        {"reserved", E2EC_MODE_SIREN, BS_OFF_RESERVED, U8, 1, E2EC_ERR_HEADER},
        {"n_weights 0", E2EC_MODE_SIREN, BS_OFF_N_WEIGHTS, U32, 0, E2EC_ERR_HEADER},
        {"n_weights too many", E2EC_MODE_SIREN, BS_OFF_N_WEIGHTS, U32, E2EC_MAX_WEIGHTS + 1, E2EC_ERR_LIMIT},
        {"payload beyond the end", E2EC_MODE_SIREN, BS_OFF_PAYLOAD_BYTES, U32, 100000, E2EC_ERR_TRUNCATED},
        {"payload 2^32-1", E2EC_MODE_SIREN, BS_OFF_PAYLOAD_BYTES, U32, 0xffffffffu, E2EC_ERR_TRUNCATED},
        {"payload short of the end", E2EC_MODE_SIREN, BS_OFF_PAYLOAD_BYTES, U32, 3, E2EC_ERR_TRAILING},
        /* a header that is consistent but promises other weights than it holds */
        {"n_weights 201", E2EC_MODE_SIREN, BS_OFF_N_WEIGHTS, U32, NW + 1, E2EC_ERR_PAYLOAD},
        {"n_weights 199", E2EC_MODE_SIREN, BS_OFF_N_WEIGHTS, U32, NW - 1, E2EC_ERR_PAYLOAD},
        {"fp16 flag on fp32 weights", E2EC_MODE_SIREN, BS_OFF_FLAGS, U16, BS_FLAG_FP16, E2EC_ERR_PAYLOAD},
    };
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        const lie *l = &lies[k];
        e2ec_info in = make_info(l->mode, 0), out;
        uint8_t *s;
        size_t size;
        if (write(&in, w, NW, &s, &size) != E2EC_OK) {
            CHECK(0, "%s: write", l->what);
            continue;
        }
        put_le(s + l->off, l->value, l->bytes);
        fix_crc(s, size);
        e2ec_status st = parse_all(s, size, &out);
        CHECK(st == l->want, "%s: %s, want %s", l->what, e2ec_error_name(st), e2ec_error_name(l->want));
        free(s);
    }

    /* Each axis within its cap, the volume (2^42 voxels) not. */
    e2ec_info in = make_info(E2EC_MODE_SIREN, 0), out;
    uint8_t *s;
    size_t size;
    if (write(&in, w, NW, &s, &size) != E2EC_OK) return;
    for (int a = 0; a < 3; a++) {
        put_le(s + BS_OFF_NX + 4 * a, E2EC_MAX_DIM, 4);
        put_le(s + BS_OFF_LX + 4 * a, E2EC_MAX_DIM, 4);
    }
    fix_crc(s, size);
    CHECK(parse_all(s, size, &out) == E2EC_ERR_LIMIT, "too many voxels");
    free(s);

    /* Untouched but for the CRC. */
    if (write(&in, w, NW, &s, &size) != E2EC_OK) return;
    s[size - 1] ^= 0x80;
    CHECK(parse_all(s, size, &out) == E2EC_ERR_CRC, "CRC");
    s[size - 1] ^= 0x80;
    /* read_weights given an info that does not describe this stream. */
    CHECK(bitstream_read_info(s, size, &out) == E2EC_OK, "valid");
    float back[NW + 1];
    out.n_weights = NW + 1;
    CHECK(bitstream_read_weights(s, size, &out, back) == E2EC_ERR_ARG, "info of another stream");
    out.n_weights = NW, out.fp16 = 1;
    CHECK(bitstream_read_weights(s, size, &out, back) == E2EC_ERR_ARG, "fp16 of another stream");
    free(s);
}

/* ------------------------------------------------------------ payloads */

static void check_payload(const char *what, const uint8_t *s, const uint8_t *payload, size_t pn,
                          e2ec_status want) {
    size_t size;
    uint8_t *d = with_payload(s, payload, pn, &size);
    e2ec_info out;
    e2ec_status st = bitstream_read_info(d, size, &out);
    CHECK(st == E2EC_OK, "%s: the header is valid: %s", what, e2ec_error_name(st));
    if (st == E2EC_OK) {
        float *w = malloc(sizeof(float) * out.n_weights); /* exactly: ASan guards the end */
        st = bitstream_read_weights(d, size, &out, w);
        CHECK(st == want, "%s: %s, want %s", what, e2ec_error_name(st), e2ec_error_name(want));
        free(w);
    }
    free(d);
}

static void test_payloads(void) {
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    e2ec_info in = make_info(E2EC_MODE_SIREN_DS, 0);
    uint8_t *s, *p;
    size_t size, pn;
    if (write_v1(&in, w, NW, &s, &size) != E2EC_OK) return;

    /* A zlib bomb: 64 MiB of zeros (~64 KiB deflated) for 800 bytes of weights. */
    size_t bomb = (size_t)64 << 20;
    uint8_t *zeros = calloc(bomb, 1);
    p = deflate_bytes(zeros, bomb, &pn);
    free(zeros);
    check_payload("zlib bomb", s, p, pn, E2EC_ERR_PAYLOAD);
    free(p);

    uint8_t raw[4 * NW + 16];
    for (int i = 0; i < NW; i++) put_le(raw + 4 * i, f32_bits(w[i]), 4);
    p = deflate_bytes(raw, 4 * NW, &pn);
    check_payload("re-deflated weights", s, p, pn, E2EC_OK);
    p = realloc(p, pn + 3);
    memset(p + pn, 0x55, 3);
    check_payload("bytes after the zlib stream", s, p, pn + 3, E2EC_ERR_PAYLOAD);
    check_payload("zlib stream cut short", s, p, pn / 2, E2EC_ERR_PAYLOAD);
    check_payload("empty payload", s, p, 0, E2EC_ERR_PAYLOAD);
    free(p);
    p = deflate_bytes(raw, 4 * NW - 1, &pn);
    check_payload("one byte short", s, p, pn, E2EC_ERR_PAYLOAD);
    free(p);
    p = deflate_bytes(raw, 4 * NW + 1, &pn);
    check_payload("one byte over", s, p, pn, E2EC_ERR_PAYLOAD);
    free(p);
    uint8_t junk[300];
    for (int i = 0; i < 300; i++) junk[i] = (uint8_t)((rnd(), lcg) >> 24);
    check_payload("not zlib", s, junk, sizeof junk, E2EC_ERR_PAYLOAD);

    put_le(raw + 4 * 17, 0x7fc00000u, 4); /* NaN */
    p = deflate_bytes(raw, 4 * NW, &pn);
    check_payload("NaN weight", s, p, pn, E2EC_ERR_WEIGHTS);
    free(p);
    put_le(raw + 4 * 17, 0xff800000u, 4); /* -Inf */
    p = deflate_bytes(raw, 4 * NW, &pn);
    check_payload("-Inf weight", s, p, pn, E2EC_ERR_WEIGHTS);
    free(p);

    /* fp16: an Inf half. */
    s[BS_OFF_FLAGS] = BS_FLAG_FP16;
    for (int i = 0; i < NW; i++) put_le(raw + 2 * i, half_from_float(w[i]), 2);
    put_le(raw + 2 * (NW - 1), 0x7c00u, 2);
    p = deflate_bytes(raw, 2 * NW, &pn);
    check_payload("Inf half", s, p, pn, E2EC_ERR_WEIGHTS);
    free(p);
    free(s);
}


/* ----------------------------------------------- version 2: quantised + residual */

#define NG 3
static const uint32_t q_counts[NG] = {120, 1, 79};

/* The quantisation of w that write_quant stores (6 bits, NG groups). */
static void quantise6(const float *w, uint8_t *codes, float *offsets, float *scales) {
    quant_quantise(w, q_counts, NG, 6, codes, offsets, scales);
}

/* A residual for the 10 x 9 x 7 int16 volume of make_info. */
static void make_residual(residual_coded *rc, uint32_t E) {
    e2ec_volume a, b;
    e2ec_volume_alloc(&a, 10, 9, 7, E2EC_I16);
    e2ec_volume_alloc(&b, 10, 9, 7, E2EC_I16);
    for (size_t i = 0; i < 630; i++) {
        ((int16_t *)a.data)[i] = (int16_t)(rnd() * 900);
        ((int16_t *)b.data)[i] = (int16_t)(i % 50);
    }
    residual_code(&a, &b, E, rc);
    e2ec_volume_free(&a), e2ec_volume_free(&b);
}

/* A version-2 stream of 6-bit weights in NG groups and a residual (E = 3). */
static e2ec_status write_quant(const e2ec_info *in0, const float *w, size_t n, uint8_t **s,
                               size_t *size) {
    if (n != NW) return E2EC_ERR_ARG;
    e2ec_info in = *in0;
    in.quant_bits = 6, in.fp16 = 0;
    uint8_t codes[NW];
    float offsets[NG], scales[NG];
    quantise6(w, codes, offsets, scales);
    bs_weights bw = {.n = n, .n_groups = NG, .counts = q_counts, .offsets = offsets,
                     .scales = scales, .codes = codes};
    residual_coded rc;
    make_residual(&rc, 3);
    bs_residual res = {rc.max_error, rc.sample_bytes, rc.chunk_bytes, rc.chunks};
    e2ec_status st = bitstream_write(&in, &bw, &res, s, size);
    residual_coded_free(&rc);
    return st;
}

static uint32_t get_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_quant_round_trip(void) {
    float w[NW], back[NW], want[NW], offsets[NG], scales[NG];
    uint8_t codes[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd() * (i % 9 ? 0.1f : 2.0f);
    e2ec_info in = make_info(E2EC_MODE_E2E, 0), out;
    uint8_t *s;
    size_t size;
    e2ec_status st = write_quant(&in, w, NW, &s, &size);
    CHECK(st == E2EC_OK, "quantised write: %s", e2ec_error_name(st));
    if (st) return;
    st = bitstream_read_info(s, size, &out);
    CHECK(st == E2EC_OK && out.version == E2EC_BITSTREAM_VERSION && out.quant_bits == 6 && out.quant_groups == NG &&
              out.has_residual && out.max_error == 3 && out.residual_sample_bytes >= 1 &&
              out.weights_bytes == get_le32(s + BS_OFF_WEIGHTS_BYTES),
          "quantised info: %s", e2ec_error_name(st));
    st = bitstream_read_weights(s, size, &out, back);
    quantise6(w, codes, offsets, scales);
    quant_dequantise(codes, q_counts, NG, offsets, scales, want);
    CHECK(st == E2EC_OK && !memcmp(back, want, sizeof want),
          "the weights read are the dequantisation, bit for bit");
    CHECK(parse_all(s, size, &out) == E2EC_OK, "every residual chunk unpacks");
    const uint8_t *chunk;
    size_t cn;
    CHECK(bitstream_residual_chunk(s, size, &out, 7, &chunk, &cn) == E2EC_ERR_ARG, "slice nz");
    out.has_residual = 0;
    CHECK(bitstream_residual_chunk(s, size, &out, 0, &chunk, &cn) == E2EC_ERR_ARG,
          "info of another stream");
    free(s);
    /* the writer refuses what it cannot store */
    e2ec_info q = make_info(E2EC_MODE_SIREN, 0);
    q.quant_bits = 6;
    bs_weights bw = {.n = NW, .n_groups = NG, .counts = q_counts, .offsets = offsets,
                     .scales = scales, .codes = codes};
    codes[5] = 64;
    CHECK(bitstream_write(&q, &bw, NULL, &s, &size) == E2EC_ERR_ARG, "a code beyond 6 bits");
    codes[5] = 0, scales[1] = NAN;
    CHECK(bitstream_write(&q, &bw, NULL, &s, &size) == E2EC_ERR_WEIGHTS, "a NaN scale");
    scales[1] = 0;
    uint32_t short_counts[NG] = {120, 1, 78};
    bw.counts = short_counts;
    CHECK(bitstream_write(&q, &bw, NULL, &s, &size) == E2EC_ERR_ARG, "groups short of n");
    bw.counts = q_counts;
    q.quant_bits = 9;
    CHECK(bitstream_write(&q, &bw, NULL, &s, &size) == E2EC_ERR_ARG, "9 bits");
    q.quant_bits = 6, q.fp16 = 1;
    CHECK(bitstream_write(&q, &bw, NULL, &s, &size) == E2EC_ERR_ARG, "quantised and fp16");
}

/* Lies in the fields of version 2 (CRC made right). off < 0: the first
 * entry of the residual's chunk table. */
static void test_lies_v2(void) {
    enum { CHUNK0 = -1 };
    const lie lies[] = {
        {"quant_bits 1", 0, BS_OFF_QUANT_BITS, U8, 1, E2EC_ERR_HEADER},
        {"quant_bits 9", 0, BS_OFF_QUANT_BITS, U8, 9, E2EC_ERR_HEADER},
        {"quant_bits 0 with groups", 0, BS_OFF_QUANT_BITS, U8, 0, E2EC_ERR_MISMATCH},
        {"fp16 and quantised", 0, BS_OFF_FLAGS, U16, BS_FLAG_FP16 | BS_FLAG_RESIDUAL, E2EC_ERR_MISMATCH},
        {"unknown flag", 0, BS_OFF_FLAGS, U16, 4 | BS_FLAG_RESIDUAL, E2EC_ERR_HEADER},
        {"residual sample 3", 0, BS_OFF_RES_SAMPLE, U8, 3, E2EC_ERR_HEADER},
        {"residual sample without residual", 0, BS_OFF_FLAGS, U16, 0, E2EC_ERR_MISMATCH},
        {"reserved2", 0, BS_OFF_RESERVED2, U16, 1, E2EC_ERR_HEADER},
        {"groups 0", 0, BS_OFF_QUANT_GROUPS, U32, 0, E2EC_ERR_HEADER},
        {"groups beyond the cap", 0, BS_OFF_QUANT_GROUPS, U32, E2EC_MAX_QUANT_GROUPS + 1, E2EC_ERR_LIMIT},
        {"groups > n_weights", 0, BS_OFF_QUANT_GROUPS, U32, NW + 1, E2EC_ERR_MISMATCH},
        {"groups 2 of 3", 0, BS_OFF_QUANT_GROUPS, U32, 2, E2EC_ERR_PAYLOAD},
        {"weights_bytes 0", 0, BS_OFF_WEIGHTS_BYTES, U32, 0, E2EC_ERR_HEADER},
        {"weights_bytes > payload", 0, BS_OFF_WEIGHTS_BYTES, U32, 1u << 30, E2EC_ERR_MISMATCH},
        {"max_error beyond the cap", 0, BS_OFF_MAX_ERROR, U32, E2EC_MAX_ERROR + 1, E2EC_ERR_LIMIT},
        {"voxel type f32 with a residual", 0, BS_OFF_BITS_STORED, U8, 0, E2EC_OK},
        {"chunk 0 empty", 0, CHUNK0, U32, 0, E2EC_ERR_HEADER},
        {"chunk 0 longer than the section", 0, CHUNK0, U32, 0x100000, E2EC_ERR_MISMATCH},
        {"n_weights 201", 0, BS_OFF_N_WEIGHTS, U32, NW + 1, E2EC_ERR_PAYLOAD},
    };
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        const lie *l = &lies[k];
        e2ec_info in = make_info(E2EC_MODE_SIREN_DS, 0), out;
        uint8_t *s;
        size_t size;
        if (write_quant(&in, w, NW, &s, &size) != E2EC_OK) {
            CHECK(0, "%s: write", l->what);
            continue;
        }
        size_t off = l->off >= 0 ? (size_t)l->off
                                 : BS_OFF_PAYLOAD_V2 + get_le32(s + BS_OFF_WEIGHTS_BYTES);
        put_le(s + off, l->value, l->bytes);
        e2ec_status want = l->want;
        if (l->off == BS_OFF_BITS_STORED) { /* two fields: f32 (bits_stored 0) with a residual */
            s[BS_OFF_VOXEL_TYPE] = E2EC_F32;
            want = E2EC_ERR_MISMATCH;
        }
        fix_crc(s, size);
        e2ec_status st = parse_all(s, size, &out);
        CHECK(st == want, "%s: %s, want %s", l->what, e2ec_error_name(st), e2ec_error_name(want));
        free(s);
    }
    /* float weights in version 2: no groups, no max_error without a residual */
    e2ec_info in = make_info(E2EC_MODE_SIREN, 0), out;
    uint8_t *s;
    size_t size;
    if (write_floats(&in, w, NW, &s, &size) != E2EC_OK) return;
    put_le(s + BS_OFF_QUANT_GROUPS, 1, 4);
    fix_crc(s, size);
    CHECK(parse_all(s, size, &out) == E2EC_ERR_MISMATCH, "groups with float weights");
    put_le(s + BS_OFF_QUANT_GROUPS, 0, 4);
    put_le(s + BS_OFF_MAX_ERROR, 2, 4);
    fix_crc(s, size);
    CHECK(parse_all(s, size, &out) == E2EC_ERR_MISMATCH, "max_error without a residual");
    free(s);
}

/* zstd level 19 of raw bytes, as the writer does. */
static uint8_t *zstd_bytes(const uint8_t *raw, size_t n, size_t *pn) {
    uint8_t *p;
    quant_zstd_pack(raw, n, &p, pn);
    return p;
}

/* The quantised stream s with its weights section replaced (CRC recomputed);
 * parse_all must give want. */
static void check_section(const char *what, const uint8_t *s, size_t size, const uint8_t *sec,
                          size_t sn, e2ec_status want) {
    size_t wb = get_le32(s + BS_OFF_WEIGHTS_BYTES), rest = size - BS_OFF_PAYLOAD_V2 - wb;
    size_t n = BS_OFF_PAYLOAD_V2 + sn + rest;
    uint8_t *d = malloc(n);
    memcpy(d, s, BS_OFF_PAYLOAD_V2);
    memcpy(d + BS_OFF_PAYLOAD_V2, sec, sn);
    memcpy(d + BS_OFF_PAYLOAD_V2 + sn, s + BS_OFF_PAYLOAD_V2 + wb, rest);
    put_le(d + BS_OFF_WEIGHTS_BYTES, sn, 4);
    put_le(d + BS_OFF_PAYLOAD_BYTES, n - BS_MIN_SIZE_V2, 4);
    fix_crc(d, n);
    e2ec_info out;
    e2ec_status st = parse_all(d, n, &out);
    CHECK(st == want, "%s: %s, want %s", what, e2ec_error_name(st), e2ec_error_name(want));
    free(d);
}

static void test_sections_v2(void) {
    float w[NW], offsets[NG], scales[NG];
    uint8_t codes[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    e2ec_info in = make_info(E2EC_MODE_SIREN_DS, 0);
    uint8_t *s, *p;
    size_t size, pn;
    if (write_quant(&in, w, NW, &s, &size) != E2EC_OK) return;
    quantise6(w, codes, offsets, scales);
    enum { RAW = BS_QUANT_GROUP_BYTES * NG + NW };
    uint8_t raw[RAW];
    for (int g = 0; g < NG; g++) {
        put_le(raw + 4 * g, q_counts[g], 4);
        put_le(raw + 4 * NG + 4 * g, f32_bits(offsets[g]), 4);
        put_le(raw + 8 * NG + 4 * g, f32_bits(scales[g]), 4);
    }
    memcpy(raw + BS_QUANT_GROUP_BYTES * NG, codes, NW);
    p = zstd_bytes(raw, RAW, &pn);
    check_section("re-packed weights", s, size, p, pn, E2EC_OK);
    p = realloc(p, pn + 3);
    memset(p + pn, 0, 3);
    check_section("bytes after the zstd frame", s, size, p, pn + 3, E2EC_ERR_PAYLOAD);
    check_section("zstd frame cut short", s, size, p, pn / 2, E2EC_ERR_PAYLOAD);
    free(p);

    /* a zstd bomb: 64 MiB of zeros for 236 bytes of section, refused unread */
    size_t bomb = (size_t)64 << 20;
    uint8_t *zeros = calloc(bomb, 1);
    p = zstd_bytes(zeros, bomb, &pn);
    free(zeros);
    check_section("zstd bomb", s, size, p, pn, E2EC_ERR_PAYLOAD);
    free(p);
    p = zstd_bytes(raw, RAW - 1, &pn);
    check_section("one byte short", s, size, p, pn, E2EC_ERR_PAYLOAD);
    free(p);

    struct { const char *what; int at; uint32_t value; e2ec_status want; } edits[] = {
        {"group count 0", 4 * 1, 0, E2EC_ERR_PAYLOAD},
        {"group counts over n_weights", 0, 121, E2EC_ERR_PAYLOAD},
        {"offset NaN", 4 * NG, 0x7fc00000u, E2EC_ERR_WEIGHTS},
        {"scale -1", 8 * NG, 0xbf800000u, E2EC_ERR_WEIGHTS},
        {"scale 3e38: a weight overflows", 8 * NG, 0x7f61b1e6u, E2EC_ERR_WEIGHTS},
        {"a code beyond 6 bits", BS_QUANT_GROUP_BYTES * NG + 7, 0x40, E2EC_ERR_PAYLOAD},
    };
    for (size_t k = 0; k < sizeof edits / sizeof *edits; k++) {
        uint8_t bad[RAW];
        memcpy(bad, raw, RAW);
        if (edits[k].at >= (int)(BS_QUANT_GROUP_BYTES * NG)) bad[edits[k].at] |= (uint8_t)edits[k].value;
        else put_le(bad + edits[k].at, edits[k].value, 4);
        p = zstd_bytes(bad, RAW, &pn);
        check_section(edits[k].what, s, size, p, pn, edits[k].want);
        free(p);
    }
    free(s);
}

/* ------------------------------------------------------------ GRID mode */

/* A GRID stream of a 10x9x7 volume: 2 levels of 2 features, finest step 2,
 * hidden width 4; features in -40..40 (2 of them beyond a byte when wide). */
static e2ec_status write_grid(int wide, uint8_t **s, size_t *size, int32_t *q, float *mlp,
                              e2ec_info *in) {
    *in = make_info(E2EC_MODE_SIREN, 1);
    in->mode = E2EC_MODE_GRID;
    in->siren_width = in->siren_layers = 0, in->omega0 = 0.0f;
    in->grid_levels = 2, in->grid_feats = 2, in->grid_hidden = 4;
    in->grid_step[0] = in->grid_step[1] = in->grid_step[2] = 2;
    in->grid_delta = 0.125f;
    grid_fit_config c;
    grid_fit_defaults(&c);
    c.levels = 2, c.feats = 2;
    grid_shape gs;
    if (grid_shape_for(&c, in->nx, in->ny, in->nz, &gs)) return E2EC_ERR_INTERNAL;
    in->grid_values = gs.off[gs.levels];
    in->n_weights = (uint32_t)grid_mlp_size(4, 4);
    for (size_t i = 0; i < in->grid_values; i++) q[i] = (int32_t)(rnd() * 40.0f);
    if (wide) q[0] = 300, q[1] = -70000;
    for (size_t i = 0; i < in->n_weights; i++) mlp[i] = half_to_float(half_from_float(rnd()));
    mode_stream ms = {.info = *in};
    e2ec_status st = grid_stream_pack(q, mlp, &ms);
    if (!st) st = bitstream_write_stream(&ms, NULL, s, size);
    free(ms.payload);
    return st;
}

#define GRID_MAXV 4096
/* A field of the grid's header section, as an offset in its stream. */
#define GRID_AT(field) (BS_OFF_PAYLOAD_V2 + (field))
static void test_grid(void) {
    int32_t q[GRID_MAXV], q2[GRID_MAXV];
    float mlp[NW], mlp2[NW];
    for (int wide = 0; wide < 2; wide++) {
        e2ec_info in, out;
        uint8_t *s;
        size_t size;
        if (write_grid(wide, &s, &size, q, mlp, &in) != E2EC_OK) {
            CHECK(0, "grid write");
            return;
        }
        CHECK(bitstream_read_info(s, size, &out) == E2EC_OK && out.mode == E2EC_MODE_GRID &&
                  out.grid_levels == 2 && out.grid_feats == 2 && out.grid_hidden == 4 &&
                  out.grid_step[2] == 2 && out.grid_delta == 0.125f &&
                  out.grid_values == in.grid_values && out.grid_feature_bytes == (wide ? 4 : 1),
              "grid header read back (wide %d)", wide);
        const uint8_t *payload;
        size_t pn;
        CHECK(bitstream_payload(s, size, &out, &payload, &pn) == E2EC_OK &&
                  grid_stream_read(payload, pn, &out, q2, mlp2) == E2EC_OK &&
                  !memcmp(q, q2, sizeof(int32_t) * in.grid_values) &&
                  !memcmp(mlp, mlp2, sizeof(float) * in.n_weights),
              "grid features and MLP read back bit for bit (wide %d)", wide);
        float w[NW];
        CHECK(bitstream_read_weights(s, size, &out, w) == E2EC_ERR_ARG,
              "a grid's section is not float weights");
        free(s);
    }
    e2ec_info in;
    uint8_t *s;
    size_t size;
    if (write_grid(0, &s, &size, q, mlp, &in) == E2EC_OK) check_damage("grid", s, size);

    enum { DIMS = -1 };
    const lie lies[] = {
        {"grid levels 0", 0, GRID_AT(GRID_HDR_LEVELS), U8, 0, E2EC_ERR_HEADER},
        {"grid levels 9", 0, GRID_AT(GRID_HDR_LEVELS), U8, GRID_MAX_LEVELS + 1, E2EC_ERR_LIMIT},
        {"grid levels 3 (the MLP's size)", 0, GRID_AT(GRID_HDR_LEVELS), U8, 3, E2EC_ERR_MISMATCH},
        {"grid feats 0", 0, GRID_AT(GRID_HDR_FEATS), U8, 0, E2EC_ERR_HEADER},
        {"grid feats beyond the cap", 0, GRID_AT(GRID_HDR_FEATS), U8, E2EC_MAX_GRID_FEATS + 1, E2EC_ERR_LIMIT},
        {"grid hidden 0", 0, GRID_AT(GRID_HDR_HIDDEN), U16, 0, E2EC_ERR_HEADER},
        {"grid hidden beyond the cap", 0, GRID_AT(GRID_HDR_HIDDEN), U16, E2EC_MAX_GRID_HIDDEN + 1, E2EC_ERR_LIMIT},
        {"grid hidden 5", 0, GRID_AT(GRID_HDR_HIDDEN), U16, 5, E2EC_ERR_MISMATCH},
        {"grid step 0", 0, GRID_AT(GRID_HDR_STEP), U16, 0, E2EC_ERR_HEADER},
        {"grid step beyond the volume", 0, GRID_AT(GRID_HDR_STEP) + 4, U16, 7, E2EC_ERR_MISMATCH},
        {"grid step 1 (more features)", 0, GRID_AT(GRID_HDR_STEP) + 2, U16, 1, E2EC_ERR_PAYLOAD},
        {"grid feature bytes 3", 0, GRID_AT(GRID_HDR_FBYTES), U8, 3, E2EC_ERR_HEADER},
        {"grid feature bytes 2", 0, GRID_AT(GRID_HDR_FBYTES), U8, 2, E2EC_ERR_PAYLOAD},
        {"grid reserved", 0, GRID_AT(GRID_HDR_RESERVED), U8, 1, E2EC_ERR_HEADER},
        {"grid delta 0", 0, GRID_AT(GRID_HDR_DELTA), U32, 0, E2EC_ERR_HEADER},
        {"grid delta NaN", 0, GRID_AT(GRID_HDR_DELTA), U32, 0x7fc00000u, E2EC_ERR_HEADER},
        {"grid with a SIREN width", 0, BS_OFF_SIREN_WIDTH, U16, 16, E2EC_ERR_MISMATCH},
        {"grid with omega0", 0, BS_OFF_OMEGA0, U32, f32_bits(30.0f), E2EC_ERR_MISMATCH},
        {"grid at scale 2", 0, BS_OFF_SCALE, U8, 2, E2EC_ERR_MISMATCH},
        {"grid without fp16", 0, BS_OFF_FLAGS, U16, 0, E2EC_ERR_MISMATCH},
        {"grid quantised", 0, BS_OFF_QUANT_BITS, U8, 8, E2EC_ERR_MISMATCH},
        {"grid n_weights", 0, BS_OFF_N_WEIGHTS, U32, NW - 1, E2EC_ERR_MISMATCH},
        {"grid header_bytes of another mode", 0, BS_OFF_HEADER_BYTES, U16, BS_HEADER_BYTES_V2, E2EC_ERR_HEADER},
        {"grid beyond its cap (16384 x 16384 x 7)", 0, DIMS, U32, 16384, E2EC_ERR_LIMIT},
    };
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        const lie *l = &lies[k];
        e2ec_info out;
        if (write_grid(0, &s, &size, q, mlp, &in) != E2EC_OK) {
            CHECK(0, "%s: write", l->what);
            continue;
        }
        if (l->off == DIMS) /* nx, ny and the SIREN-grid fields that must equal them */
            for (int off = 0; off < 2; off++) {
                put_le(s + BS_OFF_NX + 4 * off, l->value, 4);
                put_le(s + BS_OFF_LX + 4 * off, l->value, 4);
            }
        else
            put_le(s + l->off, l->value, l->bytes);
        fix_crc(s, size);
        e2ec_status st = parse_all(s, size, &out);
        CHECK(st == l->want, "%s: %s, want %s", l->what, e2ec_error_name(st),
              e2ec_error_name(l->want));
        free(s);
    }
}

/* A version-1 stream of a real network decodes to the same voxels as the
 * version-2 stream it was made from. */
static void test_v1_decodes(void) {
    e2ec_volume v;
    e2ec_volume_alloc(&v, 12, 10, 6, E2EC_I16);
    for (size_t i = 0; i < 720; i++) ((int16_t *)v.data)[i] = (int16_t)(i * 7 % 300 - 100);
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = E2EC_MODE_SIREN_DS, p.siren_width = 8, p.epochs = 5, p.threads = 1;
    p.progress_every = 0;
    uint8_t *s2, *s1;
    size_t n2, n1;
    e2ec_info info;
    if (e2ec_encode(&v, &p, &s2, &n2) != E2EC_OK || bitstream_read_info(s2, n2, &info)) {
        CHECK(0, "encode");
        e2ec_volume_free(&v);
        return;
    }
    float *w = malloc(sizeof(float) * info.n_weights);
    bitstream_read_weights(s2, n2, &info, w);
    CHECK(write_v1(&info, w, info.n_weights, &s1, &n1) == E2EC_OK, "v1 of a real stream");
    e2ec_volume d1, d2;
    CHECK(e2ec_decode(s1, n1, 1, &d1) == E2EC_OK && e2ec_decode(s2, n2, 1, &d2) == E2EC_OK &&
              !memcmp(d1.data, d2.data, 720 * 2),
          "version 1 decodes as version 2 does");
    e2ec_volume_free(&d1), e2ec_volume_free(&d2), e2ec_volume_free(&v);
    free(w), free(s1), e2ec_free(s2);
}

int main(void) {
    for (int version = 1; version <= E2EC_BITSTREAM_VERSION; version++)
        for (int fp16 = 0; fp16 < 2; fp16++)
            for (int m = E2EC_MODE_SIREN; m <= E2EC_MODE_E2E; m++)
                test_round_trip((e2ec_mode)m, fp16, version);
    test_writer_refuses();
    for (int fp16 = 0; fp16 < 2; fp16++) {
        test_damage(write_v1, fp16);
        test_damage(write_floats, fp16);
    }
    test_lies(write_v1);
    test_lies(write_floats);
    test_payloads();
    test_v1_decodes();
    test_quant_round_trip();
    uint8_t *qs;
    size_t qn;
    float w[NW];
    for (int i = 0; i < NW; i++) w[i] = rnd();
    e2ec_info qi = make_info(E2EC_MODE_E2E, 0);
    if (write_quant(&qi, w, NW, &qs, &qn) == E2EC_OK) check_damage("quantised + residual", qs, qn);
    test_lies_v2();
    test_sections_v2();
    test_grid();
    return check_summary();
}
