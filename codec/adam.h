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
/* A step of params[first, first + n) alone, the state's step count t
 * advanced by the caller (s->t++ once per step of all the parameters), for
 * parameters that had no gradient in the `skipped` steps before this one:
 * first the updates adam_step would have made in those steps (momentum alone:
 * m and v decay by beta1 and beta2 a step, so the j-th moves the parameter by
 * the ratio m / sqrt(v) times (beta1 / sqrt(beta2))^j and that step's bias
 * corrections; summed at once, at this step's lr), then this step's.
 * The latent mode trains a slab of its latents at a time: each latent then
 * moves as under a dense Adam step every step, at the cost of its slab only. */
void adam_step_range(adam_state *s, float *params, const float *grads, size_t first, size_t n,
                     int skipped);

#endif
