/* e2ec info IN.e2ec: a stream's header as "key: value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"

static const char *upsampler_name(e2ec_upsampler u) {
    return u == E2EC_UP_TRILINEAR ? "trilinear" : u == E2EC_UP_TRICUBIC ? "tricubic" : "none";
}

static void print_info(const e2ec_info *i) {
    printf("version: %u\n", i->version);
    printf("dims: %ux%ux%u\n", i->nx, i->ny, i->nz);
    printf("spacing_mm: %gx%gx%g\n", i->spacing[0], i->spacing[1], i->spacing[2]);
    printf("type: %s\n", volume_type_name(i->type));
    printf("bits_stored: %u\n", i->bits_stored);
    printf("intensity_range: %.9g %.9g\n", i->vmin, i->vmax);
    printf("mode: %s\n", e2ec_mode_name(i->mode));
    printf("scale: %d\n", i->scale);
    printf("siren_grid: %ux%ux%u\n", i->lx, i->ly, i->lz);
    printf("siren_width: %d\n", i->siren_width);
    printf("siren_layers: %d\n", i->siren_layers);
    printf("omega0: %g\n", i->omega0);
    if (i->mode == E2EC_MODE_SIREN_DS) printf("upsampler: %s\n", upsampler_name(i->upsampler));
    if (i->mode == E2EC_MODE_E2E)
        printf("srno: channels %d width %d heads %d\n", i->srno_channels, i->srno_width,
               i->srno_heads);
    if (i->mode == E2EC_MODE_GRID)
        printf("grid: levels %d feats %d step %dx%dx%d delta %g, %llu features of %d bytes, "
               "MLP hidden %d\n",
               i->grid_levels, i->grid_feats, i->grid_step[0], i->grid_step[1], i->grid_step[2],
               i->grid_delta, (unsigned long long)i->grid_values, i->grid_feature_bytes,
               i->grid_hidden);
    if (i->mode == E2EC_MODE_LATENT) {
        printf("latent: levels %d, MLP hidden %d, ARM hidden %d shifts %d %d %d, %llu latents\n",
               i->grid_levels, i->grid_hidden, i->arm_hidden, i->arm_shift[0], i->arm_shift[1],
               i->arm_shift[2], (unsigned long long)i->grid_values);
        for (int l = 0; l < i->grid_levels; l++) {
            unsigned streams = (((unsigned)i->latent_res[l][2] - 1) >> i->latent_group[l]) + 1;
            printf("latent_level_%d: %dx%dx%d, shift %d, alphabet [%d, %d], %u bytes in %u stream%s, "
                   "upsampling", l, i->latent_res[l][0], i->latent_res[l][1], i->latent_res[l][2],
                   i->latent_shift[l], i->latent_lo[l], i->latent_hi[l], i->latent_bytes[l], streams,
                   streams == 1 ? "" : "s");
            for (int a = 0; a < 3; a++)
                if (i->latent_keys[l][a]) printf(" %c cubic %g", "xyz"[a], -i->latent_keys[l][a] / 64.0);
                else printf(" %c linear", "xyz"[a]);
            printf("\n");
        }
    }
    print_weight_coding(i);
    if (i->has_residual) printf("max_error: %u\n", i->max_error);
    printf("stream_bytes: %zu\n", i->stream_bytes);
    uint64_t voxels = (uint64_t)i->nx * i->ny * i->nz;
    printf("true_bpp: %.4f\n", 8.0 * (double)i->stream_bytes / (double)voxels);
}

int cmd_info(int argc, char **argv) {
    uint64_t max_memory = 0;
    const opt_spec specs[] = {MAX_MEMORY_OPTION_SPEC(max_memory), OPT_END};
    const char *pos[1];
    int np, rc = opt_parse(argc, argv, specs, pos, 1, 1, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec info IN.e2ec", specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    uint8_t *stream;
    size_t size;
    if ((rc = read_stream_or_log(pos[0], &stream, &size))) return rc;
    e2ec_info info;
    uint64_t whole = 0, slice = 0;
    e2ec_status s = e2ec_get_info(stream, size, &info);
    if (s == E2EC_OK) s = e2ec_decode_memory(stream, size, 1, 0, &whole);
    if (s == E2EC_OK) s = e2ec_decode_memory(stream, size, 0, 0, &slice);
    free(stream);
    if (s != E2EC_OK) {
        log_error("invalid stream %s: %s (%s)", pos[0], e2ec_strerror(s), e2ec_error_name(s));
        return exitcode_for_input(s);
    }
    print_info(&info);
    /* with OpenMP's default thread count; per-thread scratch is a small part */
    printf("decode_memory_bytes: %llu\n", (unsigned long long)whole);
    printf("slice_decode_memory_bytes: %llu\n", (unsigned long long)slice);
    /* --max-memory: whether this stream decodes within it, as decompress would judge */
    if (max_memory && whole > max_memory) {
        char what[4096];
        snprintf(what, sizeof what, "%s: decoding it", pos[0]);
        log_memory_refusal(what, whole, max_memory);
        return exitcode_for_input(E2EC_ERR_MEMORY_LIMIT);
    }
    return EXITCODE_NO_ERROR;
}
