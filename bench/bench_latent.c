/*
 * The latent mode's fit (codec/latent/latent_fit.h) on a raw volume, at one
 * or more rate weights: fits, writes the mode's section (latent_section_pack:
 * every level's latents coded with ll_encode) and reads it back as a decoder
 * does (every latent checked), decodes the volume with grid_decode from what
 * was read, through its value map (latent/value_map.h; --value-map 0: none)
 * and post-filter (latent/post_filter.h; --post-filter 0: none) or
 * post-network (latent/post_cnn.h; --post-cnn 0: none), as
 * latent_refine fits them for the mode's encoder, and prints one CSV row per
 * lambda (the map's entries and whether the filter is on go to stderr): the coded
 * latent bytes, the ARM's and the MLP's bytes, the total with the stream's
 * fixed headers, true bpp, PSNR (MAX = data range of the original), 3D SSIM
 * and the fit's seconds (the learned upsampling kernels to stderr). Issue 17; bench/results/latent/ holds its runs.
 *
 * Usage: bench_latent RAW NX NY NZ u8|i16|u16 SPX SPY SPZ LAMBDA[,LAMBDA...]
 *          [--levels L] [--hidden H] [--arm-hidden A] [--passes N] [--batch B] [--strips S]
 *          [--lr-latent X] [--lr-mlp X] [--lr-arm X] [--soft F] [--ste F] [--freeze F]
 *          [--t-start T] [--t-end T] [--start-step K] [--requantise 0|1] [--arm 0|1|2] [--upsample 0|1|2] [--lr-keys X] [--value-map 0|1] [--post-filter 0|1]
 *          [--post-cnn 0|1] [--cnn-channels C] [--cnn-steps N] [--cnn-batch B] [--threads T] [--seed S] [-v]
 * RAW is little-endian voxels, x fastest; SP* the voxel spacing in mm.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_raw.h"
#include "latent/latent_fit.h"
#include "latent/latent_refine.h"
#include "latent/latent_section.h"
#include "latent/post_filter.h"
#include "latent/value_map.h"
#include "lossless/ll_context.h"
#include "volume_norm.h"

/* A stream's bytes besides the payload: the main header (104), the latent
 * header section, the CRC-32 (docs/bitstream.md). */
#define FIXED_BYTES (104 + LATENT_HEADER_BYTES + 4)

/* Writes m's section as the mode does (latent_section_pack: every level coded
 * with ll_encode) and reads it back as a decoder does into *back; *payload
 * gets the payload's bytes, *lat those of the latents (slice tables and
 * rANS streams). */
static e2ec_status through_stream(const latent_model *m, const e2ec_info *vi, latent_model *back,
                                  size_t *payload, size_t *lat) {
    mode_stream s;
    memset(&s, 0, sizeof s);
    s.info = *vi;
    e2ec_status st = latent_section_pack(m, &s);
    if (st) return st;
    /* the main header's fields as written, the section's as a reader gets them */
    e2ec_info in = s.info;
    in.version = E2EC_BITSTREAM_VERSION;
    in.weights_bytes = (uint32_t)s.payload_bytes;
    st = latent_section_read_header(s.header, &in);
    if (!st) st = latent_section_read(s.payload, s.payload_bytes, &in, back);
    *payload = s.payload_bytes, *lat = 0;
    for (int l = 0; l < in.grid_levels; l++) *lat += in.latent_bytes[l];
    free(s.payload);
    return st;
}

