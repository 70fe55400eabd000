/*
 * The latent mode's post-network (codec/latent/post_cnn.h) and its layer
 * (codec/nn/conv2d.h): conv2d's two forwards are its formula and its
 * backward matches finite differences (input, weights, bias); a training patch's
 * gradient matches finite differences of its squared error; applied, the
 * network gives what a plain reading of its formula in double precision
 * gives (within a stored unit, every type, the faces), the same bits whole
 * or a slab at a time, on 1, 2 and 3 threads, and under E2EC_ISA=baseline
 * (the test runs itself again with it); fitted to a blurred decode it takes
 * back most of the blur, the same network on 1 and 2 threads, off where the
 * rate weight is too high or the volume F32; the mode trains it for steps
 * that follow the fit's passes, capped by the volume's size; its bytes read
 * back to the same weights, and hostile ones are refused by name; in a
 * stream it decodes, whole and slice by slice, through the map and then the
 * network, and a version-7 stream with one is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bitstream.h"
#include "bytes_le.h"
#include "check.h"
#include "e2ec.h"
#include "gradcheck.h"
#include "isa_baseline.h"
#include "latent/post_cnn.h"
#include "latent_synthetic.h"
#include "nn/conv2d.h"
#include "rng.h"
#include "threads.h"
#include "voxel_int.h"

/* ---- conv2d ---- */

typedef struct {
    int cin, cout, h, w;
    float *in, *wt, *b, *r, *out, *which, *col;
} conv_ctx;

