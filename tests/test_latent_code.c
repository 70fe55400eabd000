/*
 * The latent mode's stream without training (codec/latent/latent_section.h):
 * a synthetic model (random latents, a random binary16 MLP, an ARM quantised
 * from random floats) is coded and decoded back latent for latent; the stream
 * decodes to the same voxels on 1 and 2 threads, slice by slice, and under
 * E2EC_ISA=baseline (the test runs itself again with it); the coded bytes are
 * the same on every machine (a hash); the coder handles extreme levels (all
 * zero, only the alphabet's two ends, uniform over a 16-bit alphabet, one
 * node wide); every lying header field, a lying slice table, a slice
 * stream that ends early or late, lying coded networks (version 5),
 * truncation at every byte and a trailing byte are refused by name; the same
 * model as a version-5 stream (one rANS stream a slice, more bytes than the
 * encoder's groups of slices) and as a version-4 stream (networks stored)
 * decodes to the same voxels, and the stored networks' lies are refused too.
 * A model read through Keys' cubic kernels on its coarse axes (version 7)
 * decodes to the encoder's synthesis, not the trilinear one, and a kernel
 * code out of range or on an axis at the volume's resolution is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "check.h"
#include "e2ec.h"
#include "ent/arm_section.h"
#include "latent/latent_fit.h"
#include "latent/latent_section.h"
#include "latent_synthetic.h"
#include "lossless/ll_code.h"
#include "volume_norm.h"

#define NX SYN_NX
#define NY SYN_NY
#define NZ SYN_NZ
#define LEVELS SYN_LEVELS

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static void fix_crc(uint8_t *s, size_t n) { put_u32(s + n - 4, (uint32_t)crc32(0L, s, (uInt)(n - 4))); }

static const syn_draw RANDOM[LEVELS] = {DRAW_RANDOM, DRAW_RANDOM, DRAW_RANDOM};
static const int32_t LO[LEVELS] = {-40, -9, -3}, HI[LEVELS] = {40, 12, 3};

/* The hash of what a decode gives: the latents (latent_section_read) and the
 * voxels (e2ec_decode, 2 threads). */
static uint64_t decode_hash(const uint8_t *s, size_t n) {
    e2ec_info info;
    const uint8_t *payload;
    size_t pn;
    latent_model d;
    if (e2ec_get_info(s, n, &info) || bitstream_payload(s, n, &info, &payload, &pn) ||
        latent_section_read(payload, pn, &info, &d))
        return 0;
    uint64_t h = fnv(d.syn.q, info.grid_values * sizeof *d.syn.q, 0xcbf29ce484222325ull);
    latent_model_free(&d);
    e2ec_volume v;
    if (e2ec_decode(s, n, 2, &v)) return 0;
    h = fnv(v.data, (size_t)NX * NY * NZ * 2, h);
    e2ec_volume_free(&v);
    return h;
}

/* Decodes as the same build does with E2EC_ISA=baseline (its ARM's loops
 * are the x86-64 baseline ones): this program run again with --hash FILE. */
static uint64_t baseline_hash(const char *self, const uint8_t *s, size_t n) {
    char path[] = "/tmp/test_latent_code_XXXXXX", cmd[4200];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) return 1;
    fwrite(s, 1, n, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "E2EC_ISA=baseline '%s' --hash %s", self, path);
    FILE *p = popen(cmd, "r");
    unsigned long long h = 1;
    if (p && fscanf(p, "%llx", &h) != 1) h = 1;
    if (p) pclose(p);
    remove(path);
    return h;
}

