/* The integer ARM's tensors in a stream (see arm_section.h). */
#include "arm_section.h"

#include "bytes_le.h"

arm_tensors arm_section_tensors(arm_int *m) {
    int h = m->hidden;
    return (arm_tensors){{m->w0, m->w1, m->w2}, {m->b0, m->b1, m->b2}, {h * m->ctx, h * h, 2 * h}, {h, h, 2}};
}

size_t arm_section_bytes(int ctx, int hidden) {
    size_t h = (size_t)hidden;
    return 2 * (h * (size_t)ctx + h * h + 2 * h) + 4 * (2 * h + 2);
}

uint8_t *arm_section_write(uint8_t *dst, const arm_int *m) {
    arm_tensors t = arm_section_tensors((arm_int *)m); /* read only */
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < t.nw[l]; i++, dst += 2) put_u16(dst, (uint16_t)t.w[l][i]);
        for (int i = 0; i < t.nb[l]; i++, dst += 4) put_u32(dst, (uint32_t)t.b[l][i]);
    }
    return dst;
}

e2ec_status arm_section_read(const uint8_t *src, arm_int *m) {
    arm_tensors t = arm_section_tensors(m);
    for (int l = 0; l < ARM_LAYERS; l++) {
        for (int i = 0; i < t.nw[l]; i++, src += 2) {
            t.w[l][i] = (int16_t)get_u16(src);
            if (t.w[l][i] > ARM_W_MAX || t.w[l][i] < -ARM_W_MAX) return E2EC_ERR_WEIGHTS;
        }
        for (int i = 0; i < t.nb[l]; i++, src += 4) {
            t.b[l][i] = (int32_t)get_u32(src);
            if (t.b[l][i] > ARM_B_MAX || t.b[l][i] < -ARM_B_MAX) return E2EC_ERR_WEIGHTS;
        }
    }
    arm_int_prepare(m);
    return E2EC_OK;
}
