/* The SRNO's weight count, pinned for a few configurations (values worked out
 * by hand from the layer list in docs/architecture.md), and the parameter
 * views tile the buffer exactly. */
#include "check.h"
#include "srno.h"

static void pin(int nc, int w, int heads, int res, int hidden, size_t want) {
    srno_config c = {nc, w, heads, res, hidden, 64};
    CHECK(srno_config_check(&c) == E2EC_OK, "NC=%d w=%d heads=%d is valid", nc, w, heads);
    size_t n = srno_param_count(&c);
    CHECK(n == want, "NC=%d w=%d R=%d hidden=%d: %zu weights, want %zu", nc, w, res, hidden, n,
          want);
    float *p = calloc(n, sizeof *p);
    srno_views v;
    srno_views_of(&v, &c, p);
    CHECK(v.dec_b2 + 1 == p + n, "views end %td floats from the buffer's end",
          (p + n) - (v.dec_b2 + 1));
    free(p);
}

int main(void) {
    /* defaults: head 112 + 5 convs x 436 + lift 60x8 + 2 x 392 + decoder 10x64+1 */
    srno_config d;
    srno_config_default(&d);
    CHECK(srno_param_count(&d) == 4197, "default config: %zu weights", srno_param_count(&d));
    CHECK(srno_param_count(&d) + 2011 <= 6348,
          "default + SN=30 SIREN exceeds the paper's 6,348 at the trade-off point");
    pin(4, 8, 1, 2, 64, 4197);
    pin(4, 8, 2, 2, 64, 4197);     /* heads do not change the count */
    pin(8, 8, 1, 2, 64, 11065);
    pin(16, 8, 1, 2, 64, 37761);
    pin(4, 16, 4, 1, 32, 1420 + 960 + 2 * 1424 + 577);
    pin(1, 4, 1, 0, 1, 28 + 28 + 36 * 4 + 2 * 116 + 7);

    srno_config bad = d;
    bad.heads = 3; /* 8 % 3 */
    CHECK(srno_config_check(&bad) == E2EC_ERR_HEADER, "heads not dividing the width is refused");
    bad.heads = 4; /* 2 channels per head: layer norm would be a sign function */
    CHECK(srno_config_check(&bad) == E2EC_ERR_HEADER, "2 channels per head are refused");
    bad = d;
    bad.window = 0;
    CHECK(srno_config_check(&bad) == E2EC_ERR_HEADER, "window 0 is refused");
    bad = d;
    bad.resblocks = SRNO_MAX_RESBLOCKS + 1;
    CHECK(srno_config_check(&bad) == E2EC_ERR_HEADER, "too many resblocks are refused");
    return check_summary();
}
