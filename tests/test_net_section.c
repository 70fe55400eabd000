/*
 * The latent payload's coded networks (bitstream version 5): int_code
 * (codec/ent/int_code.h) gives back every integer at every order, counts its
 * bits exactly, picks the order with the fewest, and refuses a cut string, an
 * overlong code, a value beyond the reader's bound and nonzero padding;
 * mlp_steps (codec/latent/mlp_steps.h) turns weights into integers and back
 * exactly and refuses what is not a whole number of its step, and its search
 * coarsens the steps as lambda grows; net_section (codec/latent/net_section.h)
 * gives back the ARM and the MLP bit for bit in fewer bytes than version 4
 * stored them, and refuses a lying size, a step or order beyond its cap, an
 * ARM weight beyond the integer ARM's bound and a cut string by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes_le.h"
#include "check.h"
#include "ent/arm_section.h"
#include "ent/int_code.h"
#include "grid_mlp.h"
#include "latent/mlp_steps.h"
#include "latent/net_section.h"
#include "lossless/ll_context.h"
#include "rng.h"

static void int_code_round_trip(void) {
    rng r = {3};
    int32_t v[300], back[300];
    static const int32_t scale[] = {0, 1, 5, 300, 40000, (1 << 29)};
    for (size_t s = 0; s < sizeof scale / sizeof *scale; s++) {
        for (int i = 0; i < 300; i++)
            v[i] = scale[s] ? (int32_t)rng_below(&r, 2 * (uint32_t)scale[s] + 1) - scale[s] : 0;
        v[0] = scale[s], v[1] = -scale[s];
        int best = int_code_order(v, 300);
        for (int k = 0; k <= INT_CODE_MAX_ORDER; k++) {
            uint64_t bits = int_code_bits(v, 300, k);
            CHECK(bits >= int_code_bits(v, 300, best), "scale %d: order %d beats the chosen %d", scale[s], k, best);
            uint8_t buf[4096] = {0};
            int_writer w = {buf, int_code_bytes(bits), 0};
            e2ec_status st = int_code_write(&w, v, 300, k);
            CHECK(st == E2EC_OK && w.bit == bits, "scale %d order %d: written in the bits counted (%zu of %llu): %s",
                  scale[s], k, w.bit, (unsigned long long)bits, e2ec_error_name(st));
            int_reader rd = {buf, int_code_bytes(bits), 0};
            st = int_code_read(&rd, back, 300, k, INT32_MAX);
            CHECK(st == E2EC_OK && !memcmp(v, back, sizeof v) && int_reader_end(&rd) == E2EC_OK,
                  "scale %d order %d: read back: %s", scale[s], k, e2ec_error_name(st));
            if (bits % 8 == 0) continue;
            /* a cut string, a bound below the largest value, a padding bit set */
            int_reader cut = {buf, int_code_bytes(bits) - 1, 0};
            CHECK(int_code_read(&cut, back, 300, k, INT32_MAX) == E2EC_ERR_TRUNCATED, "order %d: cut: TRUNCATED", k);
            if (scale[s] > 0) {
                int_reader lo = {buf, int_code_bytes(bits), 0};
                CHECK(int_code_read(&lo, back, 300, k, scale[s] - 1) == E2EC_ERR_WEIGHTS,
                      "order %d: beyond the bound: WEIGHTS", k);
            }
            buf[int_code_bytes(bits) - 1] |= 1;
            int_reader pad = {buf, int_code_bytes(bits), 0};
            CHECK(int_code_read(&pad, back, 300, k, INT32_MAX) == E2EC_OK && int_reader_end(&pad) == E2EC_ERR_MISMATCH,
                  "order %d: a padding bit set: MISMATCH", k);
        }
    }
    /* 40 zero bits: longer than any code a writer makes */
    uint8_t zeros[8] = {0};
    int_reader z = {zeros, sizeof zeros, 0};
    CHECK(int_code_read(&z, back, 1, 0, INT32_MAX) == E2EC_ERR_WEIGHTS, "an overlong prefix: WEIGHTS");
    int32_t big = INT_CODE_MAX_ABS;
    uint8_t buf[16] = {0};
    int_writer w = {buf, sizeof buf, 0};
    CHECK(int_code_write(&w, &big, 1, 0) == E2EC_ERR_LIMIT, "2^30 is refused by the writer");
}

