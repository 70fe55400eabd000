/*
 * The CUDA layers against the CPU layers they mirror: forward and backward
 * of linear, sine, the fused linear + sine, the losses, Adam, the SIREN, and
 * a few full-batch SIREN training steps against train_loop. Backward
 * gradients accumulate into buffers that start nonzero on both sides, so the
 * += convention is checked too. Exits 77 (CTest: skipped) without a device.
 *
 * Tolerances are on max|gpu - cpu| / max|cpu| per tensor ("rel" below):
 * both sides are FP32 but sum in different orders (cuBLAS vs OpenBLAS
 * blocking; nvcc contracts a*b+c into FMA), so they agree to a few float
 * ulps per term summed, amplified by omega0 = 30 through each sine layer.
 */
#include <math.h>
#include <string.h>
#include "adam.h"
#include "check.h"
#include "e2ec_cuda.h"
#include "gpu_nn.h"
#include "gradcheck.h"
#include "loss.h"
#include "nn/linear.h"
#include "nn/sine.h"
#include "siren.h"
#include "siren_fit.h"
#include "train.h"

#define TOL_LINEAR 1e-5  /* sums of <= 1000 products, float */
#define TOL_SINE 1e-5    /* sinf/cosf of the same inputs, both ~1 ulp */
#define TOL_LOSS 1e-10   /* double sums of the same float terms, other order */
#define TOL_ADAM 1e-6    /* same formula, FMA contraction on the GPU only */
#define TOL_SIREN_FWD 1e-4
#define TOL_SIREN_BWD 1e-3
#define TOL_TRAIN_LOSS 1e-3 /* per-step losses of a short run */
#define TOL_TRAIN_W 1e-3

static e2ec_cuda *g;

/* A device copy of host data (NULL on failure, recorded as a failed check). */
static float *dev(const float *h, size_t n) {
    float *d = NULL;
    e2ec_status s = e2ec_cuda_alloc(g, &d, n);
    if (!s && h) s = e2ec_cuda_upload(g, d, h, n);
    CHECK(s == E2EC_OK, "alloc/upload of %zu floats: %s (%s)", n, e2ec_strerror(s),
          e2ec_cuda_error(g));
    return s ? NULL : d;
}

/* max|gpu - ref| / max|ref|, gpu downloaded from device memory. */
static double rel_err(const float *gpu_dev, const float *ref, size_t n) {
    float *h = malloc(n * sizeof *h);
    if (!h || e2ec_cuda_download(g, h, gpu_dev, n)) {
        free(h);
        return INFINITY;
    }
    double worst = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)h[i] - ref[i]);
        if (!(d <= worst)) worst = d; /* NaN wins */
        if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
    }
    free(h);
    return worst / (scale > 0.0 ? scale : 1.0);
}

static float *filled(size_t n, unsigned seed, float lo, float hi) {
    float *x = malloc(n * sizeof *x);
    if (x) gc_fill(x, n, seed, lo, hi);
    return x;
}

#define EXPECT_CLOSE(what, dev_ptr, ref, n, tol)                                          \
    do {                                                                                  \
        double e_ = rel_err(dev_ptr, ref, n);                                             \
        printf("  %-28s rel err %.3g (tol %.0e)\n", what, e_, (double)(tol));             \
        CHECK(e_ <= (tol), "%s: rel err %.3g > %.0e", what, e_, (double)(tol));           \
    } while (0)

