/* Lossless coding with the integer ARM (see ll_code.h). */
#include "ll_code.h"

#include <stdlib.h>

#include "ent/rans.h"
#include "ll_model.h"

e2ec_status ll_encode(const ll_shape *s, const int32_t *v, int32_t lo, int32_t hi, int shift,
                      const arm_int *m, uint8_t **out, size_t *len) {
    size_t n = (size_t)s->nx * s->ny * s->nz;
    if (hi < lo || (int64_t)hi - lo >= LAPLACE_MAX_SYMBOLS || shift < 0 || shift > LL_MAX_SHIFT)
        return E2EC_ERR_ARG;
    rans_sym *syms = malloc(n * sizeof *syms);
    uint8_t *buf = malloc(rans_bound(n));
    if (!syms || !buf) {
        free(syms);
        free(buf);
        return E2EC_ERR_NOMEM;
    }
    e2ec_status st = E2EC_OK;
    /* the predictions read only earlier voxels of v: independent per voxel */
    #pragma omp parallel for schedule(dynamic, 1)
    for (int z = 0; z < s->nz; z++)
        for (int y = 0; y < s->ny; y++)
            for (int x = 0; x < s->nx; x++) {
                size_t i = (size_t)x + (size_t)s->nx * (y + (size_t)s->ny * z);
                laplace_int l;
                ll_predict(s, v, x, y, z, shift, m, lo, hi, &l);
                if (v[i] < lo || v[i] > hi) {
                    #pragma omp atomic write
                    st = E2EC_ERR_ARG;
                    continue;
                }
                syms[i] = laplace_int_sym(&l, v[i]);
            }
    if (st == E2EC_OK) {
        *len = rans_encode(syms, n, buf, rans_bound(n));
        st = *len ? E2EC_OK : E2EC_ERR_INTERNAL;
    }
    free(syms);
    if (st != E2EC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    return E2EC_OK;
}

e2ec_status ll_decode(const ll_shape *s, const uint8_t *buf, size_t len, int32_t lo, int32_t hi,
                      int shift, const arm_int *m, int32_t *v) {
    if (hi < lo || (int64_t)hi - lo >= LAPLACE_MAX_SYMBOLS || shift < 0 || shift > LL_MAX_SHIFT)
        return E2EC_ERR_HEADER;
    rans_dec d;
    e2ec_status st = rans_dec_init(&d, buf, len);
    if (st != E2EC_OK) return st;
    size_t i = 0;
    for (int z = 0; z < s->nz; z++)
        for (int y = 0; y < s->ny; y++)
            for (int x = 0; x < s->nx; x++, i++) {
                laplace_int l;
                ll_predict(s, v, x, y, z, shift, m, lo, hi, &l);
                rans_sym sym;
                v[i] = laplace_int_find(&l, rans_dec_slot(&d), &sym);
                rans_dec_advance(&d, sym);
            }
    return rans_dec_finish(&d);
}
