/*
 * The SIREN's training forward and backward on device buffers, composed from
 * the gpu/ layers in the same order as codec/siren.c. Parameter views come
 * from siren_views_of() itself (pointer arithmetic only, valid on a device
 * pointer), so both sides share one layout by construction.
 * acts, as siren_forward's: for each sine layer l, z_l = W_l h_{l-1} + b_l,
 * then h_l = sin(omega0 z_l), each [n][width]; h_{-1} is the coordinates.
 */
#include "gpu_kernels.h"
#include "gpu_nn.h"

static int config_ok(const siren_config *c, int n) {
    /* siren_views holds 32 layers: `layers` sine layers and the output layer */
    return c && c->layers >= 1 && c->layers < 32 && c->width >= 1 && n >= 1;
}

e2ec_status gpu_siren_forward(e2ec_cuda *g, const siren_config *c, const float *params,
                              const float *coords, float *out, float *acts, int n) {
    if (!g || !config_ok(c, n) || !params || !coords || !out || !acts) return E2EC_ERR_ARG;
    siren_views v;
    siren_views_of(&v, c, (float *)params);
    size_t plane = (size_t)n * (size_t)c->width;
    const float *in = coords;
    int cin = SIREN_IN;
    for (int l = 0; l < c->layers; l++) {
        float *z = acts + 2 * (size_t)l * plane, *h = z + plane;
        e2ec_status s = gpu_linear_sine_forward(g, z, h, in, v.w[l], v.b[l], c->omega0, n, cin,
                                                c->width);
        if (s) return s;
        in = h;
        cin = c->width;
    }
    return gpu_linear_forward(g, out, in, v.w[c->layers], v.b[c->layers], n, c->width, 1);
}

e2ec_status gpu_siren_backward(e2ec_cuda *g, const siren_config *c, const float *params,
                               float *dparams, const float *acts, const float *coords,
                               const float *dout, float *scratch, int n) {
    if (!g || !config_ok(c, n) || !params || !dparams || !acts || !coords || !dout || !scratch)
        return E2EC_ERR_ARG;
    siren_views v, dv;
    siren_views_of(&v, c, (float *)params);
    siren_views_of(&dv, c, dparams);
    size_t plane = (size_t)n * (size_t)c->width;
    int L = c->layers, width = c->width;
    /* d holds dL/dh of the layer being processed, then (in place) dL/dz;
     * the next layer down's dL/dh goes to the other half of scratch. */
    float *d = scratch, *next = scratch + plane;
    const float *h_last = acts + (2 * (size_t)(L - 1) + 1) * plane;
    e2ec_status s = gpu_linear_backward_beta(g, d, dv.w[L], dv.b[L], dout, h_last, v.w[L], n,
                                             width, 1, 0.0f);
    for (int l = L - 1; l >= 0 && !s; l--) {
        const float *z = acts + 2 * (size_t)l * plane;
        s = gpu_sine_backward_inplace(g, d, z, c->omega0, plane);
        if (s) break;
        const float *in = l ? z - plane : coords; /* h_{l-1} sits just before z_l */
        s = gpu_linear_backward_beta(g, l ? next : NULL, dv.w[l], dv.b[l], d, in, v.w[l], n,
                                     l ? width : SIREN_IN, width, 0.0f);
        float *t = d;
        d = next;
        next = t;
    }
    return s;
}