static void roundtrip(const char *self) {
    latent_model m;
    latent_synthetic(&m, RANDOM, LO, HI, 5);
    mode_stream ms;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_status st = latent_synthetic_stream(&m, &ms, &s, &n);
    CHECK(st == E2EC_OK, "a synthetic model codes: %s", e2ec_error_name(st));
    if (st) return;
    e2ec_info info;
    CHECK(e2ec_get_info(s, n, &info) == E2EC_OK && info.mode == E2EC_MODE_LATENT &&
              info.grid_levels == LEVELS && info.latent_res[1][0] == 6 && info.arm_hidden == 8 &&
              info.grid_values == m.syn.shape.off[LEVELS] && info.latent_lo[0] == -40 &&
              info.latent_hi[2] == 3,
          "the header says what was coded");
    const uint8_t *payload;
    size_t pn;
    latent_model d;
    st = bitstream_payload(s, n, &info, &payload, &pn);
    if (!st) st = latent_section_read(payload, pn, &info, &d);
    CHECK(st == E2EC_OK, "the section reads back: %s", e2ec_error_name(st));
    if (st) return;
    size_t ng = m.syn.shape.off[LEVELS], nw = grid_mlp_size(LEVELS, 8);
    CHECK(memcmp(d.syn.q, m.syn.q, ng * sizeof *d.syn.q) == 0, "every latent back");
    CHECK(memcmp(d.syn.mlp, m.syn.mlp, nw * sizeof *d.syn.mlp) == 0, "every MLP weight back");
    CHECK(memcmp(d.arm.w0, m.arm.w0, sizeof d.arm.w0) == 0 && memcmp(d.arm.b2, m.arm.b2, sizeof d.arm.b2) == 0 &&
              memcmp(d.arm.shift, m.arm.shift, sizeof d.arm.shift) == 0,
          "the ARM back");
    for (int l = 0; l < LEVELS; l++)
        CHECK(d.lo[l] == m.lo[l] && d.hi[l] == m.hi[l] && d.shift[l] == m.shift[l], "level %d's fields", l);
    /* slices of 9 to 120 latents: a stream's 12 fixed bytes weigh, so each
     * level is one stream */
    for (int l = 0; l < LEVELS; l++)
        CHECK(ll_streams((uint32_t)info.latent_res[l][2], info.latent_group[l]) == 1,
              "level %d: %d slices in one stream (2^%d a stream)", l, info.latent_res[l][2], info.latent_group[l]);
    latent_model_free(&d);
    /* the coded bytes: integer arithmetic only, so this hash holds on every
     * machine and ISA path (it changes only with the format or the coder) */
    uint64_t h = fnv(s, n, 0xcbf29ce484222325ull);
    CHECK(h == 0x1637d75a500ceffaull, "the stream's bytes: hash %016llx, %zu bytes", (unsigned long long)h, n);
    /* the voxels: the encoder's synthesis of the same latents, on 1 and 2 threads */
    size_t vox = (size_t)NX * NY * NZ;
    float *x = malloc(vox * sizeof *x);
    uint16_t *want = malloc(vox * sizeof *want);
    grid_decode(&m.syn, NX, NY, NZ, 1, x);
    normalised_to_stored(x, vox, info.vmin, info.vmax, E2EC_U16, 0, want);
    for (int t = 1; t <= 2; t++) {
        e2ec_volume v;
        st = e2ec_decode(s, n, t, &v);
        CHECK(st == E2EC_OK && memcmp(v.data, want, vox * 2) == 0, "the voxels on %d threads (%s)", t,
              e2ec_error_name(st));
        if (!st) e2ec_volume_free(&v);
    }
    /* the same latents in 3 streams of 2 planes, planes 0 and 3, 1 and 4, 2
     * and 5 (g = 1, which the encoder did not choose here): the same voxels */
    uint8_t *s3;
    size_t n3;
    CHECK(!latent_stream_regrouped(s, n, E2EC_BITSTREAM_VERSION, 1, &s3, &n3), "the stream regrouped");
    for (int t = 1; t <= 2 && s3; t++) {
        e2ec_volume v;
        st = e2ec_decode(s3, n3, t, &v);
        CHECK(st == E2EC_OK && memcmp(v.data, want, vox * 2) == 0,
              "3 interleaved streams of 2 planes a level: the voxels on %d threads (%s)", t, e2ec_error_name(st));
        if (!st) e2ec_volume_free(&v);
    }
    free(s3);
    uint16_t slice[NX * NY];
    int slices = 1;
    for (uint32_t z = 0; z < NZ; z++)
        slices &= e2ec_decode_slice(s, n, z, 1, slice) == E2EC_OK &&
                  memcmp(slice, want + (size_t)z * NX * NY, sizeof slice) == 0;
    CHECK(slices, "every slice alone as in the whole");
    uint64_t here = decode_hash(s, n), base = baseline_hash(self, s, n);
    CHECK(here > 1 && here == base, "E2EC_ISA=baseline decodes the same latents and voxels (%016llx, %016llx)",
          (unsigned long long)here, (unsigned long long)base);
    free(x), free(want), free(ms.payload), e2ec_free(s);
    latent_model_free(&m);
}

