/* grid_interp: trilinear interpolation reproduces affine fields exactly, hits the
 * nodes at the corner voxels, reads the same at a list of voxels as at a run of
 * them, and its backward matches finite differences. With Keys' cubic kernel on
 * some axes: a constant field comes back, the corner voxels read their nodes,
 * a list reads as a run, and the backward matches finite differences both in
 * the grid and in the kernels' parameters. */
#include <omp.h>
#include "check.h"
#include "gradcheck.h"
#include "nn/grid_interp.h"

#define NPTS 40
#define NX 11
#define NY 6
#define NZ 5
static grid_shape S;
static grid_axes AX;
static uint32_t vox[NPTS];
static float r[NPTS * GRID_MAX_LEVELS * 2], out[NPTS * GRID_MAX_LEVELS * 2];

static double loss(const float *g, void *p) {
    (void)p;
    grid_interp_forward(out, g, &S, &AX, vox, 0, NPTS);
    double s = 0.0;
    for (int i = 0; i < NPTS * S.levels * S.feats; i++) s += (double)out[i] * r[i];
    return s;
}

static void grad(float *dg, void *p) {
    (void)p;
    grid_interp_backward(dg, r, &S, &AX, vox, 0, NPTS);
}

/* d loss / d keys[l][a] of every cubic axis against central differences
 * (the output is linear in each parameter: a kernel's weights are, and an
 * axis's weights multiply the others'); the worst relative error. */
static double keys_check(float *g) {
    double d[GRID_MAX_LEVELS][3] = {{0.0}}, worst = 0.0;
    float *dg = calloc(S.off[S.levels], sizeof *dg);
    grid_interp_backward_keys(dg, d, g, r, &S, &AX, vox, 0, NPTS);
    free(dg);
    for (int l = 0; l < S.levels; l++)
        for (int a = 0; a < 3; a++) {
            float keep = S.keys[l][a];
            if (!(keep < 0.0f)) {
                worst = fmax(worst, fabs(d[l][a])); /* a linear axis gets none */
                continue;
            }
            const float eps = 0.125f;
            S.keys[l][a] = keep + eps;
            double lp = loss(g, NULL);
            S.keys[l][a] = keep - eps;
            double lm = loss(g, NULL);
            S.keys[l][a] = keep;
            double num = (lp - lm) / (2.0 * eps), den = fmax(fabs(num) + fabs(d[l][a]), 1e-3);
            printf("  keys[%d][%d]: analytic %.6g numeric %.6g\n", l, a, d[l][a], num);
            worst = fmax(worst, fabs(num - d[l][a]) / den);
        }
    return worst;
}

/* The cubic checks on the grid g (n floats) of the shape and voxels above. */
static void cubic_checks(float *g, size_t n) {
    /* level 0 cubic along x and z, level 1 along y, level 2 along all three */
    S.keys[0][0] = -0.5f, S.keys[0][2] = -0.75f, S.keys[1][1] = -0.5f;
    S.keys[2][0] = S.keys[2][1] = S.keys[2][2] = -1.0f;
    for (size_t i = 0; i < n; i++) g[i] = 0.625f; /* the weights sum to 1, border nodes clamped */
    grid_interp_forward(out, g, &S, &AX, vox, 0, NPTS);
    double worst = 0.0;
    for (int i = 0; i < NPTS * 6; i++) worst = fmax(worst, fabs(out[i] - 0.625));
    CHECK(worst < 4e-6, "cubic: a constant field comes back, worst error %g", worst);
    gc_fill(g, n, 7, -1, 1);
    grid_interp_forward(out, g, &S, &AX, vox, 0, NPTS);
    CHECK(out[0] == g[0] && out[1] == g[1], "cubic: voxel (0,0,0) reads node 0");
    CHECK(out[6 + 4] == g[n - 2] && out[6 + 5] == g[n - 1], "cubic: the last voxel reads the last node");
    static float run[NX * 3 * 6], list_out[NX * 3 * 6];
    uint32_t first = NX * NY * 2 + NX, list[NX * 3];
    for (int i = 0; i < NX * 3; i++) list[i] = first + (uint32_t)i;
    grid_interp_forward(list_out, g, &S, &AX, list, 0, NX * 3);
    grid_interp_forward(run, g, &S, &AX, NULL, first, NX * 3);
    CHECK(memcmp(list_out, run, sizeof run) == 0, "cubic: a run and the same voxels listed read the same");
    /* a voxel between nodes reads past its cell: the cubic level differs from trilinear */
    float keep[GRID_MAX_LEVELS][3];
    memcpy(keep, S.keys, sizeof keep);
    memset(S.keys, 0, sizeof S.keys);
    grid_interp_forward(list_out, g, &S, &AX, list, 0, NX * 3);
    memcpy(S.keys, keep, sizeof keep);
    int differ = 0;
    for (int i = 0; i < NX * 3 * 6; i++) differ += list_out[i] != run[i];
    CHECK(differ > NX, "cubic and trilinear differ at %d of %d values", differ, NX * 3 * 6);

    gc_fill(r, NPTS * 6, 8, -1, 1);
    double e = gradcheck(g, n, loss, grad, NULL, 5e-2, n, "cubic grid"); /* linear in g: no step error */
    printf("cubic grid_interp grad rel error %.2e\n", e);
    CHECK(e < 1e-3, "cubic grid_interp grad rel error %g", e);
    e = keys_check(g);
    printf("cubic kernel parameter grad rel error %.2e\n", e);
    CHECK(e < 1e-3, "cubic kernel parameter grad rel error %g", e);

    float *d1 = calloc(n, sizeof *d1), *d2 = calloc(n, sizeof *d2);
    double k1[GRID_MAX_LEVELS][3] = {{0.0}}, k2[GRID_MAX_LEVELS][3] = {{0.0}};
    omp_set_num_threads(1);
    grid_interp_backward_keys(d1, k1, g, r, &S, &AX, vox, 0, NPTS);
    omp_set_num_threads(2);
    grid_interp_backward_keys(d2, k2, g, r, &S, &AX, vox, 0, NPTS);
    CHECK(memcmp(d1, d2, n * sizeof *d1) == 0 && memcmp(k1, k2, sizeof k1) == 0,
          "cubic backward independent of thread count");
    free(d1), free(d2);
}

