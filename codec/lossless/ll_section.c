/* The lossless section's bytes (see ll_section.h). */
#include "ll_section.h"

#include <stdlib.h>
#include <string.h>

#include "ent/arm_section.h"
#include "ent/laplace_int.h"
#include "ll_code.h"
#include "ll_context.h"
#include "ll_model.h"

size_t ll_section_size(int hidden, uint32_t nz, size_t slices_bytes) {
    return LL_SECTION_FIXED + arm_section_bytes(LL_CTX, hidden) + (size_t)4 * nz + slices_bytes;
}

static uint8_t *put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
    return p + 2;
}
static uint8_t *put32(uint8_t *p, uint32_t v) {
    for (int b = 0; b < 4; b++) p[b] = (uint8_t)(v >> (8 * b));
    return p + 4;
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ll_section_write(uint8_t *dst, const ll_section *s) {
    uint8_t *p = dst;
    *p++ = LL_CTX;
    *p++ = (uint8_t)s->arm.hidden;
    *p++ = (uint8_t)s->shift;
    for (int l = 0; l < ARM_LAYERS; l++) *p++ = (uint8_t)s->arm.shift[l];
    p = put16(p, (uint16_t)s->max_error);
    p = put32(p, (uint32_t)s->lo);
    p = put32(p, (uint32_t)s->hi);
    p = arm_section_write(p, &s->arm);
    ll_slices_write(p, s->nz, s->slice_bytes, s->slices, s->slices_bytes);
}

uint8_t *ll_slices_write(uint8_t *dst, uint32_t nz, const uint32_t *sizes, const uint8_t *streams,
                         size_t bytes) {
    for (uint32_t z = 0; z < nz; z++) dst = put32(dst, sizes[z]);
    memcpy(dst, streams, bytes);
    return dst + bytes;
}

e2ec_status ll_slices_read(const uint8_t *src, size_t n, uint32_t nz, uint32_t **sizes,
                           const uint8_t **streams, size_t *bytes) {
    *sizes = NULL;
    if (n / 4 < nz) return E2EC_ERR_TRUNCATED;
    uint32_t *zb = malloc((size_t)nz * sizeof *zb + 1);
    if (!zb) return E2EC_ERR_NOMEM;
    size_t left = n - (size_t)4 * nz, sum = 0;
    for (uint32_t z = 0; z < nz; z++, src += 4) {
        zb[z] = get32(src);
        sum += zb[z];
        if (zb[z] < 8 || sum > left) { /* a stream holds its 8-byte state at least */
            e2ec_status st = zb[z] < 8 ? E2EC_ERR_HEADER : E2EC_ERR_TRUNCATED;
            free(zb);
            return st;
        }
    }
    if (sum != left) {
        free(zb);
        return E2EC_ERR_MISMATCH;
    }
    *sizes = zb;
    *streams = src;
    *bytes = sum;
    return E2EC_OK;
}

e2ec_status ll_section_read(const uint8_t *src, size_t n, uint32_t nz, int64_t type_lo,
                            int64_t type_hi, ll_section *s, uint32_t **slice_bytes) {
    *slice_bytes = NULL;
    if (n < LL_SECTION_FIXED) return E2EC_ERR_TRUNCATED;
    if (src[0] != LL_CTX) return E2EC_ERR_UNSUPPORTED;
    int hidden = src[1], shifts[ARM_LAYERS] = {src[3], src[4], src[5]};
    memset(&s->arm, 0, sizeof s->arm);
    s->shift = src[2];
    s->max_error = get16(src + 6);
    s->lo = (int32_t)get32(src + 8);
    s->hi = (int32_t)get32(src + 12);
    s->nz = nz;
    if (arm_int_check(LL_CTX, hidden, shifts) != E2EC_OK || s->shift > LL_MAX_SHIFT ||
        s->max_error > LL_MAX_ERROR || s->lo > s->hi || (int64_t)s->hi - s->lo >= LAPLACE_MAX_SYMBOLS ||
        s->lo < type_lo || s->hi > type_hi)
        return E2EC_ERR_HEADER;
    s->arm.ctx = LL_CTX;
    s->arm.hidden = hidden;
    memcpy(s->arm.shift, shifts, sizeof shifts);
    size_t head = LL_SECTION_FIXED + arm_section_bytes(LL_CTX, hidden);
    if (n < head || (n - head) / 4 < nz) return E2EC_ERR_TRUNCATED;
    e2ec_status st = arm_section_read(src + LL_SECTION_FIXED, &s->arm);
    if (st != E2EC_OK) return st;
    st = ll_slices_read(src + head, n - head, nz, slice_bytes, &s->slices, &s->slices_bytes);
    s->slice_bytes = *slice_bytes;
    return st;
}