/* An MLP (7 inputs, 16 hidden) with weights at steps q, and a quantised ARM. */
static void networks(rng *r, float *mlp, uint8_t q[GRID_MLP_TENSORS], arm_int *arm) {
    grid_mlp_init(mlp, 7, 16, r);
    size_t count[GRID_MLP_TENSORS];
    grid_mlp_tensors(7, 16, count);
    float *w = mlp;
    for (int t = 0; t < GRID_MLP_TENSORS; w += count[t], t++) {
        q[t] = (uint8_t)(6 + 2 * t);
        for (size_t i = 0; i < count[t]; i++) w[i] = ldexpf(roundf(ldexpf(w[i], q[t])), -q[t]) + 0.0f;
    }
    int np = arm_param_count(LL_CTX, 12);
    float *p = malloc((size_t)np * sizeof *p);
    for (int i = 0; i < np; i++) p[i] = rng_range(r, -0.5f, 0.5f);
    arm_int_quantise(arm, LL_CTX, 12, p);
    free(p);
}

static void mlp_steps_exact(void) {
    rng r = {5};
    size_t nw = grid_mlp_size(7, 16);
    float *w = malloc(nw * sizeof *w), *back = malloc(nw * sizeof *back);
    int32_t *k = malloc(nw * sizeof *k);
    uint8_t q[GRID_MLP_TENSORS];
    arm_int arm;
    networks(&r, w, q, &arm);
    CHECK(mlp_steps_ints(w, 7, 16, q, k) == E2EC_OK, "weights at their steps give integers");
    mlp_steps_floats(k, 7, 16, q, back);
    CHECK(!memcmp(w, back, nw * sizeof *w), "and the integers give the weights back bit for bit");
    w[3] += ldexpf(1.0f, -20);
    CHECK(mlp_steps_ints(w, 7, 16, q, k) == E2EC_ERR_ARG, "a weight between steps: ARG");
    w[3] = 0.0f;
    q[0] = MLP_STEP_MAX_Q + 1;
    CHECK(mlp_steps_ints(w, 7, 16, q, k) == E2EC_ERR_ARG, "a step beyond the cap: ARG");
    free(w), free(back), free(k);
}

/* The search's error: the squared distance of the weights from the
 * unrounded ones (a decode's error grows with it). */
typedef struct {
    const float *orig;
    size_t n;
} dist_ctx;

static double dist(const float *w, void *user) {
    const dist_ctx *c = user;
    double s = 0.0;
    for (size_t i = 0; i < c->n; i++) s += ((double)w[i] - c->orig[i]) * ((double)w[i] - c->orig[i]);
    return s;
}

static void mlp_steps_search_coarsens(void) {
    rng r = {9};
    size_t nw = grid_mlp_size(7, 16);
    float *orig = malloc(nw * sizeof *orig), *w = malloc(nw * sizeof *w);
    grid_mlp_init(orig, 7, 16, &r);
    orig[nw - 1] = 0.3f;
    dist_ctx c = {orig, nw};
    uint8_t q_lo[GRID_MLP_TENSORS], q_hi[GRID_MLP_TENSORS];
    arm_int arm;
    float *p = calloc((size_t)arm_param_count(LL_CTX, 12), sizeof *p);
    arm_int_quantise(&arm, LL_CTX, 12, p);
    free(p);
    /* the bytes of the networks coded (the same ARM), at each lambda's steps */
    size_t bytes_lo = 0, bytes_hi = 0;
    uint8_t *s;
    memcpy(w, orig, nw * sizeof *w);
    CHECK(mlp_steps_search(w, 7, 16, 1e-9, 1.0, 1e6, dist, &c, q_lo) == E2EC_OK, "search at a small lambda");
    if (net_section_code(&arm, w, 7, 16, q_lo, &s, &bytes_lo) == E2EC_OK) free(s);
    memcpy(w, orig, nw * sizeof *w);
    CHECK(mlp_steps_search(w, 7, 16, 1e-3, 1.0, 1e6, dist, &c, q_hi) == E2EC_OK, "search at a large lambda");
    if (net_section_code(&arm, w, 7, 16, q_hi, &s, &bytes_hi) == E2EC_OK) free(s);
    int coarser = 1, some = 0;
    for (int t = 0; t < GRID_MLP_TENSORS; t++) coarser &= q_hi[t] <= q_lo[t], some |= q_hi[t] < q_lo[t];
    CHECK(coarser && some && bytes_hi && bytes_hi < bytes_lo,
          "a larger lambda: coarser steps (%u %u %u %u %u %u against %u %u %u %u %u %u), fewer bytes (%zu < %zu)",
          q_hi[0], q_hi[1], q_hi[2], q_hi[3], q_hi[4], q_hi[5], q_lo[0], q_lo[1], q_lo[2], q_lo[3], q_lo[4], q_lo[5],
          bytes_hi, bytes_lo);
    int32_t *k = malloc(nw * sizeof *k);
    CHECK(mlp_steps_ints(w, 7, 16, q_hi, k) == E2EC_OK, "the searched weights are whole numbers of their steps");
    free(orig), free(w), free(k);
}

