/* SIREN network: forward, backward and grid inference (see siren.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "nn/linear.h"
#include "nn/sine.h"
#include "siren.h"

static int layer_in(const siren_config *c, int l) { return l == 0 ? SIREN_IN : c->width; }
static int layer_out(const siren_config *c, int l) { return l == c->layers ? 1 : c->width; }

size_t siren_param_count(const siren_config *c) {
    size_t n = 0;
    for (int l = 0; l <= c->layers; l++)
        n += (size_t)layer_out(c, l) * layer_in(c, l) + layer_out(c, l);
    return n;
}

void siren_views_of(siren_views *v, const siren_config *c, float *params) {
    float *p = params;
    for (int l = 0; l <= c->layers; l++) {
        v->w[l] = p;
        p += (size_t)layer_out(c, l) * layer_in(c, l);
        v->b[l] = p;
        p += layer_out(c, l);
    }
}

void siren_init(const siren_config *c, float *params, rng *r) {
    siren_views v;
    siren_views_of(&v, c, params);
    for (int l = 0; l <= c->layers; l++) {
        int in = layer_in(c, l), out = layer_out(c, l);
        float bound = l == 0 ? 1.0f / in : sqrtf(6.0f / in) / c->omega0;
        float bbound = 1.0f / sqrtf((float)in);
        for (int i = 0; i < out * in; i++) v.w[l][i] = rng_range(r, -bound, bound);
        for (int i = 0; i < out; i++) v.b[l][i] = rng_range(r, -bbound, bbound);
    }
}

size_t siren_acts_size(const siren_config *c, size_t n) {
    return 2 * (size_t)c->layers * n * c->width; /* pre- and post-activation per sine layer */
}

/* acts: [pre_0][post_0][pre_1][post_1]...; each n * width. */
static float *pre_of(const siren_config *c, float *acts, int l, int n) {
    return acts + (size_t)2 * l * n * c->width;
}

void siren_forward(const siren_config *c, const float *params, const float *coords,
                   float *out, float *acts, int n) {
    siren_views v;
    siren_views_of(&v, c, (float *)params);
    const float *h = coords;
    for (int l = 0; l < c->layers; l++) {
        float *pre = pre_of(c, acts, l, n), *post = pre + (size_t)n * c->width;
        linear_forward(pre, h, v.w[l], v.b[l], n, layer_in(c, l), c->width);
        sine_forward(post, pre, c->omega0, (size_t)n * c->width);
        h = post;
    }
    linear_forward(out, h, v.w[c->layers], v.b[c->layers], n, c->width, 1);
}

void siren_backward(const siren_config *c, const float *params, float *dparams,
                    const float *acts, const float *coords, const float *dout,
                    float *scratch, int n) {
    siren_views v, dv;
    siren_views_of(&v, c, (float *)params);
    siren_views_of(&dv, c, dparams);
    size_t nw = (size_t)n * c->width;
    float *dh = scratch, *dz = scratch + nw;
    const float *last = pre_of(c, (float *)acts, c->layers - 1, n) + nw;
    memset(dh, 0, nw * sizeof *dh);
    linear_backward(dh, dv.w[c->layers], dv.b[c->layers], dout, last, v.w[c->layers], n,
                    c->width, 1);
    for (int l = c->layers - 1; l >= 0; l--) {
        const float *pre = pre_of(c, (float *)acts, l, n);
        const float *in = l == 0 ? coords : pre_of(c, (float *)acts, l - 1, n) + nw;
        memset(dz, 0, nw * sizeof *dz);
        sine_backward(dz, dh, pre, c->omega0, nw);
        if (l > 0) memset(dh, 0, nw * sizeof *dh);
        linear_backward(l > 0 ? dh : NULL, dv.w[l], dv.b[l], dz, in, v.w[l], n, layer_in(c, l),
                        c->width);
    }
}

/* Inference on one chunk: two buffers (pre-activation a, post b) instead of
 * every layer's activations. */
static void eval_chunk(const siren_config *c, const siren_views *v, const float *coords,
                       float *out, float *a, float *b, int n) {
    const float *h = coords;
    for (int l = 0; l < c->layers; l++) {
        linear_forward(a, h, v->w[l], v->b[l], n, layer_in(c, l), c->width);
        sine_forward(b, a, c->omega0, (size_t)n * c->width);
        h = b; /* the next linear reads b and writes a: no copy needed */
    }
    linear_forward(out, h, v->w[c->layers], v->b[c->layers], n, c->width, 1);
}

#define EVAL_CHUNK 4096

size_t siren_eval_thread_floats(const siren_config *c) {
    return EVAL_CHUNK * (SIREN_IN + 2 * (size_t)c->width);
}

/* Chunks start at fixed offsets within each plane: a GEMM's rounding can
 * depend on which rows share a call, so this keeps a plane's values the same
 * whether it is decoded alone or with the whole volume. */
int siren_eval_grid(const siren_config *c, const float *params, uint32_t gx, uint32_t gy,
                    uint32_t gz, uint32_t z0, uint32_t z1, float *out) {
    siren_views v;
    siren_views_of(&v, c, (float *)params);
    size_t plane = (size_t)gx * gy;
    size_t per_plane = (plane + EVAL_CHUNK - 1) / EVAL_CHUNK;
    size_t chunks = per_plane * (z1 - z0);
    int failed = 0;
#pragma omp parallel
    {
        float *coords = malloc(sizeof(float) * siren_eval_thread_floats(c));
        if (!coords) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t k = 0; k < chunks; k++) {
            if (!coords) continue;
            float *a = coords + EVAL_CHUNK * SIREN_IN, *b = a + (size_t)EVAL_CHUNK * c->width;
            uint32_t z = z0 + (uint32_t)(k / per_plane);
            size_t first = k % per_plane * EVAL_CHUNK;
            int n = (int)(plane - first < EVAL_CHUNK ? plane - first : EVAL_CHUNK);
            for (int i = 0; i < n; i++) {
                size_t idx = first + i;
                coords[3 * i + 0] = grid_coord((uint32_t)(idx % gx), gx);
                coords[3 * i + 1] = grid_coord((uint32_t)(idx / gx), gy);
                coords[3 * i + 2] = grid_coord(z, gz);
            }
            eval_chunk(c, &v, coords, out + (size_t)(z - z0) * plane + first, a, b, n);
        }
        free(coords);
    }
    return failed;
}