static void test_linear(int n, int cin, int cout) {
    printf("linear n=%d cin=%d cout=%d\n", n, cin, cout);
    size_t ni = (size_t)n * cin, no = (size_t)n * cout, nw = (size_t)cout * cin;
    float *in = filled(ni, 1, -1, 1), *w = filled(nw, 2, -0.5f, 0.5f), *b = filled(cout, 3, -1, 1);
    float *dout = filled(no, 4, -1, 1), *out = malloc(no * sizeof(float));
    /* gradients start nonzero: both sides must add to them */
    float *din = filled(ni, 5, -1, 1), *dw = filled(nw, 6, -1, 1), *db = filled(cout, 7, -1, 1);
    float *d_in = dev(in, ni), *d_w = dev(w, nw), *d_b = dev(b, cout), *d_dout = dev(dout, no);
    float *d_out = dev(NULL, no), *d_din = dev(din, ni), *d_dw = dev(dw, nw), *d_db = dev(db, cout);
    linear_forward(out, in, w, b, n, cin, cout);
    linear_backward(din, dw, db, dout, in, w, n, cin, cout);
    CHECK(gpu_linear_forward(g, d_out, d_in, d_w, d_b, n, cin, cout) == E2EC_OK, "%s",
          e2ec_cuda_error(g));
    CHECK(gpu_linear_backward(g, d_din, d_dw, d_db, d_dout, d_in, d_w, n, cin, cout) == E2EC_OK,
          "%s", e2ec_cuda_error(g));
    EXPECT_CLOSE("linear out", d_out, out, no, TOL_LINEAR);
    EXPECT_CLOSE("linear din (+=)", d_din, din, ni, TOL_LINEAR);
    EXPECT_CLOSE("linear dw (+=)", d_dw, dw, nw, TOL_LINEAR);
    EXPECT_CLOSE("linear db (+=)", d_db, db, cout, TOL_LINEAR);

    /* without bias, and din NULL (a first layer) */
    linear_forward(out, in, w, NULL, n, cin, cout);
    CHECK(gpu_linear_forward(g, d_out, d_in, d_w, NULL, n, cin, cout) == E2EC_OK, "no bias");
    EXPECT_CLOSE("linear out, no bias", d_out, out, no, TOL_LINEAR);
    linear_backward(NULL, dw, NULL, dout, in, w, n, cin, cout);
    CHECK(gpu_linear_backward(g, NULL, d_dw, NULL, d_dout, d_in, d_w, n, cin, cout) == E2EC_OK,
          "din NULL");
    EXPECT_CLOSE("linear dw, din NULL", d_dw, dw, nw, TOL_LINEAR);

    /* the fused layer: z = linear, h = sine */
    const float omega0 = 30.0f;
    float *h = malloc(no * sizeof(float)), *d_h = dev(NULL, no);
    linear_forward(out, in, w, b, n, cin, cout);
    sine_forward(h, out, omega0, no);
    CHECK(gpu_linear_sine_forward(g, d_out, d_h, d_in, d_w, d_b, omega0, n, cin, cout) == E2EC_OK,
          "%s", e2ec_cuda_error(g));
    EXPECT_CLOSE("linear+sine z", d_out, out, no, TOL_LINEAR);
    /* h = sin(omega0 z), |h| <= 1: an error e in z moves h by up to omega0 e */
    double zmax = 0.0;
    for (size_t i = 0; i < no; i++) zmax = fmax(zmax, fabs(out[i]));
    EXPECT_CLOSE("linear+sine h", d_h, h, no, omega0 * TOL_LINEAR * zmax);

    float *bufs[] = {in, w, b, dout, out, din, dw, db, h};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
    float *dbufs[] = {d_in, d_w, d_b, d_dout, d_out, d_din, d_dw, d_db, d_h};
    for (size_t i = 0; i < sizeof dbufs / sizeof *dbufs; i++) e2ec_cuda_free(dbufs[i]);
}

static void test_sine(size_t n) {
    printf("sine n=%zu\n", n);
    const float omega0 = 30.0f;
    float *in = filled(n, 11, -2, 2), *dout = filled(n, 12, -1, 1), *din = filled(n, 13, -1, 1);
    float *out = malloc(n * sizeof(float));
    float *d_in = dev(in, n), *d_dout = dev(dout, n), *d_din = dev(din, n), *d_out = dev(NULL, n);
    sine_forward(out, in, omega0, n);
    sine_backward(din, dout, in, omega0, n);
    CHECK(gpu_sine_forward(g, d_out, d_in, omega0, n) == E2EC_OK, "%s", e2ec_cuda_error(g));
    CHECK(gpu_sine_backward(g, d_din, d_dout, d_in, omega0, n) == E2EC_OK, "%s",
          e2ec_cuda_error(g));
    EXPECT_CLOSE("sine out", d_out, out, n, TOL_SINE);
    EXPECT_CLOSE("sine din (+=)", d_din, din, n, TOL_SINE);
    free(in), free(dout), free(din), free(out);
    e2ec_cuda_free(d_in), e2ec_cuda_free(d_dout), e2ec_cuda_free(d_din), e2ec_cuda_free(d_out);
}

