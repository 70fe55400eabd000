/* The latent payload's coded networks (see net_section.h). */
#include "net_section.h"

#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "ent/int_code.h"
#include "mlp_steps.h"

#define TENSORS (2 * ARM_LAYERS + GRID_MLP_TENSORS)
enum { AT_Q = 2, AT_ORDER = AT_Q + GRID_MLP_TENSORS, AT_BITS = AT_ORDER + TENSORS };
_Static_assert(AT_BITS == NET_SECTION_FIXED, "the fixed fields");

/* The twelve tensors in stream order: n[t] integers each, bound[t] the
 * largest |value| a reader takes, total their sum. */
typedef struct {
    size_t n[TENSORS];
    int32_t bound[TENSORS];
    size_t total;
} net_shape;

static net_shape shape_of(const arm_int *arm, int cin, int h) {
    net_shape s;
    size_t a = (size_t)arm->hidden, count[GRID_MLP_TENSORS];
    size_t arm_n[2 * ARM_LAYERS] = {a * (size_t)arm->ctx, a, a * a, a, 2 * a, 2};
    grid_mlp_tensors(cin, h, count);
    s.total = 0;
    for (int t = 0; t < TENSORS; t++) {
        s.n[t] = t < 2 * ARM_LAYERS ? arm_n[t] : count[t - 2 * ARM_LAYERS];
        s.bound[t] = t < 2 * ARM_LAYERS ? (t % 2 ? ARM_B_MAX : ARM_W_MAX) : MLP_STEP_MAX_K - 1;
        s.total += s.n[t];
    }
    return s;
}

/* The ARM's tensors, as arm_int holds them, to and from v[0..). */
static void arm_to_ints(const arm_int *m, int32_t *v) {
    const int16_t *w[ARM_LAYERS] = {m->w0, m->w1, m->w2};
    const int32_t *b[ARM_LAYERS] = {m->b0, m->b1, m->b2};
    size_t a = (size_t)m->hidden, nw[ARM_LAYERS] = {a * (size_t)m->ctx, a * a, 2 * a}, nb[ARM_LAYERS] = {a, a, 2};
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (size_t i = 0; i < nw[l]; i++) *v++ = w[l][i];
        for (size_t i = 0; i < nb[l]; i++) *v++ = b[l][i];
    }
}

static void arm_from_ints(arm_int *m, const int32_t *v) {
    int16_t *w[ARM_LAYERS] = {m->w0, m->w1, m->w2};
    int32_t *b[ARM_LAYERS] = {m->b0, m->b1, m->b2};
    size_t a = (size_t)m->hidden, nw[ARM_LAYERS] = {a * (size_t)m->ctx, a * a, 2 * a}, nb[ARM_LAYERS] = {a, a, 2};
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (size_t i = 0; i < nw[l]; i++) w[l][i] = (int16_t)*v++; /* |v| <= ARM_W_MAX, read-checked */
        for (size_t i = 0; i < nb[l]; i++) b[l][i] = *v++;
    }
}

e2ec_status net_section_code(const arm_int *arm, const float *mlp, int cin, int h,
                             const uint8_t q[GRID_MLP_TENSORS], uint8_t **out, size_t *bytes) {
    net_shape s = shape_of(arm, cin, h);
    int32_t *v = malloc(s.total * sizeof *v);
    if (!v) return E2EC_ERR_NOMEM;
    size_t arm_total = s.total - grid_mlp_size(cin, h);
    arm_to_ints(arm, v);
    e2ec_status st = mlp_steps_ints(mlp, cin, h, q, v + arm_total);
    int order[TENSORS];
    uint64_t bits = 0;
    const int32_t *at = v;
    for (int t = 0; t < TENSORS && !st; at += s.n[t], t++) {
        order[t] = int_code_order(at, s.n[t]);
        bits += int_code_bits(at, s.n[t], order[t]);
    }
    size_t n = AT_BITS + int_code_bytes(bits);
    if (!st && n - 2 > UINT16_MAX) st = E2EC_ERR_LIMIT;
    uint8_t *p = st ? NULL : calloc(n, 1);
    if (!st && !p) st = E2EC_ERR_NOMEM;
    if (!st) {
        put_u16(p, (uint32_t)(n - 2));
        memcpy(p + AT_Q, q, GRID_MLP_TENSORS);
        for (int t = 0; t < TENSORS; t++) p[AT_ORDER + t] = (uint8_t)order[t];
        int_writer w = {p + AT_BITS, n - AT_BITS, 0};
        at = v;
        for (int t = 0; t < TENSORS && !st; at += s.n[t], t++) st = int_code_write(&w, at, s.n[t], order[t]);
    }
    free(v);
    if (st) {
        free(p);
        return st;
    }
    *out = p, *bytes = n;
    return E2EC_OK;
}

e2ec_status net_section_size(const uint8_t *src, size_t n, size_t *bytes) {
    if (n < 2) return E2EC_ERR_TRUNCATED;
    size_t b = 2 + (size_t)get_u16(src);
    if (b < AT_BITS) return E2EC_ERR_HEADER;
    if (b > n) return E2EC_ERR_TRUNCATED;
    *bytes = b;
    return E2EC_OK;
}

e2ec_status net_section_read(const uint8_t *src, size_t bytes, arm_int *arm, float *mlp, int cin, int h,
                             uint8_t q[GRID_MLP_TENSORS]) {
    for (int t = 0; t < GRID_MLP_TENSORS; t++)
        if ((q[t] = src[AT_Q + t]) > MLP_STEP_MAX_Q) return E2EC_ERR_HEADER;
    for (int t = 0; t < TENSORS; t++)
        if (src[AT_ORDER + t] > INT_CODE_MAX_ORDER) return E2EC_ERR_HEADER;
    net_shape s = shape_of(arm, cin, h);
    int32_t *v = malloc(s.total * sizeof *v);
    if (!v) return E2EC_ERR_NOMEM;
    int_reader r = {src + AT_BITS, bytes - AT_BITS, 0};
    e2ec_status st = E2EC_OK;
    int32_t *at = v;
    for (int t = 0; t < TENSORS && !st; at += s.n[t], t++)
        st = int_code_read(&r, at, s.n[t], src[AT_ORDER + t], s.bound[t]);
    if (!st) st = int_reader_end(&r);
    if (!st) {
        arm_from_ints(arm, v);
        arm_int_prepare(arm);
        mlp_steps_floats(v + (s.total - grid_mlp_size(cin, h)), cin, h, q, mlp);
    }
    free(v);
    return st;
}
