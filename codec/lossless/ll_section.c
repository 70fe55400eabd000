/* The lossless section's bytes (see ll_section.h). */
#include "ll_section.h"

#include <stdlib.h>
#include <string.h>

#include "ent/laplace_int.h"
#include "ll_code.h"
#include "ll_context.h"
#include "ll_model.h"

static size_t arm_bytes(int hidden) {
    return (size_t)2 * ((size_t)hidden * LL_CTX + (size_t)hidden * hidden + 2 * (size_t)hidden) +
           (size_t)4 * ((size_t)hidden * 2 + 2);
}

size_t ll_section_size(int hidden, uint32_t nz, size_t slices_bytes) {
    return LL_SECTION_FIXED + arm_bytes(hidden) + (size_t)4 * nz + slices_bytes;
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

/* The ARM's tensors in stream order: weights i16, biases i32. */
typedef struct {
    int16_t *w[3];
    int32_t *b[3];
    int nw[3], nb[3];
} arm_tensors;

static arm_tensors tensors_of(arm_int *m) {
    int h = m->hidden;
    return (arm_tensors){{m->w0, m->w1, m->w2}, {m->b0, m->b1, m->b2}, {h * LL_CTX, h * h, 2 * h}, {h, h, 2}};
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
    arm_tensors t = tensors_of((arm_int *)&s->arm);
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < t.nw[l]; i++) p = put16(p, (uint16_t)t.w[l][i]);
        for (int i = 0; i < t.nb[l]; i++) p = put32(p, (uint32_t)t.b[l][i]);
    }
    for (uint32_t z = 0; z < s->nz; z++) p = put32(p, s->slice_bytes[z]);
    memcpy(p, s->slices, s->slices_bytes);
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
    size_t head = LL_SECTION_FIXED + arm_bytes(hidden);
    if (n < head || (n - head) / 4 < nz) return E2EC_ERR_TRUNCATED;
    const uint8_t *p = src + LL_SECTION_FIXED;
    arm_tensors t = tensors_of(&s->arm);
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < t.nw[l]; i++, p += 2) {
            t.w[l][i] = (int16_t)get16(p);
            if (t.w[l][i] > ARM_W_MAX || t.w[l][i] < -ARM_W_MAX) return E2EC_ERR_WEIGHTS;
        }
        for (int i = 0; i < t.nb[l]; i++, p += 4) {
            t.b[l][i] = (int32_t)get32(p);
            if (t.b[l][i] > ARM_B_MAX || t.b[l][i] < -ARM_B_MAX) return E2EC_ERR_WEIGHTS;
        }
    }
    arm_int_prepare(&s->arm);
    uint32_t *sizes = malloc((size_t)nz * sizeof *sizes + 1);
    if (!sizes) return E2EC_ERR_NOMEM;
    size_t left = n - head - (size_t)4 * nz, sum = 0;
    for (uint32_t z = 0; z < nz; z++, p += 4) {
        sizes[z] = get32(p);
        sum += sizes[z];
        if (sizes[z] < 8 || sum > left) { /* a stream holds its 8-byte state at least */
            e2ec_status st = sizes[z] < 8 ? E2EC_ERR_HEADER : E2EC_ERR_TRUNCATED;
            free(sizes);
            return st;
        }
    }
    if (sum != left) {
        free(sizes);
        return E2EC_ERR_MISMATCH;
    }
    s->slice_bytes = sizes;
    s->slices = p;
    s->slices_bytes = sum;
    *slice_bytes = sizes;
    return E2EC_OK;
}
