/* upsample: exactness on linear and constant fields, plane ranges, and the
 * backward as the exact adjoint (inner products and finite differences). */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "gradcheck.h"
#include "upsample.h"

typedef struct {
    e2ec_upsampler kind;
    uint32_t l[3], h[3];
    const float *r; /* the fixed random dout */
} up_ctx;

static size_t vox(const uint32_t d[3]) { return (size_t)d[0] * d[1] * d[2]; }

static double up_loss(const float *x, void *p) {
    const up_ctx *c = p;
    size_t nh = vox(c->h);
    float *out = malloc(nh * sizeof *out);
    upsample_forward(c->kind, x, c->l[0], c->l[1], c->l[2], out, c->h[0], c->h[1], c->h[2], 0,
                     c->h[2]);
    double s = 0.0;
    for (size_t i = 0; i < nh; i++) s += (double)out[i] * c->r[i];
    free(out);
    return s;
}

static void up_grad(float *dx, void *p) {
    const up_ctx *c = p;
    upsample_backward(c->kind, dx, c->l[0], c->l[1], c->l[2], c->r, c->h[0], c->h[1], c->h[2]);
}

/* High-res index i's low-res coordinate, unclamped. */
static double lr_coord(uint32_t i, uint32_t l, uint32_t h) { return (i + 0.5) * l / h - 0.5; }

