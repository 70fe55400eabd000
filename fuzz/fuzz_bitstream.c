/*
 * libFuzzer target for the bitstream reader (versions 1 to 3: weights, then
 * from version 2 on each slice's residual chunk). Each input is parsed twice:
 * as it is (the framing and CRC checks), and with its last four bytes
 * replaced by the CRC of the rest, so that the mutations reach the field
 * checks and the inflater instead of stopping at the CRC.
 */
#include <math.h>
#include "bitstream.h"
#include "residual.h"
#include "fuzz_common.h"

/* Weights inflated per input at most (4 MiB of floats): bigger claims are
 * still parsed and validated, just not inflated, to keep executions fast;
 * likewise residual slices beyond this many voxels. */
#define FUZZ_MAX_WEIGHTS (1u << 20)
#define FUZZ_MAX_PLANE (1u << 20)

/* Every slice's residual onto a zero slice, as a decoder adds it. */
static void residuals(const uint8_t *s, size_t size, const e2ec_info *info) {
    size_t plane = (size_t)info->nx * info->ny;
    if (!info->has_residual || plane > FUZZ_MAX_PLANE) return;
    int16_t *slice = calloc(plane, sizeof *slice);
    for (uint32_t z = 0; slice && z < info->nz; z++) {
        const uint8_t *chunk;
        size_t n;
        if (bitstream_residual_chunk(s, size, info, z, &chunk, &n) != E2EC_OK) abort();
        residual_apply(chunk, n, info->residual_sample_bytes, info->max_error, E2EC_I16,
                       -32768, 32767, info->nx, info->ny, slice);
    }
    free(slice);
}

static void parse(const uint8_t *s, size_t size) {
    e2ec_info info;
    if (bitstream_read_info(s, size, &info) != E2EC_OK) return;
    if (info.stream_bytes != size || info.n_weights == 0) abort();
    if (info.n_weights > FUZZ_MAX_WEIGHTS) return;
    float *w = malloc(sizeof(float) * info.n_weights);
    if (!w) return;
    if (bitstream_read_weights(s, size, &info, w) == E2EC_OK)
        for (uint32_t i = 0; i < info.n_weights; i++)
            if (!isfinite(w[i])) abort(); /* a NaN or Inf got through */
    free(w);
    residuals(s, size, &info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parse(data, size);
    if (size < BS_MIN_SIZE) return 0; /* the smallest stream of either version */
    uint8_t *d = malloc(size);
    if (!d) return 0;
    memcpy(d, data, size);
    fuzz_fix_crc(d, size);
    parse(d, size);
    free(d);
    return 0;
}
