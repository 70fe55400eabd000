/* E2EC_MODE_SIREN: one SIREN on the full-resolution grid, learning the volume
 * itself (the paper's Table 8 baseline); network_codec.h does the rest. */
#include "network_codec.h"

static const network_variant siren = {
    .downsampled = 0, .train = network_train_siren, .fit_bytes = network_siren_fit_bytes};

const e2ec_mode_ops mode_siren = NETWORK_MODE_OPS(E2EC_MODE_SIREN, "siren", 0, 0, 0, &siren);
