/* Fitting the lossless ARM (see ll_fit.h). */
#include "ll_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "ent/arm_float.h"
#include "ent/arm_int.h"
#include "ll_model.h"
#include "rng.h"

int ll_pick_shift(const ll_shape *s, const int32_t *v) {
    double sum = 0.0;
    size_t n = 0;
    int32_t nb[LL_CTX];
    for (int z = 0; z < s->nz; z++)
        for (int y = 0; y < s->ny; y += 3)
            for (int x = 0; x < s->nx; x += 3) {
                int32_t ref = ll_context(s, v, x, y, z, nb);
                sum += fabs((double)v[x + (size_t)s->nx * (y + (size_t)s->ny * z)] - ref);
                n++;
            }
    int k = (int)floor(log2(sum / (double)n + 1.0));
    return k < 0 ? 0 : k > LL_MAX_SHIFT ? LL_MAX_SHIFT : k;
}

/* Voxel k of all the volumes' voxels, counted volume after volume (at most
 * a few levels: a scan): its volume and coordinates. */
static const ll_fit_volume *locate(const ll_fit_volume *vol, size_t k, int *x, int *y, int *z, size_t *i) {
    const ll_fit_volume *w = vol;
    for (;; w++) {
        size_t n = (size_t)w->s.nx * w->s.ny * w->s.nz;
        if (k < n) break;
        k -= n;
    }
    *x = (int)(k % w->s.nx), *y = (int)(k / w->s.nx % w->s.ny), *z = (int)(k / ((size_t)w->s.nx * w->s.ny));
    *i = k;
    return w;
}

e2ec_status ll_fit(const ll_shape *s, const int32_t *v, int32_t lo, int32_t hi, int shift,
                   const ll_fit_opts *o, float *params, double *bits) {
    const ll_fit_volume one = {*s, v, lo, hi, shift};
    return ll_fit_volumes(&one, 1, o, params, bits);
}

e2ec_status ll_fit_volumes(const ll_fit_volume *vol, int nv, const ll_fit_opts *o, float *params, double *bits) {
    const int C = LL_CTX, H = o->hidden, B = o->batch;
    int np = arm_param_count(C, H);
    /* the output layer's biases: b2[1] is log2 b's */
    float *b2 = params + np - 2;
    float *grad = calloc((size_t)np, sizeof *grad);
    float *x = malloc((size_t)B * C * sizeof *x), *dout = malloc((size_t)B * 2 * sizeof *dout);
    int32_t *ref = malloc((size_t)B * sizeof *ref), *val = malloc((size_t)B * sizeof *val);
    const ll_fit_volume **at = malloc((size_t)B * sizeof *at);
    arm_float a;
    adam_state opt = {0};
    e2ec_status st = E2EC_OK;
    if (arm_float_alloc(&a, B, C, H) || !grad || !x || !dout || !ref || !val || !at ||
        adam_init(&opt, (size_t)np, o->lr)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {o->seed};
    /* the output layer near zero: start at MED */
    arm_float_init(params, C, H, &r);
    size_t n = 0;
    for (int j = 0; j < nv; j++) n += (size_t)vol[j].s.nx * vol[j].s.ny * vol[j].s.nz;
    /* the scale's start: the mean |voxel - reference| of a sample, each in
     * its volume's units of 2^shift (one volume: log2 of the mean, minus
     * the shift) */
    double mad = 0.0;
    for (int i = 0; i < 4096; i++) {
        int x0, y0, z0;
        size_t k;
        const ll_fit_volume *w = locate(vol, (size_t)(rng_next(&r) % n), &x0, &y0, &z0, &k);
        float in[LL_CTX];
        mad += ldexp(fabs((double)w->v[k] - ll_inputs(&w->s, w->v, x0, y0, z0, w->shift, in)) + 0.5, -w->shift);
    }
    b2[1] = (float)log2(mad / 4096);
    double tail = 0.0;
    int tail_from = o->steps - o->steps / 10;
    for (int step = 0; step < o->steps; step++) {
        for (int i = 0; i < B; i++) {
            int x0, y0, z0;
            size_t k;
            const ll_fit_volume *w = at[i] = locate(vol, (size_t)(rng_next(&r) % n), &x0, &y0, &z0, &k);
            ref[i] = ll_inputs(&w->s, w->v, x0, y0, z0, w->shift, x + (size_t)i * C);
            val[i] = w->v[k];
        }
        arm_float_forward(&a, params, x, B);
        double sum = 0.0;
        for (int i = 0; i < B; i++) {
            double d[2], dx;
            sum += arm_float_rate(a.m.out + 2 * i, ref[i], at[i]->shift, val[i], at[i]->lo, at[i]->hi, d, &dx);
            dout[2 * i] = (float)(d[0] / B);
            dout[2 * i + 1] = (float)(d[1] / B);
        }
        if (step >= tail_from) tail += sum / B;
        memset(grad, 0, (size_t)np * sizeof *grad);
        arm_float_backward(&a, params, x, dout, B, grad);
        opt.lr = o->lr * 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)o->steps));
        adam_step(&opt, params, grad);
    }
    *bits = tail / (o->steps - tail_from);
done:
    adam_free(&opt);
    arm_float_free(&a);
    free(grad), free(x), free(dout), free(ref), free(val), free(at);
    return st;
}
