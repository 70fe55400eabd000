/* The codec end to end through the public API: encode, info, decode, one
 * slice, reproducibility, fp16, and a header whose weight count lies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "check.h"
#include "e2ec.h"
#include "psnr_floor.h"

/* A smooth 12-bit volume: a blob and a gradient, like soft tissue in CT. */
static void make_volume(e2ec_volume *v, uint32_t nx, uint32_t ny, uint32_t nz) {
    e2ec_volume_alloc(v, nx, ny, nz, E2EC_U16);
    v->bits_stored = 12;
    v->spacing[2] = 2.5f;
    uint16_t *d = v->data;
    for (uint32_t z = 0; z < nz; z++)
        for (uint32_t y = 0; y < ny; y++)
            for (uint32_t x = 0; x < nx; x++) {
                double u = (x + 0.5) / nx - 0.5, w = (y + 0.5) / ny - 0.4, t = (z + 0.5) / nz - 0.5;
                double val = 900 + 1800 * exp(-(u * u + w * w + t * t) * 12) + 600 * u;
                d[(z * ny + y) * nx + x] = (uint16_t)lround(val);
            }
}

static e2ec_params quick(e2ec_mode mode, int epochs) {
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = mode;
    p.scale = mode == E2EC_MODE_SIREN ? 1 : 2;
    p.siren_width = 16;
    p.epochs = epochs;
    p.lr = 3e-3f;
    p.threads = 2;
    return p;
}

int main(void) {
    e2ec_volume vol;
    make_volume(&vol, 20, 18, 12);
    const e2ec_mode modes[] = {E2EC_MODE_SIREN, E2EC_MODE_SIREN_DS};
    /* PSNR floors, 1.5 dB under the lowest that 300 epochs reached on this
     * volume (tests/test_codec in the Release and Debug+ASan builds, OMP_NUM_THREADS
     * 1 and 2, E2EC_ISA=baseline or not, OPENBLAS_CORETYPE=Haswell or not; Intel
     * Xeon, AVX-512): SIREN 41.53-42.73 dB, SIREN_DS 35.76-36.27 dB. A flat
     * volume scores 15.05 dB here. */
    const double floors[] = {40.0, 34.2};
    for (int k = 0; k < 2; k++) {
        e2ec_params p = quick(modes[k], 300);
        uint8_t *s = NULL;
        size_t n = 0;
        e2ec_status st = e2ec_encode(&vol, &p, &s, &n);
        CHECK(st == E2EC_OK, "mode %d encode: %s", modes[k], e2ec_error_name(st));
        if (st) continue;

        e2ec_info info;
        CHECK(e2ec_get_info(s, n, &info) == E2EC_OK, "info");
        CHECK(info.nx == 20 && info.ny == 18 && info.nz == 12 && info.type == E2EC_U16 &&
                  info.bits_stored == 12 && info.spacing[2] == 2.5f && info.mode == modes[k],
              "info fields");
        CHECK(info.n_weights == e2ec_param_count(&p), "weights %u vs %zu", info.n_weights,
              e2ec_param_count(&p));
        CHECK(info.stream_bytes == n, "stream_bytes");

        e2ec_volume out;
        CHECK(e2ec_decode(s, n, 2, &out) == E2EC_OK, "decode");
        e2ec_metrics m;
        CHECK(e2ec_compare(&vol, &out, 1, &m) == E2EC_OK, "compare");
        check_psnr_floor(modes[k] == E2EC_MODE_SIREN ? "siren" : "siren-ds", m.psnr, floors[k],
                         &vol);

        /* every slice decoded alone equals the same slice of the whole volume */
        uint16_t slice[20 * 18];
        int same = 1;
        for (uint32_t z = 0; z < 12; z++) {
            CHECK(e2ec_decode_slice(s, n, z, 1, slice) == E2EC_OK, "slice %u", z);
            same &= memcmp(slice, (uint16_t *)out.data + z * 20 * 18, sizeof slice) == 0;
        }
        CHECK(same, "slice decode differs from whole decode");
        CHECK(e2ec_decode_slice(s, n, 12, 1, slice) == E2EC_ERR_ARG, "slice past the end");

        /* same seed, same stream; another seed, another stream */
        uint8_t *s2 = NULL;
        size_t n2 = 0;
        p.epochs = 20;
        e2ec_free(s);
        e2ec_encode(&vol, &p, &s, &n);
        CHECK(e2ec_encode(&vol, &p, &s2, &n2) == E2EC_OK && n2 == n && !memcmp(s, s2, n),
              "same seed must give the same stream");
        e2ec_free(s2);
        e2ec_volume_free(&out);
        e2ec_free(s);
    }

    /* fp16 weights: a smaller stream that still decodes */
    {
        e2ec_params p = quick(E2EC_MODE_SIREN_DS, 50);
        uint8_t *a, *b;
        size_t na, nb;
        e2ec_encode(&vol, &p, &a, &na);
        p.fp16 = 1;
        CHECK(e2ec_encode(&vol, &p, &b, &nb) == E2EC_OK && nb < na, "fp16 %zu vs %zu", nb, na);
        e2ec_volume out;
        CHECK(e2ec_decode(b, nb, 1, &out) == E2EC_OK, "fp16 decode");
        e2ec_volume_free(&out);
        e2ec_free(a), e2ec_free(b);
    }

    /* a stream whose weight count contradicts its architecture is refused */
    {
        e2ec_params p = quick(E2EC_MODE_SIREN_DS, 1);
        uint8_t *s;
        size_t n;
        e2ec_encode(&vol, &p, &s, &n);
        e2ec_info info;
        e2ec_get_info(s, n, &info);
        float w[10] = {0};
        uint8_t *bad;
        size_t nbad;
        info.n_weights = 10;
        bs_weights bw = {.n = 10, .values = w};
        CHECK(bitstream_write(&info, &bw, NULL, &bad, &nbad) == E2EC_OK, "write");
        e2ec_volume out;
        CHECK(e2ec_decode(bad, nbad, 1, &out) == E2EC_ERR_MISMATCH, "lying count accepted");
        CHECK(out.data == NULL, "no volume on failure");
        free(bad);
        e2ec_free(s);
    }

    /* arguments */
    {
        e2ec_params p = quick(E2EC_MODE_SIREN_DS, 1);
        uint8_t *s;
        size_t n;
        p.scale = 3;
        CHECK(e2ec_encode(&vol, &p, &s, &n) == E2EC_ERR_ARG, "scale 3");
        p.scale = 2, p.siren_width = 0;
        CHECK(e2ec_encode(&vol, &p, &s, &n) == E2EC_ERR_ARG, "width 0");
        CHECK(e2ec_decode(NULL, 0, 1, NULL) == E2EC_ERR_ARG, "null decode");
    }
    e2ec_volume_free(&vol);
    return check_summary();
}
