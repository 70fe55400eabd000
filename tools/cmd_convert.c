/*
 * e2ec convert IN OUT [--crop X,Y,Z,NX,NY,NZ]: changes a volume's file format,
 * optionally keeping only a box of it (how tests and benchmarks make small
 * volumes from the sample series). Voxel values are copied unchanged.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"

/* Copies the box at (x,y,z) of size (nx,ny,nz) of in into a new volume. */
static int crop(const e2ec_volume *in, const long b[6], e2ec_volume *out) {
    for (int i = 0; i < 3; i++) {
        uint32_t n = i == 0 ? in->nx : i == 1 ? in->ny : in->nz;
        if (b[i] + b[i + 3] > (long)n) {
            log_error("--crop: the box runs past the volume's %ux%ux%u", in->nx, in->ny, in->nz);
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
    }
    e2ec_status s = e2ec_volume_alloc(out, (uint32_t)b[3], (uint32_t)b[4], (uint32_t)b[5],
                                      in->type);
    if (s != E2EC_OK) {
        log_error("--crop: %s", e2ec_strerror(s));
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

int cmd_convert(int argc, char **argv) {
    const char *box = NULL;
    raw_options raw = {0};
    const opt_spec specs[] = {
        {.name = "--crop", .arg = "X,Y,Z,NX,NY,NZ", .kind = OPT_STRING, .target = &box,
         .help = "keep the NXxNYxNZ box whose first voxel is (X,Y,Z)"},
        RAW_OPTION_SPECS(raw),
        OPT_END};
    const char *pos[2];
    int np, rc = opt_parse(argc, argv, specs, pos, 2, 2, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec convert IN OUT [options]", specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    long b[6];
    if (box && opt_int_list(box, b, 6, 0, 1L << 30)) {
        log_error("--crop: '%s' is not X,Y,Z,NX,NY,NZ", box);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    raw_layout layout;
    if ((rc = raw_layout_from(&raw, &layout))) return rc;
    e2ec_volume in, out = {0};
    if ((rc = read_volume_or_log(pos[0], &layout, &in))) return rc;
    if (box) rc = crop(&in, b, &out);
    if (!rc) rc = write_volume_or_log(pos[1], box ? &out : &in);
    e2ec_volume_free(&out);
    e2ec_volume_free(&in);
    return rc;
}
