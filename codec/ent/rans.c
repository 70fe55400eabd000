/* rANS coder (see rans.h). The encoder runs over the symbols backwards,
 * writing words from the end of the buffer, so the decoder reads forwards. */
#include "rans.h"

#include <string.h>

size_t rans_bound(size_t n) { return 4 * n + 8; }

static void put32(uint8_t *p, uint32_t v) {
    for (int b = 0; b < 4; b++) p[b] = (uint8_t)(v >> (8 * b));
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t rans_encode(const rans_sym *syms, size_t n, uint8_t *out, size_t cap) {
    return rans_encode_runs(syms, n, n, 1, out, cap);
}

size_t rans_encode_runs(const rans_sym *syms, size_t run, size_t stride, size_t runs, uint8_t *out,
                        size_t cap) {
    if (cap < rans_bound(run * runs)) return 0;
    uint8_t *p = out + cap;
    uint64_t x = RANS_LOW;
    for (size_t r = runs; r-- > 0;) {
        const rans_sym *at = syms + r * stride;
        for (size_t i = run; i-- > 0;) {
            uint32_t start = at[i].start, freq = at[i].freq;
            if (freq == 0 || freq > RANS_TOTAL || start > RANS_TOTAL - freq) return 0;
            /* renormalise so that the state after coding stays below 2^63: one
             * word at most, since x < 2^63 and x_max >= 2^39 */
            uint64_t x_max = ((RANS_LOW >> RANS_PROB_BITS) << 32) * freq;
            if (x >= x_max) {
                p -= 4;
                put32(p, (uint32_t)x);
                x >>= 32;
            }
            x = ((x / freq) << RANS_PROB_BITS) + x % freq + start;
        }
    }
    p -= 8;
    put32(p, (uint32_t)x);
    put32(p + 4, (uint32_t)(x >> 32));
    size_t len = (size_t)(out + cap - p);
    memmove(out, p, len);
    return len;
}

e2ec_status rans_dec_init(rans_dec *d, const uint8_t *buf, size_t len) {
    if (len < 8) return E2EC_ERR_ENTROPY;
    d->x = (uint64_t)get32(buf) | (uint64_t)get32(buf + 4) << 32;
    d->p = buf + 8;
    d->end = buf + len;
    d->overrun = 0;
    if (d->x < RANS_LOW || d->x >> 63) return E2EC_ERR_ENTROPY;
    return E2EC_OK;
}

void rans_dec_advance(rans_dec *d, rans_sym s) {
    uint64_t x = s.freq * (d->x >> RANS_PROB_BITS) + (d->x & (RANS_TOTAL - 1)) - s.start;
    if (x < RANS_LOW) {
        uint32_t w = 0;
        if (d->end - d->p >= 4) {
            w = get32(d->p);
            d->p += 4;
        } else {
            d->overrun = 1;
        }
        x = x << 32 | w;
    }
    d->x = x;
}

e2ec_status rans_dec_finish(const rans_dec *d) {
    return !d->overrun && d->p == d->end && d->x == RANS_LOW ? E2EC_OK : E2EC_ERR_ENTROPY;
}
