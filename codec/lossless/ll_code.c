/* Lossless coding with the integer ARM (see ll_code.h). */
#include "ll_code.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ent/rans.h"
#include "ll_model.h"

e2ec_status ll_model_check(const ll_model *m) {
    if (m->hi < m->lo || (int64_t)m->hi - m->lo >= LAPLACE_MAX_SYMBOLS || m->shift < 0 ||
        m->shift > LL_MAX_SHIFT)
        return E2EC_ERR_HEADER;
    return E2EC_OK;
}

e2ec_status ll_encode(const ll_shape *s, const int32_t *v, const ll_model *m, uint8_t **out,
                      size_t *len, uint32_t *slice_bytes) {
    if (ll_model_check(m) != E2EC_OK) return E2EC_ERR_ARG;
    size_t plane = (size_t)s->nx * s->ny, cap = rans_bound(plane);
    uint8_t *buf = malloc(cap * (size_t)s->nz);
    rans_sym *syms = malloc(plane * (size_t)s->nz * sizeof *syms);
    if (!buf || !syms) {
        free(buf);
        free(syms);
        return E2EC_ERR_NOMEM;
    }
    int bad = 0;
    /* the encoder knows every voxel: all predictions are independent */
    #pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
    for (int z = 0; z < s->nz; z++) {
        rans_sym *zs = syms + plane * (size_t)z;
        for (int y = 0; y < s->ny; y++)
            for (int x = 0; x < s->nx; x++) {
                size_t i = (size_t)x + (size_t)s->nx * y;
                int32_t val = v[plane * (size_t)z + i];
                laplace_int l;
                ll_predict(s, v, x, y, z, m->shift, m->arm, m->lo, m->hi, &l);
                if (val < m->lo || val > m->hi) {
                    bad = 1;
                    zs[i] = (rans_sym){0, 1};
                } else {
                    zs[i] = laplace_int_sym(&l, val);
                }
            }
        slice_bytes[z] = (uint32_t)rans_encode(zs, plane, buf + cap * (size_t)z, cap);
    }
    free(syms);
    if (bad) {
        free(buf);
        return E2EC_ERR_ARG;
    }
    /* pack the slices' streams back to back */
    size_t at = 0;
    for (int z = 0; z < s->nz; z++) {
        memmove(buf + at, buf + cap * (size_t)z, slice_bytes[z]);
        at += slice_bytes[z];
    }
    *out = buf;
    *len = at;
    return E2EC_OK;
}

/* One slice, row by row, publishing its progress and waiting for the slice
 * before it to be two rows ahead. */
static e2ec_status decode_slice(const ll_shape *s, const uint8_t *buf, size_t n, const ll_model *m,
                                int32_t *v, int z, atomic_int *rows) {
    rans_dec d;
    e2ec_status st = rans_dec_init(&d, buf, n);
    for (int y = 0; y < s->ny; y++) {
        if (z > 0) {
            int need = y + 2 < s->ny ? y + 2 : s->ny;
            while (atomic_load_explicit(&rows[z - 1], memory_order_acquire) < need) sched_yield();
        }
        for (int x = 0; x < s->nx && st == E2EC_OK; x++) {
            laplace_int l;
            ll_predict(s, v, x, y, z, m->shift, m->arm, m->lo, m->hi, &l);
            rans_sym sym;
            v[(size_t)x + (size_t)s->nx * (y + (size_t)s->ny * z)] =
                laplace_int_find(&l, rans_dec_slot(&d), &sym);
            rans_dec_advance(&d, sym);
        }
        if (st != E2EC_OK) /* a broken slice still publishes rows: its followers finish */
            for (int x = 0; x < s->nx; x++) v[(size_t)x + (size_t)s->nx * (y + (size_t)s->ny * z)] = m->lo;
        atomic_store_explicit(&rows[z], y + 1, memory_order_release);
    }
    return st == E2EC_OK ? rans_dec_finish(&d) : st;
}

e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len,
                      const uint32_t *slice_bytes, const ll_model *m, int32_t *v) {
    e2ec_status st = ll_model_check(m);
    if (st != E2EC_OK) return st;
    size_t *start = malloc(((size_t)s->nz + 1) * sizeof *start);
    atomic_int *rows = malloc((size_t)s->nz * sizeof *rows);
    if (!start || !rows) {
        free(start);
        free(rows);
        return E2EC_ERR_NOMEM;
    }
    start[0] = 0;
    for (int z = 0; z < s->nz; z++) {
        start[z + 1] = start[z] + slice_bytes[z];
        atomic_init(&rows[z], 0);
        if (start[z + 1] > len) st = E2EC_ERR_TRUNCATED;
    }
    if (st == E2EC_OK && start[s->nz] != len) st = E2EC_ERR_ENTROPY;
    if (st == E2EC_OK) {
        int first_bad = s->nz;
        e2ec_status bad_st = E2EC_OK;
        /* static round robin: slice z on thread z mod T, in order, so each
         * thread's wait is on a slice another thread already started */
        #pragma omp parallel for schedule(static, 1)
        for (int z = 0; z < s->nz; z++) {
            e2ec_status zs = decode_slice(s, buf + start[z], slice_bytes[z], m, v, z, rows);
            if (zs != E2EC_OK) {
                #pragma omp critical(ll_decode_error)
                if (z < first_bad) first_bad = z, bad_st = zs;
            }
        }
        st = bad_st;
    }
    free(start);
    free(rows);
    return st;
}
