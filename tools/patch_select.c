/* The paper's protocol patch (patch_select.h). */
#include <math.h>
#include <stdlib.h>
#include "patch_select.h"

/* The fraction of the box's voxels above vmin. */
static double fraction_of(const e2ec_volume *v, double vmin, const long b[6]) {
    size_t count = 0;
    for (long z = b[2]; z < b[2] + b[5]; z++)
        for (long y = b[1]; y < b[1] + b[4]; y++) {
            size_t row = ((size_t)z * v->ny + (size_t)y) * v->nx;
            for (long x = b[0]; x < b[0] + b[3]; x++)
                count += e2ec_voxel_value(v, row + (size_t)x) > vmin;
        }
    return (double)count / ((double)b[3] * b[4] * b[5]);
}

double patch_select(const e2ec_volume *v, uint32_t p, double fraction, long box[6]) {
    size_t n = (size_t)v->nx * v->ny * v->nz;
    double vmin = INFINITY;
    for (size_t i = 0; i < n; i++) vmin = fmin(vmin, e2ec_voxel_value(v, i));
    long size[3] = {v->nx < p ? v->nx : p, v->ny < p ? v->ny : p, v->nz < p ? v->nz : p};
    long dims[3] = {v->nx, v->ny, v->nz}, step = p / 4 ? p / 4 : 1;
    double best_frac = -1, best_dist = INFINITY, fullest = -1;
    long fullest_box[6] = {0};
    for (long z = 0; z + size[2] <= dims[2]; z += step)
        for (long y = 0; y + size[1] <= dims[1]; y += step)
            for (long x = 0; x + size[0] <= dims[0]; x += step) {
                long b[6] = {x, y, z, size[0], size[1], size[2]};
                double f = fraction_of(v, vmin, b);
                double dist = 0;
                for (int a = 0; a < 3; a++) {
                    double d = (double)b[a] + size[a] / 2.0 - dims[a] / 2.0;
                    dist += d * d;
                }
                if (f > fullest) {
                    fullest = f;
                    for (int i = 0; i < 6; i++) fullest_box[i] = b[i];
                }
                if (f >= fraction && dist < best_dist) {
                    best_dist = dist, best_frac = f;
                    for (int i = 0; i < 6; i++) box[i] = b[i];
                }
            }
    if (best_frac >= 0) return best_frac;
    for (int i = 0; i < 6; i++) box[i] = fullest_box[i];
    return fullest;
}