static int print_step(const e2ec_progress *p, void *user) {
    (void)user;
    fprintf(stderr, "  pass %4d  PSNR %.2f dB  %.1f s\n", p->epoch, p->psnr, p->elapsed_s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 10) {
        fprintf(stderr, "usage: bench_latent RAW NX NY NZ u8|i16|u16 SPX SPY SPZ LAMBDA[,...] [options]\n");
        return 2;
    }
    e2ec_voxel_type type = bench_raw_type(argv[5]);
    uint32_t nx = (uint32_t)atoi(argv[2]), ny = (uint32_t)atoi(argv[3]), nz = (uint32_t)atoi(argv[4]);
    float sp[3] = {(float)atof(argv[6]), (float)atof(argv[7]), (float)atof(argv[8])};
    latent_fit_config c;
    latent_fit_defaults(&c);
    int value_map_on = 1, post_filter_on = 1, post_cnn_on = 1;
    post_cnn_config pc;
    post_cnn_defaults(&pc);
    for (int i = 10; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "-v")) { c.progress = print_step, c.progress_every = 1; continue; }
        i++;
        if (!strcmp(a, "--levels")) c.levels = atoi(val);
        else if (!strcmp(a, "--hidden")) c.hidden = atoi(val);
        else if (!strcmp(a, "--arm-hidden")) c.arm_hidden = atoi(val);
        else if (!strcmp(a, "--passes")) c.passes = atoi(val);
        else if (!strcmp(a, "--batch")) c.batch = atoi(val);
        else if (!strcmp(a, "--strips")) c.strips = atoi(val);
        else if (!strcmp(a, "--lr-latent")) c.lr_latent = (float)atof(val);
        else if (!strcmp(a, "--lr-mlp")) c.lr_mlp = (float)atof(val);
        else if (!strcmp(a, "--lr-arm")) c.lr_arm = (float)atof(val);
        else if (!strcmp(a, "--soft")) c.soft_from = (float)atof(val);
        else if (!strcmp(a, "--ste")) c.ste_from = (float)atof(val);
        else if (!strcmp(a, "--freeze")) c.freeze_from = (float)atof(val);
        else if (!strcmp(a, "--t-start")) c.t_start = (float)atof(val);
        else if (!strcmp(a, "--t-end")) c.t_end = (float)atof(val);
        else if (!strcmp(a, "--threads")) c.threads = atoi(val);
        else if (!strcmp(a, "--requantise")) c.requantise = atoi(val);
        else if (!strcmp(a, "--arm")) c.arm_choice = atoi(val);
        else if (!strcmp(a, "--upsample")) c.upsample = atoi(val);
        else if (!strcmp(a, "--lr-keys")) c.lr_keys = (float)atof(val);
        else if (!strcmp(a, "--start-step")) c.start_step = (float)atof(val);
        else if (!strcmp(a, "--seed")) c.seed = (uint64_t)atoll(val);
        else if (!strcmp(a, "--value-map")) value_map_on = atoi(val);
        else if (!strcmp(a, "--post-filter")) post_filter_on = atoi(val);
        else if (!strcmp(a, "--post-cnn")) post_cnn_on = atoi(val);
        else if (!strcmp(a, "--cnn-channels")) pc.channels = atoi(val);
        else if (!strcmp(a, "--cnn-steps")) pc.steps = atoi(val);
        else if (!strcmp(a, "--cnn-batch")) pc.batch = atoi(val);
        else {
            fprintf(stderr, "bench_latent: unknown option %s\n", a);
            return 2;
        }
    }
    e2ec_volume v, d;
    if (bench_raw_read("bench_latent", argv[1], nx, ny, nz, type, &v) ||
        e2ec_volume_alloc(&d, nx, ny, nz, type))
        return 1;
    size_t n = (size_t)nx * ny * nz;
    e2ec_info vi; /* the stream's volume fields, as the mode writes them */
    volume_header(&v, &vi);
    vi.version = E2EC_BITSTREAM_VERSION;
    double vmin = vi.vmin, vmax = vi.vmax;
    float *target = malloc(n * sizeof *target), *dec = malloc(n * sizeof *dec);
    volume_to_normalised(&v, vmin, vmax, target);
    grid_shape s;
    if (latent_shape_for(c.levels, nx, ny, nz, sp, &s)) {
        fprintf(stderr, "bench_latent: bad pyramid settings\n");
        return 2;
    }
    printf("# %s %ux%ux%u %s, spacing %g x %g x %g mm, stored %.0f..%.0f; levels %d (", argv[1], nx,
           ny, nz, argv[5], sp[0], sp[1], sp[2], vmin, vmax, s.levels);
    for (int l = 0; l < s.levels; l++) printf("%s%dx%dx%d", l ? " " : "", s.res[l][0], s.res[l][1], s.res[l][2]);
    printf("), %zu latents, MLP %d-%d-%d-1, ARM %d-%d-%d-2, %d passes, steps of %d voxels in %d strips, lr %g/%g/%g, "
           "phases %g/%g/%g, T %g->%g, start step %g, requantise %d, ARM coded %s, %d threads\n",
           s.off[s.levels], s.levels, c.hidden, c.hidden, LL_CTX, c.arm_hidden, c.arm_hidden,
           c.passes, c.batch, c.strips, c.lr_latent, c.lr_mlp, c.lr_arm, c.soft_from, c.ste_from,
           c.freeze_from, c.t_start, c.t_end, c.start_step, c.requantise, c.arm_choice == LATENT_ARM_REFIT ? "refitted" : c.arm_choice == LATENT_ARM_STEPS ? "in searched steps" : "as fitted", c.threads > 0 ? c.threads : omp_get_max_threads());
    printf("lambda,latent_bytes,net_bytes,tail_bytes,fixed_bytes,bytes,bpp,psnr,ssim,fit_s\n");
    for (char *tok = strtok(argv[9], ","); tok; tok = strtok(NULL, ",")) {
        c.lambda = (float)atof(tok);
        latent_model m;
        double t0 = omp_get_wtime();
        e2ec_status st = latent_fit(target, nx, ny, nz, sp, &c, &m);
        double fit_s = omp_get_wtime() - t0;
        if (st) {
            fprintf(stderr, "bench_latent: fit failed: %s\n", e2ec_error_name(st));
            return 1;
        }
        int stages = (value_map_on ? LATENT_REFINE_MAP : 0) | (post_filter_on ? LATENT_REFINE_FILTER : 0) |
                     (post_cnn_on ? LATENT_REFINE_CNN : 0);
        double r0 = omp_get_wtime();
        if ((st = latent_refine(&v, &vi, c.lambda, c.threads, stages, &pc, &m))) {
            fprintf(stderr, "bench_latent: value map and post stages: %s\n", e2ec_error_name(st));
            return 1;
        }
        fprintf(stderr, "# lambda %g: ARM %d-%d-%d-2 at shifts %d %d %d, value map %u entries, post-filter %s, "
                "post-network %d channels (%zu bytes; value map and post stages %.1f s)",
                c.lambda, m.arm.ctx, m.arm.hidden, m.arm.hidden, m.arm.shift[0], m.arm.shift[1], m.arm.shift[2],
                m.map.count, m.filter.on ? "on" : "off", m.cnn.channels, m.cnn.channels ? post_cnn_bytes(&m.cnn) : 0,
                omp_get_wtime() - r0);
        fprintf(stderr, ", kernels (a; 0 linear)");
        for (int l = 0; l < s.levels; l++)
            fprintf(stderr, " %g/%g/%g", m.syn.shape.keys[l][0], m.syn.shape.keys[l][1], m.syn.shape.keys[l][2]);
        latent_model back;
        size_t payload, lat_bytes;
        st = through_stream(&m, &vi, &back, &payload, &lat_bytes);
        if (st || memcmp(back.syn.q, m.syn.q, m.syn.shape.off[s.levels] * sizeof *m.syn.q) ||
            memcmp(back.syn.shape.keys, m.syn.shape.keys, sizeof m.syn.shape.keys)) {
            fprintf(stderr, "bench_latent: the latents do not come back: %s\n", e2ec_error_name(st));
            return 1;
        }
        e2ec_metrics mt;
        int16_t *table;
        if (grid_decode(&back.syn, nx, ny, nz, c.threads, dec) || value_map_table(&back.map, &vi, &table)) return 1;
        normalised_to_stored(dec, n, vmin, vmax, type, vi.bits_stored, d.data);
        value_map_apply(table, &vi, d.data, n);
        free(table);
        size_t post = back.cnn.channels ? post_cnn_bytes(&back.cnn) : post_filter_bytes(&back.filter);
        if (back.filter.on || back.cnn.channels) { /* and what the same decode scores without it */
            e2ec_volume f;
            if (e2ec_volume_alloc(&f, nx, ny, nz, type) ||
                (back.cnn.channels ? post_cnn_apply(&back.cnn, &vi, d.data, 0, nz, 0, nz, f.data)
                                   : post_filter_apply(&back.filter, &vi, d.data, 0, nz, 0, nz, f.data)) ||
                e2ec_compare(&v, &d, c.threads, &mt))
                return 1;
            fprintf(stderr, " (without it %.3f dB, SSIM %.4f, %zu bytes fewer)", mt.psnr, mt.ssim3d, post - 1);
            e2ec_volume_free(&d), d = f;
        }
        fprintf(stderr, "\n");
        if (e2ec_compare(&v, &d, c.threads, &mt)) return 1;
        /* the payload: the coded networks, the latents, the tail (value map, post-filter) */
        size_t total = payload + FIXED_BYTES, tail = m.map.count * VALUE_MAP_ENTRY_BYTES + post;
        printf("%g,%zu,%zu,%zu,%d,%zu,%.4f,%.2f,%.4f,%.1f\n", c.lambda, lat_bytes, payload - lat_bytes - tail,
               tail, FIXED_BYTES, total, 8.0 * (double)total / (double)n, mt.psnr, mt.ssim3d,
               fit_s);
        fflush(stdout);
        latent_model_free(&m), latent_model_free(&back);
    }
    free(target), free(dec);
    e2ec_volume_free(&v), e2ec_volume_free(&d);
    return 0;
}