/* Levels at the coder's extremes: one symbol (all zero), only the two ends
 * of a 16-bit alphabet, uniform over most of one; then ll_encode itself on
 * one-node-wide volumes (a grid level has 2 nodes at least). */
static void extremes(void) {
    static const syn_draw kinds[LEVELS] = {DRAW_ZERO, DRAW_ENDS, DRAW_RANDOM};
    static const int32_t lo[LEVELS] = {0, -32768, -30000}, hi[LEVELS] = {0, 32767, 30000};
    latent_model m, d;
    latent_synthetic(&m, kinds, lo, hi, 9);
    mode_stream ms;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_info info;
    const uint8_t *payload;
    size_t pn;
    e2ec_status st = latent_synthetic_stream(&m, &ms, &s, &n);
    if (!st) st = e2ec_get_info(s, n, &info);
    if (!st) st = bitstream_payload(s, n, &info, &payload, &pn);
    if (!st) st = latent_section_read(payload, pn, &info, &d);
    CHECK(st == E2EC_OK, "extreme levels code and decode: %s", e2ec_error_name(st));
    if (!st) {
        CHECK(memcmp(d.syn.q, m.syn.q, m.syn.shape.off[LEVELS] * sizeof *d.syn.q) == 0,
              "extreme levels: every latent back");
        latent_model_free(&d);
    }
    free(ms.payload), e2ec_free(s);
    latent_model_free(&m);
    static const int shapes[][3] = {{1, 5, 3}, {5, 1, 3}, {1, 1, 7}, {1, 1, 1}};
    rng r = {11};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        ll_shape sh = {shapes[k][0], shapes[k][1], shapes[k][2], -5};
        size_t nv = (size_t)sh.nx * sh.ny * sh.nz, len;
        int32_t v[7 * 5 * 3], back[7 * 5 * 3], recon[7 * 5 * 3];
        uint32_t zb[7];
        for (size_t i = 0; i < nv; i++) v[i] = -5 + (int32_t)rng_below(&r, 11);
        latent_synthetic(&m, RANDOM, LO, HI, 13);
        ll_model lm = {-5, 5, 1, &m.arm, 0};
        uint8_t *buf = NULL;
        st = ll_encode(&sh, v, &lm, &buf, &len, zb, recon);
        if (!st) st = ll_decode(&sh, buf, len, zb, 0, &lm, back);
        CHECK(st == E2EC_OK && memcmp(back, v, nv * sizeof *v) == 0, "a %dx%dx%d level: %s", sh.nx, sh.ny,
              sh.nz, e2ec_error_name(st));
        free(buf);
        latent_model_free(&m);
    }
}

/* A header field patched (CRC repaired) is refused with its name. */
typedef struct {
    size_t at;     /* offset in the header section */
    int size;      /* 1, 2 or 4 bytes */
    int64_t value;
    size_t at2;    /* a second field (0: none) */
    int64_t value2;
    e2ec_status want;
    const char *what;
} lie;

#define LVL(l, f) (LAT_HDR_LEVEL + LAT_LEVEL_BYTES * (l) + (f))

static void put_field(uint8_t *p, int size, int64_t v) {
    if (size == 1) p[0] = (uint8_t)v;
    else if (size == 2) put_u16(p, (uint32_t)v);
    else put_u32(p, (uint32_t)v);
}