int main(void) {
    const e2ec_upsampler kinds[2] = {E2EC_UP_TRILINEAR, E2EC_UP_TRICUBIC};
    const char *names[2] = {"trilinear", "tricubic"};
    const uint32_t shapes[][6] = {
        {8, 8, 8, 16, 16, 16}, {5, 4, 3, 10, 9, 7}, {6, 7, 5, 6, 7, 5}, {4, 9, 5, 24, 17, 13},
    };

    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const uint32_t *l = shapes[s], *h = shapes[s] + 3;
        size_t nl = vox(l), nh = vox(h);
        float *lr = malloc(nl * sizeof *lr), *hr = malloc(nh * sizeof *hr);
        float *part = malloc(nh * sizeof *part), *y = malloc(nh * sizeof *y);
        float *back = malloc(nl * sizeof *back);

        for (int k = 0; k < 2; k++) {
            /* Constant stays constant, edges included. */
            for (size_t i = 0; i < nl; i++) lr[i] = 3.25f;
            upsample_forward(kinds[k], lr, l[0], l[1], l[2], hr, h[0], h[1], h[2], 0, h[2]);
            double worst = 0.0;
            for (size_t i = 0; i < nh; i++) worst = fmax(worst, fabs(hr[i] - 3.25));
            CHECK(worst < 1e-5, "%s shape %zu: constant off by %.3g", names[k], s, worst);

            /* A linear field is reproduced wherever no coordinate is clamped:
             * trilinear exactly, Keys cubic too (it reproduces quadratics) where
             * all four taps are inside. */
            for (uint32_t z = 0, i = 0; z < l[2]; z++)
                for (uint32_t yy = 0; yy < l[1]; yy++)
                    for (uint32_t x = 0; x < l[0]; x++) lr[i++] = 1.0f + 0.5f * x - 0.25f * yy + 0.75f * z;
            upsample_forward(kinds[k], lr, l[0], l[1], l[2], hr, h[0], h[1], h[2], 0, h[2]);
            const double margin = k ? 1.0 : 0.0; /* cubic taps reach one further */
            worst = 0.0;
            size_t tested = 0;
            for (uint32_t z = 0, i = 0; z < h[2]; z++)
                for (uint32_t yy = 0; yy < h[1]; yy++)
                    for (uint32_t x = 0; x < h[0]; x++, i++) {
                        double u[3] = {lr_coord(x, l[0], h[0]), lr_coord(yy, l[1], h[1]),
                                       lr_coord(z, l[2], h[2])};
                        int inside = 1;
                        for (int a = 0; a < 3; a++)
                            inside &= u[a] >= margin && u[a] <= l[a] - 1 - margin;
                        if (!inside) continue;
                        tested++;
                        worst = fmax(worst, fabs(hr[i] - (1.0 + 0.5 * u[0] - 0.25 * u[1] + 0.75 * u[2])));
                    }
            CHECK(tested > 0, "%s shape %zu: no interior voxel", names[k], s);
            CHECK(worst < 2e-5, "%s shape %zu: linear field off by %.3g", names[k], s, worst);

            /* Planes [z0, z1) equal the same planes of a whole-volume call, reading
             * only the low-res planes upsample_lr_planes names (others are NaN). */
            gc_fill(lr, nl, 5u + (unsigned)s, -1.0f, 1.0f);
            upsample_forward(kinds[k], lr, l[0], l[1], l[2], hr, h[0], h[1], h[2], 0, h[2]);
            const uint32_t z0 = h[2] / 3, z1 = h[2] - h[2] / 4;
            uint32_t lz0, lz1;
            upsample_lr_planes(kinds[k], l[2], h[2], z0, z1, &lz0, &lz1);
            CHECK(lz0 < lz1 && lz1 <= l[2], "%s: lr planes [%u, %u)", names[k], lz0, lz1);
            float *poisoned = malloc(nl * sizeof *poisoned);
            size_t lplane = (size_t)l[0] * l[1], hplane = (size_t)h[0] * h[1];
            for (size_t i = 0; i < nl; i++)
                poisoned[i] = (i / lplane >= lz0 && i / lplane < lz1) ? lr[i] : NAN;
            upsample_forward(kinds[k], poisoned, l[0], l[1], l[2], part, h[0], h[1], h[2], z0, z1);
            CHECK(memcmp(part, hr + z0 * hplane, (z1 - z0) * hplane * sizeof *hr) == 0,
                  "%s shape %zu: planes [%u, %u) differ from the whole call", names[k], s, z0, z1);
            free(poisoned);

            /* Adjoint: <U x, y> == <x, U^T y>. */
            gc_fill(y, nh, 9u + (unsigned)s, -1.0f, 1.0f);
            memset(back, 0, nl * sizeof *back);
            upsample_backward(kinds[k], back, l[0], l[1], l[2], y, h[0], h[1], h[2]);
            double lhs = 0.0, rhs = 0.0;
            for (size_t i = 0; i < nh; i++) lhs += (double)hr[i] * y[i];
            for (size_t i = 0; i < nl; i++) rhs += (double)lr[i] * back[i];
            CHECK(fabs(lhs - rhs) <= 1e-5 * fabs(lhs), "%s shape %zu: <Ux,y> %.9g vs <x,U'y> %.9g",
                  names[k], s, lhs, rhs);

            /* Backward accumulates: a second call doubles it. */
            float *twice = malloc(nl * sizeof *twice);
            memcpy(twice, back, nl * sizeof *back);
            upsample_backward(kinds[k], twice, l[0], l[1], l[2], y, h[0], h[1], h[2]);
            worst = 0.0;
            for (size_t i = 0; i < nl; i++) worst = fmax(worst, fabs(twice[i] - 2.0 * back[i]));
            CHECK(worst < 1e-5, "%s: backward does not accumulate (%.3g)", names[k], worst);
            free(twice);

            /* Finite differences through the same wrapper the layers use. The map
             * is linear, so a large step costs no truncation error and keeps the
             * float rounding of the loss small against the difference. */
            up_ctx ctx = {kinds[k], {l[0], l[1], l[2]}, {h[0], h[1], h[2]}, y};
            double err = gradcheck(lr, nl, up_loss, up_grad, &ctx, 0.25, 64, names[k]);
            CHECK(err < 1e-3, "%s shape %zu: gradcheck %.3g", names[k], s, err);
        }
        free(lr), free(hr), free(part), free(y), free(back);
    }
    return check_summary();
}
