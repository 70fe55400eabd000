/* Training losses over n predictions against targets, mean-reduced. */
#ifndef E2EC_LOSS_H
#define E2EC_LOSS_H

#include <stddef.h>
#include "e2ec.h"

/* Returns the loss; dpred (if not NULL) ACCUMULATES scale * dloss/dpred.
 * L1's gradient at pred == target is 0 (PyTorch's sign convention).
 * *mse (if not NULL) gets the mean squared error, for PSNR reports. */
double loss_forward_backward(e2ec_loss kind, const float *pred, const float *target, size_t n,
                             float scale, float *dpred, double *mse);

#endif