static void test_loss(e2ec_loss kind, int n) {
    printf("loss %s n=%d\n", kind == E2EC_LOSS_L1 ? "L1" : "L2", n);
    float *pred = filled((size_t)n, 21, 0, 1), *target = filled((size_t)n, 22, 0, 1);
    for (int i = 0; i < n; i += 7) target[i] = pred[i]; /* L1's gradient at 0 is 0 */
    float *dpred = filled((size_t)n, 23, -1, 1);
    float *d_pred = dev(pred, (size_t)n), *d_target = dev(target, (size_t)n);
    float *d_dpred = dev(dpred, (size_t)n);
    const float scale = 0.75f;
    double mse, gmse = NAN, gloss = NAN;
    double loss = loss_forward_backward(kind, pred, target, (size_t)n, scale, dpred, &mse);
    CHECK(gpu_loss(g, kind, d_pred, d_target, n, scale, d_dpred, &gloss, &gmse) == E2EC_OK, "%s",
          e2ec_cuda_error(g));
    printf("  loss cpu %.12g gpu %.12g, mse cpu %.12g gpu %.12g\n", loss, gloss, mse, gmse);
    CHECK(fabs(gloss - loss) <= TOL_LOSS * loss, "loss %.17g vs %.17g", gloss, loss);
    CHECK(fabs(gmse - mse) <= TOL_LOSS * mse, "mse %.17g vs %.17g", gmse, mse);
    EXPECT_CLOSE("loss dpred (+=)", d_dpred, dpred, (size_t)n, 1e-6);
    free(pred), free(target), free(dpred);
    e2ec_cuda_free(d_pred), e2ec_cuda_free(d_target), e2ec_cuda_free(d_dpred);
}

static void test_adam(size_t n, int steps) {
    printf("adam n=%zu steps=%d\n", n, steps);
    adam_state cpu, gpu;
    float *p = filled(n, 31, -1, 1);
    float *d_p = dev(p, n), *d_grad = dev(NULL, n);
    CHECK(adam_init(&cpu, n, 1.5e-3f) == 0, "adam_init");
    CHECK(gpu_adam_init(g, &gpu, n, 1.5e-3f) == E2EC_OK, "%s", e2ec_cuda_error(g));
    CHECK(gpu.lr == cpu.lr && gpu.beta1 == cpu.beta1 && gpu.beta2 == cpu.beta2 &&
              gpu.eps == cpu.eps,
          "hyperparameters differ from adam_init's");
    for (int t = 0; t < steps; t++) {
        float *grad = filled(n, 100 + (unsigned)t, -1, 1);
        CHECK(e2ec_cuda_upload(g, d_grad, grad, n) == E2EC_OK, "upload");
        adam_step(&cpu, p, grad);
        CHECK(gpu_adam_step(g, &gpu, d_p, d_grad) == E2EC_OK, "%s", e2ec_cuda_error(g));
        free(grad);
    }
    CHECK(gpu.t == cpu.t, "step counts %d vs %d", gpu.t, cpu.t);
    EXPECT_CLOSE("adam params", d_p, p, n, TOL_ADAM);
    EXPECT_CLOSE("adam m", gpu.m, cpu.m, n, TOL_ADAM);
    EXPECT_CLOSE("adam v", gpu.v, cpu.v, n, TOL_ADAM);
    adam_free(&cpu);
    gpu_adam_free(&gpu);
    free(p);
    e2ec_cuda_free(d_p), e2ec_cuda_free(d_grad);
}

