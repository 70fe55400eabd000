/*
 * The network of a stream, whatever its mode: one parameter buffer holding
 * the SIREN's weights, then the SRNO's (E2E mode), and the geometry that
 * turns them into a volume. The decoder and the trainer both go through it,
 * so that what the trainer evaluates is exactly what a decoder produces.
 */
#ifndef E2EC_MODEL_H
#define E2EC_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "siren.h"
#include "srno.h"

typedef struct {
    e2ec_mode mode;
    uint32_t hx, hy, hz;   /* output (full-resolution) grid */
    uint32_t lx, ly, lz;   /* the SIREN's grid: = output grid in SIREN mode */
    siren_config siren;
    e2ec_upsampler upsampler;  /* SIREN_DS */
    srno_config srno;          /* E2E */
    size_t n_siren, n_srno;    /* weights of each part */
    size_t n_params;
} model;

/* Derives the model from a header (validated or being built). Returns
 * E2EC_ERR_HEADER when the architecture is not one this build can run. */
e2ec_status model_from_info(model *m, const e2ec_info *info);
/* Fills the architecture fields of info from parameters and a volume's dims. */
e2ec_status model_info_from_params(e2ec_info *info, const e2ec_params *p, uint32_t nx,
                                   uint32_t ny, uint32_t nz);

/* Output planes [z0, z1) in normalised units (hx*hy*(z1-z0) floats), from
 * params. Only the low-res planes those output planes need are evaluated. */
e2ec_status model_eval_planes(const model *m, const float *params, uint32_t z0, uint32_t z1,
                              float *out);

#endif
