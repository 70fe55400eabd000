/*
 * dcme2ec - encode a DICOM CT/MR series into one e2ec-compressed DICOM object, in the
 * manner of DCMTK's dcmcjpeg: dcme2ec [options] IN... OUT, where IN is a file, several
 * files or a series folder (or one multi-frame object). The output is one Legacy
 * Converted Enhanced CT/MR Image instance under e2ec's private transfer syntax
 * (conformance/CONFORMANCE.md). Exit codes: tools/dcme2e_common.h.
 */
#include "dcme2e_common.h"


#include <cmath>
#include <string>
#include <vector>

#include "e2ec_dicom.h"

#define OFFIS_CONSOLE_APPLICATION "dcme2ec"
static OFLogger logger = OFLog::getLogger("e2ec.apps." OFFIS_CONSOLE_APPLICATION);
static const char rcsid[] = "$e2ec: " OFFIS_CONSOLE_APPLICATION " v" E2EC_VERSION_STRING " $";

/* user: e2ec_epoch_unit of the mode, singular */
static int on_progress(const e2ec_progress *p, void *unit) {
    OFLOG_INFO(logger, (const char *)unit << " " << p->epoch << "/" << p->epochs << ": loss "
                                          << p->loss << ", fit PSNR " << p->psnr << " dB, "
                                          << p->elapsed_s << " s");
    return 0;
}

