/* E2EC_MODE_LATENT: a pyramid of integer latent grids read by the grid's
 * synthesis, the latents coded by the lossless mode's coder under one learned
 * ARM (latent/latent_model.h, docs/latent.md), the decoded values through the
 * stream's value map (latent/value_map.h) and post-filter
 * (latent/post_filter.h) or post-network (latent/post_cnn.h). The latents
 * decode bit for bit on every machine (integer arithmetic), the map and the
 * filter are integer arithmetic; the synthesis and the post-network are
 * floating point in one order everywhere. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grid_decoder.h"
#include "latent/latent_fit.h"
#include "latent/latent_refine.h"
#include "latent/latent_section.h"
#include "latent/post_cnn.h"
#include "latent/post_filter.h"
#include "latent/value_map.h"
#include "memory_budget.h"
#include "mode_ops.h"
#include "volume_norm.h"

/* Output planes synthesised per pass. grid_decode_planes turns every latent
 * into a float per call, so a slab thinner than this pays that more often
 * than it saves memory (a 512 x 512 slab of 32 planes is 32 MiB of floats). */
#define LATENT_DECODE_SLAB 32

/* The fit from the parameters: epochs are its passes over the volume (encode
 * gives a small one more: passes_for), batch its voxels per Adam step (0:
 * the fit's default). grid_lambda is the fit's lambda as it is: the
 * loss is MSE + lambda bits / voxel on values in [0, 1], so at the rates
 * that matter (MSE 1e-5 .. 1e-2, where dMSE/dbit is about 1.4 MSE) lambda
 * lies within the rate control's (0, 1] (docs/latent.md). */
static void config_from_params(const e2ec_params *p, latent_fit_config *c) {
    latent_fit_defaults(c);
    c->lambda = p->grid_lambda;
    c->passes = p->epochs;
    if (p->batch > 0) c->batch = p->batch;
    c->threads = p->threads;
    c->seed = p->seed;
    c->progress = p->progress, c->progress_user = p->progress_user;
    c->progress_every = p->progress_every;
}

/* A volume of fewer than LATENT_WORK_VOXELS voxels trains as many passes as
 * epochs passes over that many would be, at most LATENT_MAX_PASS_SCALE x
 * epochs: 50 passes left the sample MR under-trained, where its passes cost
 * seconds (200 passes: +1.3 / +0.9 / +3.3 dB at equal rate at lambda 1e-2 /
 * 1e-3 / 1e-4, the mean of six seeds; bench/RESULTS.md "Passes by volume").
 * A volume of more than LATENT_BIG_VOXELS trains as many as epochs passes
 * over that many would be, at least a third of epochs (the fast preset's
 * share), so that the encode's work stops growing with the volume: the fit
 * costs about 1 microsecond a voxel and pass on 2 cores of an AMD EPYC, and
 * 50 passes of the whole chest CT (16.8 M voxels) took 977-996 s where the
 * default has 15 minutes; it gets 42, 813 s for about -0.2 dB at equal rate
 * (bench/results/latent-rd/chest-ct-post-cnn/report-1e-3-faster.log). */
#define LATENT_WORK_VOXELS (1u << 23)
#define LATENT_MAX_PASS_SCALE 4
#define LATENT_BIG_VOXELS 14000000u

/* Above LATENT_LONG_FIT_LAMBDA the small volume's extra passes shrink as
 * sqrt(LATENT_LONG_FIT_LAMBDA / lambda), rounded, to
 * LATENT_HIGH_LAMBDA_PASS_SCALE x epochs at least: past about a hundred
 * passes a fit raises the rate at a lambda more than it buys. On the sample
 * MR, the means of four seeds at equal rate against 200 passes: 120 passes
 * -0.09 dB at lambda 1e-4, +0.13 at 1e-3, +0.21 at 3e-3 and +0.24 at 1e-2;
 * 100 passes +0.16 at 3e-3, +0.32 at 1e-2 and +0.18 at 3e-2; 32 passes
 * -0.24 to -0.57 dB (bench/RESULTS.md "Passes by lambda" and "Passes by
 * lambda below 1e-3"; bench/results/latent/passes-by-lambda/). The boundary
 * sits between 1e-4 and 1e-3: the default 1e-3 gets 4 sqrt(0.36) = 2.4 x
 * epochs (120 of 50), 1.44e-3 and up the least. */