static void header_lies(const uint8_t *s, size_t n) {
    const lie lies[] = {
        {LAT_HDR_LEVELS, 1, 0, 0, 0, E2EC_ERR_HEADER, "no level"},
        {LAT_HDR_LEVELS, 1, 9, 0, 0, E2EC_ERR_LIMIT, "9 levels"},
        {LAT_HDR_LEVELS, 1, 2, 0, 0, E2EC_ERR_HEADER, "a level past the count"},
        {LAT_HDR_LEVELS, 1, 4, 0, 0, E2EC_ERR_HEADER, "a level of 0 nodes"},
        {LAT_HDR_ARM_CTX, 1, 17, 0, 0, E2EC_ERR_UNSUPPORTED, "another context"},
        {LAT_HDR_ARM_HIDDEN, 1, 0, 0, 0, E2EC_ERR_HEADER, "an ARM without units"},
        {LAT_HDR_ARM_HIDDEN, 1, 33, 0, 0, E2EC_ERR_LIMIT, "an ARM too wide"},
        {LAT_HDR_ARM_SHIFT + 1, 1, 25, 0, 0, E2EC_ERR_HEADER, "an ARM layer shift beyond 24"},
        {LAT_HDR_HIDDEN, 2, 0, 0, 0, E2EC_ERR_HEADER, "an MLP without units"},
        {LAT_HDR_HIDDEN, 2, 257, 0, 0, E2EC_ERR_LIMIT, "an MLP too wide"},
        {LAT_HDR_HIDDEN, 2, 9, 0, 0, E2EC_ERR_MISMATCH, "another MLP width (n_weights)"},
        {LVL(1, LAT_LVL_RES), 2, 1, 0, 0, E2EC_ERR_HEADER, "a level 1 node wide"},
        {LVL(1, LAT_LVL_RES), 2, NX + 1, 0, 0, E2EC_ERR_MISMATCH, "a level finer than the volume"},
        {LVL(1, LAT_LVL_RES), 2, 2, 0, 0, E2EC_ERR_MISMATCH, "a level coarser than the one before"},
        {LVL(2, LAT_LVL_RES + 4), 2, NZ - 1, 0, 0, E2EC_ERR_MISMATCH, "a finest level not the volume's grid"},
        {LVL(0, LAT_LVL_SHIFT), 1, 9, 0, 0, E2EC_ERR_HEADER, "an input shift beyond 8"},
        {LVL(0, LAT_LVL_GROUP), 1, 2, 0, 0, E2EC_ERR_MISMATCH, "4 slices a stream for a level of 2"},
        {LVL(2, LAT_LVL_GROUP), 1, LL_MAX_GROUP + 1, 0, 0, E2EC_ERR_MISMATCH, "2^17 slices a stream"},
        {LVL(0, LAT_LVL_LO), 4, 41, 0, 0, E2EC_ERR_HEADER, "lo above hi"},
        {LVL(0, LAT_LVL_LO), 4, -65600, 0, 0, E2EC_ERR_LIMIT, "an alphabet wider than 2^16"},
        {LVL(0, LAT_LVL_LO), 4, (1 << 24) - 4, LVL(0, LAT_LVL_HI), (1 << 24) + 1, E2EC_ERR_LIMIT,
         "latents beyond 2^24"},
        {LVL(0, LAT_LVL_BYTES), 4, 11, 0, 0, E2EC_ERR_MISMATCH, "a level too short for its stream"},
        {LVL(1, LAT_LVL_BYTES), 4, -1, 0, 0, E2EC_ERR_MISMATCH, "level bytes beyond the payload"},
        {(size_t)-1, 4, 0, 0, 0, E2EC_ERR_MISMATCH, "another n_weights"},
    };
    for (size_t i = 0; i < sizeof lies / sizeof *lies; i++) {
        uint8_t *c = malloc(n);
        memcpy(c, s, n);
        if (lies[i].at == (size_t)-1) put_u32(c + BS_OFF_N_WEIGHTS, get_u32(c + BS_OFF_N_WEIGHTS) + 1);
        else put_field(c + BS_OFF_PAYLOAD_V2 + lies[i].at, lies[i].size, lies[i].value);
        if (lies[i].at2) put_field(c + BS_OFF_PAYLOAD_V2 + lies[i].at2, 4, lies[i].value2);
        fix_crc(c, n);
        e2ec_info info;
        e2ec_status st = e2ec_get_info(c, n, &info);
        CHECK(st == lies[i].want, "%s: %s, not %s", lies[i].what, e2ec_error_name(st),
              e2ec_error_name(lies[i].want));
        e2ec_volume v;
        CHECK(e2ec_decode(c, n, 1, &v) == st, "%s: the decoder refuses it alike", lies[i].what);
        free(c);
    }
}