static void add_options(OFCommandLine &cmd) {
    cmd.setOptionColumns(DCME2E_LONGCOL, DCME2E_SHORTCOL);
    cmd.setParamColumn(DCME2E_LONGCOL + DCME2E_SHORTCOL + 4);
    cmd.addParam("dcmfile-in... dcmfile-out",
                 "DICOM input files or series folders, then the output file",
                 OFCmdParam::PM_MultiMandatory);
    cmd.addGroup("general options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--help", "-h", "print this help text and exit", OFCommandLine::AF_Exclusive);
    cmd.addOption("--version", "print version information and exit", OFCommandLine::AF_Exclusive);
    OFLog::addOptions(cmd);
    cmd.addGroup("input options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--series", "+s", 1, "[u]id: string",
                  "encode the series with Series Instance UID u\n(default: refuse mixed series)");
    cmd.addOption("--accept-uneven", "+ue", "accept uneven slice spacing (positions are kept)");
    cmd.addOption("--rescale-convert", "+rc",
                  "convert slices with differing Rescale Slope/\nIntercept to one (default: refuse)");
    cmd.addGroup("e2ec options:");
    dcme2e_add_mode_options(cmd, "latent");
    cmd.addOption("--scale", "-s", 1, "[n]: 1, 2, 4 or 8", "downsampling factor per axis");
    cmd.addOption("--width", "-w", 1, "[n]: integer", "SIREN neurons per hidden layer");
    cmd.addOption("--channels", "-c", 1, "[n]: integer", "SRNO encoder channels (e2e mode)");
    cmd.addOption("--epochs", "-e", 1, "[n]: integer",
                  ("training epochs, latent: passes over the volume,\ngrid and lossless: Adam steps (default " +
                   std::to_string(e2ec_default_epochs(E2EC_MODE_LATENT)) + "; grid " +
                   std::to_string(e2ec_default_epochs(E2EC_MODE_GRID)) + "; lossless " +
                   std::to_string(e2ec_default_epochs(E2EC_MODE_LOSSLESS)) + "; the paper's modes " +
                   std::to_string(e2ec_default_epochs(E2EC_MODE_E2E)) + ")")
                      .c_str());
    cmd.addOption("--batch", "-b", 1, "[n]: integer",
                  "samples per step (e2e: attention windows), 0 = full batch");
    cmd.addOption("--fp16", "+h", "store weights as half floats");
    cmd.addOption("--qbits", 1, "[n]: integer (2..8)", "quantise weights to n bits");
    cmd.addOption("--max-error", "+me", 1, "[n]: integer (0..65535)",
                  "near-lossless: every voxel within n stored values\n(lossless mode: coded so, n <= 255; siren,\nsiren-ds, e2e: a residual is stored; not grid)");
    cmd.addOption("--threads", "-t", 1, "[n]: integer", "worker threads (default: all)");
    dcme2e_add_max_memory(cmd);
    cmd.addOption("--seed", 1, "[n]: integer", "seed of initialisation and sampling");
    cmd.addGroup("rate control options (a search over --width, or --grid-lambda in grid mode):",
                 DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--target-psnr", "+tp", 1, "[d]: float",
                  "the smallest object whose PSNR reaches d dB");
    cmd.addOption("--target-bpp", "+tb", 1, "[b]: float",
                  "the best PSNR within b bits per voxel");
    cmd.addOption("--max-trials", 1, "[n]: integer (1..16)",
                  "encodes a target search may run (default 6)");
    cmd.addGroup("output options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addSubGroup("Series Instance UID:");
    cmd.addOption("--uid-always", "+ua", "assign a new Series Instance UID (default)");
    cmd.addOption("--uid-never", "+un", "keep the source Series Instance UID");
}

/* Applies the e2ec options to p; false (with a message) on a bad value. */
static bool read_params(OFCommandLine &cmd, OFConsoleApplication &app, e2ec_params &p) {
    e2ec_params_default(&p);
    OFCmdSignedInt n;
    e2ec_preset preset;
    if (!dcme2e_read_mode_options(cmd, app, logger, p, preset)) return false;
    struct { const char *opt; int *field; long lo, hi; } ints[] = {
        {"--scale", &p.scale, 1, 8},      {"--width", &p.siren_width, 1, 4096},
        {"--channels", &p.srno_channels, 1, 256}, {"--epochs", &p.epochs, 0, 10000000},
        {"--batch", &p.batch, 0, 1 << 30},
        {"--threads", &p.threads, 0, 1024}, {"--qbits", &p.quant_bits, 2, 8},
        {"--max-error", &p.max_error, 0, 65535}};
    for (auto &o : ints)
        if (cmd.findOption(o.opt)) {
            app.checkValue(cmd.getValueAndCheckMinMax(n, o.lo, o.hi));
            *o.field = (int)n;
        }
    if (cmd.findOption("--seed")) {
        app.checkValue(cmd.getValueAndCheckMin(n, 0));
        p.seed = (uint64_t)n;
    }
    if (cmd.findOption("--fp16")) p.fp16 = 1;
    return dcme2e_max_memory(cmd, app, p.max_memory);
}

/* Reads --target-psnr / --target-bpp / --max-trials; t->kind stays 0 when
 * neither target is given. False (with a message) on a bad combination. */
static bool read_target(OFCommandLine &cmd, OFConsoleApplication &app, e2ec_target *t) {
    *t = e2ec_target{};
    OFCmdFloat x = 0;
    OFCmdSignedInt n;
    bool psnr = cmd.findOption("--target-psnr");
    if (psnr) app.checkValue(cmd.getValueAndCheckMinMax(x, 1.0, 200.0));
    if (cmd.findOption("--target-bpp")) {
        if (psnr) {
            OFLOG_FATAL(logger, "--target-psnr and --target-bpp exclude each other");
            return false;
        }
        app.checkValue(cmd.getValueAndCheckMinMax(x, 1e-6, 64.0));
        t->kind = E2EC_TARGET_BPP;
    } else if (psnr) {
        t->kind = E2EC_TARGET_PSNR;
    }
    t->value = x;
    if (cmd.findOption("--max-trials")) {
        app.checkValue(cmd.getValueAndCheckMinMax(n, 1, 16));
        t->max_trials = (int)n;
    }
    return true;
}

/* Encodes at the given parameters, or searches the knob for a target (its
 * outcome logged; a miss is a warning, and the nearest stream is kept). */
static e2ec_status encode(const e2ec_volume *v, e2ec_params &p, const e2ec_target &t,
                          uint8_t **stream, size_t *size) {
    if (!t.kind) return e2ec_encode(v, &p, stream, size);
    e2ec_target_result r;
    e2ec_status st = e2ec_encode_target(v, &p, &t, stream, size, &r);
    if (st) return st;
    const char *unit = t.kind == E2EC_TARGET_PSNR ? " dB" : " bpp";
    if (e2ec_mode_has_lambda(p.mode)) p.grid_lambda = r.grid_lambda;
    else p.siren_width = r.siren_width;
    OFLOG_INFO(logger, "target " << t.value << unit << ": " << r.psnr << " dB at " << r.true_bpp
                                 << " bpp after " << r.trials << " encodes ("
                                 << (e2ec_mode_has_lambda(p.mode) ? "lambda " : "width ")
                                 << (e2ec_mode_has_lambda(p.mode) ? (double)r.grid_lambda
                                                              : (double)r.siren_width)
                                 << ")");
    if (!r.met)
        OFLOG_WARN(logger, "target " << t.value << unit << " not met in " << r.trials
                                     << " encodes: the nearest stream found is written");
    return E2EC_OK;
}

/* PSNR and rate of the stream against the series, printed with -v. */
static void report_quality(const e2ec_dicom_series *s, const uint8_t *stream, size_t size,
                           const e2ec_params &p) {
    const e2ec_volume *v = e2ec_dicom_series_volume(s);
    e2ec_volume dec;
    e2ec_metrics m;
    e2ec_decode_options o = {p.threads, p.max_memory};
    e2ec_status st = e2ec_decode_opt(stream, size, &o, &dec);
    if (!st) st = e2ec_compare(v, &dec, p.threads, &m);
    e2ec_volume_free(&dec);
    if (st) {
        OFLOG_WARN(logger, "cannot measure the result: " << e2ec_strerror(st));
        return;
    }
    double voxels = (double)v->nx * v->ny * v->nz;
    char line[256];
    snprintf(line, sizeof line,
             "PSNR %.4f dB (peak = range of the original), %.4f dB (peak = 2^%d-1), max error "
             "%.0f, ratio %.2f:1, %.4f bpp",
             m.psnr, m.psnr_bits, v->bits_stored, m.max_abs_err,
             (double)e2ec_dicom_series_pixel_bytes(s) / (double)size, 8.0 * size / voxels);
    OFLOG_INFO(logger, line);
}

int main(int argc, char *argv[]) {
    OFConsoleApplication app(OFFIS_CONSOLE_APPLICATION,
                             "Encode a DICOM series to e2ec transfer syntax", rcsid);
    OFCommandLine cmd;
    add_options(cmd);
    int rc = dcme2e_start(app, cmd, argc, argv, OFFIS_CONSOLE_APPLICATION);
    if (rc >= 0) return rc;
    int nparams = cmd.getParamCount();
    if (nparams < 2) {
        app.printError("give at least one input and the output file");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    std::vector<const char *> in;
    for (int i = 1; i < nparams; i++) {
        const char *p;
        cmd.getParam(i, p);
        in.push_back(p);
    }
    const char *out;
    cmd.getParam(nparams, out);

    e2ec_dicom_read_options ro = {};
    e2ec_dicom_write_options wo = {};
    if (cmd.findOption("--series")) app.checkValue(cmd.getValue(ro.series_uid));
    ro.accept_uneven = cmd.findOption("--accept-uneven");
    ro.convert_rescale = cmd.findOption("--rescale-convert");
    ro.verbose = logger.isEnabledFor(OFLogger::DEBUG_LOG_LEVEL);
    cmd.beginOptionBlock();
    if (cmd.findOption("--uid-always")) wo.keep_series_uid = 0;
    if (cmd.findOption("--uid-never")) wo.keep_series_uid = 1;
    cmd.endOptionBlock();
    e2ec_params p;
    e2ec_target target;
    if (!read_params(cmd, app, p) || !read_target(cmd, app, &target))
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    if (target.kind && e2ec_mode_has_lambda(p.mode) && !(p.grid_lambda > 0 && p.grid_lambda <= 1)) {
        OFLOG_FATAL(logger, "a target search in grid or latent mode starts from --grid-lambda, which must be in (0, 1]");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }

    char err[4096];
    e2ec_dicom_series *s = NULL;
    OFLOG_INFO(logger, "reading the series");
    e2ec_status st = e2ec_dicom_series_read(in.data(), in.size(), &ro, &s, err, sizeof err);
    if (st) {
        OFLOG_FATAL(logger, err);
        return exitcode_for_input(st);
    }
    if ((st = e2ec_dicom_series_check_compressible(s, err, sizeof err))) {
        OFLOG_FATAL(logger, err);
        e2ec_dicom_series_free(s);
        return exitcode_for_input(st);
    }
    const e2ec_volume *v = e2ec_dicom_series_volume(s);
    const int epochs = e2ec_encode_epochs(v, &p); /* latent: scaled by the volume's voxels */
    if (logger.isEnabledFor(OFLogger::INFO_LOG_LEVEL)) {
        p.progress = on_progress, p.progress_user = (void *)e2ec_epoch_unit(p.mode, 1);
        p.progress_every = epochs >= 10 ? epochs / 10 : 1;
    }
    OFLOG_INFO(logger, "volume " << v->nx << " x " << v->ny << " x " << v->nz << ", spacing "
                                 << v->spacing[0] << " x " << v->spacing[1] << " x "
                                 << v->spacing[2] << " mm, " << (int)v->bits_stored
                                 << " bits stored; encoding " << e2ec_mode_name(p.mode) << " ("
                                 << epochs << " " << e2ec_epoch_unit(p.mode, epochs) << ")");
    uint8_t *stream = NULL;
    size_t size = 0;
    st = encode(v, p, target, &stream, &size);
    if (st == E2EC_ERR_MEMORY_LIMIT) {
        uint64_t need = 0;
        e2ec_encode_memory(v, &p, &need);
        OFLOG_FATAL(logger, dcme2e_memory_refusal("encoding the series", need, p.max_memory));
    } else if (st) {
        OFLOG_FATAL(logger, "encoding failed: " << e2ec_strerror(st));
    }
    if (st) {
        e2ec_dicom_series_free(s);
        return exitcode_for_processing(st, EXITCODE_ENCODING_FAILED);
    }
    OFLOG_INFO(logger, "stream " << size << " bytes");
    if (logger.isEnabledFor(OFLogger::INFO_LOG_LEVEL)) report_quality(s, stream, size, p);
    char deriv[512];
    if (e2ec_mode_has_lambda(p.mode))
        snprintf(deriv, sizeof deriv,
                 "Lossy compression of the whole series by e2ec " E2EC_VERSION_STRING " (%s): lambda %g, %d %s",
                 p.mode == E2EC_MODE_GRID ? "quantised feature grid" : "coded latent grids",
                 (double)p.grid_lambda, epochs, e2ec_epoch_unit(p.mode, epochs));
    else
        snprintf(deriv, sizeof deriv,
                 "Lossy compression of the whole series by e2ec " E2EC_VERSION_STRING
                 " (implicit neural representation): mode %s, scale %d, width %d, epochs %d%s%s",
                 e2ec_mode_name(p.mode),
                 p.scale, p.siren_width, p.epochs, p.fp16 ? ", fp16 weights" : "",
                 p.quant_bits ? ", quantised weights" : "");
    /* the lossless mode's: the library's sentence (none for a lossless stream, the
     * bound for a near-lossless one) */
    wo.derivation_description = p.mode == E2EC_MODE_LOSSLESS ? NULL : deriv;
    st = e2ec_dicom_write_compressed(s, stream, size, &wo, out, err, sizeof err);
    e2ec_free(stream);
    e2ec_dicom_series_free(s);
    if (st) {
        OFLOG_FATAL(logger, err);
        return dcme2e_output_exit(st);
    }
    OFLOG_INFO(logger, "wrote " << out);
    return EXITCODE_NO_ERROR;
}
