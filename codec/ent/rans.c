/* rANS coder (see rans.h). The encoder runs over the symbols backwards,
 * writing bytes from the end of the buffer, so the decoder reads forwards. */
#include "rans.h"

#include <string.h>

size_t rans_bound(size_t n) { return 2 * n + 4; }

size_t rans_encode(const rans_sym *syms, size_t n, uint8_t *out, size_t cap) {
    if (cap < rans_bound(n)) return 0;
    uint8_t *p = out + cap;
    uint32_t x = RANS_LOW;
    for (size_t i = n; i-- > 0;) {
        uint32_t start = syms[i].start, freq = syms[i].freq;
        if (freq == 0 || freq > RANS_TOTAL || start > RANS_TOTAL - freq) return 0;
        /* renormalise so that the state after coding stays below 2^31 */
        uint32_t x_max = ((RANS_LOW >> RANS_PROB_BITS) << 8) * freq;
        while (x >= x_max) {
            *--p = (uint8_t)x;
            x >>= 8;
        }
        x = ((x / freq) << RANS_PROB_BITS) + x % freq + start;
    }
    p -= 4;
    for (int b = 0; b < 4; b++) p[b] = (uint8_t)(x >> (8 * b));
    size_t len = (size_t)(out + cap - p);
    memmove(out, p, len);
    return len;
}

e2ec_status rans_dec_init(rans_dec *d, const uint8_t *buf, size_t len) {
    if (len < 4) return E2EC_ERR_ENTROPY;
    d->x = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
           (uint32_t)buf[3] << 24;
    d->p = buf + 4;
    d->end = buf + len;
    d->overrun = 0;
    if (d->x < RANS_LOW || d->x >= 1u << 31) return E2EC_ERR_ENTROPY;
    return E2EC_OK;
}

void rans_dec_advance(rans_dec *d, rans_sym s) {
    uint32_t x = s.freq * (d->x >> RANS_PROB_BITS) + (d->x & (RANS_TOTAL - 1)) - s.start;
    while (x < RANS_LOW) {
        uint8_t b = 0;
        if (d->p < d->end) b = *d->p++;
        else d->overrun = 1;
        x = x << 8 | b;
    }
    d->x = x;
}

e2ec_status rans_dec_finish(const rans_dec *d) {
    return !d->overrun && d->p == d->end && d->x == RANS_LOW ? E2EC_OK : E2EC_ERR_ENTROPY;
}