static double conv_loss(const float *x, void *p) {
    (void)x;
    conv_ctx *c = p;
    conv2d_forward_gemm(c->out, c->in, c->wt, c->b, c->cin, c->cout, c->h, c->w, c->col);
    double s = 0.0;
    for (int i = 0; i < c->cout * (c->h - 2) * (c->w - 2); i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void conv_grad(float *dx, void *p) {
    conv_ctx *c = p;
    size_t nin = (size_t)c->cin * c->h * c->w, nw = (size_t)c->cout * c->cin * 9;
    float *din = calloc(nin, sizeof *din), *dw = calloc(nw, sizeof *dw), *db = calloc((size_t)c->cout, sizeof *db);
    conv2d_forward_gemm(c->out, c->in, c->wt, c->b, c->cin, c->cout, c->h, c->w, c->col);
    conv2d_backward(din, dw, db, c->r, c->col, c->wt, c->cin, c->cout, c->h, c->w);
    if (c->which == c->in) memcpy(dx, din, nin * sizeof *dx);
    if (c->which == c->wt) memcpy(dx, dw, nw * sizeof *dx);
    if (c->which == c->b) memcpy(dx, db, (size_t)c->cout * sizeof *dx);
    free(din), free(dw), free(db);
}

static void conv2d_checks(int cin, int cout, int h, int w) {
    conv_ctx c = {cin, cout, h, w, 0, 0, 0, 0, 0, 0, malloc(conv2d_col_floats(cin, h, w) * sizeof(float))};
    size_t nin = (size_t)cin * h * w, nout = (size_t)cout * (h - 2) * (w - 2), nw = (size_t)cout * cin * 9;
    c.in = malloc(nin * sizeof(float)), c.wt = malloc(nw * sizeof(float)), c.b = malloc((size_t)cout * sizeof(float));
    c.r = malloc(nout * sizeof(float)), c.out = malloc(nout * sizeof(float));
    gc_fill(c.in, nin, 1, -1, 1), gc_fill(c.wt, nw, 2, -0.5f, 0.5f), gc_fill(c.b, (size_t)cout, 3, -0.5f, 0.5f);
    gc_fill(c.r, nout, 4, -1, 1);
    float *gemm = malloc(nout * sizeof(float));
    conv2d_forward(c.out, c.in, c.wt, c.b, cin, cout, h, w);
    conv2d_forward_gemm(gemm, c.in, c.wt, c.b, cin, cout, h, w, c.col);
    double worst = 0.0, worst_gemm = 0.0;
    for (int o = 0; o < cout; o++)
        for (int y = 0; y < h - 2; y++)
            for (int x = 0; x < w - 2; x++) {
                double s = c.b[o];
                for (int i = 0; i < cin; i++)
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++)
                            s += (double)c.wt[((o * cin + i) * 3 + dy) * 3 + dx] * c.in[((size_t)i * h + y + dy) * w + x + dx];
                size_t j = ((size_t)o * (h - 2) + y) * (w - 2) + x;
                double e = fabs(s - c.out[j]), eg = fabs(s - gemm[j]);
                worst = e > worst ? e : worst, worst_gemm = eg > worst_gemm ? eg : worst_gemm;
            }
    CHECK(worst < 1e-5 && worst_gemm < 1e-5, "conv2d %d->%d on %dx%d: both forwards = the formula (worst %.2g, %.2g)",
          cin, cout, h, w, worst, worst_gemm);
    c.which = c.in;
    double e1 = gradcheck(c.in, nin, conv_loss, conv_grad, &c, 1e-2, 200, "conv2d din");
    c.which = c.wt;
    double e2 = gradcheck(c.wt, nw, conv_loss, conv_grad, &c, 1e-2, 200, "conv2d dw");
    c.which = c.b;
    double e3 = gradcheck(c.b, (size_t)cout, conv_loss, conv_grad, &c, 1e-2, 200, "conv2d db");
    CHECK(e1 < 1e-2 && e2 < 1e-2 && e3 < 1e-2, "conv2d %d->%d: backward = finite differences (%.2g %.2g %.2g)", cin,
          cout, e1, e2, e3);
    free(c.in), free(c.wt), free(c.b), free(c.r), free(c.out), free(c.col), free(gemm);
}

/* ---- a training patch's gradient ---- */

typedef struct {
    int ch, p;
    float *w, *x, *t, *h;
} patch_ctx;

static double patch_loss(const float *w, void *u) {
    patch_ctx *c = u;
    return post_cnn_patch(w, c->ch, c->x, c->t, c->p, 1.0f, NULL, c->h);
}

static void patch_grad(float *dw, void *u) {
    patch_ctx *c = u;
    post_cnn_patch(c->w, c->ch, c->x, c->t, c->p, 1.0f, dw, c->h);
}

/* Weights drawn small enough that every output stays inside (0, 1), where
 * the clamp is off and the squared error is smooth. */
static void random_weights(float *w, int ch, uint64_t seed, float scale) {
    rng r = {seed};
    for (size_t i = 0; i < POST_CNN_SIZE((size_t)ch); i++) w[i] = rng_range(&r, -scale, scale);
}

static void patch_gradient(void) {
    const int ch = 3, p = 5;
    patch_ctx c = {ch, p, malloc(POST_CNN_SIZE(ch) * sizeof(float)), malloc(3 * (p + 6) * (p + 6) * sizeof(float)),
                   malloc((size_t)p * p * sizeof(float)), malloc(post_cnn_patch_floats(ch, p) * sizeof(float))};
    random_weights(c.w, ch, 5, 0.1f);
    gc_fill(c.x, 3 * (p + 6) * (p + 6), 6, 0.35f, 0.65f);
    gc_fill(c.t, (size_t)p * p, 7, 0.2f, 0.8f);
    double e = gradcheck(c.w, POST_CNN_SIZE(ch), patch_loss, patch_grad, &c, 1e-3, 400, "post_cnn patch");
    CHECK(e < 2e-2, "a patch's gradient in every tensor = finite differences of its squared error (%.2g)", e);
    free(c.w), free(c.x), free(c.t), free(c.h);
}

/* ---- applied: the formula in double precision ---- */

static double input_at(const e2ec_info *info, const void *v, int64_t x, int64_t y, int64_t z) {
    const int64_t nx = info->nx, ny = info->ny, nz = info->nz;
    x = x < 0 ? 0 : x >= nx ? nx - 1 : x, y = y < 0 ? 0 : y >= ny ? ny - 1 : y, z = z < 0 ? 0 : z >= nz ? nz - 1 : z;
    return (double)(voxel_int(v, info->type, (size_t)((z * ny + y) * nx + x)) - (int64_t)info->vmin) /
           (info->vmax - info->vmin);
}

/* The stored value at (x, y, z): each layer at the positions the next reads,
 * only the input's coordinates clamped (the network's plane extension). */
static int64_t reference_at(const post_cnn *c, const e2ec_info *info, const void *v, int64_t x, int64_t y,
                            int64_t z) {
    const int C = c->channels;
    const float *w1 = c->w, *b1 = w1 + 27 * C, *w2 = b1 + C, *b2 = w2 + 9 * C * C, *w3 = b2 + C, *b3 = w3 + 9 * C;
    double h1[POST_CNN_MAX_CHANNELS][5][5], h2[POST_CNN_MAX_CHANNELS][3][3];
    for (int o = 0; o < C; o++)
        for (int j = 0; j < 5; j++)
            for (int i = 0; i < 5; i++) {
                double s = b1[o];
                for (int pz = 0; pz < 3; pz++)
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++)
                            s += (double)w1[((o * 3 + pz) * 3 + dy) * 3 + dx] *
                                 input_at(info, v, x + i - 3 + dx, y + j - 3 + dy, z + pz - 1);
                h1[o][j][i] = s > 0 ? s : 0;
            }
    for (int o = 0; o < C; o++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 3; i++) {
                double s = b2[o];
                for (int k = 0; k < C; k++)
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++) s += (double)w2[((o * C + k) * 3 + dy) * 3 + dx] * h1[k][j + dy][i + dx];
                h2[o][j][i] = s > 0 ? s : 0;
            }
    double s = b3[0];
    for (int k = 0; k < C; k++)
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++) s += (double)w3[(k * 3 + dy) * 3 + dx] * h2[k][dy][dx];
    double o = input_at(info, v, x, y, z) + s;
    o = o < 0 ? 0 : o > 1 ? 1 : o;
    return (int64_t)nearbyint(o * (info->vmax - info->vmin) + info->vmin);
}

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* A network and a volume of the type, and the network's output's hash; the
 * checks against the formula, slabs and threads when check is set. */
