/* Adam optimiser (see adam.h). */
#include <math.h>
#include <stdlib.h>
#include "adam.h"

int adam_init(adam_state *s, size_t n, float lr) {
    s->lr = lr, s->beta1 = 0.9f, s->beta2 = 0.999f, s->eps = 1e-8f;
    s->t = 0, s->n = n;
    s->m = calloc(n, sizeof *s->m);
    s->v = calloc(n, sizeof *s->v);
    if (!s->m || !s->v) {
        adam_free(s);
        return 1;
    }
    return 0;
}

void adam_free(adam_state *s) {
    free(s->m), free(s->v);
    s->m = s->v = NULL;
}

void adam_step(adam_state *s, float *params, const float *grads) {
    s->t++;
    float c1 = 1.0f - powf(s->beta1, (float)s->t);
    float c2 = 1.0f - powf(s->beta2, (float)s->t);
    /* elementwise, so the thread count does not change the result; threads
     * only pay on large parameter sets (the latent mode's latents) */
    #pragma omp parallel for schedule(static) if (s->n >= (1u << 16))
    for (size_t i = 0; i < s->n; i++) {
        float g = grads[i];
        s->m[i] = s->beta1 * s->m[i] + (1.0f - s->beta1) * g;
        s->v[i] = s->beta2 * s->v[i] + (1.0f - s->beta2) * g * g;
        float mhat = s->m[i] / c1, vhat = s->v[i] / c2;
        params[i] -= s->lr * mhat / (sqrtf(vhat) + s->eps);
    }
}
