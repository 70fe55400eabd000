/* The neural-operator query (8-corner local ensemble): the weighted features
 * of a point sum to the trilinear interpolation of codec/upsample.h (the area
 * of the OPPOSITE corner is the trilinear weight), relative coordinates and
 * cell sizes follow the definition, and the backward w.r.t. features matches
 * finite differences on a slab of a non-cubic grid. */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/nquery.h"
#include "upsample.h"

typedef struct {
    int c;
    nquery_geom g;
    nquery_box box;
    float *feat, *q, *r;
    size_t nq;
} ctx;

static double loss(const float *x, void *p) {
    ctx *t = p;
    nquery_forward(t->q, x, t->c, &t->g, &t->box);
    double s = 0.0;
    for (size_t i = 0; i < t->nq; i++) s += (double)t->q[i] * t->r[i];
    return s;
}

static void grad(float *dx, void *p) {
    ctx *t = p;
    nquery_backward(dx, t->r, t->c, &t->g, &t->box);
}

/* Every point of the whole grid: weighted features vs trilinear upsampling. */
static void check_trilinear(int lx, int ly, int lz, int hx, int hy, int hz) {
    size_t nl = (size_t)lx * ly * lz, nh = (size_t)hx * hy * hz;
    int cq = nquery_channels(1);
    float *lr = malloc(nl * sizeof(float)), *up = malloc(nh * sizeof(float)),
          *q = malloc(nh * cq * sizeof(float));
    gc_fill(lr, nl, 7, 0, 1);
    upsample_forward(E2EC_UP_TRILINEAR, lr, lx, ly, lz, up, hx, hy, hz, 0, hz);
    nquery_geom g = {lx, ly, lz, hx, hy, hz, 0, lz};
    nquery_box b = {0, hx, 0, hy, 0, hz};
    nquery_forward(q, lr, 1, &g, &b);
    double worst = 0.0, cell = 0.0, rel = 0.0;
    for (size_t i = 0; i < nh; i++) {
        const float *row = q + i * cq;
        double s = 0.0;
        for (int n = 0; n < 8; n++) s += row[24 + n];
        worst = fmax(worst, fabs(s - up[i]));
        cell = fmax(cell, fabs(row[cq - 3] - 2.0 * lx / hx) + fabs(row[cq - 1] - 2.0 * lz / hz));
        /* corner 0 is the lower one: its offset 2 (u - floor u) lies in [0, 2) inside */
        int x = (int)(i % hx);
        double u = (x + 0.5) * lx / hx - 0.5;
        if (u >= 0 && u <= lx - 1) rel = fmax(rel, fabs(row[0] - 2.0 * (u - floor(u))));
    }
    printf("nquery %dx%dx%d -> %dx%dx%d: ensemble vs trilinear %.2g, cell %.2g, rel %.2g\n", lx,
           ly, lz, hx, hy, hz, worst, cell, rel);
    CHECK(worst < 1e-5, "ensemble differs from trilinear by %g", worst);
    CHECK(cell < 1e-6, "cell sizes off by %g", cell);
    CHECK(rel < 1e-5, "relative coordinates off by %g", rel);
    free(lr);
    free(up);
    free(q);
}

int main(void) {
    check_trilinear(4, 4, 4, 8, 8, 8);
    check_trilinear(3, 5, 2, 7, 9, 5);
    check_trilinear(5, 4, 3, 5, 4, 3); /* scale 1: the point itself */

    /* gradient w.r.t. features: a slab of planes [1, 4) of a 5-plane volume,
     * a box whose points only read those planes */
    ctx t = {3, {4, 3, 5, 9, 7, 11, 1, 3}, {2, 8, 1, 6, 4, 7}, 0, 0, 0, 0};
    size_t nf = (size_t)t.c * t.g.lx * t.g.ly * t.g.fd;
    size_t np = (size_t)(t.box.x1 - t.box.x0) * (t.box.y1 - t.box.y0) * (t.box.z1 - t.box.z0);
    t.nq = np * nquery_channels(t.c);
    t.feat = malloc(nf * sizeof(float));
    t.q = malloc(t.nq * sizeof(float));
    t.r = malloc(t.nq * sizeof(float));
    gc_fill(t.feat, nf, 1, -1, 1);
    gc_fill(t.r, t.nq, 2, -1, 1);
    double e = gradcheck(t.feat, nf, loss, grad, &t, 1e-2, 400, "dfeat");
    printf("nquery dfeat rel error %.2e\n", e);
    CHECK(e < 1e-2, "dfeat %g", e);
    free(t.feat);
    free(t.q);
    free(t.r);
    return check_summary();
}
