/* SIREN: parameter counts against the paper, and the whole network's
 * gradient against finite differences (w.r.t. every parameter). */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "gradcheck.h"
#include "siren.h"

enum { N = 9 };

typedef struct {
    siren_config c;
    float *params, coords[N * 3], r[N];
} ctx;

static double loss(const float *x, void *vctx) {
    ctx *c = vctx;
    (void)x;
    float out[N], *acts = malloc(siren_acts_size(&c->c, N) * sizeof(float));
    siren_forward(&c->c, c->params, c->coords, out, acts, N);
    free(acts);
    double s = 0;
    for (int i = 0; i < N; i++) s += (double)out[i] * c->r[i];
    return s;
}

static void grad(float *dx, void *vctx) {
    ctx *c = vctx;
    float out[N], *acts = malloc(siren_acts_size(&c->c, N) * sizeof(float));
    float *scratch = malloc(2 * N * c->c.width * sizeof(float));
    siren_forward(&c->c, c->params, c->coords, out, acts, N);
    siren_backward(&c->c, c->params, dx, acts, c->coords, c->r, scratch, N);
    free(acts), free(scratch);
}

int main(void) {
    /* paper Table 3: "3 layers, SN neurons" */
    const int widths[] = {30, 50, 70, 230};
    const size_t counts[] = {2011, 5351, 10291, 107411};
    for (int i = 0; i < 4; i++) {
        siren_config c = {widths[i], 3, 30.0f};
        CHECK(siren_param_count(&c) == counts[i], "width %d: %zu params, paper %zu", widths[i],
              siren_param_count(&c), counts[i]);
    }

    /* omega0 = 30 makes the loss very curved; a small omega keeps finite
     * differences in float meaningful while exercising the same code */
    ctx c = {.c = {6, 3, 3.0f}};
    size_t n = siren_param_count(&c.c);
    c.params = malloc(n * sizeof(float));
    rng r = {42};
    siren_init(&c.c, c.params, &r);
    gc_fill(c.coords, N * 3, 7, -1, 1);
    gc_fill(c.r, N, 8, -1, 1);
    double e = gradcheck(c.params, n, loss, grad, &c, 1e-3, n, "siren.dparams");
    CHECK(e < 2e-2, "siren worst relative error %.3g", e);

    /* the grid evaluation equals the training forward on the same points */
    siren_config big = {8, 2, 30.0f};
    float *p = malloc(siren_param_count(&big) * sizeof(float));
    siren_init(&big, p, &r);
    enum { GX = 5, GY = 4, GZ = 3 };
    float grid[GX * GY * GZ], coords[GX * GY * GZ * 3], ref[GX * GY * GZ];
    CHECK(siren_eval_grid(&big, p, GX, GY, GZ, 0, GZ, grid) == 0, "eval_grid failed");
    for (int z = 0, i = 0; z < GZ; z++)
        for (int y = 0; y < GY; y++)
            for (int x = 0; x < GX; x++, i++) {
                coords[3 * i] = grid_coord(x, GX);
                coords[3 * i + 1] = grid_coord(y, GY);
                coords[3 * i + 2] = grid_coord(z, GZ);
            }
    float *acts = malloc(siren_acts_size(&big, GX * GY * GZ) * sizeof(float));
    siren_forward(&big, p, coords, ref, acts, GX * GY * GZ);
    double worst = 0;
    for (int i = 0; i < GX * GY * GZ; i++) worst = fmax(worst, fabs(grid[i] - ref[i]));
    CHECK(worst < 1e-6, "grid vs forward differ by %.3g", worst);
    /* planes [1,3) alone equal the same planes of the whole grid */
    float part[GX * GY * 2];
    siren_eval_grid(&big, p, GX, GY, GZ, 1, 3, part);
    double pw = 0;
    for (int i = 0; i < GX * GY * 2; i++) pw = fmax(pw, fabs(part[i] - grid[GX * GY + i]));
    CHECK(pw == 0, "plane range differs by %.3g", pw);
    free(acts), free(p), free(c.params);
    return check_summary();
}
