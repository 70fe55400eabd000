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
    adam_step_range(s, params, grads, 0, s->n, 0);
}

void adam_step_range(adam_state *s, float *params, const float *grads, size_t first, size_t n,
                     int skipped) {
    float c1 = 1.0f - powf(s->beta1, (float)s->t);
    float c2 = 1.0f - powf(s->beta2, (float)s->t);
    /* the skipped steps t - k .. t - 1: at the j-th, m and v have decayed by
     * b1^j and b2^j, so its update is lr (m / sqrt(v)) rho^j sqrt(c2_j) / c1_j,
     * rho = b1 / sqrt(b2), c_j the bias corrections of that step (eps taken
     * once); sum holds the sum of the factors */
    float rho = s->beta1 / sqrtf(s->beta2), sum = 0.0f, rj = 1.0f;
    for (int j = 1; j <= skipped; j++) {
        int tj = s->t - skipped - 1 + j;
        rj *= rho;
        if (tj < 1) continue;
        float c1j = 1.0f - powf(s->beta1, (float)tj);
        /* every later term is below rj / c1j (rho^j falls, c1_j rises,
         * sqrt(c2_j) <= 1); once that is under 2^-26 of the sum, under half
         * its last place, adding them leaves the float sum as it is: stop (a
         * row that waited a thousand steps had cost two thousand powf) */
        if (rj / c1j < sum * 0x1p-26f) break;
        sum += rj * sqrtf(1.0f - powf(s->beta2, (float)tj)) / c1j;
    }
    float d1 = powf(s->beta1, (float)skipped), d2 = powf(s->beta2, (float)skipped);
    /* elementwise, so the thread count does not change the result; threads
     * only pay on large parameter sets (the latent mode's latents) */
    #pragma omp parallel for schedule(static) if (n >= (1u << 16))
    for (size_t i = first; i < first + n; i++) {
        float m = s->m[i], v = s->v[i];
        if (skipped > 0) {
            params[i] -= s->lr * sum * m / (sqrtf(v) + s->eps);
            m *= d1, v *= d2;
        }
        float g = grads[i];
        m = s->beta1 * m + (1.0f - s->beta1) * g;
        v = s->beta2 * v + (1.0f - s->beta2) * g * g;
        s->m[i] = m, s->v[i] = v;
        params[i] -= s->lr * (m / c1) / (sqrtf(v / c2) + s->eps);
    }
}
