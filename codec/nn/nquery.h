/*
 * The neural-operator query of the SRNO (LIIF-style local ensemble, lifted
 * to 3D): for each high-res query point, the 8 low-res feature points around
 * it. Both grids are cell-centred (codec/upsample.h): high-res index i on an
 * axis of h sits at low-res coordinate u = (i + 0.5) l / h - 0.5. The corners
 * are floor(u) and floor(u) + 1, clamped to the grid (SRNO's nearest
 * grid_sample of the shifted, clamped coordinate). Corner n = bz*4 + by*2 + bx.
 * Each query point gives one row of nquery_channels(c) = 8 (c + 3) + 3 floats:
 *     [ rel_0 .. rel_7 | a_0 f_0 .. a_7 f_7 | cell ]
 * rel_n = 2 (u - corner_n) per axis (x, y, z): the offset in [-1,1]
 *         coordinates times the grid size, as SRNO's rel_coord;
 * a_n   = area_(7-n) / sum of areas, area_n = |rel_n,x rel_n,y rel_n,z|: the
 *         OPPOSITE corner's box, i.e. the trilinear weight. It is computed in
 *         its factorised form prod_axis |rel_other| / (|rel_0| + |rel_1|), with
 *         1/2 where both corners of an axis clamp to one point: SRNO's + 1e-9
 *         per area would there spread the weight evenly over the OTHER axes too;
 * f_n   = the c features of corner n;
 * cell  = 2 l / h per axis (the high-res cell in [-1,1] units times the grid size).
 * The features may be a slab of the low-res volume: planes [f0, f0 + fd).
 */
#ifndef E2EC_NN_NQUERY_H
#define E2EC_NN_NQUERY_H

#include <math.h>

typedef struct {
    int lx, ly, lz; /* low-res (feature) grid */
    int hx, hy, hz; /* high-res (query) grid */
    int f0, fd;     /* the feature slab holds low-res planes [f0, f0 + fd) */
} nquery_geom;

/* A box of high-res points, [x0,x1) x [y0,y1) x [z0,z1); rows are x fastest. */
typedef struct {
    int x0, x1, y0, y1, z0, z1;
} nquery_box;

static inline int nquery_channels(int c) { return 8 * (c + 3) + 3; }

/* The lower corner floor(u) of high-res index i, before clamping. */
static inline int nquery_floor(int i, int l, int h) {
    return (int)floor(((double)i + 0.5) * l / h - 0.5);
}

/* q gets one row per point of box; feat is [c][fd][ly][lx]. */
void nquery_forward(float *q, const float *feat, int c, const nquery_geom *g,
                    const nquery_box *box);
/* dfeat ([c][fd][ly][lx]) += the features' share of dq. */
void nquery_backward(float *dfeat, const float *dq, int c, const nquery_geom *g,
                     const nquery_box *box);

#endif
