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
 *
 * Along an axis whose keys[l][a] is negative, level l is read instead with
 * Keys' cubic convolution kernel of parameter a = keys[l][a] (R. Keys, 1981;
 * -0.5 is Catmull-Rom, more negative is sharper): 4 nodes an axis, the ones
 * beyond the level's ends clamped to its end nodes. A voxel on a node reads
 * that node alone either way. The kernel's parameter is learned: the backward
 * can also give the gradient with respect to it.
 */
#ifndef E2EC_NN_GRID_INTERP_H
#define E2EC_NN_GRID_INTERP_H

#include <stddef.h>
#include <stdint.h>

#define GRID_MAX_LEVELS 8

typedef struct {
    int levels, feats;
    int res[GRID_MAX_LEVELS][3];       /* nodes per axis (x, y, z), each >= 2 */
    float keys[GRID_MAX_LEVELS][3];    /* 0: linear along the axis; < 0: Keys' cubic with this a */
    size_t off[GRID_MAX_LEVELS + 1];   /* float offset of each level; off[levels] = total */
} grid_shape;

/* Fills off[] from levels, feats and res[] and makes every axis linear
 * (keys 0: a cubic axis is set after); returns the total float count,
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

/* The nodes voxel coordinate v reads along axis a of level l and their
 * weights: *count (1, 2 or 4) of them, node[k] in [0, res), the same the
 * forward uses (so a fit knows which nodes a voxel row touches). dw, when not
 * NULL, gets each weight's derivative in keys[l][a] (0 on a linear axis). */
int grid_axis_taps(const grid_shape *s, const grid_axes *ax, int l, int a, uint32_t v, int32_t node[4],
                   float w[4], float dw[4]);

/* out [n][levels*feats] at the voxels idx[0..n) of ax's volume, or first ..
 * first + n when idx is NULL (x fastest). */
void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const grid_axes *ax,
                         const uint32_t *idx, size_t first, int n);
/* dgrid (s->off[levels] floats) += the transpose of the forward applied to dout.
 * Levels run in parallel (disjoint parts of dgrid), voxels in a fixed order,
 * so the result does not depend on the thread count. */
void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const grid_axes *ax,
                          const uint32_t *idx, size_t first, int n);
/* grid_interp_backward, and dkeys[l][a] += d loss / d keys[l][a] of every
 * cubic axis, which needs the grid's values (dkeys in double: a sum over
 * every voxel of a step, per level in a fixed order like dgrid). */
void grid_interp_backward_keys(float *dgrid, double dkeys[][3], const float *grid, const float *dout,
                               const grid_shape *s, const grid_axes *ax, const uint32_t *idx, size_t first,
                               int n);

#endif