static void section_round_trip(void) {
    rng r = {11};
    size_t nw = grid_mlp_size(7, 16);
    float *mlp = malloc(nw * sizeof *mlp), *mlp_back = malloc(nw * sizeof *mlp_back);
    uint8_t q[GRID_MLP_TENSORS], q_back[GRID_MLP_TENSORS];
    arm_int arm, back;
    networks(&r, mlp, q, &arm);
    uint8_t *s;
    size_t n;
    e2ec_status st = net_section_code(&arm, mlp, 7, 16, q, &s, &n);
    CHECK(st == E2EC_OK, "code: %s", e2ec_error_name(st));
    if (st) return;
    size_t stored = arm_section_bytes(LL_CTX, 12) + 2 * nw, size;
    CHECK(n < stored, "coded in %zu bytes, fewer than version 4's %zu", n, stored);
    CHECK(net_section_size(s, n, &size) == E2EC_OK && size == n, "its size is its u16's");
    memset(&back, 0, sizeof back);
    back.ctx = LL_CTX, back.hidden = 12;
    memcpy(back.shift, arm.shift, sizeof arm.shift);
    st = net_section_read(s, n, &back, mlp_back, 7, 16, q_back);
    CHECK(st == E2EC_OK && !memcmp(mlp, mlp_back, nw * sizeof *mlp) && !memcmp(q, q_back, sizeof q) &&
              !memcmp(arm.w0, back.w0, sizeof arm.w0) && !memcmp(arm.w1, back.w1, sizeof arm.w1) &&
              !memcmp(arm.w2, back.w2, sizeof arm.w2) && !memcmp(arm.b0, back.b0, sizeof arm.b0) &&
              !memcmp(arm.b1, back.b1, sizeof arm.b1) && !memcmp(arm.b2, back.b2, sizeof arm.b2) &&
              !memcmp(arm.t0, back.t0, sizeof arm.t0) && !memcmp(arm.t1, back.t1, sizeof arm.t1),
          "read back: the ARM (prepared) and the MLP bit for bit: %s", e2ec_error_name(st));
    /* lies */
    uint8_t *b = malloc(n);
    memcpy(b, s, n);
    CHECK(net_section_size(b, 1, &size) == E2EC_ERR_TRUNCATED, "no room for the size: TRUNCATED");
    CHECK(net_section_size(b, n - 1, &size) == E2EC_ERR_TRUNCATED, "a size past the bytes: TRUNCATED");
    put_u16(b, NET_SECTION_FIXED - 3);
    CHECK(net_section_size(b, n, &size) == E2EC_ERR_HEADER, "a size below the fixed fields: HEADER");
    memcpy(b, s, n);
    b[2] = MLP_STEP_MAX_Q + 1;
    CHECK(net_section_read(b, n, &back, mlp_back, 7, 16, q_back) == E2EC_ERR_HEADER, "a step beyond 2^-24: HEADER");
    memcpy(b, s, n);
    b[2 + GRID_MLP_TENSORS] = INT_CODE_MAX_ORDER + 1;
    CHECK(net_section_read(b, n, &back, mlp_back, 7, 16, q_back) == E2EC_ERR_HEADER, "an order beyond 24: HEADER");
    CHECK(net_section_read(s, n - 1, &back, mlp_back, 7, 16, q_back) == E2EC_ERR_TRUNCATED, "the bit string cut: TRUNCATED");
    free(b), free(s);
    /* an ARM weight beyond ARM_W_MAX (the coder writes any int, the reader bounds it) */
    arm.w0[5] = ARM_W_MAX + 1;
    st = net_section_code(&arm, mlp, 7, 16, q, &s, &n);
    CHECK(st == E2EC_OK && net_section_read(s, n, &back, mlp_back, 7, 16, q_back) == E2EC_ERR_WEIGHTS,
          "an ARM weight beyond 1023: WEIGHTS");
    if (!st) free(s);
    /* an MLP weight between its steps cannot be coded */
    arm.w0[5] = 0;
    mlp[1] += ldexpf(1.0f, -22);
    CHECK(net_section_code(&arm, mlp, 7, 16, q, &s, &n) == E2EC_ERR_ARG, "an MLP weight between steps: ARG");
    free(mlp), free(mlp_back);
}

int main(void) {
    int_code_round_trip();
    mlp_steps_exact();
    mlp_steps_search_coarsens();
    section_round_trip();
    return check_summary();
}
