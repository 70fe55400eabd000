/* GRID mode through the public API: e2ec_encode then e2ec_decode gives, bit
 * for bit, what the fit itself decodes (grid_fit + grid_decode + the stored
 * mapping), at the PSNR this fit measurably reaches; each e2ec_decode_slice
 * equals its plane of the decode; e2ec_get_info reports the grid; what the
 * mode cannot do is refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "mode_grid.h"
#include "psnr_floor.h"
#include "volume_norm.h"

#define NX 16
#define NY 12
#define NZ 6

int main(void) {
    e2ec_volume v;
    if (e2ec_volume_alloc(&v, NX, NY, NZ, E2EC_I16)) return 1;
    v.bits_stored = 12;
    int16_t *d = v.data;
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++)
                d[(z * NY + y) * NX + x] =
                    (int16_t)(1000 + 800 * sinf(0.4f * x) * cosf(0.5f * y) + 60 * z);
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = E2EC_MODE_GRID;
    p.epochs = 150, p.batch = 512, p.threads = 1;
    uint8_t *s = NULL;
    size_t size = 0;
    e2ec_status st = e2ec_encode(&v, &p, &s, &size);
    CHECK(st == E2EC_OK, "encode: %s", e2ec_error_name(st));
    if (st) return check_summary();

    e2ec_info info;
    CHECK(e2ec_get_info(s, size, &info) == E2EC_OK && info.mode == E2EC_MODE_GRID &&
              info.version == E2EC_BITSTREAM_VERSION && info.grid_levels == 4 && info.grid_feats == 2 &&
              info.grid_hidden == 16 && info.grid_step[0] == 2 && info.grid_delta == 0.125f &&
              info.n_weights == e2ec_param_count(&p) && info.fp16 && info.stream_bytes == size,
          "get_info reports the grid");

    /* the fit, run as e2ec_encode runs it, decoded by grid_fit itself */
    grid_fit_config c;
    grid_config_from_params(&p, &c);
    size_t n = (size_t)NX * NY * NZ;
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    e2ec_volume want;
    e2ec_volume_alloc(&want, NX, NY, NZ, E2EC_I16);
    double vmin, vmax;
    volume_minmax(&v, &vmin, &vmax);
    volume_to_normalised(&v, vmin, vmax, x);
    grid_model m;
    CHECK(grid_fit(x, NX, NY, NZ, &c, &m) == E2EC_OK && grid_decode(&m, NX, NY, NZ, 1, y) == E2EC_OK,
          "the fit on its own");
    normalised_to_stored(y, n, vmin, vmax, E2EC_I16, 12, want.data);
    grid_model_free(&m);

    e2ec_volume out;
    st = e2ec_decode(s, size, 1, &out);
    CHECK(st == E2EC_OK && !memcmp(out.data, want.data, n * sizeof(int16_t)),
          "decode equals the fit's own decoded output: %s", e2ec_error_name(st));
    /* 1.5 dB under what this fit reaches (tests/test_grid_codec in the Release
     * and Debug+ASan builds, OMP_NUM_THREADS 1 and 2, E2EC_ISA=baseline or not,
     * OPENBLAS_CORETYPE=Haswell or not; Intel Xeon, AVX-512): 34.34 dB in
     * every one; a flat volume scores 13.46 dB */
    e2ec_metrics mt = {0};
    CHECK(!st && !e2ec_compare(&v, &out, 1, &mt), "compare");
    check_psnr_floor("grid", mt.psnr, 32.8, &v);
    int16_t plane[NX * NY];
    int slices_ok = !st;
    for (uint32_t z = 0; z < NZ && slices_ok; z++)
        slices_ok = e2ec_decode_slice(s, size, z, 1, plane) == E2EC_OK &&
                    !memcmp(plane, (int16_t *)out.data + (size_t)z * NX * NY, sizeof plane);
    CHECK(slices_ok, "every decode_slice equals its plane of decode");
    CHECK(e2ec_decode_slice(s, size, NZ, 1, plane) == E2EC_ERR_ARG, "slice nz refused");
    e2ec_volume_free(&out);
    e2ec_decode_options tight = {1, 1024};
    uint64_t need = 0;
    CHECK(e2ec_decode_opt(s, size, &tight, &out) == E2EC_ERR_MEMORY_LIMIT &&
              e2ec_decode_memory(s, size, 1, 1, &need) == E2EC_OK && need > 1024,
          "a decode over max_memory is refused by name");
    p.max_memory = 1024;
    uint8_t *s3 = NULL;
    CHECK(e2ec_encode(&v, &p, &s3, &size) == E2EC_ERR_MEMORY_LIMIT, "an encode over max_memory refused");
    p.max_memory = 0;

    p.max_error = 0;
    uint8_t *s2 = NULL;
    CHECK(e2ec_encode(&v, &p, &s2, &size) == E2EC_ERR_UNSUPPORTED, "near-lossless grid refused");
    p.max_error = -1, p.quant_bits = 8;
    CHECK(e2ec_encode(&v, &p, &s2, &size) == E2EC_ERR_UNSUPPORTED, "quant_bits with grid refused");
    p.quant_bits = 0, p.grid_lambda = -1.0f;
    CHECK(e2ec_encode(&v, &p, &s2, &size) == E2EC_ERR_ARG, "negative grid_lambda refused");
    free(x), free(y), e2ec_free(s);
    e2ec_volume_free(&want), e2ec_volume_free(&v);
    return check_summary();
}
