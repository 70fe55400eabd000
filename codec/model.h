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
#include "caps.h"
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

/* How the weights are cut into quantisation groups (quant.h), each with its
 * own offset and scale: one group per layer (its weights and biases), or one
 * per tensor (weights, biases, layer-norm gains... apart). */
typedef enum { MODEL_GROUPS_LAYER = 0, MODEL_GROUPS_TENSOR = 1 } model_grouping;
/* The number of groups; with counts non-NULL, also their sizes in network
 * order. params is the model's parameter buffer (only its layout is read).
 * MODEL_MAX_GROUPS bounds the tensors of every architecture model_from_info
 * accepts: SIREN weights and biases, the SRNO's convolutions, lift, the
 * attention blocks' 10 tensors each and the decoder's 4. */
#define MODEL_MAX_GROUPS \
    (2 * (E2EC_MAX_SIREN_LAYERS + 1) + 2 * (2 * SRNO_MAX_RESBLOCKS + 3) + 10 * SRNO_BLOCKS + 4)
size_t model_quant_groups(const model *m, const float *params, model_grouping how,
                          uint32_t *counts);

/* Output planes the decoder evaluates per pass from z0 (at most z1 - z0): bounds
 * its float scratch whatever nz is. E2E mode: a row of attention windows, whose
 * planes the SRNO computes together whatever planes of it are asked for. */
uint32_t model_planes_per_pass(const model *m, uint32_t z0, uint32_t z1);
/* Bytes model_eval_planes allocates for planes [z0, z1) with `threads` threads
 * (memory_budget.h). */
uint64_t model_eval_bytes(const model *m, uint32_t z0, uint32_t z1, int threads);

/* Output planes [z0, z1) in normalised units (hx*hy*(z1-z0) floats), from
 * params. Only the low-res planes those output planes need are evaluated. */
e2ec_status model_eval_planes(const model *m, const float *params, uint32_t z0, uint32_t z1,
                              float *out);

#endif
