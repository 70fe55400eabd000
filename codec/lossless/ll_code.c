/* Lossless and near-lossless coding with the integer ARM (see ll_code.h). */
#include "ll_code.h"

#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ent/rans.h"
#include "ll_model.h"

e2ec_status ll_model_check(const ll_model *m) {
    if (m->hi < m->lo || (int64_t)m->hi - m->lo >= LAPLACE_MAX_SYMBOLS || m->shift < 0 ||
        m->shift > LL_MAX_SHIFT || m->max_error < 0 || m->max_error > LL_MAX_ERROR)
        return E2EC_ERR_HEADER;
    return E2EC_OK;
}

/* Rows [y0, y1) of a slice, row by row, in the decoder's order (the decoder
 * and ll_symbols: every row): the context is read from
 * ctx, the reconstructed voxels written to r (the same array but for the
 * lossless encoder, whose context is the original). The encoder passes the
 * original voxels `orig` and gets the symbols in `syms`; the decoder passes
 * its rANS stream `dec`. With `rows`, a row of slice z waits until slice
 * z - 1 has two rows more (its S neighbour) and then publishes itself;
 * without, slices run independently. */
static void code_rows(const ll_shape *s, const ll_model *m, int z, int y0, int y1, const int32_t *ctx,
                      int32_t *r, const int32_t *orig, rans_sym *syms, rans_dec *dec,
                      atomic_int *rows, int *bad) {
    const int32_t step = 2 * m->max_error + 1, log2_step = log2_q8((uint32_t)step);
    for (int y = y0; y < y1; y++) {
        if (rows && z > 0) {
            int need = y + 2 < s->ny ? y + 2 : s->ny;
            while (atomic_load_explicit(&rows[z - 1], memory_order_acquire) < need) sched_yield();
        }
        for (int x = 0; x < s->nx; x++) {
            size_t i = (size_t)x + (size_t)s->nx * (y + (size_t)s->ny * z);
            int64_t mu;
            int32_t log2b;
            ll_predict(s, ctx, x, y, z, m->shift, m->arm, &mu, &log2b);
            /* the prediction p, mu rounded within [lo, hi] (shifting only
             * non-negative numbers), and the symbols q with p + q step in
             * [lo - E, hi + E] */
            int64_t lo8 = (int64_t)m->lo * LAPLACE_FRAC, hi8 = (int64_t)m->hi * LAPLACE_FRAC;
            int64_t mc = mu < lo8 ? lo8 : mu > hi8 ? hi8 : mu;
            int32_t p = m->lo + (int32_t)((mc - lo8 + LAPLACE_FRAC / 2) >> LAPLACE_FRAC_BITS);
            int32_t qlo = -((p - m->lo + m->max_error) / step);
            int32_t qhi = (m->hi - p + m->max_error) / step;
            laplace_int l;
            laplace_int_set(&l, qlo, qhi, (mu - (int64_t)p * LAPLACE_FRAC) / step,
                            log2b - log2_step);
            int32_t q;
            if (orig) {
                int32_t e = orig[i] - p;
                if (orig[i] < m->lo || orig[i] > m->hi) *bad = 1, e = 0;
                q = e >= 0 ? (e + m->max_error) / step : -((-e + m->max_error) / step);
                syms[(size_t)x + (size_t)s->nx * (y - y0)] = laplace_int_sym(&l, q);
            } else {
                rans_sym sym;
                q = laplace_int_find(&l, rans_dec_slot(dec), &sym);
                rans_dec_advance(dec, sym);
            }
            int32_t v = p + q * step;
            if (r) r[i] = v < m->lo ? m->lo : v > m->hi ? m->hi : v;
        }
        if (rows) atomic_store_explicit(&rows[z], y + 1, memory_order_release);
    }
}

static atomic_int *rows_new(int nz) {
    atomic_int *rows = malloc((size_t)nz * sizeof *rows);
    for (int z = 0; rows && z < nz; z++) atomic_init(&rows[z], 0);
    return rows;
}

e2ec_status ll_symbols(const ll_shape *s, const int32_t *v, const ll_model *m, rans_sym *syms,
                       int32_t *recon) {
    if (ll_model_check(m) != E2EC_OK || (m->max_error && !recon)) return E2EC_ERR_ARG;
    size_t plane = (size_t)s->nx * s->ny;
    /* lossless: the context is the original, so slices are independent */
    atomic_int *rows = m->max_error ? rows_new(s->nz) : NULL;
    if (m->max_error && !rows) return E2EC_ERR_NOMEM;
    int bad = 0;
    /* near-lossless: slice z on thread z mod T, in order, as the decoder */
    #pragma omp parallel for schedule(static, 1) reduction(| : bad)
    for (int z = 0; z < s->nz; z++)
        code_rows(s, m, z, 0, s->ny, m->max_error ? recon : v, recon, v, syms + plane * (size_t)z, NULL, rows,
                  &bad);
    free(rows);
    return bad ? E2EC_ERR_ARG : E2EC_OK;
}

