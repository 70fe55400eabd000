/* The one list of the codec's modes (mode.h): a new mode adds its table here. */
#include "mode.h"

extern const e2ec_mode_ops mode_siren, mode_siren_ds, mode_e2e, mode_grid, mode_lossless,
    mode_latent;

static const e2ec_mode_ops *const modes[] = {&mode_siren, &mode_siren_ds, &mode_e2e, &mode_grid,
                                             &mode_lossless, &mode_latent};

const e2ec_mode_ops *e2ec_mode_ops_of(int m) {
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if ((int)modes[i]->mode == m) return modes[i];
    return NULL;
}
