/* The mode table (codec/mode.h): every mode the library names has a table
 * under its own number and no other number has one; every table has the
 * functions the callers call without checking; a mode's own header section
 * fits the writer's buffer, has a reader, and exists only from version 2 on
 * (the reader calls read_header whenever header_bytes > 0); its name reads
 * back to it, the modes are numbered 1..n without gaps (callers list them
 * by e2ec_mode_name until NULL) and so are the presets. A mode added without
 * these fails here, not in a decoder. */
#include <string.h>
#include "check.h"
#include "mode.h"

int main(void) {
    const e2ec_mode named[] = {E2EC_MODE_SIREN, E2EC_MODE_SIREN_DS, E2EC_MODE_E2E,
                               E2EC_MODE_GRID};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
        CHECK(e2ec_mode_ops_of(named[k]) != NULL, "mode %d has a table", named[k]);
    int tables = 0;
    for (int m = -1; m <= 256; m++) {
        const e2ec_mode_ops *o = e2ec_mode_ops_of(m);
        if (!o) continue;
        tables++;
        CHECK(m > 0 && m <= 255 && (int)o->mode == m, "mode byte %d: its table says %d", m,
              (int)o->mode);
        CHECK(o->param_count && o->check && o->encode_memory && o->encode && o->decode_memory &&
                  o->decode_open && o->decode_planes && o->decode_close,
              "mode %d: every function the callers call unchecked", m);
        CHECK(o->default_epochs > 0 && e2ec_default_epochs(o->mode) == o->default_epochs,
              "mode %d: %d default epochs", m, o->default_epochs);
        int fast = e2ec_preset_epochs(o->mode, E2EC_PRESET_FAST),
            medium = e2ec_preset_epochs(o->mode, E2EC_PRESET_MEDIUM),
            slow = e2ec_preset_epochs(o->mode, E2EC_PRESET_SLOW);
        CHECK(medium == o->default_epochs && fast >= 1 && 3 * fast <= medium && slow == 2 * medium &&
                  e2ec_preset_epochs(o->mode, (e2ec_preset)0) == 0,
              "mode %d: presets %d/%d/%d epochs", m, fast, medium, slow);
        const char *name = e2ec_mode_name(o->mode);
        CHECK(name && *name && e2ec_mode_from_name(name) == o->mode &&
                  (m == 1 || e2ec_mode_name((e2ec_mode)(m - 1))),
              "mode %d: named %s, numbered after the mode before", m, name ? name : "(null)");
        CHECK(e2ec_mode_has_lambda(o->mode) == (o->knob == MODE_KNOB_LAMBDA),
              "mode %d: lambda is its knob", m);
        const char *unit = e2ec_epoch_unit(o->mode, 1), *units = e2ec_epoch_unit(o->mode, 2);
        CHECK(unit && units &&
                  ((!strcmp(unit, "epoch") && !strcmp(units, "epochs")) ||
                   (!strcmp(unit, "step") && !strcmp(units, "steps")) ||
                   (!strcmp(unit, "pass") && !strcmp(units, "passes"))) &&
                  e2ec_epoch_unit(o->mode, 0) == units,
              "mode %d: its epochs are %s, %s", m, unit ? unit : "(null)", units ? units : "(null)");
        float lambda = e2ec_default_lambda(o->mode);
        CHECK(o->knob == MODE_KNOB_LAMBDA ? lambda > 0.0f && lambda <= 1.0f : lambda == 0.0f,
              "mode %d: default lambda %g, within the search's (0, 1] when it is the knob", m,
              (double)lambda);
        CHECK(o->knob != MODE_KNOB_LAMBDA || o->lambda_psnr_slope > 0.0f,
              "mode %d: a PSNR search has a slope to step by (%g dB per doubling)", m,
              (double)o->lambda_psnr_slope);
        const mode_layout *l = &o->layout;
        CHECK(l->min_version >= 1 && l->min_version <= E2EC_BITSTREAM_VERSION,
              "mode %d: first version %d", m, l->min_version);
        CHECK(l->header_bytes <= MODE_MAX_HEADER_BYTES, "mode %d: header section of %d bytes", m,
              l->header_bytes);
        CHECK(!l->header_bytes || (o->read_header && l->min_version >= 2),
              "mode %d: a header section has a reader and version 2", m);
        CHECK(!l->quantised || l->weights, "mode %d: only a weights section is quantised", m);
    }
    CHECK(tables >= (int)(sizeof named / sizeof named[0]), "%d tables", tables);
    CHECK(e2ec_mode_name((e2ec_mode)0) == NULL && e2ec_mode_name((e2ec_mode)(tables + 1)) == NULL &&
              e2ec_mode_from_name("Grid") == 0 && e2ec_mode_from_name("") == 0 &&
              e2ec_mode_from_name(NULL) == 0 && !e2ec_mode_has_lambda((e2ec_mode)0),
          "an unknown mode has no name and an unknown name no mode");
    const char *const presets[] = {"fast", "medium", "slow"};
    for (int k = 0; k < 3; k++)
        CHECK(e2ec_preset_from_name(presets[k]) == (e2ec_preset)(k + 1) &&
                  !strcmp(e2ec_preset_name((e2ec_preset)(k + 1)), presets[k]),
              "preset %s is number %d", presets[k], k + 1);
    CHECK(e2ec_preset_name((e2ec_preset)0) == NULL && e2ec_preset_name((e2ec_preset)4) == NULL &&
              e2ec_preset_from_name("Fast") == 0 && e2ec_preset_from_name(NULL) == 0,
          "an unknown preset has no name and an unknown name no preset");
    e2ec_params p;
    e2ec_params_default(&p);
    CHECK(p.mode == E2EC_MODE_LATENT && p.grid_lambda == e2ec_default_lambda(p.mode) &&
              p.epochs == e2ec_default_epochs(p.mode),
          "the default: the latent mode at its own lambda (%g) and passes (%d)",
          (double)p.grid_lambda, p.epochs);
    CHECK(e2ec_default_lambda((e2ec_mode)0) == 0.0f, "an unknown mode has no default lambda");
    p.mode = (e2ec_mode)0;
    CHECK(e2ec_param_count(&p) == 0, "an unknown mode counts no weights");
    return check_summary();
}
