/*
 * Three fully connected layers with ReLU between them, cin -> h -> h -> cout,
 * on rows: the grid representation's synthesis (cout 1, grid_mlp.h) and the
 * ARM's float twin (cout 2, ent/arm_float.h). Parameters packed layer by
 * layer as W [out][in] (PyTorch layout) then b [out]. The forward keeps the
 * hidden activations the backward reads.
 *
 * The widths are tiny (a handful of inputs, 12-32 hidden) and the rows many
 * (every voxel of a step, every latent), so the layers run fused, a block of
 * RELU_MLP_BLOCK rows at a time in cache, rather than as matrix products
 * (relu_mlp.c says why and what it gained). Every sum runs in one fixed order
 * whatever the thread count or ISA path (AVX2 or the x86-64 baseline), so the
 * outputs, and a decode, are the same floats on every x86-64 machine.
 * Checked against a plain reference and finite differences:
 * tests/test_nn_relu_mlp.c.
 */
#ifndef E2EC_NN_RELU_MLP_H
#define E2EC_NN_RELU_MLP_H

#include <stddef.h>
#include <stdint.h>

/* Rows a thread takes at a time; each block's parameter gradient is summed
 * apart and the blocks in order, so the gradient does not depend on the
 * thread count. */
#define RELU_MLP_BLOCK 256
/* Rows computed side by side, a row a vector lane (AVX2: 8 floats). */
#define RELU_MLP_LANES 8
/* The widest layer (cin, h or cout) the fused rows take. */
#define RELU_MLP_MAX_WIDTH 256

/* Activations for up to cap rows; the gradient blocks only with backward. */
typedef struct {
    int cap, cin, h, cout;
    float *h1, *h2; /* after the ReLU, lane-major: [n / lanes][h][lanes] */
    float *out;     /* [n][cout] */
    float *part;    /* backward: each block's parameter gradient, by lane */
} relu_mlp_acts;

size_t relu_mlp_size(int cin, int h, int cout);
/* Bytes relu_mlp_alloc allocates for these sizes (memory estimates). */
uint64_t relu_mlp_bytes(int cap, int cin, int h, int cout, int backward);
/* Nonzero on failure, or when a width is outside [1, RELU_MLP_MAX_WIDTH]
 * (relu_mlp_free frees what was allocated). */
int relu_mlp_alloc(relu_mlp_acts *a, int cap, int cin, int h, int cout, int backward);
void relu_mlp_free(relu_mlp_acts *a);
/* a->out from in [n][cin], n <= cap, with the widths a was allocated for. */
void relu_mlp_forward(relu_mlp_acts *a, const float *w, const float *in, int n);
/* After the forward on the same in: dw += the parameters' gradient of
 * sum(out * dout), din [n][cin] (NULL: not wanted) += the inputs'. */
void relu_mlp_backward(relu_mlp_acts *a, const float *w, float *dw, const float *in,
                       const float *dout, float *din, int n);

#endif