#define LATENT_LONG_FIT_LAMBDA 3.6e-4
#define LATENT_HIGH_LAMBDA_PASS_SCALE 2

static uint64_t most_passes(uint64_t e, float lambda) {
    if (!(lambda > LATENT_LONG_FIT_LAMBDA)) return e * LATENT_MAX_PASS_SCALE;
    uint64_t most = (uint64_t)((double)(e * LATENT_MAX_PASS_SCALE) * sqrt(LATENT_LONG_FIT_LAMBDA / lambda) + 0.5);
    return most > e * LATENT_HIGH_LAMBDA_PASS_SCALE ? most : e * LATENT_HIGH_LAMBDA_PASS_SCALE;
}

static int passes_for(const e2ec_volume *in, const e2ec_params *p) {
    uint64_t v = volume_voxels(in), e = (uint64_t)p->epochs;
    uint64_t want = v < LATENT_WORK_VOXELS  ? (e * LATENT_WORK_VOXELS + v - 1) / v
                    : v > LATENT_BIG_VOXELS ? (e * LATENT_BIG_VOXELS + v - 1) / v
                                            : e;
    uint64_t least = e / 3 ? e / 3 : 1, most = most_passes(e, p->grid_lambda);
    want = want < least ? least : want > most ? most : want;
    return want > INT_MAX ? INT_MAX : (int)want;
}

static size_t param_count(const e2ec_mode_ops *self, const e2ec_params *p) {
    (void)self;
    latent_fit_config c;
    config_from_params(p, &c);
    return latent_weight_count(c.levels, c.hidden, c.arm_hidden);
}

static e2ec_status shape_of(const e2ec_volume *in, const latent_fit_config *c, grid_shape *s) {
    e2ec_status st = latent_shape_for(c->levels, in->nx, in->ny, in->nz, in->spacing, s);
    if (st) return st;
    return s->off[s->levels] > E2EC_MAX_LATENTS ? E2EC_ERR_LIMIT : E2EC_OK;
}

static e2ec_status check(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p) {
    (void)self;
    if (!(p->grid_lambda >= 0.0f) || p->epochs < 1) return E2EC_ERR_ARG;
    if (in->nx < 2 || in->ny < 2 || in->nz < 2) return E2EC_ERR_UNSUPPORTED;
    latent_fit_config c;
    config_from_params(p, &c);
    grid_shape s;
    return shape_of(in, &c, &s);
}

/* Bytes of coding the levels of shape s besides the latents themselves: the
 * symbols (8 bytes) and two codings of them by ll_pack (the one kept and the
 * one tried, rans_bound: about 4 bytes a symbol each), for the largest level
 * (encode); and what the coder and decoder allocate a slice at most: a
 * stream's size in the table (4 bytes, twice in the encoder), the decoder's
 * state and status of it (40) and the slice's row counter (4). */
static uint64_t coder_bytes(const grid_shape *s, int encode) {
    uint64_t most = 0, tables = 0;
    for (int l = 0; l < s->levels; l++) {
        uint64_t n = s->off[l + 1] - s->off[l];
        most = n > most ? n : most;
        tables += 48ull * (uint64_t)s->res[l][2] + 64;
    }
    return (encode ? most * (4 + 8 + 4) : 0) + tables + (1u << 20);
}