static uint64_t apply_case(e2ec_voxel_type type, double vmin, double vmax, uint32_t nx, uint32_t ny, uint32_t nz,
                           int ch, int check) {
    e2ec_volume v;
    e2ec_volume_alloc(&v, nx, ny, nz, type);
    e2ec_info info;
    memset(&info, 0, sizeof info);
    info.nx = nx, info.ny = ny, info.nz = nz, info.type = type, info.vmin = vmin, info.vmax = vmax;
    rng r = {9};
    size_t n = (size_t)nx * ny * nz, vs = e2ec_voxel_size(type), plane = (size_t)nx * ny;
    for (size_t i = 0; i < n; i++) set_voxel_int(v.data, type, i, (int64_t)vmin + rng_below(&r, (uint32_t)(vmax - vmin) + 1));
    post_cnn c;
    memset(&c, 0, sizeof c);
    c.channels = ch;
    random_weights(c.w, ch, 21, 0.4f);
    uint8_t *whole = malloc(n * vs), *out = malloc(n * vs);
    post_cnn_apply(&c, &info, v.data, 0, nz, 0, nz, whole);
    uint64_t h = fnv(whole, n * vs);
    if (check) {
        int64_t worst = 0;
        for (uint32_t z = 0; z < nz; z++)
            for (uint32_t y = 0; y < ny; y++)
                for (uint32_t x = 0; x < nx; x++) {
                    size_t i = ((size_t)z * ny + y) * nx + x;
                    int64_t d = llabs(voxel_int(whole, type, i) - reference_at(&c, &info, v.data, x, y, z));
                    worst = d > worst ? d : worst;
                }
        CHECK(worst <= 1, "type %d, %ux%ux%u, C %d: the output = the formula in double within a unit (worst %lld)",
              type, nx, ny, nz, ch, (long long)worst);
        for (int t = 1; t <= 3; t++) {
            int saved = threads_enter(t), same = 1;
            const uint32_t slabs[2] = {2, 1};
            for (int k = 0; k < 2 && same; k++) {
                memset(out, 0xa5, n * vs);
                for (uint32_t z = 0; z < nz; z += slabs[k]) {
                    uint32_t ze = z + slabs[k] < nz ? z + slabs[k] : nz, a = z ? z - 1 : 0, b = ze < nz ? ze + 1 : nz;
                    same &= post_cnn_apply(&c, &info, (const uint8_t *)v.data + plane * a * vs, a, b, z, ze,
                                           out + plane * z * vs) == E2EC_OK;
                }
                same &= !memcmp(out, whole, n * vs);
            }
            threads_leave(saved);
            CHECK(same, "type %d, C %d, %d threads: the same bits a slab at a time as whole", type, ch, t);
        }
    }
    free(whole), free(out), e2ec_volume_free(&v);
    return h;
}

