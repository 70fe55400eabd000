/* E2EC_MODE_SIREN_DS: a SIREN learning the FFT-downsampled volume (paper Eq. 1)
 * on the low-resolution grid, decoded through a fixed trilinear or tricubic
 * upsampling (model.c); network_codec.h does the rest. */
#include "network_codec.h"

static const network_variant siren_ds = {
    .downsampled = 1, .train = network_train_siren, .fit_bytes = network_siren_fit_bytes};

const e2ec_mode_ops mode_siren_ds = NETWORK_MODE_OPS(E2EC_MODE_SIREN_DS, "siren-ds", 1, 1, 0, &siren_ds);
