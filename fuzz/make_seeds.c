/*
 * make-seeds DIR: writes seed streams for fuzz_bitstream into DIR, one per
 * mode, in fp32 and fp16, all produced by bitstream_write (no hand-made
 * binaries): a starting corpus that already passes every check.
 */
#include <stdio.h>
#include <string.h>
#include "bitstream.h"

static int write_seed(const char *dir, e2ec_mode mode, int fp16, uint32_t n) {
    e2ec_info in;
    memset(&in, 0, sizeof in);
    in.nx = 12, in.ny = 10, in.nz = 5;
    in.spacing[0] = in.spacing[1] = 0.8f, in.spacing[2] = 2.0f;
    in.type = mode == E2EC_MODE_E2E ? E2EC_U8 : E2EC_I16;
    in.bits_stored = mode == E2EC_MODE_E2E ? 8 : 12;
    in.vmin = -1000, in.vmax = 2000;
    in.mode = mode;
    in.scale = mode == E2EC_MODE_SIREN ? 1 : 2;
    in.lx = in.nx / in.scale, in.ly = in.ny / in.scale, in.lz = in.nz / in.scale;
    in.siren_width = 8, in.siren_layers = 2, in.omega0 = 30;
    if (mode == E2EC_MODE_SIREN_DS) in.upsampler = E2EC_UP_TRILINEAR;
    if (mode == E2EC_MODE_E2E) in.srno_channels = 4, in.srno_width = 8, in.srno_heads = 2;
    in.fp16 = fp16;
    float w[64];
    for (uint32_t i = 0; i < n; i++) w[i] = (float)((int)(i * 37 % 19) - 9) / 16.0f;
    uint8_t *s;
    size_t size;
    e2ec_status st = bitstream_write(&in, w, n, &s, &size);
    if (st != E2EC_OK) {
        fprintf(stderr, "make-seeds: %s\n", e2ec_strerror(st));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-mode%d-%s-%u.e2ec", dir, (int)mode, fp16 ? "fp16" : "fp32", n);
    FILE *f = fopen(path, "wb");
    int bad = !f || fwrite(s, 1, size, f) != size;
    if (f && fclose(f)) bad = 1;
    if (bad) fprintf(stderr, "make-seeds: cannot write %s\n", path);
    e2ec_free(s);
    return bad;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make-seeds DIR\n");
        return 2;
    }
    int bad = 0;
    for (int m = E2EC_MODE_SIREN; m <= E2EC_MODE_E2E; m++)
        for (int fp16 = 0; fp16 < 2; fp16++) {
            bad |= write_seed(argv[1], (e2ec_mode)m, fp16, 1);
            bad |= write_seed(argv[1], (e2ec_mode)m, fp16, 64);
        }
    return bad;
}