static void test_siren(const siren_config *c, int n) {
    printf("siren width=%d layers=%d n=%d\n", c->width, c->layers, n);
    size_t np = siren_param_count(c), na = siren_acts_size(c, (size_t)n);
    size_t nscr = 2 * (size_t)n * c->width;
    float *params = malloc(np * sizeof(float)), *dparams = filled(np, 41, -1, 1);
    rng r = {7};
    siren_init(c, params, &r);
    float *coords = filled(3 * (size_t)n, 42, -1, 1), *dout = filled((size_t)n, 43, -1, 1);
    float *out = malloc((size_t)n * sizeof(float)), *acts = malloc(na * sizeof(float));
    float *scratch = malloc(nscr * sizeof(float));
    float *d_params = dev(params, np), *d_dparams = dev(dparams, np);
    float *d_coords = dev(coords, 3 * (size_t)n), *d_dout = dev(dout, (size_t)n);
    float *d_out = dev(NULL, (size_t)n), *d_acts = dev(NULL, na), *d_scratch = dev(NULL, nscr);
    siren_forward(c, params, coords, out, acts, n);
    siren_backward(c, params, dparams, acts, coords, dout, scratch, n);
    CHECK(gpu_siren_forward(g, c, d_params, d_coords, d_out, d_acts, n) == E2EC_OK, "%s",
          e2ec_cuda_error(g));
    CHECK(gpu_siren_backward(g, c, d_params, d_dparams, d_acts, d_coords, d_dout, d_scratch, n) ==
              E2EC_OK,
          "%s", e2ec_cuda_error(g));
    EXPECT_CLOSE("siren out", d_out, out, (size_t)n, TOL_SIREN_FWD);
    EXPECT_CLOSE("siren acts", d_acts, acts, na, TOL_SIREN_FWD);
    /* per layer, so a small layer's error is not hidden by a large one's */
    siren_views v, dv;
    siren_views_of(&v, c, dparams);
    siren_views_of(&dv, c, d_dparams);
    for (int l = 0; l <= c->layers; l++) {
        int cin = l ? c->width : SIREN_IN, cout = l == c->layers ? 1 : c->width;
        char name[64];
        snprintf(name, sizeof name, "siren dw[%d] (+=)", l);
        EXPECT_CLOSE(name, dv.w[l], v.w[l], (size_t)cin * cout, TOL_SIREN_BWD);
        snprintf(name, sizeof name, "siren db[%d] (+=)", l);
        EXPECT_CLOSE(name, dv.b[l], v.b[l], (size_t)cout, TOL_SIREN_BWD);
    }
    free(params), free(dparams), free(coords), free(dout), free(out), free(acts), free(scratch);
    float *dbufs[] = {d_params, d_dparams, d_coords, d_dout, d_out, d_acts, d_scratch};
    for (size_t i = 0; i < sizeof dbufs / sizeof *dbufs; i++) e2ec_cuda_free(dbufs[i]);
}

#define TRAIN_STEPS 20

typedef struct {
    double loss[TRAIN_STEPS + 1];
} train_log;

static int log_progress(const e2ec_progress *p, void *user) {
    ((train_log *)user)->loss[p->epoch] = p->loss;
    return 0;
}

/* A few full-batch steps of the GPU trainer against train_loop + siren_fit
 * on the same grid, from the same initial weights; then the GPU run again,
 * which must give the same bits (same inputs, same GPU). */
