/*
 * libFuzzer target for decoding through the public API: e2ec_get_info, then,
 * when the header fits the harness caps (fuzz_common.h), e2ec_decode of the
 * whole volume and e2ec_decode_slice of its first and last slices, whose
 * pixels must equal the whole decode's. As in fuzz_bitstream, each input is
 * tried as it is and with its CRC repaired.
 */
#include "fuzz_common.h"

static void decode(const uint8_t *s, size_t size) {
    e2ec_info info;
    if (e2ec_get_info(s, size, &info) != E2EC_OK || !fuzz_affordable(&info)) return;
    e2ec_volume v;
    e2ec_status st = e2ec_decode(s, size, 1, &v);
    if (st) return;
    if (v.nx != info.nx || v.ny != info.ny || v.nz != info.nz) abort();
    size_t plane = (size_t)v.nx * v.ny * e2ec_voxel_size(v.type);
    uint8_t *slice = malloc(plane);
    uint32_t zs[2] = {0, v.nz - 1};
    for (int i = 0; slice && i < 2; i++) {
        if (e2ec_decode_slice(s, size, zs[i], 1, slice) != E2EC_OK) abort();
        if (memcmp(slice, (uint8_t *)v.data + zs[i] * plane, plane)) abort();
    }
    if (slice && e2ec_decode_slice(s, size, v.nz, 1, slice) != E2EC_ERR_ARG) abort();
    free(slice);
    e2ec_volume_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    decode(data, size);
    uint8_t *d = malloc(size ? size : 1);
    if (!d) return 0;
    memcpy(d, data, size);
    fuzz_fix_crc(d, size);
    decode(d, size);
    free(d);
    return 0;
}
