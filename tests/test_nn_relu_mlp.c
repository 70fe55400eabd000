/* The fused ReLU MLP (nn/relu_mlp.h): its outputs and gradients against a
 * plain double-precision reference on sizes that leave partial vectors and
 * blocks; the gradients against finite differences; the same bits on 1 and
 * 2 threads, and again under E2EC_ISA=baseline (the test runs itself with it:
 * the baseline build of the loops must give what the AVX2 build gives). */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "isa_baseline.h"
#include "gradcheck.h"
#include "nn/relu_mlp.h"

typedef struct {
    int n, cin, h, cout;
    float *w, *in, *dout;
    relu_mlp_acts a;
} net;

static const int sizes[][4] = {{1000, 7, 16, 1}, {777, 18, 12, 2}, {37, 5, 9, 3}, {8, 1, 1, 1}, {300, 40, 33, 1}};

static int net_make(net *t, const int s[4], unsigned seed) {
    t->n = s[0], t->cin = s[1], t->h = s[2], t->cout = s[3];
    size_t np = relu_mlp_size(t->cin, t->h, t->cout);
    t->w = malloc(np * sizeof *t->w);
    t->in = malloc((size_t)t->n * t->cin * sizeof *t->in);
    t->dout = malloc((size_t)t->n * t->cout * sizeof *t->dout);
    if (!t->w || !t->in || !t->dout || relu_mlp_alloc(&t->a, t->n, t->cin, t->h, t->cout, 1)) return 1;
    gc_fill(t->w, np, seed, -0.6f, 0.6f);
    gc_fill(t->in, (size_t)t->n * t->cin, seed + 1, -1.0f, 1.0f);
    gc_fill(t->dout, (size_t)t->n * t->cout, seed + 2, -1.0f, 1.0f);
    return 0;
}

static void net_free(net *t) {
    free(t->w), free(t->in), free(t->dout);
    relu_mlp_free(&t->a);
}

/* The reference: row by row in double. out [cout]; with dout, dw += and
 * din += the gradients of sum(out * dout). */
static void reference(const net *t, int i, double *out, double *dw, double *din) {
    const int cin = t->cin, h = t->h, cout = t->cout;
    const float *w1 = t->w, *b1 = w1 + h * cin, *w2 = b1 + h, *b2 = w2 + h * h, *w3 = b2 + h,
                *b3 = w3 + cout * h, *x = t->in + (size_t)i * cin, *d = t->dout + (size_t)i * cout;
    double h1[RELU_MLP_MAX_WIDTH], h2[RELU_MLP_MAX_WIDTH], t2[RELU_MLP_MAX_WIDTH] = {0},
        t1[RELU_MLP_MAX_WIDTH] = {0};
    for (int o = 0; o < h; o++) {
        double s = b1[o];
        for (int k = 0; k < cin; k++) s += (double)w1[o * cin + k] * x[k];
        h1[o] = s > 0 ? s : 0;
    }
    for (int o = 0; o < h; o++) {
        double s = b2[o];
        for (int k = 0; k < h; k++) s += (double)w2[o * h + k] * h1[k];
        h2[o] = s > 0 ? s : 0;
    }
    for (int o = 0; o < cout; o++) {
        double s = b3[o];
        for (int k = 0; k < h; k++) s += (double)w3[o * h + k] * h2[k];
        out[o] = s;
    }
    if (!dw) return;
    double *g1 = dw, *gb1 = g1 + h * cin, *g2 = gb1 + h, *gb2 = g2 + h * h, *g3 = gb2 + h, *gb3 = g3 + cout * h;
    for (int o = 0; o < cout; o++) {
        for (int k = 0; k < h; k++) g3[o * h + k] += d[o] * h2[k], t2[k] += (double)w3[o * h + k] * d[o];
        gb3[o] += d[o];
    }
    for (int j = 0; j < h; j++) {
        if (h2[j] <= 0) continue;
        for (int k = 0; k < h; k++) g2[j * h + k] += t2[j] * h1[k], t1[k] += (double)w2[j * h + k] * t2[j];
        gb2[j] += t2[j];
    }
    for (int k = 0; k < h; k++) {
        if (h1[k] <= 0) continue;
        for (int c = 0; c < cin; c++) g1[k * cin + c] += t1[k] * x[c], din[c] += (double)w1[k * cin + c] * t1[k];
        gb1[k] += t1[k];
    }
}

static double rel(double a, double b) { return fabs(a - b) / (fabs(b) > 1.0 ? fabs(b) : 1.0); }

static void against_reference(net *t) {
    size_t np = relu_mlp_size(t->cin, t->h, t->cout), nin = (size_t)t->n * t->cin;
    float *dw = calloc(np, sizeof *dw), *din = calloc(nin, sizeof *din);
    double *rdw = calloc(np, sizeof *rdw), *rdin = calloc(nin, sizeof *rdin), out[RELU_MLP_MAX_WIDTH];
    relu_mlp_forward(&t->a, t->w, t->in, t->n);
    relu_mlp_backward(&t->a, t->w, dw, t->in, t->dout, din, t->n);
    double eo = 0, ew = 0, ei = 0;
    for (int i = 0; i < t->n; i++) {
        reference(t, i, out, rdw, rdin + (size_t)i * t->cin);
        for (int o = 0; o < t->cout; o++) eo = fmax(eo, rel(t->a.out[(size_t)i * t->cout + o], out[o]));
    }
    for (size_t p = 0; p < np; p++) ew = fmax(ew, rel(dw[p], rdw[p]));
    for (size_t k = 0; k < nin; k++) ei = fmax(ei, rel(din[k], rdin[k]));
    CHECK(eo < 1e-5 && ew < 1e-4 && ei < 1e-5,
          "%d rows %d-%d-%d-%d: against double, out %.1e, dw %.1e, din %.1e", t->n, t->cin, t->h, t->h,
          t->cout, eo, ew, ei);
    free(dw), free(din), free(rdw), free(rdin);
}

