/* E2E mode on REAL data (issue 3): a 32^3 crop of the T1 MR head in
 * sample-series/ (16^3 -> 32^3, scale 2) trained through e2ec_encode:
 * the loss falls, the decoded PSNR clears a measured floor, and the stream
 * decodes to exactly (memcmp) the volume the trainer evaluated for the
 * weights it kept. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bitstream.h"
#include "check.h"
#include "e2e_fit.h"
#include "fft_downsample.h"
#include "psnr_floor.h"
#include "threads.h"
#include "volume_norm.h"

/* The sample is a NIfTI-1 file of 128 x 128 x 62 int16 voxels (0..255) at
 * offset 352; a reader for exactly that layout, checked field by field. */
enum { NX = 128, NY = 128, NZ = 62, C = 32, CX = 48, CY = 48, CZ = 15 };

static int read_sample(int16_t *vox) {
    char path[4096];
    const char *me = __FILE__, *t = strstr(me, "tests/test_e2e_real.c");
    if (!t) return 0;
    snprintf(path, sizeof path, "%.*ssample-series/mr-t1-head/KmeansTest_T1UCharRaw.nii.gz",
             (int)(t - me), me);
    gzFile f = gzopen(path, "rb");
    if (!f) return 0;
    unsigned char h[352];
    int ok = gzread(f, h, sizeof h) == (int)sizeof h;
    int16_t dim[4], type;
    float off;
    memcpy(dim, h + 40, sizeof dim), memcpy(&type, h + 70, 2), memcpy(&off, h + 108, 4);
    ok = ok && dim[0] == 3 && dim[1] == NX && dim[2] == NY && dim[3] == NZ && type == 4 &&
         off == 352.0f;
    ok = ok && gzread(f, vox, NX * NY * NZ * 2) == NX * NY * NZ * 2;
    gzclose(f);
    return ok;
}

typedef struct {
    double first, last, best;
} losses;

static int record(const e2ec_progress *pr, void *user) {
    losses *l = user;
    if (pr->epoch == 1) l->first = l->best = pr->loss;
    if (pr->loss < l->best) l->best = pr->loss;
    l->last = pr->loss;
    return 0;
}

int main(void) {
    int16_t *all = malloc(sizeof(int16_t) * NX * NY * NZ);
    CHECK(all && read_sample(all), "cannot read the MR sample");
    if (check_failed) return check_summary();
    e2ec_volume vol;
    e2ec_volume_alloc(&vol, C, C, C, E2EC_I16);
    int16_t *d = vol.data;
    for (int z = 0; z < C; z++)
        for (int y = 0; y < C; y++)
            memcpy(d + ((size_t)z * C + y) * C, all + ((size_t)(CZ + z) * NY + CY + y) * NX + CX,
                   C * sizeof *d);
    free(all);

    e2ec_params p;
    e2ec_params_default(&p); /* E2E at the paper's trade-off point: DS 1/2, SN 30, NC 4 */
    p.mode = E2EC_MODE_E2E;
    p.epochs = 60;
    p.threads = 2;
    p.progress_every = 1;
    losses l = {0, 0, 0};
    p.progress = record;
    p.progress_user = &l;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_status st = e2ec_encode(&vol, &p, &s, &n);
    CHECK(st == E2EC_OK, "encode: %s", e2ec_error_name(st));
    if (st) return check_summary();
    e2ec_volume out;
    CHECK(e2ec_decode(s, n, 2, &out) == E2EC_OK, "decode");
    e2ec_metrics q;
    CHECK(e2ec_compare(&vol, &out, 2, &q) == E2EC_OK, "compare");
    printf("real 32^3 crop, %d epochs: loss %.4f -> %.4f (best %.4f), PSNR %.2f dB, SSIM %.3f\n",
           p.epochs, l.first, l.last, l.best, q.psnr, q.ssim3d);
    /* The E2E epochs start from the warm start (the SIREN fitted to the
     * downsampled crop, upsampled trilinearly), so the loss they remove is a
     * few %: measured 0.0564 -> 0.0507 (x 0.899, Debug + ASan, 2 threads,
     * AMD EPYC); required: x 0.97. */
    CHECK(l.best < 0.97 * l.first, "loss %.4f -> best %.4f", l.first, l.best);
    /* Floor: measured 22.79 dB / SSIM 0.731 in the same run (AMD EPYC), and
     * 22.74-22.81 dB on an Intel Xeon (AVX-512; Release and Debug+ASan,
     * E2EC_ISA=baseline with OPENBLAS_CORETYPE=Haswell or neither), minus a
     * 1 dB margin for other machines' libm/BLAS rounding over 60 epochs.
     * (Before the warm start, omega0 = 10 and the ramp this crop gave 20.47 dB.) */
    check_psnr_floor("e2e, real 32^3 crop", q.psnr, 21.7, &vol);

    /* The trainer's own forward (e2e_fit) on the stored weights: its loss is
     * the best loss the trainer reported (so these are the weights it kept,
     * evaluated as it evaluated them), and its volume, mapped to stored
     * values, is bit for bit the decoder's. */
    e2ec_info info;
    CHECK(e2ec_get_info(s, n, &info) == E2EC_OK, "info");
    float *w = malloc(sizeof(float) * info.n_weights);
    CHECK(bitstream_read_weights(s, n, &info, w) == E2EC_OK, "weights");
    siren_config sc = {info.siren_width, info.siren_layers, info.omega0};
    srno_config rc;
    srno_config_default(&rc);
    rc.channels = info.srno_channels, rc.width = info.srno_width, rc.heads = info.srno_heads;
    size_t nh = (size_t)C * C * C;
    uint32_t lc = lowres_size(C, info.scale);
    float *x = malloc(nh * sizeof *x), *y = malloc(sizeof(float) * lc * lc * lc);
    volume_to_normalised(&vol, info.vmin, info.vmax, x);
    fft_downsample(x, C, C, C, y, lc, lc, lc);
    int saved = threads_enter(p.threads);
    e2e_fit f;
    CHECK(e2e_fit_init(&f, &sc, &rc, lc, lc, lc, C, C, C, x, y, p.lr_weight, p.loss) == E2EC_OK,
          "e2e_fit_init");
    float *g = calloc(info.n_weights, sizeof *g);
    double loss, mse;
    e2e_fit_grad(&f, w, g, NULL, &loss, &mse);
    threads_leave(saved);
    CHECK(loss == l.best, "trainer's loss at the stored weights %.9g, best reported %.9g", loss,
          l.best);
    int16_t *mine = malloc(nh * sizeof *mine);
    normalised_to_stored(f.hr, nh, info.vmin, info.vmax, info.type, info.bits_stored, mine);
    CHECK(!memcmp(mine, out.data, nh * sizeof *mine), "decoded volume differs from the trainer's");

    e2e_fit_free(&f);
    free(w), free(g), free(x), free(y), free(mine);
    e2ec_free(s);
    e2ec_volume_free(&out);
    e2ec_volume_free(&vol);
    return check_summary();
}
