/* cin -> h -> h -> cout with ReLU (see relu_mlp.h).
 *
 * Why fused rows rather than matrix products: with k = 7..18 inputs and 12-16
 * outputs, OpenBLAS's sgemm spends its time packing, and each layer and ReLU
 * went through memory as an n x h array; on the chest CT the MLPs (synthesis
 * and ARM) took about 38 % of a latent fit's step that way (perf,
 * bench/results/latent/fused-mlp.log, which has the before and after). Here
 * RELU_MLP_LANES rows at a time, a row a vector lane, run through all three
 * layers in L1, a block of RELU_MLP_BLOCK rows to a thread. (Vectorising
 * across a layer's 12-16 outputs instead left loops of one or two
 * iterations: barely faster than sgemm.)
 *
 * This file is built with -O3 -ffp-contract=off (codec/CMakeLists.txt): no
 * product is fused into an add, so the AVX2 and baseline instances of
 * relu_mlp_rows.h agree bit for bit. */
#include "relu_mlp.h"

#include <stdlib.h>
#include <string.h>

#include "vector_isa.h"

/* The parameter blocks inside a flat array. */
typedef struct {
    const float *w1, *b1, *w2, *b2, *w3, *b3;
} relu_mlp_view;

static inline relu_mlp_view relu_mlp_view_of(const float *p, int cin, int h, int cout) {
    relu_mlp_view v;
    v.w1 = p, v.b1 = v.w1 + (size_t)h * cin, v.w2 = v.b1 + h;
    v.b2 = v.w2 + (size_t)h * h, v.w3 = v.b2 + h, v.b3 = v.w3 + (size_t)cout * h;
    return v;
}

/* A row a lane; the mask a comparison of two gives. */
typedef float mlp_vec __attribute__((vector_size(RELU_MLP_LANES * sizeof(float))));
typedef int32_t mlp_mask __attribute__((vector_size(RELU_MLP_LANES * sizeof(int32_t))));

#define ROWS(name) name##_base
#define ROWS_ATTR
#include "relu_mlp_rows.h"
#undef ROWS
#undef ROWS_ATTR
#ifdef VECTOR_ISA_AVX2
#define ROWS(name) name##_avx2
#define ROWS_ATTR VECTOR_ISA_AVX2_ATTR
#include "relu_mlp_rows.h"
#undef ROWS
#undef ROWS_ATTR
#else
#define forward_avx2 forward_base
#define backward_avx2 backward_base
#endif

size_t relu_mlp_size(int cin, int h, int cout) {
    return (size_t)h * cin + h + (size_t)h * h + h + (size_t)cout * h + cout;
}

static size_t blocks(int n) { return ((size_t)n + RELU_MLP_BLOCK - 1) / RELU_MLP_BLOCK; }

/* Rows rounded up to whole vectors. */
static size_t padded(int n) { return ((size_t)n + RELU_MLP_LANES - 1) / RELU_MLP_LANES * RELU_MLP_LANES; }

uint64_t relu_mlp_bytes(int cap, int cin, int h, int cout, int backward) {
    uint64_t floats = padded(cap) * 2 * (uint64_t)h + (uint64_t)cap * cout;
    if (backward) floats += blocks(cap) * relu_mlp_size(cin, h, cout) * RELU_MLP_LANES;
    return floats * sizeof(float);
}

int relu_mlp_alloc(relu_mlp_acts *a, int cap, int cin, int h, int cout, int backward) {
    memset(a, 0, sizeof *a);
    if (cap < 1 || cin < 1 || h < 1 || cout < 1 || cin > RELU_MLP_MAX_WIDTH || h > RELU_MLP_MAX_WIDTH ||
        cout > RELU_MLP_MAX_WIDTH)
        return 1;
    a->cap = cap, a->cin = cin, a->h = h, a->cout = cout;
    /* aligned for the vectors: the size a multiple of the alignment */
    size_t nh = padded(cap) * h * sizeof(float);
    a->h1 = aligned_alloc(sizeof(mlp_vec), nh), a->h2 = aligned_alloc(sizeof(mlp_vec), nh);
    a->out = malloc((size_t)cap * cout * sizeof(float));
    int ok = a->h1 && a->h2 && a->out;
    if (backward)
        ok = ok && (a->part = aligned_alloc(sizeof(mlp_vec), blocks(cap) * relu_mlp_size(cin, h, cout) *
                                                                 sizeof(mlp_vec)));
    return !ok;
}

void relu_mlp_free(relu_mlp_acts *a) {
    free(a->h1), free(a->h2), free(a->out), free(a->part);
    memset(a, 0, sizeof *a);
}

void relu_mlp_forward(relu_mlp_acts *a, const float *w, const float *in, int n) {
    void (*rows)(const relu_mlp_acts *, const float *, const float *, int, int) =
        vector_isa_has_avx2() ? forward_avx2 : forward_base;
    const long nb = (long)blocks(n);
#pragma omp parallel for schedule(static) if (nb > 1)
    for (long b = 0; b < nb; b++) {
        int i0 = (int)(b * RELU_MLP_BLOCK), i1 = n - i0 < RELU_MLP_BLOCK ? n : i0 + RELU_MLP_BLOCK;
        rows(a, w, in, i0, i1);
    }
}

void relu_mlp_backward(relu_mlp_acts *a, const float *w, float *dw, const float *in,
                       const float *dout, float *din, int n) {
    void (*rows)(const relu_mlp_acts *, const float *, mlp_vec *, const float *, const float *,
                 float *, int, int) = vector_isa_has_avx2() ? backward_avx2 : backward_base;
    const size_t np = relu_mlp_size(a->cin, a->h, a->cout);
    const long nb = (long)blocks(n);
#pragma omp parallel for schedule(static) if (nb > 1)
    for (long b = 0; b < nb; b++) {
        int i0 = (int)(b * RELU_MLP_BLOCK), i1 = n - i0 < RELU_MLP_BLOCK ? n : i0 + RELU_MLP_BLOCK;
        mlp_vec *g = (mlp_vec *)a->part + (size_t)b * np;
        memset(g, 0, np * sizeof *g);
        rows(a, w, g, in, dout, din, i0, i1);
    }
    /* every block's lanes in order: the same sum on any thread count */
    for (size_t p = 0; p < np; p++) {
        float s = 0.0f;
        for (long b = 0; b < nb; b++)
            for (int l = 0; l < RELU_MLP_LANES; l++) s += ((const mlp_vec *)a->part)[(size_t)b * np + p][l];
        dw[p] += s;
    }
}