/* Level l, feature f of node (x,y,z) holds a + bx*x' + by*y' + bz*z' with x' the
 * node's position in [0,1]: any voxel then interpolates to the same affine form. */
static float affine(int l, int f, double x, double y, double z) {
    return (float)(0.5 * l - 0.25 * f + (1.0 + l) * x - (2.0 - f) * y + 0.75 * z);
}

int main(void) {
    S.levels = 3, S.feats = 2;
    int res[3][3] = {{2, 3, 2}, {5, 4, 3}, {9, 7, 4}};
    for (int l = 0; l < 3; l++)
        for (int a = 0; a < 3; a++) S.res[l][a] = res[l][a];
    size_t n = grid_shape_init(&S);
    CHECK(n == 2 * (12 + 60 + 252), "total floats %zu", n);
    CHECK(grid_axes_init(&AX, &S, NX, 1, NZ) == -1, "a volume one voxel high is refused");
    CHECK(grid_axes_init(&AX, &S, NX, NY, NZ) == 0, "axes of an %dx%dx%d volume", NX, NY, NZ);
    float *g = malloc(n * sizeof *g);

    for (int l = 0; l < 3; l++) {
        const int *q = S.res[l];
        for (int z = 0; z < q[2]; z++)
            for (int y = 0; y < q[1]; y++)
                for (int x = 0; x < q[0]; x++)
                    for (int f = 0; f < 2; f++)
                        g[S.off[l] + (((size_t)z * q[1] + y) * q[0] + x) * 2 + f] =
                            affine(l, f, (double)x / (q[0] - 1), (double)y / (q[1] - 1),
                                   (double)z / (q[2] - 1));
    }
    float pick[NPTS];
    gc_fill(pick, NPTS, 3, 0.0f, 1.0f);
    for (int i = 0; i < NPTS; i++) vox[i] = (uint32_t)(pick[i] * (NX * NY * NZ - 1));
    vox[0] = 0, vox[1] = NX * NY * NZ - 1; /* the corner voxels, on the corner nodes */
    grid_interp_forward(out, g, &S, &AX, vox, 0, NPTS);
    double worst = 0.0;
    for (int i = 0; i < NPTS; i++)
        for (int l = 0; l < 3; l++)
            for (int f = 0; f < 2; f++) {
                uint32_t k = vox[i], x = k % NX, y = k / NX % NY, z = k / (NX * NY);
                double e = fabs(out[i * 6 + l * 2 + f] -
                                affine(l, f, (double)x / (NX - 1), (double)y / (NY - 1), (double)z / (NZ - 1)));
                if (e > worst) worst = e;
            }
    CHECK(worst < 1e-5, "affine field reproduced, worst error %g", worst);
    CHECK(out[0] == g[0] && out[1] == g[1], "voxel (0,0,0) reads node 0");
    CHECK(out[6 + 4] == g[n - 2] && out[6 + 5] == g[n - 1], "the last voxel reads the last node");

    /* a run of voxels reads what the same voxels listed read, bit for bit */
    static float run[NX * 3 * 6];
    uint32_t first = NX * NY * 2 + NX, list[NX * 3];
    for (int i = 0; i < NX * 3; i++) list[i] = first + (uint32_t)i;
    grid_interp_forward(out, g, &S, &AX, list, 0, NX * 3);
    grid_interp_forward(run, g, &S, &AX, NULL, first, NX * 3);
    CHECK(memcmp(out, run, sizeof run) == 0, "a run of voxels and the same voxels listed read the same");

    gc_fill(g, n, 5, -1, 1);
    gc_fill(r, NPTS * 6, 6, -1, 1);
    double e = gradcheck(g, n, loss, grad, NULL, 1e-2, n, "grid");
    printf("grid_interp grad rel error %.2e\n", e);
    CHECK(e < 1e-3, "grid_interp grad rel error %g", e);

    /* The backward's sum order is fixed: 1 and 2 threads give the same bits. */
    float *d1 = calloc(n, sizeof *d1), *d2 = calloc(n, sizeof *d2);
    omp_set_num_threads(1);
    grid_interp_backward(d1, r, &S, &AX, vox, 0, NPTS);
    omp_set_num_threads(2);
    grid_interp_backward(d2, r, &S, &AX, vox, 0, NPTS);
    CHECK(memcmp(d1, d2, n * sizeof *d1) == 0, "backward independent of thread count");
    free(d1), free(d2);
    cubic_checks(g, n);
    free(g);
    grid_axes_free(&AX);
    return check_summary();
}
