/* Adam (Kingma & Ba), with the bias correction of PyTorch's torch.optim.Adam. */
#ifndef E2EC_ADAM_H
#define E2EC_ADAM_H

#include <stddef.h>

typedef struct {
    float lr, beta1, beta2, eps;
    int t;        /* steps taken */
    float *m, *v; /* first and second moments, n each */
    size_t n;
} adam_state;

/* Allocates zeroed moments; nonzero on failure. */
int adam_init(adam_state *s, size_t n, float lr);
void adam_free(adam_state *s);
/* One step: params -= lr * mhat / (sqrt(vhat) + eps). */
void adam_step(adam_state *s, float *params, const float *grads);

#endif
