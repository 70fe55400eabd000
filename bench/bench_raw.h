/* Reading the raw volumes the bench tools take (little-endian voxels, x
 * fastest, as bench/rd writes them). */
#ifndef E2EC_BENCH_RAW_H
#define E2EC_BENCH_RAW_H

#include <stdio.h>
#include <string.h>

#include "e2ec.h"

/* The voxel type named u8, i16 or u16 (anything else: u16). */
static inline e2ec_voxel_type bench_raw_type(const char *name) {
    return !strcmp(name, "u8") ? E2EC_U8 : !strcmp(name, "i16") ? E2EC_I16 : E2EC_U16;
}

/* Allocates v and fills it from path; nonzero (and a message naming tool) on failure. */
static inline int bench_raw_read(const char *tool, const char *path, uint32_t nx, uint32_t ny,
                                 uint32_t nz, e2ec_voxel_type type, e2ec_volume *v) {
    if (e2ec_volume_alloc(v, nx, ny, nz, type)) return 1;
    size_t n = (size_t)nx * ny * nz;
    FILE *f = fopen(path, "rb");
    int ok = f && fread(v->data, e2ec_voxel_size(type), n, f) == n;
    if (f) fclose(f);
    if (!ok) fprintf(stderr, "%s: cannot read %zu voxels from %s\n", tool, n, path);
    return !ok;
}

#endif
