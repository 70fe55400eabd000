/* Integer ARM (see arm_int.h). */
#include "arm_int.h"

#include <math.h>
#include <string.h>

int arm_param_count(int ctx, int hidden) {
    return (ctx + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * 2;
}

e2ec_status arm_int_check(int ctx, int hidden, const int shift[ARM_LAYERS]) {
    if (ctx < 1 || ctx > ARM_MAX_CTX || hidden < 1 || hidden > ARM_MAX_HIDDEN)
        return E2EC_ERR_LIMIT;
    for (int l = 0; l < ARM_LAYERS; l++)
        if (shift[l] < 0 || shift[l] > ARM_MAX_SHIFT) return E2EC_ERR_LIMIT;
    return E2EC_OK;
}

static int64_t clamp64(int64_t v, int64_t lim) { return v < -lim ? -lim : v > lim ? lim : v; }

/* floor(v / 2^s + 1/2) with shifts of non-negative values only, so it does
 * not lean on the implementation-defined right shift of negative numbers. */
static int64_t round_shift(int64_t v, int s) {
    if (s == 0) return v;
    int64_t r = v + ((int64_t)1 << (s - 1));
    return r >= 0 ? r >> s : ~(~r >> s);
}

static int16_t q16(float x, int shift) {
    double v = nearbyint(ldexp(x, shift));
    return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

static int32_t q32(float x, int shift) {
    double v = nearbyint(ldexp(x, shift));
    return (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
}

/* The packed float layers of the twin: W then b per layer. */
typedef struct {
    int in[ARM_LAYERS], out[ARM_LAYERS];
    int16_t *w[ARM_LAYERS];
    int32_t *b[ARM_LAYERS];
} layers;

static layers layers_of(arm_int *m) {
    return (layers){{m->ctx, m->hidden, m->hidden},
                    {m->hidden, m->hidden, 2},
                    {m->w0, m->w1, m->w2},
                    {m->b0, m->b1, m->b2}};
}

e2ec_status arm_int_quantise(arm_int *m, int ctx, int hidden, const int shift[ARM_LAYERS],
                             const float *params) {
    e2ec_status st = arm_int_check(ctx, hidden, shift);
    if (st != E2EC_OK) return st;
    memset(m, 0, sizeof *m); /* unused rows stay zero: two networks compare whole */
    m->ctx = ctx;
    m->hidden = hidden;
    layers L = layers_of(m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        m->shift[l] = shift[l];
        for (int i = 0; i < L.out[l] * L.in[l]; i++) L.w[l][i] = q16(*params++, shift[l]);
        /* a bias adds to products of 2^-shift weights and 1/256 activations */
        for (int o = 0; o < L.out[l]; o++) L.b[l][o] = q32(*params++, shift[l] + 8);
    }
    return E2EC_OK;
}

void arm_int_dequantise(const arm_int *m, float *params) {
    layers L = layers_of((arm_int *)m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < L.out[l] * L.in[l]; i++) *params++ = ldexpf(L.w[l][i], -m->shift[l]);
        for (int o = 0; o < L.out[l]; o++) *params++ = ldexpf((float)L.b[l][o], -m->shift[l] - 8);
    }
}

void arm_int_forward(const arm_int *m, const int32_t *ctx, int32_t *mu, int32_t *log2b) {
    int32_t a[ARM_MAX_HIDDEN > ARM_MAX_CTX ? ARM_MAX_HIDDEN : ARM_MAX_CTX], h[ARM_MAX_HIDDEN];
    for (int i = 0; i < m->ctx; i++)
        a[i] = (int32_t)clamp64(ctx[i], ARM_INPUT_CLAMP);
    layers L = layers_of((arm_int *)m);
    int32_t out[2];
    for (int l = 0; l < ARM_LAYERS; l++) {
        int32_t *dst = l == ARM_LAYERS - 1 ? out : h;
        for (int o = 0; o < L.out[l]; o++) {
            int64_t acc = L.b[l][o];
            const int16_t *w = L.w[l] + o * L.in[l];
            for (int i = 0; i < L.in[l]; i++) acc += (int64_t)w[i] * a[i];
            int64_t v = clamp64(round_shift(acc, m->shift[l]), ARM_ACT_CLAMP);
            dst[o] = (int32_t)(l < ARM_LAYERS - 1 && v < 0 ? 0 : v); /* ReLU but on the output */
        }
        for (int o = 0; o < L.out[l] && l < ARM_LAYERS - 1; o++) a[o] = h[o];
    }
    *mu = out[0];
    *log2b = out[1];
}
