/*
 * e2ec_cuda.h - the C interface of the CUDA backend (gpu/).
 *
 * A context (e2ec_cuda) owns one CUDA stream, a cuBLAS handle and small
 * scratch; every call on it is queued on that stream, so results a host
 * reads (downloads, loss figures) are in order. Device memory handed to the
 * layer functions (gpu_nn.h) comes from e2ec_cuda_alloc(). Parameters,
 * gradients, Adam moments and activations stay on the device for a whole
 * training run; the host sees only progress figures and the final weights.
 *
 * Nothing here aborts: failures come back as e2ec_status (E2EC_ERR_NOMEM for
 * device memory, E2EC_ERR_UNSUPPORTED when there is no usable device,
 * E2EC_ERR_INTERNAL for other CUDA/cuBLAS/cuFFT failures), and
 * e2ec_cuda_error() names the call that failed.
 *
 * Numerics: FP32 everywhere by default (cuBLAS FP32 math, no TF32),
 * and no atomics in reductions, so the same inputs give the same bits on the
 * same GPU. e2ec_cuda_set_tf32() opts in to TF32 tensor-core GEMMs.
 */
#ifndef E2EC_CUDA_H
#define E2EC_CUDA_H

#include <stddef.h>
#include "e2ec.h"
#include "siren.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices; 0 (never an error) when there is no driver,
 * no device, or the driver is older than the runtime. */
int e2ec_cuda_available(void);

typedef struct e2ec_cuda e2ec_cuda;

/* Opens a context on device `device` (0 = the first) and makes it the
 * calling thread's current device; use a context from threads whose
 * current device is its own. */
e2ec_status e2ec_cuda_create(e2ec_cuda **g, int device);
void e2ec_cuda_destroy(e2ec_cuda *g);
/* The failing call behind the last error on this context ("" if none). */
const char *e2ec_cuda_error(const e2ec_cuda *g);
/* One line naming the device, its compute capability, memory and cuDNN. */
void e2ec_cuda_describe(const e2ec_cuda *g, char *buf, size_t size);
/* TF32 tensor-core GEMMs on (1) or off (0, the default). */
e2ec_status e2ec_cuda_set_tf32(e2ec_cuda *g, int on);
/* Waits until all work queued on the context is done. */
e2ec_status e2ec_cuda_sync(e2ec_cuda *g);

/* Device memory: floats, zeroed. *p is NULL on failure. */
e2ec_status e2ec_cuda_alloc(e2ec_cuda *g, float **p, size_t n);
void e2ec_cuda_free(float *p);
e2ec_status e2ec_cuda_upload(e2ec_cuda *g, float *dev, const float *host, size_t n);
/* Returns once the data is on the host. */
e2ec_status e2ec_cuda_download(e2ec_cuda *g, float *host, const float *dev, size_t n);
e2ec_status e2ec_cuda_zero(e2ec_cuda *g, float *dev, size_t n);

/*
 * SIREN training on the device: full-batch steps over n samples (coords
 * [n][3], target [n]), loss L1 or L2 (mean over samples), Adam with
 * betas (0.9, 0.999), eps 1e-8 and bias correction, as the CPU trainer.
 */
typedef struct e2ec_cuda_siren_trainer e2ec_cuda_siren_trainer;

e2ec_status e2ec_cuda_siren_trainer_create(e2ec_cuda_siren_trainer **t, e2ec_cuda *g,
                                           const siren_config *c, const float *params,
                                           const float *coords, const float *target, int n,
                                           e2ec_loss loss, float lr);
void e2ec_cuda_siren_trainer_destroy(e2ec_cuda_siren_trainer *t);
/* One step: forward, loss, backward, Adam (as train_loop's). loss and mse
 * (NULL for both keeps the host from waiting for the GPU) get the values
 * before the update, as train_loop reports them. */
e2ec_status e2ec_cuda_siren_train_step(e2ec_cuda_siren_trainer *t, double *loss, double *mse);
/* Copies the weights with the lowest loss seen (train_loop's full-batch
 * rule; the initial weights before any step) to the host, siren_param_count floats. */
e2ec_status e2ec_cuda_siren_trainer_params(e2ec_cuda_siren_trainer *t, float *params);

#ifdef __cplusplus
}
#endif
#endif
