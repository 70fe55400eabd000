/*
 * The latent mode's value map (codec/latent/value_map.h): fitted to a
 * synthetic model's decode, each listed value's voxels end with a mean error
 * within half a stored unit and the squared error falls; a rate weight too
 * high for any entry lists none; a stream carries the map and decodes
 * through it, in version 6 as in versions 5, 4 and 3 (3 has no post-filter byte); a
 * version-2 stream is read without one and refused with one; lying entries (out of order, zero, beyond the range, a partial entry)
 * are refused by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "check.h"
#include "e2ec.h"
#include "latent/value_map.h"
#include "latent_synthetic.h"

#define NV ((size_t)SYN_NX * SYN_NY * SYN_NZ)

static const syn_draw RANDOM[SYN_LEVELS] = {DRAW_RANDOM, DRAW_RANDOM, DRAW_RANDOM};
static const int32_t LO[SYN_LEVELS] = {-40, -9, -3}, HI[SYN_LEVELS] = {40, 12, 3};

static void fix_crc(uint8_t *s, size_t n) { put_u32(s + n - 4, (uint32_t)crc32(0L, s, (uInt)(n - 4))); }

/* The volume latent_synthetic_stream describes (u16, 0..1000), with its
 * header fields. */
static void synthetic_volume(e2ec_volume *v, e2ec_info *info) {
    e2ec_volume_alloc(v, SYN_NX, SYN_NY, SYN_NZ, E2EC_U16);
    for (size_t i = 0; i < NV; i++) ((uint16_t *)v->data)[i] = (uint16_t)(i * 37 % 1001);
    memset(info, 0, sizeof *info);
    volume_header(v, info);
    info->version = E2EC_BITSTREAM_VERSION;
}

/* The synthetic model, its volume and header fields. */
static void synthetic(latent_model *m, e2ec_volume *v, e2ec_info *info) {
    latent_synthetic(m, RANDOM, LO, HI, 5);
    synthetic_volume(v, info);
}

/* m's decode as stored voxels, without a map. */
static void decode_plain(const latent_model *m, const e2ec_info *info, uint16_t *out) {
    float *f = malloc(NV * sizeof *f);
    grid_decode(&m->syn, SYN_NX, SYN_NY, SYN_NZ, 1, f);
    normalised_to_stored(f, NV, info->vmin, info->vmax, info->type, info->bits_stored, out);
    free(f);
}

static void fit(void) {
    latent_model m;
    e2ec_volume v;
    e2ec_info info;
    synthetic(&m, &v, &info);
    uint16_t *plain = malloc(NV * 2), *mapped = malloc(NV * 2);
    decode_plain(&m, &info, plain);
    value_map vm;
    e2ec_status st = value_map_fit(&v, &info, plain, 0.0, &vm);
    CHECK(st == E2EC_OK && vm.count > 0, "a map fitted at lambda 0: %s, %u entries", e2ec_error_name(st), vm.count);
    int16_t *table;
    CHECK(value_map_table(&vm, &info, &table) == E2EC_OK && table, "its table");
    memcpy(mapped, plain, NV * 2);
    value_map_apply(table, &info, mapped, NV);
    double before = u16_squared_error(plain, &v), after = u16_squared_error(mapped, &v);
    CHECK(after < before, "the map lowers the squared error: %.0f -> %.0f", before, after);
    /* every listed value's voxels: their mean error is now within half a unit */
    int worst_ok = 1;
    for (uint32_t k = 0; k < vm.count; k++) {
        double sum = 0.0, n = 0.0;
        for (size_t i = 0; i < NV; i++)
            if (plain[i] == vm.index[k] + (int)info.vmin) sum += (double)((const uint16_t *)v.data)[i] - mapped[i], n++;
        if (!(n > 0 && sum / n >= -0.5 && sum / n <= 0.5)) worst_ok = 0;
    }
    CHECK(worst_ok, "each listed value's voxels end with a mean error within half a unit");
    free(table), value_map_free(&vm);
    st = value_map_fit(&v, &info, plain, 1e9, &vm);
    CHECK(st == E2EC_OK && vm.count == 0, "lambda 1e9: no entry pays (%u)", vm.count);
    value_map_free(&vm);
    free(plain), free(mapped), e2ec_volume_free(&v), latent_model_free(&m);
}

