/* E2EC_MODE_LOSSLESS: every voxel coded exactly under a per-volume ARM over a
 * causal 3D context (codec/lossless/, docs/architecture.md "Lossless mode").
 * The payload is the lossless section (lossless/ll_section.h); decoding it is
 * integer arithmetic only, so a stream decodes to the same voxels on every
 * machine, thread count and ISA path. */
#include <stdlib.h>
#include <string.h>

#include "ent/arm_int.h"
#include "lossless/ll_code.h"
#include "lossless/ll_section.h"
#include "lossless/ll_volume.h"
#include "memory_budget.h"
#include "mode_ops.h"
#include "volume_norm.h"

/* The fit's options from the parameters: epochs are its Adam steps, batch its
 * voxels per step (0: the default). */
static void fit_opts(const e2ec_params *p, ll_fit_opts *o) {
    ll_fit_opts_default(o);
    o->steps = p->epochs;
    if (p->batch > 0) o->batch = p->batch;
    o->seed = p->seed;
}

static size_t param_count(const e2ec_mode_ops *self, const e2ec_params *p) {
    (void)self;
    ll_fit_opts o;
    fit_opts(p, &o);
    return (size_t)arm_param_count(LL_CTX, o.hidden);
}

_Static_assert(LL_MAX_ERROR == E2EC_LOSSLESS_MAX_ERROR, "e2ec.h states the mode's cap");

static e2ec_status check(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p) {
    (void)self;
    if (p->epochs < 1) return E2EC_ERR_ARG;
    if (p->max_error > LL_MAX_ERROR) return E2EC_ERR_LIMIT;
    return in->type == E2EC_F32 ? E2EC_ERR_UNSUPPORTED : E2EC_OK;
}

static e2ec_status encode_memory(const e2ec_mode_ops *self, const e2ec_volume *in,
                                 const e2ec_params *p, int threads, uint64_t *bytes) {
    (void)self, (void)p;
    uint64_t n = (uint64_t)in->nx * in->ny * in->nz;
    *bytes = ll_compress_memory(n, in->nz) + memory_budget_runtime(threads, 0);
    return E2EC_OK;
}

static e2ec_status encode(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p,
                          mode_stream *out) {
    (void)self;
    ll_fit_opts o;
    fit_opts(p, &o);
    e2ec_info *info = &out->info;
    volume_header(in, info);
    info->mode = E2EC_MODE_LOSSLESS;
    info->n_weights = (uint32_t)arm_param_count(LL_CTX, o.hidden);
    double bits;
    return ll_compress(in, &o, p->max_error > 0 ? p->max_error : 0, &out->payload,
                       &out->payload_bytes, &bits);
}

/* The bound the section codes to, for e2ec_info: the u16 after its six u8
 * fields (ll_section.h), checked as ll_section_read checks it. This is what a
 * reader tells a lossless stream (0) from a near-lossless one by, without
 * decoding (the DICOM writer's Lossy Image Compression, e2ec info). */
#define SECTION_OFF_MAX_ERROR 6

static e2ec_status read_payload_info(const uint8_t *sec, size_t n, e2ec_info *in) {
    if (n < LL_SECTION_FIXED) return E2EC_ERR_TRUNCATED;
    uint32_t e = (uint32_t)sec[SECTION_OFF_MAX_ERROR] | (uint32_t)sec[SECTION_OFF_MAX_ERROR + 1] << 8;
    if (e > LL_MAX_ERROR) return E2EC_ERR_HEADER;
    in->max_error = e;
    in->lossless = e == 0;
    return E2EC_OK;
}

static e2ec_status decode_memory(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                 uint32_t z1, int whole, int threads, uint64_t *bytes) {
    (void)self, (void)z0;
    uint64_t plane = (uint64_t)info->nx * info->ny;
    /* every slice up to z1: each depends on the two before it */
    *bytes = ll_decompress_memory(plane * z1, z1) + memory_budget_runtime(threads, 0);
    if (whole) *bytes += plane * info->nz * e2ec_voxel_size(info->type);
    return E2EC_OK;
}

typedef struct {
    e2ec_info info;
    const uint8_t *payload;
    size_t n;
} ll_decoder;

static e2ec_status decode_open(const e2ec_mode_ops *self, const e2ec_info *info,
                               const uint8_t *payload, size_t n, void **dec) {
    (void)self;
    ll_decoder *d = malloc(sizeof *d);
    if (!d) return E2EC_ERR_NOMEM;
    *d = (ll_decoder){*info, payload, n};
    *dec = d;
    return E2EC_OK;
}

/* Slices [0, z1) are decoded (a slice's context reaches two slices back);
 * [z0, z1) are kept. */
static e2ec_status decode_planes(void *dec, uint32_t z0, uint32_t z1, void *dst) {
    ll_decoder *d = dec;
    size_t plane = (size_t)d->info.nx * d->info.ny, bytes = e2ec_voxel_size(d->info.type);
    e2ec_volume v = {.nx = d->info.nx, .ny = d->info.ny, .nz = d->info.nz, .type = d->info.type,
                     .bits_stored = d->info.bits_stored};
    v.data = malloc(plane * z1 * bytes);
    if (!v.data) return E2EC_ERR_NOMEM;
    e2ec_status st = ll_decompress_planes(d->payload, d->n, &v, z1);
    if (st == E2EC_OK) memcpy(dst, (uint8_t *)v.data + plane * z0 * bytes, plane * (z1 - z0) * bytes);
    free(v.data);
    return st;
}

static void decode_close(void *dec) { free(dec); }

const e2ec_mode_ops mode_lossless = {
    .mode = E2EC_MODE_LOSSLESS,
    .name = "lossless",
    /* added in version 2 (readers that predate it refuse its mode byte) */
    .layout = {.min_version = 2, .own_error = 1}, /* --max-error: near-lossless in the section */
    .knob = MODE_KNOB_NONE,
    .default_epochs = 1500, /* the ARM's Adam steps: bench/results/lossless/ */
    .epoch_unit = {"step", "steps"},
    .read_payload_info = read_payload_info,
    .param_count = param_count,
    .check = check,
    .encode_memory = encode_memory,
    .encode = encode,
    .decode_memory = decode_memory,
    .decode_open = decode_open,
    .decode_planes = decode_planes,
    .decode_close = decode_close,
};
