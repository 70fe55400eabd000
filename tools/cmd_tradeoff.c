/*
 * e2ec tradeoff IN [--scales 2,4,8] [--channels 4,8,16] [--widths 30,50,...]
 *   [--epochs N] [--patch P] [--out PREFIX]: the paper's trade-off-point
 * search (Eq. 7-9). Trains every combination on the volume (or on the
 * protocol patch of P voxels a side), writes PREFIX.csv, prints the point
 * minimising 1/PSNR + (1 - SSIM) + (1 - CR) and draws the plots (tradeoff.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "atomic_file.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "patch_select.h"
#include "tradeoff.h"

#define MAX_LIST 16

/* "30,50,70" -> up to MAX_LIST integers in [lo, hi]; returns the count, 0 on error. */
static int parse_list(const char *s, int *out, long lo, long hi) {
    int n = 0;
    while (*s && n < MAX_LIST) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < lo || v > hi || (*end && *end != ',')) return 0;
        out[n++] = (int)v;
        s = *end ? end + 1 : end;
    }
    return *s ? 0 : n;
}

/* Trains one grid point and measures it; returns an exit code. */
static int run_point(const e2ec_volume *v, e2ec_params p, tradeoff_row *row) {
    p.scale = row->scale, p.srno_channels = row->channels, p.siren_width = row->width;
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_volume out = {0};
    e2ec_metrics m;
    e2ec_rate r;
    double t0 = now_seconds();
    e2ec_status st = e2ec_encode(v, &p, &s, &n);
    row->seconds = now_seconds() - t0;
    if (!st) st = e2ec_decode(s, n, p.threads, &out);
    if (!st) st = e2ec_compare(v, &out, p.threads, &m);
    if (st) {
        log_error("DS=1/%d NC=%d SN=%d: %s (%s)", row->scale, row->channels, row->width,
                  e2ec_strerror(st), e2ec_error_name(st));
    } else {
        row->params = (unsigned)e2ec_param_count(&p);
        e2ec_rate_of(v, row->params, n, &r);
        row->paper_cr = r.paper_cr, row->paper_bpp = r.paper_bpp, row->true_bpp = r.true_bpp;
        row->psnr = m.psnr, row->ssim = m.ssim3d;
    }
    e2ec_free(s);
    e2ec_volume_free(&out);
    return st ? exitcode_for_processing(st, EXITCODE_ENCODING_FAILED) : EXITCODE_NO_ERROR;
}

static int write_csv(const char *path, const tradeoff_row *rows, size_t n) {
    size_t cap = 256 + n * 160, len = 0;
    char *buf = malloc(cap);
    if (!buf) return ENOMEM;
    len += (size_t)snprintf(buf, cap, "scale,channels,width,params,paper_cr,paper_bpp,true_bpp,"
                                      "psnr_db,ssim3d,objective,seconds\n");
    for (size_t i = 0; i < n; i++) {
        const tradeoff_row *r = &rows[i];
        len += (size_t)snprintf(buf + len, cap - len,
                                "%d,%d,%d,%u,%.6f,%.4f,%.4f,%.3f,%.5f,%.6f,%.1f\n", r->scale,
                                r->channels, r->width, r->params, r->paper_cr, r->paper_bpp,
                                r->true_bpp, r->psnr, r->ssim, tradeoff_objective(r),
                                r->seconds);
    }
    int e = atomic_write_file(path, buf, len);
    free(buf);
    return e;
}

