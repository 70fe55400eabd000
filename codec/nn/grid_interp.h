/*
 * Multi-resolution dense feature grid, read by trilinear interpolation.
 *
 * L levels, coarse to fine; level l is a dense grid of res[l] = (rx, ry, rz)
 * nodes (each >= 2) holding F features per node, laid out [z][y][x][F] at
 * grid + off[l]. The grid is read at the voxels of an nx ny nz volume: voxel
 * v along an axis of n sits at p = v / (n - 1) in [0,1], at p * (res - 1) in a
 * level's node coordinates (the corner voxels on the corner nodes). The layer
 * gives each voxel the L*F features (level-major: out[n][l*F + f]) interpolated
 * from the 8 nodes around it. The backward scatters dout into the grid
 * (gradient with respect to the features; positions are inputs, not learned).
 */
#ifndef E2EC_NN_GRID_INTERP_H
#define E2EC_NN_GRID_INTERP_H

#include <stddef.h>
#include <stdint.h>

#define GRID_MAX_LEVELS 8

typedef struct {
    int levels, feats;
    int res[GRID_MAX_LEVELS][3];       /* nodes per axis (x, y, z), each >= 2 */
    size_t off[GRID_MAX_LEVELS + 1];   /* float offset of each level; off[levels] = total */
} grid_shape;

/* Fills off[] from levels, feats and res[]; returns the total float count,
 * or 0 when a field is out of range (levels 1..GRID_MAX_LEVELS, feats >= 1,
 * every res >= 2). */
size_t grid_shape_init(grid_shape *s);

/* Where the voxels of an nx ny nz volume fall in each level of a grid: per
 * level and axis, voxel coordinate v lies in the cell from node node[l][a][v]
 * at fraction frac[l][a][v] in [0, 1] toward the next node. Computed once for
 * a volume, so a lookup reads its cell instead of working it out (the
 * arithmetic was most of an interpolation's time). */
typedef struct {
    uint32_t n[3];
    int32_t *node[GRID_MAX_LEVELS][3];
    float *frac[GRID_MAX_LEVELS][3];
} grid_axes;

/* 0, or -1 when an allocation fails or a dimension is below 2; grid_axes_free
 * either way. */
int grid_axes_init(grid_axes *ax, const grid_shape *s, uint32_t nx, uint32_t ny, uint32_t nz);
void grid_axes_free(grid_axes *ax);
/* The bytes grid_axes_init allocates (memory estimates). */
size_t grid_axes_bytes(int levels, uint32_t nx, uint32_t ny, uint32_t nz);

/* out [n][levels*feats] at the voxels idx[0..n) of ax's volume, or first ..
 * first + n when idx is NULL (x fastest). */
void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const grid_axes *ax,
                         const uint32_t *idx, size_t first, int n);
/* dgrid (s->off[levels] floats) += the transpose of the forward applied to dout.
 * Levels run in parallel (disjoint parts of dgrid), voxels in a fixed order,
 * so the result does not depend on the thread count. */
void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const grid_axes *ax,
                          const uint32_t *idx, size_t first, int n);

#endif
