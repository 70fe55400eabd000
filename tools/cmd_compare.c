/* e2ec compare A B: PSNR, SSIM and max error of B against the reference A. */
#include <stdio.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"

int cmd_compare(int argc, char **argv) {
    int threads = 0;
    raw_options raw = {0};
    const opt_spec specs[] = {
        {.name = "--threads", .arg = "T", .kind = OPT_INT, .target = &threads, .lo = 0,
         .hi = 1024, .help = "worker threads, 0 = OpenMP's default"},
        RAW_OPTION_SPECS(raw),
        OPT_END};
    const char *pos[2];
    int np, rc = opt_parse(argc, argv, specs, pos, 2, 2, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec compare REFERENCE TEST [options]   (.raw layout applies to both)",
                  specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    raw_layout layout;
    if ((rc = raw_layout_from(&raw, &layout))) return rc;
    e2ec_volume a, b = {0};
    if ((rc = read_volume_or_log(pos[0], &layout, &a))) return rc;
    if ((rc = read_volume_or_log(pos[1], &layout, &b))) goto done;
    if (a.nx != b.nx || a.ny != b.ny || a.nz != b.nz) {
        log_error("the volumes differ in size: %ux%ux%u (%s) and %ux%ux%u (%s)", a.nx, a.ny,
                  a.nz, pos[0], b.nx, b.ny, b.nz, pos[1]);
        rc = EXITCODE_VOLUMES_DIFFER;
        goto done;
    }
    e2ec_metrics m;
    e2ec_status s = e2ec_compare(&a, &b, threads, &m);
    if (s != E2EC_OK) {
        log_error("cannot compare: %s (%s)", e2ec_strerror(s), e2ec_error_name(s));
        rc = exitcode_for_processing(s, EXITCODE_DECODING_FAILED);
        goto done;
    }
    print_metrics(&m);
done:
    e2ec_volume_free(&a);
    e2ec_volume_free(&b);
    return rc;
}