e2ec_status ll_row_symbols(const ll_shape *s, const int32_t *v, const ll_model *m, int z, int y0, int y1,
                           rans_sym *syms) {
    if (ll_model_check(m) != E2EC_OK || m->max_error || z < 0 || z >= s->nz || y0 < 0 || y0 > y1 ||
        y1 > s->ny)
        return E2EC_ERR_ARG;
    int bad = 0;
    code_rows(s, m, z, y0, y1, v, NULL, v, syms, NULL, NULL, &bad);
    return bad ? E2EC_ERR_ARG : E2EC_OK;
}

/* The slices of stream k of ns: k, k + ns, k + 2 ns ... below nz. */
static size_t stream_slices(uint32_t nz, uint32_t ns, uint32_t k) { return (nz - 1 - k) / ns + 1; }

e2ec_status ll_pack(const rans_sym *syms, size_t plane, uint32_t nz, int g, uint8_t **out,
                    size_t *len, uint32_t *sizes) {
    if (nz < 1 || g < 0 || g > LL_MAX_GROUP) return E2EC_ERR_ARG;
    uint32_t ns = ll_streams(nz, g);
    /* stream k written at its bound's offset: about 4 bytes a symbol in all */
    size_t *room = malloc(((size_t)ns + 1) * sizeof *room);
    if (!room) return E2EC_ERR_NOMEM;
    room[0] = 0;
    for (uint32_t k = 0; k < ns; k++) room[k + 1] = room[k] + rans_bound(plane * stream_slices(nz, ns, k));
    uint8_t *buf = malloc(room[ns]);
    if (!buf) {
        free(room);
        return E2EC_ERR_NOMEM;
    }
    int bad = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
    for (uint32_t k = 0; k < ns; k++) {
        sizes[k] = (uint32_t)rans_encode_runs(syms + plane * k, plane, plane * ns, stream_slices(nz, ns, k),
                                              buf + room[k], room[k + 1] - room[k]);
        if (!sizes[k]) bad = 1;
    }
    /* the streams back to back */
    size_t at = 0;
    for (uint32_t k = 0; k < ns && !bad; k++) {
        memmove(buf + at, buf + room[k], sizes[k]);
        at += sizes[k];
    }
    free(room);
    if (bad) {
        free(buf);
        return E2EC_ERR_ARG;
    }
    *out = buf;
    *len = at;
    return E2EC_OK;
}

e2ec_status ll_encode(const ll_shape *s, const int32_t *v, const ll_model *m, uint8_t **out,
                      size_t *len, uint32_t *slice_bytes, int32_t *recon) {
    size_t plane = (size_t)s->nx * s->ny;
    rans_sym *syms = malloc(plane * (size_t)s->nz * sizeof *syms);
    if (!syms) return E2EC_ERR_NOMEM;
    e2ec_status st = ll_symbols(s, v, m, syms, recon);
    if (!st) st = ll_pack(syms, plane, (uint32_t)s->nz, 0, out, len, slice_bytes);
    free(syms);
    return st;
}

e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len, const uint32_t *sizes,
                      int g, const ll_model *m, int32_t *v) {
    e2ec_status st = ll_model_check(m);
    if (st != E2EC_OK) return st;
    if (s->nz < 1 || g < 0 || g > LL_MAX_GROUP) return E2EC_ERR_ARG;
    uint32_t ns = ll_streams((uint32_t)s->nz, g);
    rans_dec *dec = malloc((size_t)ns * sizeof *dec);
    e2ec_status *init = malloc((size_t)ns * sizeof *init);
    atomic_int *rows = rows_new(s->nz);
    if (!dec || !init || !rows) {
        free(dec), free(init), free(rows);
        return E2EC_ERR_NOMEM;
    }
    size_t at = 0;
    for (uint32_t k = 0; k < ns && st == E2EC_OK; k++) {
        if (sizes[k] > len - at) st = E2EC_ERR_TRUNCATED;
        else init[k] = rans_dec_init(&dec[k], buf + at, sizes[k]), at += sizes[k];
        if (st == E2EC_OK && init[k] != E2EC_OK) dec[k] = (rans_dec){.x = RANS_LOW}; /* decodes garbage, refused below */
    }
    if (st == E2EC_OK && at != len) st = E2EC_ERR_ENTROPY;
    if (st == E2EC_OK) {
        /* thread t decodes the slices of the streams k with k mod T = t, in
         * increasing z, each from its stream's state: every wait (on slice
         * z - 1) is on a slice before the waiter's, so every thread moves on;
         * a broken stream decodes to its end all the same (bounded, zeros past
         * its bytes), so its followers never wait for ever */
        #pragma omp parallel
        {
            uint32_t t = (uint32_t)omp_get_thread_num(), nt = (uint32_t)omp_get_num_threads();
            int unused = 0;
            for (int z = 0; z < s->nz; z++)
                if ((uint32_t)z % ns % nt == t) code_rows(s, m, z, 0, s->ny, v, v, NULL, NULL, &dec[(uint32_t)z % ns], rows, &unused);
        }
        for (uint32_t k = 0; k < ns && st == E2EC_OK; k++) st = init[k] != E2EC_OK ? init[k] : rans_dec_finish(&dec[k]);
    }
    free(dec), free(init), free(rows);
    return st;
}
