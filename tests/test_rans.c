/*
 * The entropy coder (codec/ent): rANS round trips of random symbols under
 * random integer Laplace models, the extreme distributions (a one-symbol
 * alphabet, the narrowest and widest scales, symbols far in the tails, the
 * largest alphabet), the coded size against the ideal -sum log2 p, the CDF's
 * invariants over a sweep of parameters, the exp table against libm, and
 * refusals of truncated, extended and altered payloads.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ent/laplace_int.h"
#include "ent/rans.h"

static uint32_t lcg(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

typedef struct {
    int32_t lo, hi, log2b;
    int64_t mu;
} model;

/* A symbol drawn from the model's own distribution (through its CDF). */
static int32_t draw(const laplace_int *l, uint32_t *s) {
    rans_sym sym;
    return laplace_int_find(l, lcg(s) & (RANS_TOTAL - 1), &sym);
}

/* Codes n symbols, each under its own model, decodes them back and checks
 * every symbol and the end; returns the stream size, and the ideal bits. */
static size_t roundtrip(const model *m, const int32_t *k, size_t n, double *ideal_bits,
                        const char *what) {
    rans_sym *syms = malloc(n * sizeof *syms);
    *ideal_bits = 0.0;
    for (size_t i = 0; i < n; i++) {
        laplace_int l;
        laplace_int_set(&l, m[i].lo, m[i].hi, m[i].mu, m[i].log2b);
        syms[i] = laplace_int_sym(&l, k[i]);
        *ideal_bits -= log2((double)syms[i].freq / RANS_TOTAL);
    }
    size_t cap = rans_bound(n);
    uint8_t *buf = malloc(cap);
    size_t len = rans_encode(syms, n, buf, cap);
    CHECK(len >= 4, "%s: encoded", what);
    rans_dec d;
    int ok = rans_dec_init(&d, buf, len) == E2EC_OK;
    size_t wrong = 0;
    for (size_t i = 0; ok && i < n; i++) {
        laplace_int l;
        laplace_int_set(&l, m[i].lo, m[i].hi, m[i].mu, m[i].log2b);
        rans_sym s;
        int32_t got = laplace_int_find(&l, rans_dec_slot(&d), &s);
        wrong += got != k[i];
        rans_dec_advance(&d, s);
    }
    CHECK(ok && wrong == 0 && rans_dec_finish(&d) == E2EC_OK, "%s: %zu of %zu symbols wrong",
          what, wrong, n);
    free(syms);
    free(buf);
    return len;
}

static void random_models(void) {
    uint32_t s = 1;
    size_t n = 200000;
    model *m = malloc(n * sizeof *m);
    int32_t *k = malloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++) {
        int32_t span = (int32_t)(lcg(&s) % 4 == 0 ? lcg(&s) % 4096 : lcg(&s) % 64);
        m[i].lo = (int32_t)(lcg(&s) % 2001) - 1000;
        m[i].hi = m[i].lo + span;
        m[i].mu = ((int64_t)m[i].lo - 2) * LAPLACE_FRAC + (int64_t)(lcg(&s) % ((span + 4) * 256u));
        m[i].log2b = LAPLACE_LOG2B_MIN + (int32_t)(lcg(&s) % (LAPLACE_LOG2B_MAX - LAPLACE_LOG2B_MIN + 1));
        laplace_int l;
        laplace_int_set(&l, m[i].lo, m[i].hi, m[i].mu, m[i].log2b);
        k[i] = draw(&l, &s);
    }
    double ideal;
    size_t len = roundtrip(m, k, n, &ideal, "random models");
    /* rANS with a 2^31..2^63 state loses well under 0.1 % to the ideal code */
    double over = 8.0 * (double)(len - 8) / ideal - 1.0;
    printf("random models: %zu symbols, %zu bytes, ideal %.0f bytes, overhead %.4f %%\n", n, len,
           ideal / 8, 100 * over);
    CHECK(over < 1e-3, "overhead %g", over);
    free(m);
    free(k);
}

static void extremes(void) {
    enum { N = 5000 };
    static model m[N];
    static int32_t k[N];
    double ideal;
    /* one symbol: nothing to code, the stream is the state alone */
    for (int i = 0; i < N; i++) m[i] = (model){7, 7, 0, 7 * 256}, k[i] = 7;
    CHECK(roundtrip(m, k, N, &ideal, "one-symbol alphabet") == 8, "one-symbol stream is the state alone");
    /* the narrowest scale, every symbol at the far end from mu: each has the
     * floor of one unit, RANS_PROB_BITS bits */
    for (int i = 0; i < N; i++) m[i] = (model){-20, 20, LAPLACE_LOG2B_MIN, -20 * 256}, k[i] = 20;
    size_t len = roundtrip(m, k, N, &ideal, "tail symbols, narrowest scale");
    CHECK(fabs(ideal - (double)RANS_PROB_BITS * N) < 1e-6 * N && len <= rans_bound(N),
          "one unit each: %.1f bits", ideal);
    /* the widest scale over the largest alphabet: nearly uniform */
    uint32_t s = 9;
    for (int i = 0; i < N; i++) {
        m[i] = (model){-(LAPLACE_MAX_SYMBOLS / 2), LAPLACE_MAX_SYMBOLS / 2 - 1, LAPLACE_LOG2B_MAX, 0};
        k[i] = (int32_t)(lcg(&s) % LAPLACE_MAX_SYMBOLS) - LAPLACE_MAX_SYMBOLS / 2;
    }
    roundtrip(m, k, N, &ideal, "largest alphabet, widest scale");
    /* out-of-range parameters are clamped, not trusted: mu far outside, scales beyond the table */
    for (int i = 0; i < N; i++) {
        m[i] = (model){0, 255, i % 2 ? INT32_MAX : INT32_MIN, i % 3 ? INT64_MAX / 2 : INT64_MIN / 2};
        k[i] = (int32_t)(lcg(&s) % 256);
    }
    roundtrip(m, k, N, &ideal, "parameters out of range");
}