int cmd_tradeoff(int argc, char **argv) {
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = E2EC_MODE_E2E;
    p.progress = NULL;
    int mode = p.mode, patch = 0;
    const char *scales_s = "2,4,8", *channels_s = "4,8,16", *widths_s = "30,50,70";
    const char *prefix = "tradeoff";
    raw_options raw = {0};
    const opt_spec specs[] = {
        {.name = "--mode", .arg = "M", .kind = OPT_CHOICE, .target = &mode,
         .name_of = mode_name_of, .help = "codec mode (channels matter in e2e only)"},
        {.name = "--scales", .arg = "LIST", .kind = OPT_STRING, .target = &scales_s,
         .help = "downsampling factors"},
        {.name = "--channels", .arg = "LIST", .kind = OPT_STRING, .target = &channels_s,
         .help = "SRNO encoder channels"},
        {.name = "--widths", .arg = "LIST", .kind = OPT_STRING, .target = &widths_s,
         .help = "SIREN widths"},
        {.name = "--epochs", .arg = "N", .kind = OPT_INT, .target = &p.epochs, .lo = 1,
         .hi = 100000000, .help = "training epochs per point"},
        {.name = "--patch", .arg = "P", .kind = OPT_INT, .target = &patch, .lo = 0, .hi = 4096,
         .help = "train on the protocol patch of P^3 voxels (0 = whole volume)"},
        {.name = "--threads", .arg = "T", .kind = OPT_INT, .target = &p.threads, .lo = 0,
         .hi = 1024, .help = "worker threads, 0 = OpenMP's default"},
        {.name = "--seed", .arg = "S", .kind = OPT_U64, .target = &p.seed, .help = "random seed"},
        {.name = "--out", .arg = "PREFIX", .kind = OPT_STRING, .target = &prefix,
         .help = "writes PREFIX.csv and PREFIX_*.png"},
        RAW_OPTION_SPECS(raw),
        OPT_END};
    const char *pos[1];
    int np, rc = opt_parse(argc, argv, specs, pos, 1, 1, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec tradeoff IN [options]", specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    int scales[MAX_LIST], channels[MAX_LIST], widths[MAX_LIST];
    int ns = parse_list(scales_s, scales, 1, 8), nc = parse_list(channels_s, channels, 1, 256);
    int nw = parse_list(widths_s, widths, 1, 1024);
    if (!ns || !nc || !nw) {
        log_error("--scales, --channels and --widths take up to %d comma-separated integers",
                  MAX_LIST);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    p.mode = (e2ec_mode)mode;
    if (p.mode != E2EC_MODE_E2E) nc = 1; /* the channels do not exist outside e2e */

    raw_layout layout;
    if ((rc = raw_layout_from(&raw, &layout))) return rc;
    e2ec_volume in, cut = {0};
    if ((rc = read_volume_or_log(pos[0], &layout, &in))) return rc;
    if (patch) {
        long box[6];
        double f = patch_select(&in, (uint32_t)patch, 0.7, box);
        log_info("patch %ldx%ldx%ld at (%ld,%ld,%ld), %.1f %% non-zero", box[3], box[4],
                 box[5], box[0], box[1], box[2], 100 * f);
        rc = crop_volume(&in, box, &cut);
        e2ec_volume_free(&in);
        if (rc) return rc;
        in = cut;
    }
    size_t n = 0, total = (size_t)ns * nc * nw;
    tradeoff_row *rows = calloc(total, sizeof *rows);
    if (!rows) rc = EXITCODE_ENCODING_FAILED;
    for (int a = 0; !rc && a < ns; a++)
        for (int b = 0; !rc && b < nc; b++)
            for (int c = 0; !rc && c < nw; c++) {
                tradeoff_row *r = &rows[n];
                r->scale = p.mode == E2EC_MODE_SIREN ? 1 : scales[a];
                r->channels = p.mode == E2EC_MODE_E2E ? channels[b] : 0;
                r->width = widths[c];
                if ((rc = run_point(&in, p, r))) break;
                n++;
                if (log_get_level() >= LOG_WARN)
                    fprintf(stderr, "[%zu/%zu] DS=1/%d NC=%d SN=%d: %u weights, %.3f bpp, %.2f dB, SSIM "
                         "%.4f, %.0f s\n", n, total, r->scale, r->channels, r->width, r->params,
                         r->true_bpp, r->psnr, r->ssim, r->seconds);
            }
    if (!rc) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (tradeoff_objective(&rows[i]) < tradeoff_objective(&rows[best])) best = i;
        char *csv = malloc(strlen(prefix) + 8);
        sprintf(csv, "%s.csv", prefix);
        int e = write_csv(csv, rows, n);
        if (e) {
            log_error("cannot write %s: %s", csv, strerror(e));
            rc = EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
        } else if (tradeoff_plot(prefix, rows, n)) {
            rc = EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
        }
        free(csv);
        const tradeoff_row *b = &rows[best];
        printf("tradeoff_point: DS=1/%d NC=%d SN=%d\nparams: %u\npaper_cr: %.6f\ntrue_bpp: "
               "%.4f\npsnr_db: %.3f\nssim3d: %.5f\nobjective: %.6f\n",
               b->scale, b->channels, b->width, b->params, b->paper_cr, b->true_bpp, b->psnr,
               b->ssim, tradeoff_objective(b));
    }
    free(rows);
    e2ec_volume_free(&in);
    return rc;
}
