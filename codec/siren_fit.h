/*
 * Loss and gradient of a SIREN fitted to values on its own cell-centred grid
 * (the SIREN and SIREN_DS modes), as a train_grad_fn.
 *
 * Multithreaded over samples: a step's samples (every grid point, or `batch`
 * random ones) are cut into fixed chunks; each thread runs whole chunks
 * through forward, loss and backward with its own activations and its own
 * gradient buffer (one parallel region per step, GEMMs single-threaded inside
 * it), and the per-thread gradients are summed in thread order. Memory is
 * bounded by the chunk size whatever the grid, and a fixed thread count gives
 * bit-identical steps.
 */
#ifndef E2EC_SIREN_FIT_H
#define E2EC_SIREN_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "rng.h"
#include "siren.h"

typedef struct siren_fit_thread siren_fit_thread;

typedef struct {
    const siren_config *siren;
    uint32_t gx, gy, gz;
    const float *target;    /* gx*gy*gz normalised values */
    e2ec_loss loss;
    int batch;              /* 0 = full batch */
    int threads;
    uint32_t *indices;      /* this step's sample indices (mini-batch only) */
    siren_fit_thread *per_thread;
} siren_fit;

/* Sizes the scratch for the calling thread's OpenMP thread count. */
e2ec_status siren_fit_init(siren_fit *f, const siren_config *siren, uint32_t gx, uint32_t gy,
                           uint32_t gz, const float *target, e2ec_loss loss, int batch);
void siren_fit_free(siren_fit *f);
/* Bytes of scratch siren_fit_init allocates for this many OpenMP threads
 * (memory_budget.h counts them). */
size_t siren_fit_bytes(const siren_config *siren, int threads, int batch);
e2ec_status siren_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                           double *mse);

#endif