static void cdf_invariants(void) {
    long bad = 0, sweeps = 0;
    for (int32_t span = 0; span < 300; span += 23)
        for (int32_t log2b = LAPLACE_LOG2B_MIN; log2b <= LAPLACE_LOG2B_MAX; log2b += 97)
            for (int64_t mu = -3 * 256; mu <= (span + 3) * 256; mu += 113) {
                laplace_int l;
                laplace_int_set(&l, -5, -5 + span, mu - 5 * 256, log2b);
                sweeps++;
                bad += laplace_int_cdf(&l, -5) != 0 || laplace_int_cdf(&l, -4 + span) != RANS_TOTAL;
                for (int32_t k = -5; k <= -5 + span; k++)
                    bad += laplace_int_cdf(&l, k + 1) <= laplace_int_cdf(&l, k);
            }
    CHECK(bad == 0, "%ld CDF invariant failures over %ld models", bad, sweeps);
    /* the mass follows the Laplace law: b = 1 around mu = 0 */
    laplace_int l;
    laplace_int_set(&l, -100, 100, 0, 0);
    double p0 = laplace_int_sym(&l, 0).freq / (double)RANS_TOTAL, want = 1.0 - exp(-0.5);
    CHECK(fabs(p0 - want) < 2e-3, "P(0) = %.5f, Laplace gives %.5f", p0, want);
}

static void exp_table(void) {
    double worst = 0.0;
    for (uint64_t t = 0; t < ((uint64_t)31 << 16); t += 37) {
        double want = ldexp(exp2(-(double)t / 65536.0), 30), got = exp2_neg_q30(t);
        /* the table's interpolation, then the shift's truncation (< 1 unit) */
        worst = fmax(worst, (fabs(got - want) - 1.0) / want);
    }
    CHECK(worst < 2e-6, "2^-t relative error %g beyond one unit", worst);
    CHECK(exp2_neg_q30(0) == 1u << 30 && exp2_neg_q30((uint64_t)31 << 16) == 0, "ends of 2^-t");
}

static void refusals(void) {
    enum { N = 3000 };
    static rans_sym syms[N];
    uint32_t s = 5;
    laplace_int l;
    laplace_int_set(&l, 0, 63, 20 * 256, 3 * 256);
    int32_t k[N];
    for (int i = 0; i < N; i++) k[i] = draw(&l, &s), syms[i] = laplace_int_sym(&l, k[i]);
    uint8_t buf[4 * N + 8], copy[4 * N + 12];
    size_t len = rans_encode(syms, N, buf, sizeof buf);
    CHECK(rans_encode(syms, N, buf, rans_bound(N) - 1) == 0, "a short buffer is refused");
    rans_sym zero = {5, 0};
    CHECK(rans_encode(&zero, 1, buf, sizeof buf) == 0, "a zero-frequency symbol is refused");
    rans_dec d;
    CHECK(rans_dec_init(&d, buf, 7) == E2EC_ERR_ENTROPY, "a payload shorter than the state");
    memcpy(copy, buf, len);
    copy[7] = 0xFF;
    CHECK(rans_dec_init(&d, copy, len) == E2EC_ERR_ENTROPY, "a state no encoder leaves");
    /* decode everything from a truncated, an extended and an altered payload */
    for (int c = 0; c < 3; c++) {
        size_t n = len;
        memcpy(copy, buf, len);
        if (c == 0) n = len - 1;
        if (c == 1) memcpy(copy + n, "\x5A\x5A\x5A\x5A", 4), n += 4;
        if (c == 2) copy[len / 2] ^= 0x10;
        e2ec_status st = rans_dec_init(&d, copy, n);
        for (int i = 0; st == E2EC_OK && i < N; i++) {
            rans_sym sym;
            laplace_int_find(&l, rans_dec_slot(&d), &sym);
            rans_dec_advance(&d, sym);
        }
        if (st == E2EC_OK) st = rans_dec_finish(&d);
        CHECK(st == E2EC_ERR_ENTROPY, "payload %s refused", c == 0 ? "truncated" : c == 1 ? "extended" : "altered");
    }
}

int main(void) {
    random_models();
    extremes();
    cdf_invariants();
    exp_table();
    refusals();
    return check_summary();
}