static e2ec_status encode_memory(const e2ec_mode_ops *self, const e2ec_volume *in,
                                 const e2ec_params *p, int threads, uint64_t *bytes) {
    (void)self;
    latent_fit_config c;
    config_from_params(p, &c);
    grid_shape s;
    e2ec_status st = shape_of(in, &c, &s);
    if (st) return st;
    /* latent_fit's buffers, or the section: the latents, the coder's buffers
     * and the payload (at most the coder's streams); the normalised volume */
    uint64_t ng = s.off[s.levels];
    uint64_t fit = latent_fit_bytes(&s, in->nx, in->ny, in->nz, &c);
    uint64_t pack = ng * 4 + coder_bytes(&s, 1) * 2;
    uint64_t voxels = (uint64_t)in->nx * in->ny * in->nz;
    /* after the fit: the synthesis (grid_synth: the latents as float and its
     * axes' tables, as the decoder holds them), the map's and the filter's
     * fits on the decode */
    e2ec_info info;
    volume_header(in, &info);
    uint64_t refine = ng * 8 + grid_axes_bytes(s.levels, in->nx, in->ny, in->nz) + latent_refine_bytes(&info, threads);
    uint64_t after = refine > pack ? refine : pack;
    *bytes = voxels * 4 + (fit > after ? fit : after) + memory_budget_runtime(threads, 0);
    return E2EC_OK;
}

static e2ec_status encode(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p,
                          mode_stream *out) {
    (void)self;
    latent_fit_config c;
    config_from_params(p, &c);
    e2ec_info *info = &out->info;
    volume_header(in, info);
    info->mode = E2EC_MODE_LATENT;
    info->fp16 = 1;
    float *x = malloc(sizeof(float) * volume_voxels(in));
    if (!x) return E2EC_ERR_NOMEM;
    volume_to_normalised(in, info->vmin, info->vmax, x);
    c.passes = passes_for(in, p);
    latent_model m;
    e2ec_status st = latent_fit(x, in->nx, in->ny, in->nz, in->spacing, &c, &m);
    free(x);
    if (st) return st;
    post_cnn_config pc;
    post_cnn_defaults(&pc);
    pc.steps = post_cnn_steps_for(info, &pc, c.passes);
    st = latent_refine(in, info, c.lambda, c.threads, LATENT_REFINE_ALL, &pc, &m);
    if (!st) st = latent_section_pack(&m, out);
    latent_model_free(&m);
    return st;
}

static e2ec_status decode_memory(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                 uint32_t z1, int whole, int threads, uint64_t *bytes) {
    (void)self;
    grid_shape s = {.levels = info->grid_levels, .feats = 1};
    memcpy(s.res, info->latent_res, sizeof s.res);
    if (grid_shape_init(&s) != info->grid_values) return E2EC_ERR_ARG;
    /* every latent is decoded whatever the planes (docs/latent.md); the
     * post-filter has the synthesis give the planes around those asked for,
     * and holds a whole slab's and those around it (decode_open), whatever
     * the planes asked for */
    uint64_t filter = 0;
    uint32_t a = z0, b = z1;
    if (info->post_filter) {
        uint32_t planes = info->nz < LATENT_DECODE_SLAB ? info->nz : LATENT_DECODE_SLAB;
        post_filter_source(info, z0, z1, &a, &b);
        filter = (uint64_t)info->nx * info->ny * (planes + 2 * POST_FILTER_REACH_Z) * e2ec_voxel_size(info->type) +
                 (info->post_filter == 2 ? post_cnn_apply_bytes(info, info->post_cnn_channels, threads)
                                         : post_filter_apply_bytes(info, threads));
    }
    *bytes = grid_decoder_memory(info, info->grid_values, info->n_weights, LATENT_DECODE_SLAB, a, b, whole,
                                 threads) +
             coder_bytes(&s, 0) + value_map_table_bytes(info) + filter;
    return E2EC_OK;
}

/* The grid decoder, the value map as a table, the post-filter or
 * post-network and the planes it reads (a slab and the planes around it). */
typedef struct {
    e2ec_info info;
    void *grid;
    int16_t *map;
    post_filter filter;
    post_cnn cnn;
    void *around;
} latent_decoder;

static void decode_close(void *dec) {
    latent_decoder *d = dec;
    if (!d) return;
    grid_decoder_close(d->grid);
    free(d->map), free(d->around);
    free(d);
}

/* Every level's latents are decoded here, once for all the planes asked; the
 * ARM is not needed after. */
