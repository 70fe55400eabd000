/* Causal 3D context (see ll_context.h). */
#include "ll_context.h"

#include <stddef.h>

static int32_t med(int32_t w, int32_t n, int32_t nw) {
    int32_t mx = w > n ? w : n, mn = w < n ? w : n;
    if (nw >= mx) return mn;
    if (nw <= mn) return mx;
    return w + n - nw;
}

int32_t ll_context(const ll_shape *s, const int32_t *v, int x, int y, int z, int32_t nb[LL_CTX]) {
    /* signed strides: p[-sy] is a pointer minus an offset, not plus a huge one */
    const ptrdiff_t sx = 1, sy = s->nx, sz = (ptrdiff_t)s->nx * s->ny;
    const int32_t *p = v + x + sy * y + sz * z;
    int hw = x > 0, hn = y > 0, hp = z > 0;
    /* W and N stand in for each other; without both, the previous slice or the fill */
    int32_t up = hp ? p[-sz] : s->fill;
    int32_t w = hw ? p[-sx] : hn ? p[-sy] : up, n = hn ? p[-sy] : w;
    int32_t nw = hw && hn ? p[-sx - sy] : n;
    int32_t ref = med(w, n, nw);
    int hwest = x > 1, hne = hn && x + 1 < s->nx, hnn = y > 1;
    nb[0] = w;
    nb[1] = n;
    nb[2] = nw;
    nb[3] = hne ? p[sx - sy] : ref;
    nb[4] = hwest ? p[-2 * sx] : ref;
    nb[5] = hnn ? p[-2 * sy] : ref;
    nb[6] = hp ? up : ref;
    nb[7] = hp && hw ? p[-sz - sx] : ref;
    nb[8] = hp && x + 1 < s->nx ? p[-sz + sx] : ref;
    nb[9] = hp && hn ? p[-sz - sy] : ref;
    nb[10] = hp && y + 1 < s->ny ? p[-sz + sy] : ref;
    nb[11] = z > 1 ? p[-2 * sz] : ref;
    int hee = hn && x + 2 < s->nx;
    nb[12] = hnn && x + 1 < s->nx ? p[-2 * sy + sx] : ref;  /* NNE */
    nb[13] = hnn && hw ? p[-2 * sy - sx] : ref;             /* NNW */
    nb[14] = hn && hwest ? p[-sy - 2 * sx] : ref;           /* NWW */
    nb[15] = hee ? p[-sy + 2 * sx] : ref;                   /* NEE */
    nb[16] = hp && hn && hw ? p[-sz - sy - sx] : ref;       /* previous slice NW */
    nb[17] = hp && y + 1 < s->ny && x + 1 < s->nx ? p[-sz + sy + sx] : ref; /* previous slice SE */
    return ref;
}