/* The payload's offset of level l's slice table. */
static size_t level_at(const mode_stream *ms, int l) {
    const e2ec_info *in = &ms->info;
    size_t at = 2 + get_u16(ms->payload); /* the coded networks (net_section.h) */
    if (in->version >= 7) at += 3 * (size_t)in->grid_levels; /* the levels' kernels */
    for (int k = 0; k < l; k++) at += in->latent_bytes[k];
    return at;
}

/* ms's payload with `grow` bytes inserted (grow < 0: removed) at payload
 * offset at, level l's bytes changed to match; the stream rewritten and
 * decoded. */
static e2ec_status edited(const mode_stream *ms, int l, size_t at, int grow, size_t patch_at,
                          uint32_t patch) {
    mode_stream e = *ms;
    e.payload_bytes = ms->payload_bytes + (size_t)(ptrdiff_t)grow;
    e.payload = calloc(e.payload_bytes + 4, 1);
    memcpy(e.payload, ms->payload, at);
    size_t rest = ms->payload_bytes - at - (grow < 0 ? (size_t)-grow : 0);
    memcpy(e.payload + at + (grow > 0 ? (size_t)grow : 0), ms->payload + at + (grow < 0 ? (size_t)-grow : 0), rest);
    if (patch_at != (size_t)-1) put_u32(e.payload + patch_at, patch);
    uint8_t *v = e.header + LVL(l, LAT_LVL_BYTES);
    put_u32(v, get_u32(v) + (uint32_t)grow);
    uint8_t *s;
    size_t n;
    e2ec_status st = bitstream_write_stream(&e, NULL, &s, &n);
    if (!st) {
        e2ec_volume d;
        st = e2ec_decode(s, n, 2, &d);
        if (!st) e2ec_volume_free(&d);
        e2ec_free(s);
    }
    free(e.payload);
    return st;
}

/* The stream s with every level one stream a slice (g = 0, which version 6
 * allows; the encoder groups the synthetic levels' few small slices), as a
 * mode_stream (its payload malloc'ed): so that the table's lies below have
 * streams to cut between. */
static int one_a_slice(const uint8_t *s, size_t n, mode_stream *ms) {
    uint8_t *s1;
    size_t n1;
    const uint8_t *payload;
    memset(ms, 0, sizeof *ms);
    if (latent_stream_regrouped(s, n, E2EC_BITSTREAM_VERSION, 0, &s1, &n1)) return -1;
    int bad = bitstream_read_info(s1, n1, &ms->info) ||
              bitstream_payload(s1, n1, &ms->info, &payload, &ms->payload_bytes) ||
              !(ms->payload = malloc(ms->payload_bytes));
    if (!bad) {
        memcpy(ms->header, s1 + BS_OFF_PAYLOAD_V2, LATENT_HEADER_BYTES);
        memcpy(ms->payload, payload, ms->payload_bytes);
    }
    free(s1);
    return bad ? -1 : 0;
}

