/* Slab-by-slab decoding of normalised planes (slab_decode.h). */
#include <stdlib.h>
#include "slab_decode.h"
#include "volume_norm.h"

e2ec_status slab_decode(const e2ec_info *info, uint32_t slab, slab_eval_fn eval,
                        void *state, uint32_t z0, uint32_t z1, void *dst) {
    size_t plane = (size_t)info->nx * info->ny, vs = e2ec_voxel_size(info->type);
    float *buf = malloc(sizeof(float) * plane * slab);
    if (!buf) return E2EC_ERR_NOMEM;
    e2ec_status st = E2EC_OK;
    for (uint32_t z = z0; z < z1 && !st; z += slab) {
        uint32_t ze = z + slab < z1 ? z + slab : z1;
        st = eval(state, z, ze, buf);
        if (!st)
            normalised_to_stored(buf, plane * (ze - z), info->vmin, info->vmax, info->type,
                                 info->bits_stored, (uint8_t *)dst + (z - z0) * plane * vs);
    }
    free(buf);
    return st;
}
