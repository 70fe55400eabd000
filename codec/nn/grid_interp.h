/*
 * Multi-resolution dense feature grid, read by trilinear interpolation.
 *
 * L levels, coarse to fine; level l is a dense grid of res[l] = (rx, ry, rz)
 * nodes (each >= 2) holding F features per node, laid out [z][y][x][F] at
 * grid + off[l]. A point p in [0,1]^3 sits at p * (res - 1) in a level's node
 * coordinates (the corners of the unit cube are the corner nodes). The layer
 * gives each point the L*F features (level-major: out[n][l*F + f]) interpolated
 * from the 8 nodes around it. The backward scatters dout into the grid
 * (gradient with respect to the features; positions are inputs, not learned).
 */
#ifndef E2EC_NN_GRID_INTERP_H
#define E2EC_NN_GRID_INTERP_H

#include <stddef.h>

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

/* out [n][levels*feats]; pos [n][3] (x, y, z) in [0,1] (clamped). */
void grid_interp_forward(float *out, const float *grid, const grid_shape *s, const float *pos,
                         int n);
/* dgrid (s->off[levels] floats) += the transpose of the forward applied to dout.
 * Levels run in parallel (disjoint parts of dgrid), points in a fixed order,
 * so the result does not depend on the thread count. */
void grid_interp_backward(float *dgrid, const float *dout, const grid_shape *s, const float *pos,
                          int n);

#endif
