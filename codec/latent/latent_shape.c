/* The latent pyramid's shape (see latent_fit.h). */
#include <math.h>
#include <string.h>

#include "caps.h"
#include "latent_fit.h"

e2ec_status latent_shape_for(int levels, uint32_t nx, uint32_t ny, uint32_t nz,
                             const float sp[3], grid_shape *s) {
    uint32_t n[3] = {nx, ny, nz};
    if (levels < 1 || levels > GRID_MAX_LEVELS) return E2EC_ERR_ARG;
    for (int a = 0; a < 3; a++)
        if (n[a] < 2 || n[a] > (1u << 20) || !(sp[a] > 0.0f) || !isfinite(sp[a])) return E2EC_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->levels = levels, s->feats = 1;
    /* cells per axis and the distance between nodes (mm) of the level being built */
    int cells[3];
    double gap[3];
    for (int a = 0; a < 3; a++) cells[a] = (int)n[a] - 1, gap[a] = sp[a];
    for (int l = levels - 1; l >= 0; l--) {
        for (int a = 0; a < 3; a++) s->res[l][a] = cells[a] + 1;
        /* the next coarser level: x and y halve while they have cells to merge;
         * an axis halves if its gap, doubled, stays within twice the finest
         * in-plane gap that level will have */
        double halved[3], inplane;
        for (int a = 0; a < 3; a++) halved[a] = cells[a] > 1 ? 2.0 * gap[a] : gap[a];
        inplane = halved[0] < halved[1] ? halved[0] : halved[1];
        for (int a = 0; a < 3; a++)
            if (cells[a] > 1 && halved[a] <= 2.0 * inplane)
                cells[a] = (cells[a] + 1) / 2, gap[a] = halved[a];
    }
    if (!grid_shape_init(s)) return E2EC_ERR_ARG;
    return s->off[levels] > E2EC_MAX_GRID_VALUES ? E2EC_ERR_LIMIT : E2EC_OK;
}

int latent_keys_code(float a) {
    if (!(a < 0.0f)) return 0;
    float c = roundf(-a * (float)LATENT_KEYS_UNIT);
    return c < 1.0f ? 1 : c > (float)LATENT_KEYS_MAX_CODE ? LATENT_KEYS_MAX_CODE : (int)c;
}

float latent_keys_value(int code) { return -(float)code / (float)LATENT_KEYS_UNIT; }