static e2ec_status decode_open(const e2ec_mode_ops *self, const e2ec_info *info,
                               const uint8_t *payload, size_t n, void **dec) {
    (void)self;
    latent_model m;
    e2ec_status st = latent_section_read(payload, n, info, &m);
    if (st) return st;
    latent_decoder *d = calloc(1, sizeof *d);
    st = d ? value_map_table(&m.map, info, &d->map) : E2EC_ERR_NOMEM;
    value_map_free(&m.map);
    if (!st && (m.filter.on || m.cnn.channels)) {
        d->filter = m.filter, d->cnn = m.cnn;
        size_t planes = info->nz < LATENT_DECODE_SLAB ? info->nz : LATENT_DECODE_SLAB;
        d->around = malloc((size_t)info->nx * info->ny * (planes + 2 * POST_FILTER_REACH_Z) *
                           e2ec_voxel_size(info->type));
        if (!d->around) st = E2EC_ERR_NOMEM;
    }
    if (st) {
        grid_model_free(&m.syn);
        decode_close(d);
        return st;
    }
    d->info = *info;
    st = grid_decoder_new(info, &m.syn, LATENT_DECODE_SLAB, &d->grid); /* takes m.syn */
    if (st) {
        decode_close(d);
        return st;
    }
    *dec = d;
    return E2EC_OK;
}

/* Planes [z0, z1) synthesised and through the value map. */
static e2ec_status mapped_planes(latent_decoder *d, uint32_t z0, uint32_t z1, void *dst) {
    e2ec_status st = grid_decoder_planes(d->grid, z0, z1, dst);
    if (!st) value_map_apply(d->map, &d->info, dst, (size_t)d->info.nx * d->info.ny * (z1 - z0));
    return st;
}

/* With a post-filter or post-network, a slab at a time: its planes and the
 * ones around it synthesised and mapped into d->around, then filtered into
 * dst (the planes around a slab are synthesised twice: 2 of every
 * LATENT_DECODE_SLAB). */
static e2ec_status decode_planes(void *dec, uint32_t z0, uint32_t z1, void *dst) {
    latent_decoder *d = dec;
    if (!d->filter.on && !d->cnn.channels) return mapped_planes(d, z0, z1, dst);
    size_t plane_bytes = (size_t)d->info.nx * d->info.ny * e2ec_voxel_size(d->info.type);
    e2ec_status st = E2EC_OK;
    for (uint32_t z = z0; z < z1 && !st; z += LATENT_DECODE_SLAB) {
        uint32_t ze = z1 - z < LATENT_DECODE_SLAB ? z1 : z + LATENT_DECODE_SLAB, a, b;
        post_filter_source(&d->info, z, ze, &a, &b);
        st = mapped_planes(d, a, b, d->around);
        uint8_t *out = (uint8_t *)dst + plane_bytes * (z - z0);
        if (!st)
            st = d->cnn.channels ? post_cnn_apply(&d->cnn, &d->info, d->around, a, b, z, ze, out)
                                 : post_filter_apply(&d->filter, &d->info, d->around, a, b, z, ze, out);
    }
    return st;
}

const e2ec_mode_ops mode_latent = {
    .mode = E2EC_MODE_LATENT,
    .name = "latent",
    /* joined version 2 as modes 4 and 5 did (docs/bitstream.md); the MLP is
     * binary16 (the fp16 flag says so); --max-error adds the residual */
    .layout = {.min_version = 2, .header_bytes = LATENT_HEADER_BYTES, .fp16_set = 1, .residual = 1},
    .knob = MODE_KNOB_LAMBDA,
    .default_epochs = LATENT_FIT_PASSES,
    .epoch_unit = {"pass", "passes"}, /* over the volume, Adam steps of e2ec_params.batch voxels */
    .epochs = passes_for,
    .default_lambda = LATENT_FIT_LAMBDA,
    /* bench/results/latent-rd/{mr,chest-ct}-fused: 1.2-2.2 dB per doubling on the MR,
     * 0.8-1.9 on the chest CT, over lambda 0.1..1e-4 */
    .lambda_psnr_slope = 1.5f,
    .read_header = latent_section_read_header,
    .read_payload_info = latent_section_read_payload_info,
    .param_count = param_count,
    .check = check,
    .encode_memory = encode_memory,
    .encode = encode,
    .decode_memory = decode_memory,
    .decode_open = decode_open,
    .decode_planes = decode_planes,
    .decode_close = decode_close,
};
