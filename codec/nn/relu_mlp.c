/* cin -> h -> h -> cout with ReLU (see relu_mlp.h). */
#include "relu_mlp.h"

#include <stdlib.h>
#include <string.h>

#include "linear.h"
#include "relu.h"

size_t relu_mlp_size(int cin, int h, int cout) {
    return (size_t)h * cin + h + (size_t)h * h + h + (size_t)cout * h + cout;
}

int relu_mlp_alloc(relu_mlp_acts *a, int cap, int h, int cout, int backward) {
    memset(a, 0, sizeof *a);
    size_t nh = (size_t)cap * h * sizeof(float);
    a->a1 = malloc(nh), a->h1 = malloc(nh), a->a2 = malloc(nh), a->h2 = malloc(nh);
    a->out = malloc((size_t)cap * cout * sizeof(float));
    int ok = a->a1 && a->h1 && a->a2 && a->h2 && a->out;
    if (backward) {
        a->dh2 = malloc(nh), a->da2 = malloc(nh), a->dh1 = malloc(nh), a->da1 = malloc(nh);
        ok = ok && a->dh2 && a->da2 && a->dh1 && a->da1;
    }
    return !ok;
}

void relu_mlp_free(relu_mlp_acts *a) {
    free(a->a1), free(a->h1), free(a->a2), free(a->h2), free(a->out);
    free(a->dh2), free(a->da2), free(a->dh1), free(a->da1);
    memset(a, 0, sizeof *a);
}

/* Parameter blocks inside the flat array. */
typedef struct {
    float *w1, *b1, *w2, *b2, *w3, *b3;
} mlp_view;

static mlp_view view(float *w, int cin, int h, int cout) {
    mlp_view v;
    v.w1 = w, v.b1 = v.w1 + (size_t)h * cin, v.w2 = v.b1 + h, v.b2 = v.w2 + (size_t)h * h;
    v.w3 = v.b2 + h, v.b3 = v.w3 + (size_t)cout * h;
    return v;
}

void relu_mlp_forward(relu_mlp_acts *a, const float *w, const float *in, int n, int cin, int h,
                      int cout) {
    mlp_view v = view((float *)w, cin, h, cout);
    linear_forward(a->a1, in, v.w1, v.b1, n, cin, h);
    relu_forward(a->h1, a->a1, (size_t)n * h);
    linear_forward(a->a2, a->h1, v.w2, v.b2, n, h, h);
    relu_forward(a->h2, a->a2, (size_t)n * h);
    linear_forward(a->out, a->h2, v.w3, v.b3, n, h, cout);
}

void relu_mlp_backward(relu_mlp_acts *a, const float *w, float *dw, const float *in,
                       const float *dout, float *din, int n, int cin, int h, int cout) {
    mlp_view v = view((float *)w, cin, h, cout), d = view(dw, cin, h, cout);
    size_t nh = (size_t)n * h * sizeof(float);
    memset(a->dh2, 0, nh), memset(a->da2, 0, nh), memset(a->dh1, 0, nh), memset(a->da1, 0, nh);
    linear_backward(a->dh2, d.w3, d.b3, dout, a->h2, v.w3, n, h, cout);
    relu_backward(a->da2, a->dh2, a->a2, (size_t)n * h);
    linear_backward(a->dh1, d.w2, d.b2, a->da2, a->h1, v.w2, n, h, h);
    relu_backward(a->da1, a->dh1, a->a1, (size_t)n * h);
    linear_backward(din, d.w1, d.b1, a->da1, in, v.w1, n, cin, h);
}
