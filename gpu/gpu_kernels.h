/* Internal to gpu/: variants of the gpu_nn.h layers that the SIREN and
 * the trainer compose from. The layer variants OVERWRITE where the public
 * layers accumulate, which saves a memset per layer and lets the sine
 * backward run in place. */
#ifndef E2EC_GPU_KERNELS_H
#define E2EC_GPU_KERNELS_H

#include "e2ec_cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = in w^T + beta out (no bias). */
e2ec_status gpu_linear_gemm(e2ec_cuda *g, float *out, const float *in, const float *w, int n,
                            int cin, int cout, float beta);
/* gpu_linear_backward with din = dout w + din_beta din (dw, db accumulate). */
e2ec_status gpu_linear_backward_beta(e2ec_cuda *g, float *din, float *dw, float *db,
                                     const float *dout, const float *in, const float *w, int n,
                                     int cin, int cout, float din_beta);
/* d = d omega0 cos(omega0 z), in place: dh becomes dz. */
e2ec_status gpu_sine_backward_inplace(e2ec_cuda *g, float *d, const float *z, float omega0,
                                      size_t n);
/* gpu_loss in two halves, so that a training step can queue its backward
 * and Adam before the host waits for the value: the first queues the pass
 * and leaves the mean on the device, the second downloads it (and waits). */
e2ec_status gpu_loss_queue(e2ec_cuda *g, e2ec_loss kind, const float *pred, const float *target,
                           int n, float scale, float *dpred);
e2ec_status gpu_loss_read(e2ec_cuda *g, double *loss, double *mse);
/* After gpu_loss_queue of params' loss: best = params when that loss is
 * below *best_loss (device memory), which then follows; no host wait. */
e2ec_status gpu_keep_best(e2ec_cuda *g, float *best, const float *params, size_t n,
                          double *best_loss);
/* *p = value, p in device memory, in stream order. */
e2ec_status gpu_set_double(e2ec_cuda *g, double *p, double value);

#ifdef __cplusplus
}
#endif
#endif