static void test_training(e2ec_loss kind) {
    enum { GX = 12, GY = 10, GZ = 8, N = GX * GY * GZ };
    siren_config c = {.width = 24, .layers = 3, .omega0 = 30.0f};
    printf("training %s %dx%dx%d width=%d, %d steps\n", kind == E2EC_LOSS_L1 ? "L1" : "L2", GX,
           GY, GZ, c.width, TRAIN_STEPS);
    size_t np = siren_param_count(&c);
    float *init = malloc(np * sizeof(float)), *cpu = malloc(np * sizeof(float));
    float *gpu = calloc(np, sizeof(float)), *again = calloc(np, sizeof(float));
    float *target = malloc(N * sizeof(float)), *coords = malloc(3 * N * sizeof(float));
    rng r = {3};
    siren_init(&c, init, &r);
    for (int i = 0; i < N; i++) { /* a smooth blob, the way siren_fit lays out the grid */
        uint32_t x = (uint32_t)(i % GX), y = (uint32_t)(i / GX % GY), z = (uint32_t)(i / (GX * GY));
        coords[3 * i + 0] = grid_coord(x, GX);
        coords[3 * i + 1] = grid_coord(y, GY);
        coords[3 * i + 2] = grid_coord(z, GZ);
        target[i] = expf(-2.0f * (coords[3 * i] * coords[3 * i] + coords[3 * i + 1] *
                                  coords[3 * i + 1] + coords[3 * i + 2] * coords[3 * i + 2]));
    }
    /* CPU: the real training loop */
    e2ec_params p;
    memset(&p, 0, sizeof p); /* train_loop reads only the fields set here */
    train_log cpu_log = {{0}}, gpu_log = {{0}};
    p.epochs = TRAIN_STEPS, p.lr = 1.5e-3f, p.batch = 0, p.loss = kind, p.progress_every = 1;
    p.progress = log_progress, p.progress_user = &cpu_log;
    memcpy(cpu, init, np * sizeof(float));
    siren_fit fit;
    CHECK(siren_fit_init(&fit, &c, GX, GY, GZ, target, kind, 0) == E2EC_OK, "siren_fit_init");
    rng rt = {5};
    CHECK(train_loop(&p, np, cpu, siren_fit_grad, &fit, &rt) == E2EC_OK, "train_loop");
    siren_fit_free(&fit);

    for (int run = 0; run < 2; run++) {
        e2ec_cuda_siren_trainer *t = NULL;
        e2ec_status s = e2ec_cuda_siren_trainer_create(&t, g, &c, init, coords, target, N, kind,
                                                       p.lr);
        CHECK(s == E2EC_OK, "trainer_create: %s (%s)", e2ec_strerror(s), e2ec_cuda_error(g));
        if (s) break;
        for (int e = 1; e <= TRAIN_STEPS && !s; e++) {
            double mse;
            s = e2ec_cuda_siren_train_step(t, &gpu_log.loss[e], &mse);
        }
        CHECK(s == E2EC_OK, "train_step: %s", e2ec_cuda_error(g));
        CHECK(e2ec_cuda_siren_trainer_params(t, run ? again : gpu) == E2EC_OK, "params");
        e2ec_cuda_siren_trainer_destroy(t);
    }
    double worst = 0.0;
    for (int e = 1; e <= TRAIN_STEPS; e++) {
        double rel = fabs(gpu_log.loss[e] - cpu_log.loss[e]) / cpu_log.loss[e];
        if (!(rel <= worst)) worst = rel;
    }
    printf("  loss step 1 cpu %.6g gpu %.6g; step %d cpu %.6g gpu %.6g; worst rel %.3g (tol %.0e)\n",
           cpu_log.loss[1], gpu_log.loss[1], TRAIN_STEPS, cpu_log.loss[TRAIN_STEPS],
           gpu_log.loss[TRAIN_STEPS], worst, TOL_TRAIN_LOSS);
    CHECK(worst <= TOL_TRAIN_LOSS, "per-step losses differ by %.3g", worst);
    CHECK(cpu_log.loss[TRAIN_STEPS] < cpu_log.loss[1], "the CPU run did not learn");
    /* Both keep the weights of their lowest loss. If two steps' losses are
     * within rounding of each other the two sides may pick different steps,
     * whose weights differ by a whole Adam update: then only the losses
     * (checked above) can be compared. */
    int best_cpu = 1, best_gpu = 1;
    for (int e = 2; e <= TRAIN_STEPS; e++) {
        if (cpu_log.loss[e] < cpu_log.loss[best_cpu]) best_cpu = e;
        if (gpu_log.loss[e] < gpu_log.loss[best_gpu]) best_gpu = e;
    }
    if (best_cpu != best_gpu) {
        printf("  best step cpu %d gpu %d (losses within rounding): weights not compared\n",
               best_cpu, best_gpu);
    } else {
        double wd = 0.0, wmax = 0.0;
        for (size_t i = 0; i < np; i++) {
            double d = fabs((double)gpu[i] - cpu[i]);
            if (!(d <= wd)) wd = d;
            if (fabs(cpu[i]) > wmax) wmax = fabs(cpu[i]);
        }
        printf("  best weights (step %d) rel err %.3g (tol %.0e)\n", best_cpu, wd / wmax,
               TOL_TRAIN_W);
        CHECK(wd / wmax <= TOL_TRAIN_W, "weights differ by %.3g", wd / wmax);
    }
    CHECK(memcmp(gpu, again, np * sizeof(float)) == 0, "two GPU runs gave different weights");
    free(init), free(cpu), free(gpu), free(again), free(target), free(coords);
}

int main(void) {
    int devices = e2ec_cuda_available();
    if (devices == 0) {
        printf("SKIP: no CUDA device\n");
        return 77;
    }
    e2ec_status s = e2ec_cuda_create(&g, 0);
    if (s) {
        fprintf(stderr, "e2ec_cuda_create: %s (%s)\n", e2ec_strerror(s), e2ec_cuda_error(g));
        return 1;
    }
    char desc[256];
    e2ec_cuda_describe(g, desc, sizeof desc);
    printf("device: %s\n", desc);

    test_linear(1000, 37, 29);
    test_linear(777, 3, 40);  /* a SIREN first layer: the fused kernel's direct path */
    test_linear(513, 64, 1);  /* a SIREN output layer */
    test_sine(100003);
    test_loss(E2EC_LOSS_L1, 100003);
    test_loss(E2EC_LOSS_L2, 4097);
    test_adam(10007, 7);
    siren_config small = {.width = 32, .layers = 3, .omega0 = 30.0f};
    siren_config paper = {.width = 30, .layers = 3, .omega0 = 30.0f}; /* trade-off point */
    test_siren(&small, 700);
    test_siren(&paper, 4096);
    test_training(E2EC_LOSS_L1);
    test_training(E2EC_LOSS_L2);

    e2ec_cuda_destroy(g);
    return check_summary();
}
