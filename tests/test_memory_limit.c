/* The memory limit (e2ec.h: max_memory, E2EC_ERR_MEMORY_LIMIT): a stream whose decode
 * needs more than the limit is refused before anything is allocated, and the same
 * stream decodes under a limit that covers it; likewise for encoding. A tiny stream
 * that declares a gigavoxel volume is refused under a small limit, nothing allocated. */
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "check.h"
#include "e2ec.h"
#include "model.h"

static void make_volume(e2ec_volume *v) {
    e2ec_volume_alloc(v, 16, 12, 6, E2EC_U16);
    uint16_t *d = v->data;
    for (size_t i = 0; i < (size_t)16 * 12 * 6; i++) d[i] = (uint16_t)(500 + (i * 37) % 900);
}

static e2ec_params quick(e2ec_mode mode) {
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = mode;
    p.scale = mode == E2EC_MODE_SIREN ? 1 : 2;
    p.siren_width = 8;
    p.epochs = 3;
    p.threads = 1;
    if (mode == E2EC_MODE_E2E) p.srno_channels = 4, p.srno_width = 8, p.srno_heads = 1;
    return p;
}

/* Encoding with p refused one byte under its estimate, accepted at it; the stream. */
static uint8_t *encode_at_limit(const e2ec_volume *vol, e2ec_params p, size_t *n) {
    uint64_t need = 0;
    CHECK(e2ec_encode_memory(vol, &p, &need) == E2EC_OK && need > 0, "mode %d estimate", p.mode);
    /* at least the normalised copy of the volume and the weights */
    CHECK(need >= (uint64_t)16 * 12 * 6 * 4 + 4 * e2ec_param_count(&p), "mode %d: %llu bytes",
          p.mode, (unsigned long long)need);
    uint8_t *s = NULL;
    p.max_memory = need - 1;
    e2ec_status st = e2ec_encode(vol, &p, &s, n);
    CHECK(st == E2EC_ERR_MEMORY_LIMIT && !s && *n == 0, "mode %d under the limit: %s", p.mode,
          e2ec_error_name(st));
    p.max_memory = need;
    st = e2ec_encode(vol, &p, &s, n);
    CHECK(st == E2EC_OK && s, "mode %d at the limit: %s", p.mode, e2ec_error_name(st));
    return s;
}

/* Decoding s whole and one slice: refused one byte under the estimate, decoded at it. */
static void decode_at_limit(const uint8_t *s, size_t n) {
    uint64_t whole = 0, slice = 0;
    CHECK(e2ec_decode_memory(s, n, 1, 1, &whole) == E2EC_OK, "whole estimate");
    CHECK(e2ec_decode_memory(s, n, 0, 1, &slice) == E2EC_OK, "slice estimate");
    /* the whole volume's estimate holds its output; one slice's does not */
    CHECK(whole >= slice + (uint64_t)16 * 12 * 6 * 2, "whole %llu vs slice %llu",
          (unsigned long long)whole, (unsigned long long)slice);
    e2ec_volume v;
    e2ec_decode_options o = {1, whole - 1};
    e2ec_status st = e2ec_decode_opt(s, n, &o, &v);
    CHECK(st == E2EC_ERR_MEMORY_LIMIT && v.data == NULL, "whole under: %s", e2ec_error_name(st));
    o.max_memory = whole;
    st = e2ec_decode_opt(s, n, &o, &v);
    CHECK(st == E2EC_OK && v.nx == 16 && v.nz == 6, "whole at: %s", e2ec_error_name(st));
    if (!st) e2ec_volume_free(&v);
    uint16_t plane[16 * 12];
    o.max_memory = slice - 1;
    st = e2ec_decode_slice_opt(s, n, 5, &o, plane);
    CHECK(st == E2EC_ERR_MEMORY_LIMIT, "slice under: %s", e2ec_error_name(st));
    o.max_memory = slice;
    st = e2ec_decode_slice_opt(s, n, 5, &o, plane);
    CHECK(st == E2EC_OK, "slice at: %s", e2ec_error_name(st));
    /* the plain calls run under the default limit, which covers this stream */
    CHECK(e2ec_decode(s, n, 1, &v) == E2EC_OK, "default limit");
    e2ec_volume_free(&v);
}

/* A valid 100-odd-byte stream that declares a 1024^3 volume: decoding it whole
 * needs over a GiB (its output); under 256 MiB it is refused before any allocation
 * (ASan would report an allocation this size as an error: allocator_may_return_null
 * aside, it is never attempted). */
static void small_stream_large_volume(void) {
    e2ec_params p = quick(E2EC_MODE_SIREN);
    e2ec_info info = {0};
    CHECK(model_info_from_params(&info, &p, 1024, 1024, 1024) == E2EC_OK, "info");
    info.type = E2EC_U8;
    info.spacing[0] = info.spacing[1] = info.spacing[2] = 1;
    info.vmax = 1;
    float *w = calloc(info.n_weights, sizeof *w);
    uint8_t *s = NULL;
    size_t n = 0;
    bs_weights bw = {.n = info.n_weights, .values = w};
    CHECK(w && bitstream_write(&info, &bw, NULL, &s, &n) == E2EC_OK, "write");
    free(w);
    if (!s) return;
    uint64_t need = 0;
    CHECK(e2ec_decode_memory(s, n, 1, 1, &need) == E2EC_OK && need > (1ull << 30),
          "needs %llu bytes", (unsigned long long)need);
    e2ec_volume v;
    e2ec_decode_options o = {1, 256u << 20};
    e2ec_status st = e2ec_decode_opt(s, n, &o, &v);
    CHECK(st == E2EC_ERR_MEMORY_LIMIT && !v.data, "refused: %s", e2ec_error_name(st));
    CHECK(strcmp(e2ec_error_name(st), "E2EC_ERR_MEMORY_LIMIT") == 0, "named");
    /* one slice needs a plane, not the volume: within the same limit */
    uint64_t slice = 0;
    CHECK(e2ec_decode_memory(s, n, 0, 1, &slice) == E2EC_OK && slice < (64u << 20),
          "slice needs %llu bytes", (unsigned long long)slice);
    e2ec_free(s);
}

int main(void) {
    e2ec_volume vol;
    make_volume(&vol);
    const e2ec_mode modes[] = {E2EC_MODE_SIREN, E2EC_MODE_SIREN_DS, E2EC_MODE_E2E};
    for (int k = 0; k < 3; k++) {
        size_t n = 0;
        uint8_t *s = encode_at_limit(&vol, quick(modes[k]), &n);
        if (s) decode_at_limit(s, n);
        e2ec_free(s);
    }
    small_stream_large_volume();
    e2ec_volume_free(&vol);
    return check_summary();
}
