/* Exp-Golomb coded integer tensors (see int_code.h). */
#include "int_code.h"

static uint32_t zigzag(int32_t v) { return v >= 0 ? (uint32_t)v << 1 : ((uint32_t)(-(int64_t)v) << 1) - 1u; }
static int32_t unzigzag(uint32_t u) { return u & 1u ? -(int32_t)((u + 1u) >> 1) : (int32_t)(u >> 1); }

/* Bits of u at order k: the prefix of zeros, then u + 2^k in as many bits
 * plus one as it has above k. */
static unsigned code_bits(uint32_t u, int k) {
    uint64_t x = (uint64_t)u + (1ull << k);
    unsigned n = 0;
    while (x >> n > 1) n++; /* n = floor(log2 x) */
    return 2 * n + 1 - (unsigned)k;
}

uint64_t int_code_bits(const int32_t *v, size_t n, int k) {
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++) b += code_bits(zigzag(v[i]), k);
    return b;
}

int int_code_order(const int32_t *v, size_t n) {
    int best = 0;
    uint64_t fewest = int_code_bits(v, n, 0);
    for (int k = 1; k <= INT_CODE_MAX_ORDER; k++) {
        uint64_t b = int_code_bits(v, n, k);
        if (b < fewest) fewest = b, best = k;
    }
    return best;
}

static e2ec_status put_bits(int_writer *w, uint64_t x, unsigned n) {
    if (w->bit + n > 8 * w->cap) return E2EC_ERR_LIMIT;
    for (unsigned i = n; i-- > 0; w->bit++)
        if (x >> i & 1u) w->buf[w->bit >> 3] |= (uint8_t)(0x80u >> (w->bit & 7));
    return E2EC_OK;
}

e2ec_status int_code_write(int_writer *w, const int32_t *v, size_t n, int k) {
    for (size_t i = 0; i < n; i++) {
        if (v[i] >= INT_CODE_MAX_ABS || v[i] <= -INT_CODE_MAX_ABS) return E2EC_ERR_LIMIT;
        uint64_t x = (uint64_t)zigzag(v[i]) + (1ull << k);
        unsigned nb = 0;
        while (x >> nb > 1) nb++;
        e2ec_status st = put_bits(w, 0, nb - (unsigned)k);
        if (!st) st = put_bits(w, x, nb + 1);
        if (st) return st;
    }
    return E2EC_OK;
}

static int get_bit(int_reader *r) {
    int b = r->buf[r->bit >> 3] >> (7 - (r->bit & 7)) & 1;
    r->bit++;
    return b;
}

e2ec_status int_code_read(int_reader *r, int32_t *v, size_t n, int k, int32_t max_abs) {
    if (k < 0 || k > INT_CODE_MAX_ORDER) return E2EC_ERR_WEIGHTS;
    for (size_t i = 0; i < n; i++) {
        unsigned zeros = 0;
        for (;;) {
            if (r->bit >= 8 * r->len) return E2EC_ERR_TRUNCATED;
            if (get_bit(r)) break;
            /* no writer's code has more: |v| < 2^30 gives x < 2^31 + 2^24 */
            if (++zeros > 31u - (unsigned)k) return E2EC_ERR_WEIGHTS;
        }
        unsigned nb = zeros + (unsigned)k; /* the bits of x after its leading 1 */
        if (r->bit + nb > 8 * r->len) return E2EC_ERR_TRUNCATED;
        uint64_t x = 1;
        for (unsigned j = 0; j < nb; j++) x = x << 1 | (uint64_t)get_bit(r);
        x -= 1ull << k;
        if (x >= 1ull << 31) return E2EC_ERR_WEIGHTS; /* |v| >= 2^30: no writer's */
        int32_t s = unzigzag((uint32_t)x);
        if (s > max_abs || s < -max_abs) return E2EC_ERR_WEIGHTS;
        v[i] = s;
    }
    return E2EC_OK;
}

e2ec_status int_reader_end(const int_reader *r) {
    if (int_code_bytes(r->bit) != r->len) return E2EC_ERR_MISMATCH;
    for (size_t b = r->bit; b < 8 * r->len; b++)
        if (r->buf[b >> 3] >> (7 - (b & 7)) & 1) return E2EC_ERR_MISMATCH;
    return E2EC_OK;
}
