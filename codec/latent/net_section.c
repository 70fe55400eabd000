/* The latent payload's coded networks (see net_section.h). */
#include "net_section.h"

#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "ent/int_code.h"
#include "ent/arm_section.h"
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
    size_t count[GRID_MLP_TENSORS];
    arm_tensors a = arm_section_tensors((arm_int *)arm); /* read only: the counts */
    grid_mlp_tensors(cin, h, count);
    s.total = 0;
    for (int t = 0; t < TENSORS; t++) {
        s.n[t] = t < 2 * ARM_LAYERS ? (size_t)(t % 2 ? a.nb[t / 2] : a.nw[t / 2]) : count[t - 2 * ARM_LAYERS];
        s.bound[t] = t < 2 * ARM_LAYERS ? (t % 2 ? ARM_B_MAX : ARM_W_MAX) : MLP_STEP_MAX_K - 1;
        s.total += s.n[t];
    }
    return s;
}

/* The ARM's tensors, as arm_int holds them (in arm_section's order), to and
 * from v[0..). */
static void arm_to_ints(const arm_int *m, int32_t *v) {
    arm_tensors t = arm_section_tensors((arm_int *)m); /* read only */
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < t.nw[l]; i++) *v++ = t.w[l][i];
        for (int i = 0; i < t.nb[l]; i++) *v++ = t.b[l][i];
    }
}

static void arm_from_ints(arm_int *m, const int32_t *v) {
    arm_tensors t = arm_section_tensors(m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < t.nw[l]; i++) t.w[l][i] = (int16_t)*v++; /* |v| <= ARM_W_MAX, read-checked */
        for (int i = 0; i < t.nb[l]; i++) t.b[l][i] = *v++;
    }
}

uint64_t net_section_arm_bits(const arm_int *arm) {
    arm_tensors t = arm_section_tensors((arm_int *)arm); /* read only */
    int32_t v[ARM_MAX_HIDDEN * (ARM_MAX_CTX > ARM_MAX_HIDDEN ? ARM_MAX_CTX : ARM_MAX_HIDDEN)];
    uint64_t bits = 0;
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < t.nw[l]; i++) v[i] = t.w[l][i];
        bits += int_code_bits(v, (size_t)t.nw[l], int_code_order(v, (size_t)t.nw[l]));
        for (int i = 0; i < t.nb[l]; i++) v[i] = t.b[l][i];
        bits += int_code_bits(v, (size_t)t.nb[l], int_code_order(v, (size_t)t.nb[l]));
    }
    return bits;
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