/* m with the map {index: delta} coded as a stream (mode_stream kept for edits). */
static e2ec_status stream_with(latent_model *m, const uint16_t *index, const int16_t *delta, uint32_t count,
                               mode_stream *ms, uint8_t **s, size_t *n) {
    value_map_free(&m->map);
    m->map.count = count;
    m->map.index = malloc((count + 1) * sizeof *m->map.index);
    m->map.delta = malloc((count + 1) * sizeof *m->map.delta);
    memcpy(m->map.index, index, count * sizeof *index), memcpy(m->map.delta, delta, count * sizeof *delta);
    return latent_synthetic_stream(m, ms, s, n);
}

static void streams(void) {
    latent_model m;
    e2ec_volume v;
    e2ec_info info;
    synthetic(&m, &v, &info);
    uint16_t *plain = malloc(NV * 2);
    decode_plain(&m, &info, plain);
    /* map the two values the decode gives most to their neighbours */
    uint16_t idx[2] = {(uint16_t)(plain[0] - (int)info.vmin), (uint16_t)(plain[NV / 2] - (int)info.vmin)};
    if (idx[0] > idx[1]) { uint16_t t = idx[0]; idx[0] = idx[1], idx[1] = t; }
    int16_t dl[2] = {idx[0] > 0 ? -1 : 1, idx[1] < 1000 ? 1 : -1};
    mode_stream ms;
    uint8_t *s;
    size_t n;
    e2ec_status st = idx[0] < idx[1] ? stream_with(&m, idx, dl, 2, &ms, &s, &n) : E2EC_ERR_ARG;
    CHECK(st == E2EC_OK && s[4] == E2EC_BITSTREAM_VERSION && E2EC_BITSTREAM_VERSION == 8,
          "a map of 2 entries codes, in version 8: %s", e2ec_error_name(st));
    if (st) return;
    e2ec_volume d;
    for (int version = 3; version <= E2EC_BITSTREAM_VERSION; version++) {
        uint8_t *sv = NULL;
        size_t nv = n;
        if (version == E2EC_BITSTREAM_VERSION) {
            if ((sv = malloc(n))) memcpy(sv, s, n);
        } else if (latent_stream_as_version(s, n, version, 2, &sv, &nv))
            sv = NULL;
        if (!sv) {
            CHECK(0, "version %d made", version);
            continue;
        }
        e2ec_info got;
        CHECK(e2ec_get_info(sv, nv, &got) == E2EC_OK && got.value_map_entries == 2 && !got.post_filter,
              "version %d: get_info: 2 value map entries (%u), no post-filter", version, got.value_map_entries);
        st = e2ec_decode(sv, nv, 2, &d);
        int same = st == E2EC_OK;
        for (size_t i = 0; i < NV && same; i++) {
            int want = plain[i];
            if (want == idx[0] + (int)info.vmin) want += dl[0];
            else if (want == idx[1] + (int)info.vmin) want += dl[1];
            same = ((uint16_t *)d.data)[i] == want;
        }
        CHECK(same, "version %d: the stream decodes through its map: %s", version, e2ec_error_name(st));
        if (!st) e2ec_volume_free(&d);
        /* read as version 2 (no map there): refused, the encoder's own stream
         * first for its slices-per-stream bytes (it groups these small
         * levels; the older versions made here hold one slice a stream) */
        put_u16(sv + 4, 2), fix_crc(sv, nv);
        e2ec_status want = version == E2EC_BITSTREAM_VERSION ? E2EC_ERR_HEADER : E2EC_ERR_MISMATCH;
        st = e2ec_decode(sv, nv, 1, &d);
        CHECK(st == want, "version %d's bytes as version 2: %s, not %s", version, e2ec_error_name(st),
              e2ec_error_name(want));
        free(sv);
    }
    free(ms.payload), e2ec_free(s);
    st = stream_with(&m, idx, dl, 0, &ms, &s, &n);
    uint8_t *v2;
    size_t n2;
    if (!st && !latent_stream_as_version(s, n, 2, 0, &v2, &n2)) {
        st = e2ec_decode(v2, n2, 1, &d);
        CHECK(st == E2EC_OK && !memcmp(d.data, plain, NV * 2), "a version-2 latent stream decodes without a map: %s",
              e2ec_error_name(st));
        if (!st) e2ec_volume_free(&d);
        free(v2);
    } else CHECK(0, "a version-2 stream made");
    if (!st) free(ms.payload), e2ec_free(s);
    /* lying entries: a valid map's two entries (before the post-filter's kind,
     * the payload's last byte) patched */
    struct {
        const char *what;
        uint16_t index[2];
        int16_t delta[2];
        e2ec_status want;
    } lies[] = {
        {"indices out of order", {5, 3}, {1, 1}, E2EC_ERR_HEADER},
        {"a repeated index", {5, 5}, {1, 1}, E2EC_ERR_HEADER},
        {"a zero delta", {3, 5}, {1, 0}, E2EC_ERR_HEADER},
        {"an index beyond the range", {3, 1001}, {1, -1}, E2EC_ERR_MISMATCH},
        {"a value mapped below vmin", {3, 5}, {-4, 1}, E2EC_ERR_MISMATCH},
        {"a value mapped above vmax", {3, 999}, {1, 2}, E2EC_ERR_MISMATCH},
    };
    const uint16_t good_index[2] = {3, 5};
    const int16_t good_delta[2] = {1, 1};
    st = stream_with(&m, good_index, good_delta, 2, &ms, &s, &n);
    CHECK(st == E2EC_OK, "a valid map of 2 entries: %s", e2ec_error_name(st));
    for (size_t k = 0; k < sizeof lies / sizeof lies[0] && !st; k++) {
        uint8_t *b = malloc(n), *e = b + n - 4 - 1 - 2 * VALUE_MAP_ENTRY_BYTES;
        memcpy(b, s, n);
        for (int j = 0; j < 2; j++)
            put_u16(e + VALUE_MAP_ENTRY_BYTES * j, lies[k].index[j]), put_u16(e + VALUE_MAP_ENTRY_BYTES * j + 2, (uint16_t)lies[k].delta[j]);
        fix_crc(b, n);
        e2ec_status got = e2ec_decode(b, n, 1, &d);
        CHECK(got == lies[k].want, "%s: %s (want %s)", lies[k].what, e2ec_error_name(got), e2ec_error_name(lies[k].want));
        if (!got) e2ec_volume_free(&d);
        free(b);
    }
    value_map bad = {2, (uint16_t[]){5, 3}, (int16_t[]){1, 1}};
    latent_model w = m;
    w.map = bad;
    mode_stream ws;
    memset(&ws, 0, sizeof ws);
    ws.info = info, ws.info.mode = E2EC_MODE_LATENT, ws.info.fp16 = 1;
    CHECK(latent_section_pack(&w, &ws) == E2EC_ERR_ARG, "the writer refuses a map it would not read");
    if (!st) free(ms.payload), e2ec_free(s);
    /* a partial entry: the payload two bytes longer than its entries */
    uint32_t count;
    CHECK(value_map_count(6, &info, &count) == E2EC_ERR_MISMATCH, "a partial entry: MISMATCH");
    CHECK(value_map_count(4 * 1002, &info, &count) == E2EC_ERR_MISMATCH, "more entries than values: MISMATCH");
    e2ec_info f32 = info;
    f32.type = E2EC_F32, f32.bits_stored = 0;
    CHECK(value_map_count(4, &f32, &count) == E2EC_ERR_MISMATCH && value_map_count(0, &f32, &count) == E2EC_OK,
          "an F32 volume: no entries");
    free(plain), e2ec_volume_free(&v), latent_model_free(&m);
}

int main(void) {
    fit();
    streams();
    return check_summary();
}