static uint64_t all_hash(int check) {
    uint64_t h = apply_case(E2EC_U16, 0, 4000, 13, 11, 5, 4, check);
    h = h * 31 + apply_case(E2EC_I16, -1024, 3071, 9, 7, 3, 2, check);
    h = h * 31 + apply_case(E2EC_U16, 0, 4000, 40, 5, 3, 16, check); /* the mode's 16 channels, in blocks */
    return h * 31 + apply_case(E2EC_U8, 0, 255, 70, 6, 2, 3, check); /* rows longer than a vector */
}

/* ---- the mode's training length ---- */

static void steps_for(void) {
    post_cnn_config cfg;
    post_cnn_defaults(&cfg);
    e2ec_info ct = {.nx = 512, .ny = 512, .nz = 64}, mr = {.nx = 128, .ny = 128, .nz = 62};
    e2ec_info small = {.nx = 16, .ny = 16, .nz = 15};
    /* 40 a pass of the fit; at most 24 passes of 16 patches of 64 x 64 (of the
     * plane, where it is smaller) over the voxels */
    int ct50 = post_cnn_steps_for(&ct, &cfg, 50), ct100 = post_cnn_steps_for(&ct, &cfg, 100);
    int ct300 = post_cnn_steps_for(&ct, &cfg, 300), ct0 = post_cnn_steps_for(&ct, &cfg, 0);
    CHECK(ct50 == 2000 && ct100 == 4000 && ct300 == 6144 && ct0 == 40,
          "the chest CT: 2000 steps at 50 passes, 4000 at 100, 6144 (24 passes) at 300, 40 at none (%d %d %d %d)", ct50,
          ct100, ct300, ct0);
    int m = post_cnn_steps_for(&mr, &cfg, 50), sm = post_cnn_steps_for(&small, &cfg, 50);
    CHECK(m == 372 && sm == 23, "the sample MR 372 steps, a 16 x 16 x 15 volume 23 (%d %d)", m, sm);
}

/* ---- fitted ---- */

static void fit(void) {
    e2ec_volume v;
    e2ec_info info;
    uint16_t *dec = malloc(40 * 36 * 8 * 2), *out = malloc(40 * 36 * 8 * 2);
    latent_blurred_pair(&v, dec, &info);
    post_cnn_config cfg;
    post_cnn_defaults(&cfg);
    cfg.channels = 8, cfg.steps = 500, cfg.batch = 8, cfg.patch = 24;
    post_cnn c1, c2;
    double gain = 0.0;
    e2ec_status st = post_cnn_fit(&v, &info, dec, 0.0, 1, &cfg, &c1, &gain);
    CHECK(st == E2EC_OK && c1.channels == 8 && gain > 0.0, "fitted at lambda 0: on, gain %g (%s)", gain,
          e2ec_error_name(st));
    CHECK(post_cnn_fit(&v, &info, dec, 0.0, 2, &cfg, &c2, NULL) == E2EC_OK && !memcmp(&c1, &c2, sizeof c1),
          "the same network on 1 and 2 threads");
    post_cnn_apply(&c1, &info, dec, 0, v.nz, 0, v.nz, out);
    double before = u16_squared_error(dec, &v), after = u16_squared_error(out, &v);
    /* measured: 0.368 of the blur's squared error remains on this volume
     * (the linear post-filter leaves 0.503 of it: test_post_filter) */
    printf("blurred decode: squared error %.0f, after the network %.0f (%.3f of it)\n", before, after, after / before);
    CHECK(after < 0.40 * before, "the network takes back more of the blur than the linear filter: squared error %.0f -> %.0f",
          before, after);
    CHECK(post_cnn_fit(&v, &info, dec, 1e9, 1, &cfg, &c1, &gain) == E2EC_OK && !c1.channels && gain == 0.0,
          "lambda 1e9: off");
    e2ec_info f32 = info;
    f32.type = E2EC_F32;
    CHECK(post_cnn_fit(&v, &f32, dec, 0.0, 1, &cfg, &c1, NULL) == E2EC_OK && !c1.channels, "an F32 volume: off");
    cfg.channels = POST_CNN_MAX_CHANNELS + 1;
    CHECK(post_cnn_fit(&v, &info, dec, 0.0, 1, &cfg, &c1, NULL) == E2EC_ERR_ARG, "too many channels: ARG");
    free(dec), free(out), e2ec_volume_free(&v);
}

