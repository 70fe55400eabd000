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
    if (box) rc = crop_volume(&in, b, &out);
    if (!rc) rc = write_volume_or_log(pos[1], box ? &out : &in);
    e2ec_volume_free(&out);
    e2ec_volume_free(&in);
    return rc;
}
