/*
 * 3D convolution, stride 1, odd kernel k with zero padding k/2 (the output
 * has the input's size), on channel-first volumes [C][D][H][W]:
 *     out[o][z][y][x] = b[o] + sum_{i,dz,dy,dx} w[o][i][dz][dy][dx] in[i][z+dz-k/2][y+dy-k/2][x+dx-k/2]
 * w is [cout][cin][k][k][k] (PyTorch layout), b is [cout] or NULL.
 *
 * Computed one output plane at a time: im2col of that plane, then one SGEMM
 * (cout x H*W x cin*k^3). Scratch is therefore conv3d_scratch_size() floats
 * whatever the depth D, and a plane's result depends only on the input planes
 * around it, not on D: the same plane computed in a slab of a volume or in
 * the whole volume goes through identical arithmetic, bit for bit.
 */
#ifndef E2EC_NN_CONV3D_H
#define E2EC_NN_CONV3D_H

#include <stddef.h>

/* Floats of scratch the forward and backward need. */
size_t conv3d_scratch_size(int cin, int k, int h, int w);

void conv3d_forward(float *out, const float *in, const float *w, const float *b, int cin,
                    int cout, int k, int d, int h, int wd, float *scratch);
/* dw, db (may be NULL) and din (may be NULL) accumulate. */
void conv3d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, int cin, int cout, int k, int d, int h, int wd,
                     float *scratch);

#endif