static void payload_lies(const mode_stream *ms) {
    size_t l1 = level_at(ms, 1), l2 = level_at(ms, 2), end2 = level_at(ms, 3);
    uint32_t s0 = get_u32(ms->payload + l1), s1 = get_u32(ms->payload + l1 + 4);
    e2ec_status st;
    /* a table whose sizes add up but cut the slices elsewhere */
    uint8_t *p = ms->payload;
    put_u32(p + l1, s0 + 4), put_u32(p + l1 + 4, s1 - 4);
    st = edited(ms, 1, 0, 0, (size_t)-1, 0);
    CHECK(st == E2EC_ERR_ENTROPY, "slices cut elsewhere: %s", e2ec_error_name(st));
    put_u32(p + l1, 7), put_u32(p + l1 + 4, s1 + s0 - 7);
    st = edited(ms, 1, 0, 0, (size_t)-1, 0);
    CHECK(st == E2EC_ERR_HEADER, "a slice shorter than a state: %s", e2ec_error_name(st));
    put_u32(p + l1, s0 + 1), put_u32(p + l1 + 4, s1);
    st = edited(ms, 1, 0, 0, (size_t)-1, 0);
    CHECK(st == E2EC_ERR_TRUNCATED, "slices past the level's bytes: %s", e2ec_error_name(st));
    put_u32(p + l1, s0 - 1);
    st = edited(ms, 1, 0, 0, (size_t)-1, 0);
    CHECK(st == E2EC_ERR_MISMATCH, "bytes the slices leave over: %s", e2ec_error_name(st));
    put_u32(p + l1, s0), put_u32(p + l1 + 4, s1);
    /* the last slice of the last level 4 bytes short, or 4 long (sizes told) */
    size_t last = l2 + 4 * (NZ - 1);
    uint32_t sl = get_u32(p + last);
    st = edited(ms, 2, end2 - 4, -4, last, sl - 4);
    CHECK(st == E2EC_ERR_ENTROPY, "a truncated coder payload: %s", e2ec_error_name(st));
    st = edited(ms, 2, end2, 4, last, sl + 4);
    CHECK(st == E2EC_ERR_ENTROPY, "a slice stream longer than its symbols: %s", e2ec_error_name(st));
    /* the coded networks (net_section.h) lie: their size past the payload,
     * an MLP step finer than 2^-24 */
    st = edited(ms, 0, 0, 0, 0, 0xffffu | (get_u32(p) & 0xffff0000u));
    CHECK(st == E2EC_ERR_TRUNCATED, "the networks' size past the payload: %s", e2ec_error_name(st));
    st = edited(ms, 0, 0, 0, 2, (uint32_t)(MLP_STEP_MAX_Q + 1) | (get_u32(p + 2) & 0xffffff00u));
    CHECK(st == E2EC_ERR_HEADER, "an MLP step of 2^-25: %s", e2ec_error_name(st));
}

/* The same model as a version-5 stream (one rANS stream a slice: more
 * bytes than the encoder's groups) and a version-4 one (its networks stored:
 * the ARM's tensors first, the MLP's binary16 last before the post-filter's
 * kind byte) decodes to the same voxels; an ARM weight beyond its bound and a
 * NaN in the MLP are refused there. */
static void older_versions(const uint8_t *s, size_t n) {
    uint8_t *v4 = NULL;
    size_t n4 = 0;
    e2ec_volume a, b;
    e2ec_status st = e2ec_decode(s, n, 1, &a);
    for (int version = 7; version >= 4; version--) {
        uint8_t *old;
        size_t n_old;
        if (latent_stream_as_version(s, n, version, 0, &old, &n_old)) {
            CHECK(0, "a version-%d stream made", version);
            continue;
        }
        e2ec_status st_old = e2ec_decode(old, n_old, 2, &b);
        CHECK(!st && !st_old && !memcmp(a.data, b.data, (size_t)NX * NY * NZ * 2),
              "version %d decodes as version 8: %s", version, e2ec_error_name(st_old));
        if (!st_old) e2ec_volume_free(&b);
        if (version == 5) CHECK(n_old > n, "one stream a slice: %zu bytes, the encoder's groups %zu", n_old, n);
        if (version == 4) v4 = old, n4 = n_old;
        else free(old);
    }
    if (!st) e2ec_volume_free(&a);
    if (!v4) return;
    const size_t payload = BS_OFF_PAYLOAD_V2 + LATENT_HEADER_BYTES;
    uint8_t *c = malloc(n4);
    memcpy(c, v4, n4);
    put_u16(c + payload, 0x0400u); /* the ARM's first weight: 1024 */
    put_u32(c + n4 - 4, (uint32_t)crc32(0L, c, (uInt)(n4 - 4)));
    st = e2ec_decode(c, n4, 1, &a);
    CHECK(st == E2EC_ERR_WEIGHTS, "version 4, an ARM weight of 1024: %s", e2ec_error_name(st));
    if (!st) e2ec_volume_free(&a);
    memcpy(c, v4, n4);
    put_u16(c + n4 - 4 - 1 - 2, 0x7e00u); /* the MLP's last weight: NaN */
    put_u32(c + n4 - 4, (uint32_t)crc32(0L, c, (uInt)(n4 - 4)));
    st = e2ec_decode(c, n4, 1, &a);
    CHECK(st == E2EC_ERR_WEIGHTS, "version 4, a NaN in the MLP: %s", e2ec_error_name(st));
    if (!st) e2ec_volume_free(&a);
    free(c), free(v4);
}

