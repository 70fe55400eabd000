/* Integer ARM (see arm_int.h). */
#include "arm_int.h"

#include <math.h>
#include <string.h>

#include "nn/vector_isa.h"

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

static int32_t sat(int64_t v, int64_t lim) { return (int32_t)(v < -lim ? -lim : v > lim ? lim : v); }

/* floor(v / 2^s + 1/2) with shifts of non-negative values only, so it does
 * not lean on the implementation-defined right shift of negative numbers. */
static int32_t round_shift(int32_t v, int s) {
    if (s == 0) return v;
    int64_t r = (int64_t)v + ((int64_t)1 << (s - 1));
    return (int32_t)(r >= 0 ? r >> s : ~(~r >> s));
}

/* The layers of a network as arrays of shapes and pointers. */
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

e2ec_status arm_int_quantise(arm_int *m, int ctx, int hidden, const float *params) {
    const int finest[ARM_LAYERS] = {0, 0, 0};
    return arm_int_quantise_coarser(m, ctx, hidden, params, finest);
}

e2ec_status arm_int_quantise_coarser(arm_int *m, int ctx, int hidden, const float *params,
                                     const int coarser[ARM_LAYERS]) {
    int probe[ARM_LAYERS] = {0, 0, 0};
    e2ec_status st = arm_int_check(ctx, hidden, probe);
    if (st != E2EC_OK) return st;
    memset(m, 0, sizeof *m); /* unused rows stay zero: two networks compare whole */
    m->ctx = ctx;
    m->hidden = hidden;
    layers L = layers_of(m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        int nw = L.out[l] * L.in[l];
        float big = 0.0f;
        for (int i = 0; i < nw; i++) big = fmaxf(big, fabsf(params[i]));
        /* the finest step with |w| 2^shift <= ARM_W_MAX */
        int shift = ARM_MAX_SHIFT;
        while (shift > 0 && ldexp(big, shift) > ARM_W_MAX) shift--;
        int d = coarser[l] > 0 ? coarser[l] : 0;
        shift = d >= shift ? 0 : shift - d;
        m->shift[l] = shift;
        for (int i = 0; i < nw; i++)
            L.w[l][i] = (int16_t)sat((int64_t)nearbyint(ldexp(*params++, shift)), ARM_W_MAX);
        for (int o = 0; o < L.out[l]; o++) {
            double b = nearbyint(ldexp(*params++, shift + 8));
            L.b[l][o] = b < -ARM_B_MAX ? -ARM_B_MAX : b > ARM_B_MAX ? ARM_B_MAX : (int32_t)b;
        }
    }
    arm_int_prepare(m);
    return E2EC_OK;
}

void arm_int_prepare(arm_int *m) {
    memset(m->t0, 0, sizeof m->t0);
    memset(m->t1, 0, sizeof m->t1);
    for (int o = 0; o < m->hidden; o++) {
        for (int i = 0; i < m->ctx; i++) m->t0[i][o] = m->w0[o * m->ctx + i];
        for (int i = 0; i < m->hidden; i++) m->t1[i][o] = m->w1[o * m->hidden + i];
    }
}

void arm_int_dequantise(const arm_int *m, float *params) {
    layers L = layers_of((arm_int *)m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < L.out[l] * L.in[l]; i++) *params++ = ldexpf(L.w[l][i], -m->shift[l]);
        for (int o = 0; o < L.out[l]; o++) *params++ = ldexpf((float)L.b[l][o], -m->shift[l] - 8);
    }
}

/* One hidden layer: every output at once, input by input, in a loop of
 * fixed length (vectorised); then the bias, the rounding shift, saturation
 * and ReLU. Integer arithmetic: the AVX2 and baseline builds agree exactly. */
#define ARM_HIDDEN_LAYER(isa, attr)                                                          \
    attr static void hidden_##isa(int32_t *restrict out, const int32_t *restrict t,        \
                                  const int32_t *restrict b, const int32_t *restrict a,     \
                                  int n_in, int n_out, int shift) {                         \
        int32_t acc[ARM_MAX_HIDDEN] = {0};                                                   \
        for (int i = 0; i < n_in; i++)                                                       \
            for (int o = 0; o < ARM_MAX_HIDDEN; o++) acc[o] += t[i * ARM_MAX_HIDDEN + o] * a[i]; \
        for (int o = 0; o < n_out; o++) {                                                    \
            int32_t v = sat(round_shift(acc[o] + b[o], shift), ARM_ACT_MAX);                 \
            out[o] = v < 0 ? 0 : v;                                                          \
        }                                                                                    \
    }

#ifdef VECTOR_ISA_AVX2
ARM_HIDDEN_LAYER(avx2, VECTOR_ISA_AVX2_ATTR)
#else
#define hidden_avx2 hidden_base
#endif
ARM_HIDDEN_LAYER(base, )

void arm_int_forward(const arm_int *m, const int32_t *ctx, int32_t *mu, int32_t *log2b) {
    int32_t a[ARM_MAX_CTX], h1[ARM_MAX_HIDDEN], h2[ARM_MAX_HIDDEN];
    for (int i = 0; i < m->ctx; i++) a[i] = sat(ctx[i], ARM_ACT_MAX);
    /* |sum| <= 32 x 1023 x 32767 + 2^29 < 2^31 */
    void (*hidden)(int32_t *, const int32_t *, const int32_t *, const int32_t *, int, int, int) =
        vector_isa_has_avx2() ? hidden_avx2 : hidden_base;
    hidden(h1, &m->t0[0][0], m->b0, a, m->ctx, m->hidden, m->shift[0]);
    hidden(h2, &m->t1[0][0], m->b1, h1, m->hidden, m->hidden, m->shift[1]);
    int32_t out[2];
    for (int o = 0; o < 2; o++) {
        int32_t acc = m->b2[o];
        for (int i = 0; i < m->hidden; i++) acc += (int32_t)m->w2[o * m->hidden + i] * h2[i];
        /* acc is in 2^-(shift + 8) units: to 2^-16 */
        int s = m->shift[2] - 8;
        out[o] = s >= 0 ? round_shift(acc, s) : sat((int64_t)acc * ((int64_t)1 << -s), INT32_MAX);
    }
    *mu = out[0];
    *log2b = out[1];
}
