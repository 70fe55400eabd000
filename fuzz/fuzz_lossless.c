/*
 * libFuzzer target for the lossless decoder (codec/lossless): the section
 * reader and the rANS/ARM decode behind it. An input is a 4-byte shape
 * (nx, ny, nz in 1..255 after masking, and the voxel type) followed by a
 * lossless section; make-seeds writes real sections of small volumes
 * (OUT/lossless). Whatever the bytes, the decoder must refuse or fill the
 * volume, never read or write outside it.
 */
#include "fuzz_common.h"
#include "lossless/ll_volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    e2ec_voxel_type types[3] = {E2EC_U8, E2EC_I16, E2EC_U16};
    uint32_t nx = data[0] ? data[0] : 1, ny = data[1] ? data[1] : 1, nz = data[2] % 32 + 1;
    e2ec_volume v;
    if (e2ec_volume_alloc(&v, nx, ny, nz, types[data[3] % 3]) != E2EC_OK) return 0;
    ll_decompress(data + 4, size - 4, &v);
    e2ec_volume_free(&v);
    return 0;
}
