/* SIREN (Sitzmann et al. 2020): `layers` sine layers sin(omega0 (W h + b))
 * of `width` neurons on 3D coordinates in [-1,1]^3, then a linear output.
 * "3 layers, W neurons" = 3->W, W->W, W->W, W->1: 2 W^2 + 7 W + 1 weights. */
#ifndef E2EC_SIREN_H
#define E2EC_SIREN_H

#include <stddef.h>
#include <stdint.h>
#include "rng.h"

#define SIREN_IN 3

typedef struct {
    int width;
    int layers;   /* sine layers */
    float omega0;
} siren_config;

/* Views into one parameter buffer: layer l has w[l] ([out][in]) and b[l];
 * l = 0 .. layers-1 are sine layers, l = layers is the linear output. */
typedef struct {
    float *w[32];
    float *b[32];
} siren_views;

size_t siren_param_count(const siren_config *c);
void siren_views_of(siren_views *v, const siren_config *c, float *params);
/* Sitzmann initialisation: first layer U(-1/in, 1/in), the others
 * U(-sqrt(6/in)/omega0, +sqrt(6/in)/omega0); biases the same as PyTorch's
 * nn.Linear default, U(-1/sqrt(in), 1/sqrt(in)). */
void siren_init(const siren_config *c, float *params, rng *r);

/* Floats of activations a training forward over n samples keeps. */
size_t siren_acts_size(const siren_config *c, size_t n);
/* Training forward: coords [n][3] -> out [n]; acts keeps what backward needs. */
void siren_forward(const siren_config *c, const float *params, const float *coords,
                   float *out, float *acts, int n);
/* dparams accumulates; scratch holds 2 * n * width floats. */
void siren_backward(const siren_config *c, const float *params, float *dparams,
                    const float *acts, const float *coords, const float *dout,
                    float *scratch, int n);

/* Inference over the cell-centred grid (gx, gy, gz), planes [z0, z1):
 * out gets gx*gy*(z1-z0) values, x fastest. Chunked, multithreaded, bounded
 * memory. Returns nonzero when scratch cannot be allocated. */
int siren_eval_grid(const siren_config *c, const float *params, uint32_t gx, uint32_t gy,
                    uint32_t gz, uint32_t z0, uint32_t z1, float *out);
/* Floats of scratch siren_eval_grid allocates per OpenMP thread (memory_budget.h). */
size_t siren_eval_thread_floats(const siren_config *c);

/* The cell-centred coordinate of index i on an axis of n: 2 (i + 0.5) / n - 1. */
static inline float grid_coord(uint32_t i, uint32_t n) {
    return (float)(2.0 * ((double)i + 0.5) / (double)n - 1.0);
}

#endif
