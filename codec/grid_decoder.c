/* The grid_model decoder of the grid and latent modes (grid_decoder.h). */
#include "grid_decoder.h"

#include <stdlib.h>
#include "nn/relu_mlp.h"
#include "memory_budget.h"
#include "slab_decode.h"

e2ec_status grid_decoder_new(const e2ec_info *info, grid_model *m, uint32_t slab, void **dec) {
    grid_decoder *d = malloc(sizeof *d);
    if (!d) {
        grid_model_free(m);
        return E2EC_ERR_NOMEM;
    }
    *d = (grid_decoder){*info, *m, slab, {0}};
    e2ec_status st = grid_synth_init(&d->w, &d->m, info->nx, info->ny, info->nz);
    if (st) {
        grid_decoder_close(d);
        return st;
    }
    *dec = d;
    return E2EC_OK;
}

uint64_t grid_decoder_memory(const e2ec_info *info, uint64_t ng, uint64_t nw, uint32_t slab,
                             uint32_t z0, uint32_t z1, int whole, int threads) {
    uint64_t plane = (uint64_t)info->nx * info->ny, planes = z1 - z0 < slab ? z1 - z0 : slab;
    uint64_t cin = (uint64_t)info->grid_levels * info->grid_feats, h = (uint64_t)info->grid_hidden;
    uint64_t bytes = ng * 4 + nw * 4                                 /* the model: q, mlp */
                     + ng * 4                                        /* grid_decode_planes' features */
                     + (uint64_t)GRID_DECODE_CHUNK * 4 * cin          /* features */
                     + grid_axes_bytes(info->grid_levels, info->nx, info->ny, info->nz) /* cells */
                     + relu_mlp_bytes(GRID_DECODE_CHUNK, (int)cin, (int)h, 1, 0) /* activations */
                     + plane * planes * 4                            /* a slab of floats */
                     + memory_budget_runtime(threads, 0);
    if (whole) bytes += plane * info->nz * e2ec_voxel_size(info->type);
    return bytes;
}

static e2ec_status eval(void *state, uint32_t z0, uint32_t z1, float *out) {
    grid_decoder *d = state;
    return grid_synth_planes(&d->w, z0, z1, 0, out);
}

e2ec_status grid_decoder_planes(void *dec, uint32_t z0, uint32_t z1, void *dst) {
    grid_decoder *d = dec;
    uint32_t slab = z1 - z0 < d->slab ? z1 - z0 : d->slab;
    return slab_decode(&d->info, slab, eval, d, z0, z1, dst);
}

void grid_decoder_close(void *dec) {
    grid_decoder *d = dec;
    if (!d) return;
    grid_synth_free(&d->w);
    grid_model_free(&d->m);
    free(d);
}
