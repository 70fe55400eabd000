/*
 * The causal 3D context of the lossless mode: for voxel (x, y, z) in raster
 * order (x fastest), a reference prediction and LL_CTX neighbours that are
 * already decoded: in the current slice W, N, NW, NE, WW, NN, NNE, NNW, NWW,
 * NEE; in the previous slice the co-located voxel and its W, E, N, S, NW, SE;
 * two slices back the co-located voxel (18: the six in-slice and diagonal
 * neighbours after the first 12 paid on the chest CT sample; the run is in
 * git log, not kept as a file). The reference is LOCO-I's median edge detector on W, N,
 * NW; a neighbour outside the volume takes the reference's value. The ARM
 * reads the neighbours minus the reference, scaled by 2^-shift, and predicts
 * a correction to the reference: the encoder, the decoder and the fit all
 * take their inputs here.
 */
#ifndef E2EC_LOSSLESS_LL_CONTEXT_H
#define E2EC_LOSSLESS_LL_CONTEXT_H

#include <stdint.h>

#define LL_CTX 18

typedef struct {
    int nx, ny, nz;
    int32_t fill; /* the value before the first voxel (the alphabet's low end) */
} ll_shape;

/* The reference and the neighbours (values, not differences) of voxel i =
 * x + nx (y + ny z) of v, of which only voxels before i are read. */
int32_t ll_context(const ll_shape *s, const int32_t *v, int x, int y, int z, int32_t nb[LL_CTX]);

#endif
