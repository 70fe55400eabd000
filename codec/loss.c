/* L1 / L2 losses (see loss.h). Summed in double in a fixed order so the loss
 * reported and the gradients are reproducible. */
#include "loss.h"

double loss_forward_backward(e2ec_loss kind, const float *pred, const float *target, size_t n,
                             float scale, float *dpred, double *mse) {
    double sum = 0.0, sq = 0.0;
    float g = scale / (float)n;
    for (size_t i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        sq += (double)d * d;
        if (kind == E2EC_LOSS_L1) {
            sum += d < 0 ? -d : d;
            if (dpred) dpred[i] += d > 0 ? g : d < 0 ? -g : 0.0f;
        } else {
            sum += (double)d * d;
            if (dpred) dpred[i] += 2.0f * g * d;
        }
    }
    if (mse) *mse = n ? sq / n : 0.0;
    return n ? sum / n : 0.0;
}
