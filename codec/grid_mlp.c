/* The grid representation's synthesis MLP (see grid_mlp.h). */
#include "grid_mlp.h"

#include <math.h>

#include "nn/relu_mlp.h"

size_t grid_mlp_size(int cin, int h) { return relu_mlp_size(cin, h, 1); }

void grid_mlp_tensors(int cin, int h, size_t count[GRID_MLP_TENSORS]) {
    size_t hh = (size_t)h;
    count[0] = hh * (size_t)cin, count[1] = hh, count[2] = hh * hh, count[3] = hh, count[4] = hh, count[5] = 1;
}

void grid_mlp_init(float *w, int cin, int h, rng *r) {
    float *w1 = w, *b1 = w1 + (size_t)h * cin, *w2 = b1 + h, *b2 = w2 + (size_t)h * h, *w3 = b2 + h;
    float k1 = sqrtf(6.0f / (float)cin), k2 = sqrtf(6.0f / (float)h), k3 = sqrtf(1.0f / (float)h);
    for (size_t i = 0; i < (size_t)h * cin; i++) w1[i] = rng_range(r, -k1, k1);
    for (size_t i = 0; i < (size_t)h * h; i++) w2[i] = rng_range(r, -k2, k2);
    for (int i = 0; i < h; i++) b1[i] = b2[i] = 0.01f, w3[i] = rng_range(r, -k3, k3);
    w3[h] = 0.0f; /* b3 */
}

void grid_mlp_as_sum(float *w, int cin, int h, float scale, float bias, float offset) {
    float *w1 = w, *b1 = w1 + (size_t)h * cin, *w2 = b1 + h, *b2 = w2 + (size_t)h * h, *w3 = b2 + h, *b3 = w3 + h;
    for (int i = 0; i < cin; i++) w1[i] = scale;
    b1[0] = bias, b2[0] = 0.0f, b3[0] = offset;
    for (int k = 0; k < h; k++) w2[k] = k == 0 ? 1.0f : 0.0f, w3[k] = k == 0 ? 1.0f : 0.0f;
}
