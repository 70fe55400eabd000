/* e2ec decompress IN.e2ec OUT [--slice Z]: decodes a stream, whole or one z-slice. */
#include <stdio.h>
#include <stdlib.h>
#include "cmd.h"
#include "common/exitcodes.h"
#include "common/log.h"

/* One slice as a 2-D volume (nz = 1) with the stream's spacing in-plane. */
static e2ec_status decode_slice(const uint8_t *stream, size_t size, int z,
                                const e2ec_decode_options *o, e2ec_volume *out, int *rc) {
    e2ec_info info;
    e2ec_status s = e2ec_get_info(stream, size, &info);
    if (s != E2EC_OK) return s;
    if ((uint32_t)z >= info.nz) {
        log_error("--slice %d: the volume has %u slices (0..%u)", z, info.nz, info.nz - 1);
        *rc = EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        return E2EC_ERR_ARG;
    }
    s = e2ec_volume_alloc(out, info.nx, info.ny, 1, info.type);
    if (s != E2EC_OK) return s;
    for (int i = 0; i < 3; i++) out->spacing[i] = info.spacing[i];
    out->bits_stored = info.bits_stored;
    s = e2ec_decode_slice_opt(stream, size, (uint32_t)z, o, out->data);
    if (s != E2EC_OK) e2ec_volume_free(out);
    return s;
}

int cmd_decompress(int argc, char **argv) {
    int slice = -1;
    e2ec_decode_options o = {0, 0};
    const opt_spec specs[] = {
        {.name = "--slice", .arg = "Z", .kind = OPT_INT, .target = &slice, .lo = 0,
         .hi = 1 << 30, .help = "decode only z-slice Z (0-based) into a 2-D file"},
        {.name = "--threads", .arg = "T", .kind = OPT_INT, .target = &o.threads, .lo = 0,
         .hi = 1024, .help = "worker threads, 0 = OpenMP's default"},
        MAX_MEMORY_OPTION_SPEC(o.max_memory),
        OPT_END};
    const char *pos[2];
    int np, rc = opt_parse(argc, argv, specs, pos, 2, 2, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec decompress IN.e2ec OUT [options]   (whole volume: all slices)",
                  specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    uint8_t *stream;
    size_t size;
    if ((rc = read_stream_or_log(pos[0], &stream, &size))) return rc;
    e2ec_volume out = {0};
    double t0 = now_seconds();
    e2ec_status s = slice >= 0 ? decode_slice(stream, size, slice, &o, &out, &rc)
                               : e2ec_decode_opt(stream, size, &o, &out);
    uint64_t need = 0;
    if (s == E2EC_ERR_MEMORY_LIMIT)
        e2ec_decode_memory(stream, size, slice < 0, o.threads, &need);
    free(stream);
    if (s == E2EC_ERR_MEMORY_LIMIT) {
        char what[4096];
        snprintf(what, sizeof what, "cannot decode %s: it", pos[0]);
        log_memory_refusal(what, need, o.max_memory);
        return exitcode_for_input(s);
    }
    if (s != E2EC_OK) {
        if (rc) return rc;
        log_error("cannot decode %s: %s (%s)", pos[0], e2ec_strerror(s), e2ec_error_name(s));
        return exitcode_for_input(s);
    }
    log_info("decoded %ux%ux%u in %.3f s", out.nx, out.ny, out.nz, now_seconds() - t0);
    rc = write_volume_or_log(pos[1], &out);
    e2ec_volume_free(&out);
    return rc;
}
