/* The one list of the codec's modes (mode.h): a new mode adds its table here. */
#include <string.h>
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

const char *e2ec_mode_name(e2ec_mode mode) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m ? m->name : NULL;
}

e2ec_mode e2ec_mode_from_name(const char *name) {
    for (size_t i = 0; name && i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(modes[i]->name, name)) return modes[i]->mode;
    return (e2ec_mode)0;
}

int e2ec_mode_has_lambda(e2ec_mode mode) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m && m->knob == MODE_KNOB_LAMBDA;
}
