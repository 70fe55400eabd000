/*
 * libFuzzer target for the latent mode's reader (codec/latent/latent_section.h):
 * its header section, then its payload (the coded networks, ARM and MLP, every
 * level's stream table and rANS streams through ll_decode (a level's planes
 * interleaved in streams of 2^g planes), the value map and the post-filter or
 * post-network of a stream over a u16 range 0..1000), then the last
 * plane as the decoder gives it: the synthesis of it and the plane before, as
 * stored voxels through the map, then the filter or the network. An input is a 3-byte shape (nx, ny, nz = byte % 32 + 2) followed by
 * a header section (LATENT_HEADER_BYTES) and a payload; n_weights and
 * weights_bytes, which the container would hold, are taken as the header's
 * fields imply, so that mutations reach past those checks. make-seeds writes
 * real ones (OUT/latent). Whatever the bytes, the reader must refuse or fill
 * the model, never read or write outside it.
 */
#include "bytes_le.h"
#include "fuzz_common.h"
#include "latent/latent_section.h"
#include "volume_norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3 + LATENT_HEADER_BYTES) return 0;
    const uint8_t *sec = data + 3, *payload = sec + LATENT_HEADER_BYTES;
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.nx = data[0] % 32u + 2, in.ny = data[1] % 32u + 2, in.nz = data[2] % 32u + 2;
    in.version = E2EC_BITSTREAM_VERSION, in.type = E2EC_U16, in.vmin = 0.0, in.vmax = 1000.0;
    in.n_weights = latent_weight_count(sec[LAT_HDR_LEVELS], (int)get_u16(sec + LAT_HDR_HIDDEN),
                                       sec[LAT_HDR_ARM_HIDDEN]);
    size_t n = size - 3 - LATENT_HEADER_BYTES;
    in.weights_bytes = (uint32_t)n;
    if (latent_section_read_header(sec, &in) != E2EC_OK) return 0;
    latent_model m;
    if (latent_section_read(payload, n, &in, &m) != E2EC_OK) return 0;
    uint32_t a, b;
    post_filter_source(&in, in.nz - 1, in.nz, &a, &b);
    size_t k = (size_t)in.nx * in.ny * (b - a);
    float *planes = malloc(k * sizeof *planes);
    uint16_t *vox = malloc(k * sizeof *vox), *out = malloc((size_t)in.nx * in.ny * sizeof *out);
    int16_t *table = NULL;
    if (planes && vox && out && !value_map_table(&m.map, &in, &table)) {
        if (grid_decode_planes(&m.syn, in.nx, in.ny, in.nz, a, b, 1, planes)) abort();
        normalised_to_stored(planes, k, in.vmin, in.vmax, in.type, 0, vox);
        value_map_apply(table, &in, vox, k);
        if (m.filter.on && post_filter_apply(&m.filter, &in, vox, a, b, in.nz - 1, in.nz, out)) abort();
        if (m.cnn.channels && post_cnn_apply(&m.cnn, &in, vox, a, b, in.nz - 1, in.nz, out)) abort();
    }
    free(planes), free(vox), free(out), free(table);
    latent_model_free(&m);
    return 0;
}