/* ---- its bytes ---- */

/* A network whose weights are whole numbers of their steps. */
static void stepped(post_cnn *c, int ch) {
    memset(c, 0, sizeof *c);
    c->channels = ch;
    random_weights(c->w, ch, 33, 0.5f);
    const uint8_t q[POST_CNN_TENSORS] = {8, 10, 7, 9, 6, 12};
    memcpy(c->q, q, sizeof q);
    size_t at = 0, n[POST_CNN_TENSORS] = {27 * (size_t)ch, (size_t)ch, 9 * (size_t)ch * ch, (size_t)ch, 9 * (size_t)ch, 1};
    for (int t = 0; t < POST_CNN_TENSORS; t++)
        for (size_t i = 0; i < n[t]; i++, at++) c->w[at] = (float)ldexp(nearbyint(ldexp(c->w[at], q[t])), -q[t]) + 0.0f;
}

static void bytes(void) {
    e2ec_info info;
    memset(&info, 0, sizeof info);
    info.type = E2EC_U16, info.vmin = 0, info.vmax = 4000;
    post_cnn c, back;
    stepped(&c, 6);
    size_t n = post_cnn_bytes(&c), used = 0;
    uint8_t *b = malloc(n + 8);
    CHECK(n > POST_CNN_FIXED + 3 && post_cnn_write(b, n, &c) == E2EC_OK && b[n - 1] == POST_CNN_KIND,
          "written: %zu bytes, its kind last", n);
    CHECK(post_cnn_read(b, n, &info, &back, &used) == E2EC_OK && used == n && back.channels == 6 &&
              !memcmp(back.q, c.q, sizeof c.q) && !memcmp(back.w, c.w, POST_CNN_SIZE(6) * sizeof(float)),
          "read back: the same weights and steps, all %zu bytes used", n);
    /* read from the end of a longer tail: only its own bytes */
    memmove(b + 8, b, n);
    CHECK(post_cnn_read(b, n + 8, &info, &back, &used) == E2EC_OK && used == n, "read from a longer tail's end");
    memmove(b, b + 8, n);
    post_cnn off = c;
    off.w[3] += 1e-4f;
    CHECK(post_cnn_write(b, n, &off) == E2EC_ERR_ARG && post_cnn_bytes(&off) == 0,
          "the writer refuses a weight off its step");
    struct {
        const char *what;
        size_t at; /* from the block's start; SIZE_MAX: the count */
        int value;
        size_t len;
        e2ec_status want;
    } lies[] = {
        {"the count past the bytes", SIZE_MAX, (int)n, n, E2EC_ERR_TRUNCATED},
        {"a count below the fixed fields", SIZE_MAX, POST_CNN_FIXED - 1, n, E2EC_ERR_HEADER},
        {"no channels", 0, 0, n, E2EC_ERR_HEADER},
        {"17 channels", 0, POST_CNN_MAX_CHANNELS + 1, n, E2EC_ERR_HEADER},
        {"a step past 2^-24", 3, POST_CNN_MAX_Q + 1, n, E2EC_ERR_HEADER},
        {"an order past 24", 1 + POST_CNN_TENSORS, 25, n, E2EC_ERR_HEADER},
        {"two bytes", 0, -1, 2, E2EC_ERR_TRUNCATED},
        {"3 channels where the bits are 6's", 0, 3, n, E2EC_ERR_MISMATCH},
    };
    uint8_t *l = malloc(n);
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        memcpy(l, b, n);
        if (lies[k].at == SIZE_MAX) put_u16(l + n - 3, (uint32_t)lies[k].value);
        else if (lies[k].value >= 0) l[lies[k].at] = (uint8_t)lies[k].value;
        size_t len = lies[k].len;
        const uint8_t *from = l + n - len;
        e2ec_status e = post_cnn_read(from, len, &info, &back, &used);
        CHECK(e == lies[k].want, "%s: %s (want %s)", lies[k].what, e2ec_error_name(e), e2ec_error_name(lies[k].want));
    }
    e2ec_info f32 = info;
    f32.type = E2EC_F32;
    CHECK(post_cnn_read(b, n, &f32, &back, &used) == E2EC_ERR_MISMATCH, "a network on an F32 volume: MISMATCH");
    free(l), free(b);
}