/* Every cut of the stream, and every cut of its payload with the sizes in the
 * common header told (CRC repaired), is refused by name; so is a byte more. */
static void truncations(const uint8_t *s, size_t n) {
    int named = 1, told = 1;
    uint8_t *c = malloc(n + 1);
    for (size_t k = 0; k < n; k++) {
        e2ec_volume v;
        e2ec_status st = e2ec_decode(s, k, 1, &v);
        named &= st != E2EC_OK && strncmp(e2ec_error_name(st), "E2EC_ERR_", 9) == 0;
        if (k < BS_OFF_PAYLOAD_V2 + LATENT_HEADER_BYTES + 4) continue;
        memcpy(c, s, k);
        uint32_t payload = (uint32_t)(k - 4 - BS_OFF_PAYLOAD_V2 - LATENT_HEADER_BYTES);
        put_u32(c + BS_OFF_PAYLOAD_BYTES, payload), put_u32(c + BS_OFF_WEIGHTS_BYTES, payload);
        fix_crc(c, k);
        st = e2ec_decode(c, k, 1, &v);
        told &= st != E2EC_OK && strncmp(e2ec_error_name(st), "E2EC_ERR_", 9) == 0;
    }
    CHECK(named, "every cut of the stream refused by name");
    CHECK(told, "every cut of the payload, its size told, refused by name");
    memcpy(c, s, n);
    c[n] = 0;
    e2ec_volume v;
    CHECK(e2ec_decode(c, n + 1, 1, &v) == E2EC_ERR_TRAILING, "a byte more refused");
    free(c);
}

static void refusals(void) {
    latent_model m;
    latent_synthetic(&m, RANDOM, LO, HI, 5);
    mode_stream ms;
    uint8_t *s = NULL;
    size_t n = 0;
    if (latent_synthetic_stream(&m, &ms, &s, &n)) return;
    header_lies(s, n);
    mode_stream ms1;
    CHECK(!one_a_slice(s, n, &ms1), "the stream recoded one stream a slice");
    payload_lies(&ms1);
    free(ms1.payload);
    truncations(s, n);
    older_versions(s, n);
    free(ms.payload), e2ec_free(s);
    latent_model_free(&m);
}

