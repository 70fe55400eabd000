/* What the subcommands share: raw layouts, file reading with messages, metrics output. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "common/sizes.h"
#include "read_file.h"

/* An e2ec stream is a header plus at most E2EC_MAX_WEIGHTS fp32 weights
 * (64 MiB before deflate); anything far larger is not one of ours. */
#define MAX_STREAM_BYTES ((size_t)128 << 20)

const char *mode_name_of(int value) { return e2ec_mode_name((e2ec_mode)value); }
const char *preset_name_of(int value) { return e2ec_preset_name((e2ec_preset)value); }

static int parse_spacing(const char *s, float sp[3]) {
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (errno || end == s || !(x > 0 && x < 1e6)) return -1;
        if (*end != (i < 2 ? ',' : '\0')) return -1;
        sp[i] = (float)x;
        s = end + 1;
    }
    return 0;
}

int raw_layout_from(const raw_options *r, raw_layout *out) {
    memset(out, 0, sizeof *out);
    if (r->dims) {
        long d[3];
        if (opt_int_list(r->dims, d, 3, 1, 1L << 30)) {
            log_error("--dims: '%s' is not NX,NY,NZ (three positive integers)", r->dims);
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
        out->nx = (uint32_t)d[0], out->ny = (uint32_t)d[1], out->nz = (uint32_t)d[2];
    }
    if (r->type && !(out->type = volume_type_parse(r->type))) {
        log_error("--type: unknown voxel type '%s' (u8, i16, u16 or f32)", r->type);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    if (r->spacing && parse_spacing(r->spacing, out->spacing)) {
        log_error("--spacing: '%s' is not SX,SY,SZ (three positive numbers)", r->spacing);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    return EXITCODE_NO_ERROR;
}

int read_volume_or_log(const char *path, const raw_layout *raw, e2ec_volume *v) {
    char why[512];
    e2ec_status s = volume_read(path, raw, v, why, sizeof why);
    if (s == E2EC_OK) {
        log_info("read %s: %ux%ux%u %s, spacing %gx%gx%g mm", path, v->nx, v->ny, v->nz,
                 volume_type_name(v->type), v->spacing[0], v->spacing[1], v->spacing[2]);
        return EXITCODE_NO_ERROR;
    }
    log_error("cannot read volume %s", why);
    return s == E2EC_ERR_ARG ? EXITCODE_COMMANDLINE_SYNTAX_ERROR : exitcode_for_input(s);
}

int write_volume_or_log(const char *path, const e2ec_volume *v) {
    char why[512];
    e2ec_status s = volume_write(path, v, why, sizeof why);
    if (s == E2EC_OK) return EXITCODE_NO_ERROR;
    log_error("cannot write volume %s", why);
    if (s == E2EC_ERR_NOMEM) return EXITCODE_MEMORY_EXHAUSTED;
    if (s == E2EC_ERR_UNSUPPORTED) return EXITCODE_UNSUPPORTED;
    return s == E2EC_ERR_FORMAT ? EXITCODE_COMMANDLINE_SYNTAX_ERROR
                                : EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
}

int read_stream_or_log(const char *path, uint8_t **data, size_t *size) {
    int e = read_file(path, MAX_STREAM_BYTES, data, size);
    if (!e) return EXITCODE_NO_ERROR;
    if (e == EFBIG) {
        log_error("cannot read stream %s: larger than %zu MiB, not an e2ec stream", path,
                  MAX_STREAM_BYTES >> 20);
        return EXITCODE_INVALID_INPUT_FILE;
    }
    log_error("cannot read stream %s: %s", path, strerror(e));
    return e == ENOMEM ? EXITCODE_MEMORY_EXHAUSTED : EXITCODE_CANNOT_READ_INPUT_FILE;
}

double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

uint64_t stored_values(const e2ec_info *i) {
    return (uint64_t)i->n_weights + (e2ec_mode_has_lambda(i->mode) ? i->grid_values : 0);
}

void print_weight_coding(const e2ec_info *i) {
    if (i->mode == E2EC_MODE_LOSSLESS) { /* an integer ARM and the voxels' rANS streams */
        printf("weights: %u int16 (the ARM)\n", i->n_weights);
        printf("weight_coding: integer ARM; voxels rANS-coded, one stream per slice\n");
        printf("weight_bytes: %u (the ARM and the coded voxels)\n", i->weights_bytes);
        printf("max_error: %u\n", i->max_error); /* the bound its section codes to, 0: lossless */
        return;
    }
    if (i->mode == E2EC_MODE_LATENT) { /* an integer ARM, the latents' rANS streams, the MLP */
        if (i->version >= 5) {
            printf("weights: %u (the synthesis MLP's in steps of 2^-q per tensor, the ARM's integers)\n",
                   i->n_weights);
            printf("weight_coding: latents rANS-coded under an integer ARM; ARM and MLP Exp-Golomb coded\n");
        } else {
            printf("weights: %u (the synthesis MLP's in fp16, the ARM's in int16)\n", i->n_weights);
            printf("weight_coding: latents rANS-coded under an integer ARM; MLP fp16\n");
        }
        printf("grid_values: %llu\n", (unsigned long long)i->grid_values);
        printf("weight_bytes: %u (the ARM and the MLP, the coded latents, the value map and the post-filter or network)\n",
               i->weights_bytes);
        printf("bits_per_latent: %.3f\n", 8.0 * (double)i->weights_bytes / (double)i->grid_values);
        printf("value_map_entries: %u\n", i->value_map_entries);
        if (i->post_filter == 2) printf("post_filter: network, %d channels\n", i->post_cnn_channels);
        else printf("post_filter: %s\n", i->post_filter ? "on" : "off");
        return;
    }
    char coding[32];
    if (i->quant_bits) snprintf(coding, sizeof coding, "q%d", i->quant_bits);
    else snprintf(coding, sizeof coding, "%s", i->fp16 ? "fp16" : "fp32");
    printf("weights: %u %s\n", i->n_weights, coding);
    if (i->quant_bits)
        printf("weight_coding: %d bits, %u groups\n", i->quant_bits, i->quant_groups);
    else
        printf("weight_coding: %s\n", coding);
    /* a grid stream codes its features and its MLP in one zstd section */
    if (i->mode == E2EC_MODE_GRID)
        printf("grid_values: %llu\n", (unsigned long long)i->grid_values);
    printf("weight_bytes: %u\n", i->weights_bytes);
    printf("bytes_per_weight: %.3f\n", (double)i->weights_bytes / (double)stored_values(i));
}

void print_metrics(const e2ec_metrics *m) {
    printf("psnr_db: %.2f\n", m->psnr);
    printf("psnr_bits_db: %.2f\n", m->psnr_bits);
    printf("mse: %.6g\n", m->mse);
    printf("ssim3d: %.4f\n", m->ssim3d);
    printf("ssim2d_mean: %.4f\n", m->ssim2d_mean);
    printf("max_abs_err: %g\n", m->max_abs_err);
}

/* Copies the box at (x,y,z) of size (nx,ny,nz) of in into a new volume. */
int crop_volume(const e2ec_volume *in, const long b[6], e2ec_volume *out) {
    for (int i = 0; i < 3; i++) {
        uint32_t n = i == 0 ? in->nx : i == 1 ? in->ny : in->nz;
        if (b[i] + b[i + 3] > (long)n) {
            log_error("the box runs past the volume's %ux%ux%u", in->nx, in->ny, in->nz);
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
    }
    e2ec_status s = e2ec_volume_alloc(out, (uint32_t)b[3], (uint32_t)b[4], (uint32_t)b[5],
                                      in->type);
    if (s != E2EC_OK) {
        log_error("cannot crop: %s", e2ec_strerror(s));
        return exitcode_for_processing(s, EXITCODE_COMMANDLINE_SYNTAX_ERROR);
    }
    memcpy(out->spacing, in->spacing, sizeof out->spacing);
    out->bits_stored = in->bits_stored;
    size_t vs = e2ec_voxel_size(in->type), row = (size_t)b[3] * vs;
    for (long z = 0; z < b[5]; z++)
        for (long y = 0; y < b[4]; y++) {
            size_t src = (((size_t)(b[2] + z) * in->ny + (size_t)(b[1] + y)) * in->nx +
                          (size_t)b[0]) * vs;
            size_t dst = ((size_t)z * out->ny + (size_t)y) * row;
            memcpy((char *)out->data + dst, (const char *)in->data + src, row);
        }
    return EXITCODE_NO_ERROR;
}

void log_memory_refusal(const char *what, uint64_t need, uint64_t limit) {
    char why[256];
    log_error("%s %s (E2EC_ERR_MEMORY_LIMIT)", what, size_refusal(why, sizeof why, need, limit));
}