/* ---- in a stream ---- */

static void fix_crc(uint8_t *s, size_t n) { put_u32(s + n - 4, (uint32_t)crc32(0L, s, (uInt)(n - 4))); }

static void streams(void) {
    static const syn_draw kinds[SYN_LEVELS] = {DRAW_RANDOM, DRAW_RANDOM, DRAW_RANDOM};
    static const int32_t lo[SYN_LEVELS] = {-40, -9, -3}, hi[SYN_LEVELS] = {40, 12, 3};
    latent_model m;
    latent_synthetic(&m, kinds, lo, hi, 5);
    stepped(&m.cnn, 3);
    const size_t nv = (size_t)SYN_NX * SYN_NY * SYN_NZ;
    e2ec_info info;
    uint16_t *plain = malloc(nv * 2), *want = malloc(nv * 2);
    latent_synthetic_plain(&m, &info, plain);
    post_cnn_apply(&m.cnn, &info, plain, 0, SYN_NZ, 0, SYN_NZ, want);
    mode_stream ms;
    uint8_t *s;
    size_t n;
    e2ec_status st = latent_synthetic_stream(&m, &ms, &s, &n);
    CHECK(st == E2EC_OK && s[n - 5] == POST_CNN_KIND, "a stream with a network, its kind last: %s", e2ec_error_name(st));
    if (st) return;
    e2ec_info got;
    CHECK(e2ec_get_info(s, n, &got) == E2EC_OK && got.post_filter == 2 && got.post_cnn_channels == 3,
          "get_info: the network, 3 channels");
    for (int t = 1; t <= 2; t++) {
        e2ec_volume d;
        st = e2ec_decode(s, n, t, &d);
        CHECK(st == E2EC_OK && !memcmp(d.data, want, nv * 2), "%d threads: decodes through the network: %s", t,
              e2ec_error_name(st));
        if (!st) e2ec_volume_free(&d);
    }
    uint16_t slice[SYN_NX * SYN_NY];
    int same = 1;
    for (uint32_t z = 0; z < SYN_NZ && same; z++)
        same = e2ec_decode_slice(s, n, z, 1, slice) == E2EC_OK &&
               !memcmp(slice, want + (size_t)z * SYN_NX * SYN_NY, sizeof slice);
    CHECK(same, "each slice alone decodes as the volume does");
    uint8_t *b = malloc(n);
    memcpy(b, s, n);
    put_u16(b + BS_OFF_VERSION, 7);
    fix_crc(b, n);
    e2ec_volume d;
    e2ec_status e = e2ec_decode(b, n, 1, &d);
    CHECK(e == E2EC_ERR_HEADER, "a network in a version-7 stream: %s (want HEADER)", e2ec_error_name(e));
    if (!e) e2ec_volume_free(&d);
    latent_model w = m;
    w.filter.on = 1;
    mode_stream ws;
    memset(&ws, 0, sizeof ws);
    ws.info = info, ws.info.mode = E2EC_MODE_LATENT, ws.info.fp16 = 1;
    CHECK(latent_section_pack(&w, &ws) == E2EC_ERR_ARG, "the writer refuses a filter and a network together");
    free(b), free(ms.payload), e2ec_free(s);
    free(plain), free(want), latent_model_free(&m);
}

int main(int argc, char **argv) {
    if (argc == 2 && !strcmp(argv[1], "--hash")) {
        printf("%016llx\n", (unsigned long long)all_hash(0));
        return 0;
    }
    conv2d_checks(3, 4, 9, 11);
    conv2d_checks(2, 1, 5, 140); /* rows longer than a vector */
    conv2d_checks(6, 9, 5, 40);  /* the avx2 build's blocks of 4 channels by 16 columns, and what is past them */
    patch_gradient();
    uint64_t here = all_hash(1), base = isa_baseline_hash(argv[0]);
    CHECK(here == base, "E2EC_ISA=baseline computes the same bits (%016llx, %016llx)", (unsigned long long)here,
          (unsigned long long)base);
    steps_for();
    fit();
    bytes();
    streams();
    return check_summary();
}