/* gradcheck's loss and gradient in the weights, then in the inputs. */
static net *cur;
static double loss_w(const float *w, void *p) {
    (void)p;
    relu_mlp_forward(&cur->a, w, cur->in, cur->n);
    double s = 0;
    for (size_t k = 0; k < (size_t)cur->n * cur->cout; k++) s += (double)cur->a.out[k] * cur->dout[k];
    return s;
}
static void grad_w(float *dw, void *p) {
    relu_mlp_forward(&cur->a, p, cur->in, cur->n);
    relu_mlp_backward(&cur->a, p, dw, cur->in, cur->dout, NULL, cur->n);
}
static double loss_in(const float *in, void *p) {
    (void)p;
    relu_mlp_forward(&cur->a, cur->w, in, cur->n);
    double s = 0;
    for (size_t k = 0; k < (size_t)cur->n * cur->cout; k++) s += (double)cur->a.out[k] * cur->dout[k];
    return s;
}
static void grad_in(float *din, void *p) {
    float *dw = calloc(relu_mlp_size(cur->cin, cur->h, cur->cout), sizeof *dw);
    relu_mlp_forward(&cur->a, cur->w, p, cur->n);
    relu_mlp_backward(&cur->a, cur->w, dw, p, cur->dout, din, cur->n);
    free(dw);
}

/* On weights that keep every pre-activation at least 0.4 from the ReLU's
 * kink under a step of eps = 0.05 (biases +-2, small weights; some units
 * always off): finite differences across a kink mean nothing, and with the
 * masks fixed the output is linear in any one weight or input, so a large
 * step costs no accuracy and keeps float rounding out. The masks are
 * checked against the reference above. */
static void finite_differences(net *t) {
    const int cin = t->cin, h = t->h;
    float *w1 = t->w, *b1 = w1 + h * cin, *w2 = b1 + h, *b2 = w2 + h * h;
    for (int k = 0; k < h * cin; k++) w1[k] *= 0.5f;      /* |W1 x| <= 0.3 cin = 1.5 */
    for (int k = 0; k < h * h; k++) w2[k] *= 1.0f / 12;   /* |W2 h1| <= 0.05 h 3.5 = 1.6 */
    for (int o = 0; o < h; o++) b1[o] = o % 3 ? 2.0f : -2.0f, b2[o] = o % 4 ? 2.0f : -2.0f;
    cur = t;
    double ew = gradcheck(t->w, relu_mlp_size(t->cin, t->h, t->cout), loss_w, grad_w, t->w, 5e-2, 200, "w");
    double ei = gradcheck(t->in, (size_t)t->n * t->cin, loss_in, grad_in, t->in, 5e-2, 200, "in");
    CHECK(ew < 1e-2 && ei < 1e-2, "%d-%d-%d-%d: finite differences, weights %.1e, inputs %.1e", t->cin,
          t->h, t->h, t->cout, ew, ei);
}

/* FNV-1a over the outputs and both gradients, on `threads` threads. */
static uint64_t result_hash(net *t, int threads) {
    size_t np = relu_mlp_size(t->cin, t->h, t->cout), nin = (size_t)t->n * t->cin;
    float *dw = calloc(np, sizeof *dw), *din = calloc(nin, sizeof *din);
    omp_set_num_threads(threads);
    relu_mlp_forward(&t->a, t->w, t->in, t->n);
    relu_mlp_backward(&t->a, t->w, dw, t->in, t->dout, din, t->n);
    uint64_t hsh = 1469598103934665603ull;
    const float *parts[3] = {t->a.out, dw, din};
    size_t lens[3] = {(size_t)t->n * t->cout, np, nin};
    for (int p = 0; p < 3; p++)
        for (size_t k = 0; k < lens[p]; k++) {
            uint32_t b;
            memcpy(&b, parts[p] + k, 4);
            for (int j = 0; j < 4; j++) hsh = (hsh ^ ((b >> (8 * j)) & 0xff)) * 1099511628211ull;
        }
    free(dw), free(din);
    return hsh;
}

static uint64_t all_hash(int threads) {
    uint64_t h = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        net t;
        if (net_make(&t, sizes[s], 11 + (unsigned)s)) return 0;
        h = h * 31 + result_hash(&t, threads);
        net_free(&t);
    }
    return h;
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--hash")) {
        printf("%016llx\n", (unsigned long long)all_hash(2));
        return 0;
    }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        net t;
        CHECK(!net_make(&t, sizes[s], 11 + (unsigned)s), "allocation");
        against_reference(&t);
        uint64_t one = result_hash(&t, 1), two = result_hash(&t, 2), three = result_hash(&t, 3);
        CHECK(one == two && two == three, "%d rows: the same bits on 1, 2 and 3 threads", t.n);
        net_free(&t);
    }
    net t;
    CHECK(!net_make(&t, (const int[4]){37, 5, 9, 3}, 7), "allocation");
    finite_differences(&t);
    net_free(&t);
    relu_mlp_acts a;
    CHECK(relu_mlp_alloc(&a, 8, RELU_MLP_MAX_WIDTH + 1, 4, 1, 1) != 0 &&
              relu_mlp_alloc(&a, 0, 4, 4, 1, 0) != 0,
          "widths beyond RELU_MLP_MAX_WIDTH and an empty capacity are refused");
    uint64_t here = all_hash(2), base = isa_baseline_hash(argv[0]);
    CHECK(here != 0 && here == base, "E2EC_ISA=baseline computes the same bits (%016llx, %016llx)",
          (unsigned long long)here, (unsigned long long)base);
    return check_summary();
}
