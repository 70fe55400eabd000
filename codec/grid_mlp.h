/*
 * The grid representation's synthesis MLP (grid_fit.h): nn/relu_mlp.h with
 * one output, L -> h -> h -> 1. grid_fit and the latent mode's fit
 * (latent/latent_fit.h) train it; both decode through grid_decode.
 */
#ifndef E2EC_GRID_MLP_H
#define E2EC_GRID_MLP_H

#include <stddef.h>

#include "rng.h"

/* Weights for input width cin and hidden width h. */
size_t grid_mlp_size(int cin, int h);
/* Its tensors in layout order: W1 [h][cin], b1 [h], W2 [h][h], b2 [h], W3 [h],
 * b3 (grid_mlp_tensors: each one's count). */
#define GRID_MLP_TENSORS 6
void grid_mlp_tensors(int cin, int h, size_t count[GRID_MLP_TENSORS]);
/* Kaiming-uniform hidden layers, a small output layer, biases 0.01 and 0. */
void grid_mlp_init(float *w, int cin, int h, rng *r);
/* Unit 0 of both hidden layers made bias + scale * (sum of the inputs), the
 * output that unit alone plus offset (the other units' output weights 0;
 * their first weights kept): for inputs that keep unit 0 on, the MLP is
 * offset + bias + scale * sum. */
void grid_mlp_as_sum(float *w, int cin, int h, float scale, float bias, float offset);

#endif
