/*
 * The paper's three modes (SIREN, SIREN_DS, E2E) as codec modes: a SIREN, and
 * in E2E an SRNO after it, trained on the volume; the stream's payload is their
 * weights (weights_section.h), optionally quantised. The three share all of
 * their table here and differ in what the model evaluates (model.c) and in a
 * network_variant: what the SIREN learns and how the network is trained
 * (mode_siren.c, mode_siren_ds.c, mode_e2e.c).
 */
#ifndef E2EC_NETWORK_CODEC_H
#define E2EC_NETWORK_CODEC_H

#include <stdint.h>
#include "e2ec.h"
#include "mode_ops.h"
#include "model.h"
#include "rng.h"
#include "train.h"

typedef struct {
    /* the SIREN learns the FFT-downsampled volume (paper Eq. 1), else the volume */
    int downsampled;
    /* Trains params, whose SIREN part was initialised from r, on the normalised
     * volume x; target is what the SIREN learns (x, or its downsampling); qat:
     * quantisation-aware training, or NULL. */
    e2ec_status (*train)(const model *m, const e2ec_params *p, const float *x,
                         const float *target, float *params, rng *r, const train_qat *qat);
    /* Bytes of train's own scratch with `threads` threads (memory_budget.h). */
    uint64_t (*fit_bytes)(const model *m, const e2ec_params *p, int threads);
    /* The largest operand of the matrix products OpenBLAS splits across threads
     * in training or decoding, as it packs it (memory_budget_runtime); NULL:
     * none, as in SIREN and SIREN_DS, whose products run inside our parallel
     * regions, where OpenBLAS runs one thread on a chunk of points with its
     * small panels. */
    uint64_t (*blas_floats)(const model *m);
} network_variant;

/* network_variant.train of SIREN and SIREN_DS: the SIREN alone, on its grid. */
e2ec_status network_train_siren(const model *m, const e2ec_params *p, const float *x,
                                const float *target, float *params, rng *r,
                                const train_qat *qat);
/* network_variant.fit_bytes of SIREN and SIREN_DS. */
uint64_t network_siren_fit_bytes(const model *m, const e2ec_params *p, int threads);

/* The shared table functions (mode_ops.h); self->impl is the network_variant. */
e2ec_status network_check_info(const e2ec_mode_ops *self, const e2ec_info *info);
size_t network_param_count(const e2ec_mode_ops *self, const e2ec_params *p);
e2ec_status network_check(const e2ec_mode_ops *self, const e2ec_volume *in, const e2ec_params *p);
e2ec_status network_encode_memory(const e2ec_mode_ops *self, const e2ec_volume *in,
                                  const e2ec_params *p, int threads, uint64_t *bytes);
e2ec_status network_encode(const e2ec_mode_ops *self, const e2ec_volume *in,
                           const e2ec_params *p, mode_stream *out);
e2ec_status network_decode_memory(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                  uint32_t z1, int whole, int threads, uint64_t *bytes);
e2ec_status network_decode_open(const e2ec_mode_ops *self, const e2ec_info *info,
                                const uint8_t *payload, size_t n, void **dec);
e2ec_status network_decode_planes(void *dec, uint32_t z0, uint32_t z1, void *dst);
void network_decode_close(void *dec);

/* A paper mode's table: mode m, whose stream uses the scale field (scaled),
 * the upsampler or the SRNO's fields, and its network_variant. Every such
 * stream holds SIREN fields and a weights section, float or quantised, and may
 * carry a residual. */
#define NETWORK_MODE_OPS(m, name_, scaled_, upsampler_, srno_, variant)                        \
    {                                                                                          \
        .mode = (m), .name = (name_),                                                          \
        .layout = {.min_version = 1, .scaled = (scaled_), .upsampler = (upsampler_),           \
                   .siren = 1, .srno = (srno_), .weights = 1, .quantised = 1, .residual = 1},  \
        .knob = MODE_KNOB_WIDTH, .default_epochs = 5000 /* the paper's */,                     \
        .epoch_unit = {"epoch", "epochs"}, .impl = (variant),                                  \
        .check_info = network_check_info,                                                      \
        .param_count = network_param_count, .check = network_check,                            \
        .encode_memory = network_encode_memory, .encode = network_encode,                      \
        .decode_memory = network_decode_memory, .decode_open = network_decode_open,            \
        .decode_planes = network_decode_planes, .decode_close = network_decode_close           \
    }

#endif
