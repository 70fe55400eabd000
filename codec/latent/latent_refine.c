/* The value map, the post-filter and the post-network fitted on the model's decode (latent_refine.h). */
#include "latent_refine.h"

#include <stdlib.h>
#include <string.h>

#include "grid_fit.h"
#include "volume_norm.h"

/* Planes synthesised at once while decoding the volume for the fits. */
#define REFINE_SLAB 16

/* syn's decode of in's volume as stored values (in's type), slab by slab. */
static e2ec_status decode_stored(const e2ec_volume *in, const e2ec_info *info, const grid_model *syn,
                                 int threads, void *dec) {
    size_t plane = (size_t)in->nx * in->ny, vs = e2ec_voxel_size(in->type);
    uint32_t slab = in->nz < REFINE_SLAB ? in->nz : REFINE_SLAB;
    float *buf = malloc(plane * slab * sizeof *buf);
    grid_synth w;
    e2ec_status st = grid_synth_init(&w, syn, in->nx, in->ny, in->nz);
    if (!st && !buf) st = E2EC_ERR_NOMEM;
    for (uint32_t z = 0; z < in->nz && !st; z += slab) {
        uint32_t ze = z + slab < in->nz ? z + slab : in->nz;
        st = grid_synth_planes(&w, z, ze, threads, buf);
        if (!st)
            normalised_to_stored(buf, plane * (ze - z), info->vmin, info->vmax, info->type, info->bits_stored,
                                 (uint8_t *)dec + plane * z * vs);
    }
    grid_synth_free(&w);
    free(buf);
    return st;
}

uint64_t latent_refine_bytes(const e2ec_info *info, int threads) {
    uint64_t plane = (uint64_t)info->nx * info->ny, voxels = plane * info->nz;
    uint32_t slab = info->nz < REFINE_SLAB ? info->nz : REFINE_SLAB;
    /* the decode, a slab of floats (grid_synth's own buffers are the
     * decoder's: counted by its callers), the map's tallies (16 bytes a
     * stored value, at most 2^16 of them) and table, then the filter's fit
     * or the network's (one after the other) */
    post_cnn_config c;
    post_cnn_defaults(&c);
    uint64_t filter = post_filter_fit_bytes(info, threads), cnn = post_cnn_fit_bytes(info, threads, &c);
    return voxels * e2ec_voxel_size(info->type) + plane * slab * sizeof(float) + 65536ull * (16 + 2) +
           (filter > cnn ? filter : cnn);
}

e2ec_status latent_refine(const e2ec_volume *in, const e2ec_info *info, double lambda, int threads, int stages,
                          const post_cnn_config *cnn, latent_model *m) {
    memset(&m->map, 0, sizeof m->map), memset(&m->filter, 0, sizeof m->filter), memset(&m->cnn, 0, sizeof m->cnn);
    if (in->type == E2EC_F32 || !(stages & LATENT_REFINE_ALL)) return E2EC_OK;
    void *dec = malloc(volume_voxels(in) * e2ec_voxel_size(in->type));
    if (!dec) return E2EC_ERR_NOMEM;
    e2ec_status st = decode_stored(in, info, &m->syn, threads, dec);
    if (!st && (stages & LATENT_REFINE_MAP)) {
        int16_t *table = NULL;
        st = value_map_fit(in, info, dec, lambda, &m->map);
        if (!st) st = value_map_table(&m->map, info, &table);
        if (!st) value_map_apply(table, info, dec, volume_voxels(in));
        free(table);
    }
    double box = 0.0, net = 0.0;
    if (!st && (stages & LATENT_REFINE_FILTER)) st = post_filter_fit(in, info, dec, lambda, threads, &m->filter, &box);
    if (!st && (stages & LATENT_REFINE_CNN)) st = post_cnn_fit(in, info, dec, lambda, threads, cnn, &m->cnn, &net);
    /* the stream holds one of the two: the one whose gain, net of its bits, is larger */
    if (!st && m->cnn.channels && net > box) memset(&m->filter, 0, sizeof m->filter);
    else memset(&m->cnn, 0, sizeof m->cnn);
    free(dec);
    return st;
}