/* The synthetic model with cubic kernels on its coarse axes. */
static void cubic_kernels(void) {
    latent_model m;
    latent_synthetic(&m, RANDOM, LO, HI, 9);
    float (*k)[3] = m.syn.shape.keys; /* level 0: 3 x 3 x 2, level 1: 6 x 5 x 6 of 12 x 10 x 6 */
    k[0][0] = -0.5f, k[0][1] = -0.75f, k[0][2] = -1.0f, k[1][0] = -0.5f, k[1][1] = -0.25f;
    mode_stream ms;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_status st = latent_synthetic_stream(&m, &ms, &s, &n);
    CHECK(st == E2EC_OK, "a model with cubic kernels codes: %s", e2ec_error_name(st));
    e2ec_info info;
    CHECK(!st && e2ec_get_info(s, n, &info) == E2EC_OK && info.latent_keys[0][0] == 32 &&
              info.latent_keys[0][1] == 48 && info.latent_keys[0][2] == 64 && info.latent_keys[1][1] == 16 &&
              info.latent_keys[1][2] == 0 && info.latent_keys[2][0] == 0,
          "the stream's kernel codes (a = -code / 64)");
    size_t vox = (size_t)NX * NY * NZ;
    float *x = malloc(vox * sizeof *x);
    uint16_t *cubic = malloc(vox * sizeof *cubic), *linear = malloc(vox * sizeof *linear);
    grid_decode(&m.syn, NX, NY, NZ, 1, x);
    normalised_to_stored(x, vox, ms.info.vmin, ms.info.vmax, E2EC_U16, 0, cubic);
    float keep[GRID_MAX_LEVELS][3];
    memcpy(keep, k, sizeof keep);
    memset(k, 0, sizeof keep);
    grid_decode(&m.syn, NX, NY, NZ, 1, x);
    normalised_to_stored(x, vox, ms.info.vmin, ms.info.vmax, E2EC_U16, 0, linear);
    size_t differ = 0;
    for (size_t i = 0; i < vox; i++) differ += cubic[i] != linear[i];
    CHECK(differ > vox / 4, "the kernels change %zu of %zu voxels", differ, vox);
    for (int t = 1; !st && t <= 2; t++) {
        e2ec_volume v;
        e2ec_status sd = e2ec_decode(s, n, t, &v);
        CHECK(sd == E2EC_OK && memcmp(v.data, cubic, vox * 2) == 0, "cubic: the voxels on %d threads (%s)", t,
              e2ec_error_name(sd));
        if (!sd) e2ec_volume_free(&v);
    }
    /* the writer refuses a kernel off the stream's steps or on a full-resolution axis */
    mode_stream bad;
    memcpy(k, keep, sizeof keep), k[0][0] = -0.3f;
    memset(&bad, 0, sizeof bad), bad.info = ms.info;
    CHECK(latent_section_pack(&m, &bad) == E2EC_ERR_ARG, "a = -0.3 (off the 1/64 steps) is not written");
    free(bad.payload);
    memcpy(k, keep, sizeof keep), k[1][2] = -0.5f;
    memset(&bad, 0, sizeof bad), bad.info = ms.info;
    CHECK(latent_section_pack(&m, &bad) == E2EC_ERR_ARG, "a kernel along z at the volume's 6 planes is not written");
    free(bad.payload);
    /* and the reader a code beyond 128 or on such an axis */
    size_t nets = 0, at = BS_OFF_PAYLOAD_V2 + LATENT_HEADER_BYTES;
    if (!st && !net_section_size(s + at, n - at, &nets)) {
        uint8_t *c = malloc(n);
        struct { size_t byte; uint8_t code; e2ec_status want; const char *what; } lies[] = {
            {0, 129, E2EC_ERR_HEADER, "a kernel code of 129"},
            {3 * 1 + 2, 32, E2EC_ERR_MISMATCH, "a kernel along an axis at the volume's resolution"},
            {3 * 2 + 0, 1, E2EC_ERR_MISMATCH, "a kernel on the finest level"},
        };
        for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
            memcpy(c, s, n);
            c[at + nets + lies[i].byte] = lies[i].code;
            fix_crc(c, n);
            e2ec_volume v;
            e2ec_status sd = e2ec_decode(c, n, 1, &v);
            CHECK(sd == lies[i].want, "%s: %s", lies[i].what, e2ec_error_name(sd));
            if (!sd) e2ec_volume_free(&v);
        }
        free(c);
    }
    free(x), free(cubic), free(linear), free(ms.payload), e2ec_free(s);
    latent_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--hash") == 0) { /* baseline_hash's child */
        FILE *f = fopen(argv[2], "rb");
        static uint8_t buf[1 << 20];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        printf("%016llx\n", (unsigned long long)decode_hash(buf, n));
        return 0;
    }
    latent_fit_config c;
    latent_fit_defaults(&c);
    CHECK(e2ec_default_epochs(E2EC_MODE_LATENT) == c.passes, "the mode's default passes are the fit's (%d)",
          c.passes);
    roundtrip(argv[0]);
    cubic_kernels();
    extremes();
    refusals();
    return check_summary();
}
