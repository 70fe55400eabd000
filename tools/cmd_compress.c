/*
 * e2ec compress IN OUT.e2ec: trains the network on a volume, decodes the
 * stream it made to measure it against the input, then writes the stream
 * (only a stream that decodes is ever written) and prints the figures as
 * "key: value" lines on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "atomic_file.h"
#include "common/exitcodes.h"
#include "common/log.h"

typedef struct {
    int tty;          /* stderr is a terminal: redraw one line in place */
    const char *unit; /* e2ec_epoch_unit of the mode, singular */
} progress_state;

static void format_duration(double s, char *buf, size_t n) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static int on_progress(const e2ec_progress *p, void *user) {
    const progress_state *st = user;
    double eta = p->epoch > 0 ? p->elapsed_s / p->epoch * (p->epochs - p->epoch) : 0.0;
    char elapsed[32], left[32];
    format_duration(p->elapsed_s, elapsed, sizeof elapsed);
    format_duration(eta, left, sizeof left);
    fprintf(stderr, "%s%s %d/%d  loss %.6f  psnr %.2f dB  elapsed %s  eta %s%s",
            st->tty ? "\r" : "", st->unit, p->epoch, p->epochs, p->loss, p->psnr, elapsed, left,
            st->tty ? "\033[K" : "\n");
    if (st->tty && p->epoch >= p->epochs) fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

static const opt_choice scale_choices[] = {{"1", 1}, {"2", 2}, {"4", 4}, {"8", 8}, {NULL, 0}};
static const opt_choice upsampler_choices[] = {
    {"trilinear", E2EC_UP_TRILINEAR}, {"tricubic", E2EC_UP_TRICUBIC}, {NULL, 0}};
static const opt_choice loss_choices[] = {{"l1", E2EC_LOSS_L1}, {"l2", E2EC_LOSS_L2}, {NULL, 0}};

static void print_figures(const e2ec_volume *in, const e2ec_info *info, const e2ec_rate *r,
                          const e2ec_metrics *m, double enc_s, double dec_s) {
    printf("volume: %ux%ux%u %s\n", in->nx, in->ny, in->nz, volume_type_name(in->type));
    printf("mode: %s\n", e2ec_mode_name(info->mode));
    printf("params: %llu\n", (unsigned long long)stored_values(info));
    print_weight_coding(info);
    if (info->has_residual) printf("max_error: %u\n", info->max_error);
    printf("stream_bytes: %zu\n", info->stream_bytes);
    printf("paper_cr: %.6f\n", r->paper_cr);
    printf("paper_bpp: %.4f\n", r->paper_bpp);
    printf("true_bpp: %.4f\n", r->true_bpp);
    printf("true_ratio: %.2f\n", r->true_ratio);
    print_metrics(m);
    printf("encode_s: %.2f\n", enc_s);
    printf("decode_s: %.3f\n", dec_s);
}

/* What a --target-* search reached; a miss is a warning, not an error: the
 * stream written is the nearest the search found. */
static void print_target(const e2ec_target *t, const e2ec_target_result *r, e2ec_mode mode) {
    const char *unit = t->kind == E2EC_TARGET_PSNR ? "dB" : "bpp";
    printf("target: %s %g\n", t->kind == E2EC_TARGET_PSNR ? "psnr" : "bpp", t->value);
    printf("target_met: %s\n", r->met ? "yes" : "no");
    if (e2ec_mode_has_lambda(mode)) printf("target_grid_lambda: %.6g\n", r->grid_lambda);
    else printf("target_width: %d\n", r->siren_width);
    printf("target_trials: %d\n", r->trials);
    if (!r->met)
        log_warn("target %g %s not met in %d trials: the stream written is the nearest found",
                 t->value, unit, r->trials);
}

/* Decodes the new stream and measures it against the input. */
static int measure(const e2ec_volume *in, const uint8_t *stream, size_t size,
                   const e2ec_decode_options *o, e2ec_info *info, e2ec_metrics *m,
                   double *dec_s) {
    e2ec_status s = e2ec_get_info(stream, size, info);
    e2ec_volume out = {0};
    double t0 = now_seconds();
    if (s == E2EC_OK) s = e2ec_decode_opt(stream, size, o, &out);
    *dec_s = now_seconds() - t0;
    if (s == E2EC_OK) s = e2ec_compare(in, &out, o->threads, m);
    e2ec_volume_free(&out);
    if (s == E2EC_OK) return EXITCODE_NO_ERROR;
    log_error("the new stream does not decode: %s (%s); nothing written", e2ec_strerror(s),
              e2ec_error_name(s));
    return exitcode_for_processing(s, EXITCODE_DECODING_FAILED);
}

int cmd_compress(int argc, char **argv) {
    e2ec_params p;
    e2ec_params_default(&p);
    int mode = p.mode, scale = p.scale, upsampler = p.upsampler, loss = p.loss;
    double lr = p.lr, grid_lambda = p.grid_lambda;
    int scale_given = 0, epochs_given = 0, lambda_given = 0, preset = E2EC_PRESET_MEDIUM;
    double target_psnr = 0, target_bpp = 0;
    int max_trials = 6; /* the library's default, shown by --help */
    raw_options raw = {0};
    const opt_spec specs[] = {
        {.name = "--mode", .arg = "M", .kind = OPT_CHOICE, .target = &mode,
         .name_of = mode_name_of,
         .help = "codec mode; the paper's: siren, siren-ds, e2e (5000 epochs unless --epochs)"},
        {.name = "--scale", .arg = "S", .kind = OPT_CHOICE, .target = &scale,
         .choices = scale_choices, .help = "downsampling factor per axis (siren-ds, e2e)",
         .seen = &scale_given},
        {.name = "--width", .arg = "W", .kind = OPT_INT, .target = &p.siren_width, .lo = 1,
         .hi = 4096, .help = "SIREN neurons per hidden layer"},
        {.name = "--layers", .arg = "L", .kind = OPT_INT, .target = &p.siren_layers, .lo = 1,
         .hi = 64, .help = "SIREN hidden layers"},
        {.name = "--preset", .arg = "P", .kind = OPT_CHOICE, .target = &preset,
         .name_of = preset_name_of,
         .help = "training length: fast (a third), medium (the default), slow (twice); --epochs overrides"},
        {.name = "--epochs", .arg = "N", .kind = OPT_INT, .target = &p.epochs, .lo = 1,
         .hi = 100000000, .help = "training epochs (grid: Adam steps; latent: passes over the volume)", .seen = &epochs_given},
        {.name = "--lr", .arg = "X", .kind = OPT_DOUBLE, .target = &lr, .lo = 1e-9, .hi = 10,
         .help = "Adam learning rate"},
        {.name = "--batch", .arg = "N", .kind = OPT_INT, .target = &p.batch, .lo = 0,
         .hi = 1 << 30, .help = "samples per step (e2e: windows per step; latent: voxels per step, 0 = 16384), 0 = full batch"},
        {.name = "--loss", .arg = "F", .kind = OPT_CHOICE, .target = &loss,
         .choices = loss_choices, .help = "training loss"},
        {.name = "--upsampler", .arg = "U", .kind = OPT_CHOICE, .target = &upsampler,
         .choices = upsampler_choices, .help = "fixed upsampling of siren-ds"},
        {.name = "--fp16", .kind = OPT_FLAG, .target = &p.fp16,
         .help = "store weights as half floats"},
        {.name = "--qbits", .arg = "B", .kind = OPT_INT, .target = &p.quant_bits, .lo = 0,
         .hi = 8, .help = "quantise weights to B bits (2..8; 0 = float)"},
        {.name = "--max-error", .arg = "E", .kind = OPT_INT, .target = &p.max_error, .lo = 0,
         .hi = 65535,
         .help = "near-lossless: every voxel within E of the original (0 = lossless; -1: off)"},
        {.name = "--threads", .arg = "T", .kind = OPT_INT, .target = &p.threads, .lo = 0,
         .hi = 1024, .help = "worker threads, 0 = OpenMP's default"},
        {.name = "--seed", .arg = "S", .kind = OPT_U64, .target = &p.seed,
         .help = "random seed (same seed, same stream)"},
        {.name = "--channels", .arg = "NC", .kind = OPT_INT, .target = &p.srno_channels,
         .lo = 1, .hi = 4096, .help = "SRNO encoder channels (e2e)"},
        {.name = "--srno-width", .arg = "w", .kind = OPT_INT, .target = &p.srno_width, .lo = 1,
         .hi = 4096, .help = "SRNO neural-operator width (e2e)"},
        {.name = "--heads", .arg = "h", .kind = OPT_INT, .target = &p.srno_heads, .lo = 1,
         .hi = 256, .help = "SRNO attention heads (e2e)"},
        {.name = "--grid-lambda", .arg = "X", .kind = OPT_DOUBLE, .target = &grid_lambda,
         .lo = 0, .hi = 1e3, .seen = &lambda_given,
         .help = "grid, latent: rate knob, larger = smaller stream (grid: 0.004 unless given)"},
        {.name = "--target-psnr", .arg = "DB", .kind = OPT_DOUBLE, .target = &target_psnr,
         .lo = 1, .hi = 200, .help = "choose --width (grid, latent: --grid-lambda) for the smallest stream reaching this PSNR; 0 = off"},
        {.name = "--target-bpp", .arg = "B", .kind = OPT_DOUBLE, .target = &target_bpp,
         .lo = 1e-6, .hi = 64, .help = "choose --width (grid, latent: --grid-lambda) for the best PSNR within B bits/voxel; 0 = off"},
        {.name = "--max-trials", .arg = "N", .kind = OPT_INT, .target = &max_trials, .lo = 1,
         .hi = 16, .help = "full encodes a target search may run"},
        MAX_MEMORY_OPTION_SPEC(p.max_memory),
        RAW_OPTION_SPECS(raw),
        OPT_END};
    const char *pos[2];
    int np, rc = opt_parse(argc, argv, specs, pos, 2, 2, &np);
    if (rc == OPT_HELP) {
        opt_usage(stdout, "e2ec compress IN OUT.e2ec [options]", specs);
        return EXITCODE_NO_ERROR;
    }
    if (rc) return rc;
    if (p.quant_bits == 1 || (p.quant_bits && p.fp16)) {
        log_error("--qbits takes 2..8 (0 = float), and not with --fp16");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    if (target_psnr > 0 && target_bpp > 0) {
        log_error("--target-psnr and --target-bpp exclude each other");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    if (mode == E2EC_MODE_SIREN) {
        /* siren learns the full-resolution grid: there is nothing to downsample */
        if (scale_given && scale != 1) {
            log_error("--mode siren works on the full grid: --scale must be 1");
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
        scale = 1;
    }
    if (!epochs_given) p.epochs = e2ec_preset_epochs((e2ec_mode)mode, (e2ec_preset)preset);
    if (!lambda_given && e2ec_mode_has_lambda((e2ec_mode)mode))
        grid_lambda = e2ec_default_lambda((e2ec_mode)mode);
    p.mode = (e2ec_mode)mode, p.scale = scale, p.upsampler = (e2ec_upsampler)upsampler;
    p.loss = (e2ec_loss)loss, p.lr = (float)lr, p.grid_lambda = (float)grid_lambda;
    if (e2ec_mode_has_lambda((e2ec_mode)mode) && (target_psnr > 0 || target_bpp > 0) &&
        !(grid_lambda > 0 && grid_lambda <= 1)) {
        log_error("a target search in grid or latent mode starts from --grid-lambda, which must be in (0, 1]");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }

    raw_layout layout;
    if ((rc = raw_layout_from(&raw, &layout))) return rc;
    e2ec_volume in;
    if ((rc = read_volume_or_log(pos[0], &layout, &in))) return rc;

    const char *wait = getenv("OMP_WAIT_POLICY"); /* omp_wait.h: main set it unless given */
    log_debug("OMP_WAIT_POLICY=%s", wait ? wait : "(unset: OpenMP's threads spin while they wait)");
    progress_state st = {isatty(2), e2ec_epoch_unit(p.mode, 1)};
    const int epochs = e2ec_encode_epochs(&in, &p); /* latent: scaled by the volume's voxels */
    if (log_get_level() >= LOG_WARN) {
        /* Redrawn in place about 200 times on a terminal; ten lines in a log. */
        p.progress_every = epochs / (st.tty ? 200 : 10);
        if (p.progress_every < 1) p.progress_every = 1;
        p.progress = on_progress;
        p.progress_user = &st;
    }
    e2ec_target target = {.kind = target_psnr > 0 ? E2EC_TARGET_PSNR : E2EC_TARGET_BPP,
                          .value = target_psnr > 0 ? target_psnr : target_bpp,
                          .max_trials = max_trials};
    int searching = target_psnr > 0 || target_bpp > 0;
    if (searching)
        log_info("training %s: searching the %s for %s %g, starting at %g", e2ec_mode_name(p.mode),
                 e2ec_mode_has_lambda(p.mode) ? "lambda" : "width",
                 target.kind == E2EC_TARGET_PSNR ? "PSNR" : "bpp", target.value,
                 e2ec_mode_has_lambda(p.mode) ? (double)p.grid_lambda : (double)p.siren_width);
    else
        log_info("training %s, %zu weights, %d %s", e2ec_mode_name(p.mode), e2ec_param_count(&p),
                 epochs, e2ec_epoch_unit(p.mode, epochs));
    uint8_t *stream = NULL;
    size_t size = 0;
    e2ec_target_result reached = {0};
    double t0 = now_seconds();
    e2ec_status s = searching ? e2ec_encode_target(&in, &p, &target, &stream, &size, &reached)
                              : e2ec_encode(&in, &p, &stream, &size);
    double enc_s = now_seconds() - t0;
    if (s == E2EC_ERR_MEMORY_LIMIT) {
        uint64_t need = 0;
        e2ec_encode_memory(&in, &p, &need);
        char what[4096];
        snprintf(what, sizeof what, "cannot compress %s: it", pos[0]);
        log_memory_refusal(what, need, p.max_memory);
    } else if (s != E2EC_OK) {
        log_error("cannot compress %s: %s (%s)", pos[0], e2ec_strerror(s), e2ec_error_name(s));
    }
    if (s != E2EC_OK) {
        e2ec_volume_free(&in);
        return exitcode_for_processing(s, EXITCODE_ENCODING_FAILED);
    }
    e2ec_info info;
    e2ec_metrics m;
    double dec_s;
    e2ec_decode_options dopt = {p.threads, p.max_memory};
    rc = measure(&in, stream, size, &dopt, &info, &m, &dec_s);
    if (!rc) {
        int e = atomic_write_file(pos[1], stream, size);
        if (e) {
            log_error("cannot write %s: %s", pos[1], strerror(e));
            rc = EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
        }
    }
    if (!rc) {
        e2ec_rate r;
        e2ec_rate_of(&in, (size_t)stored_values(&info), size, &r);
        print_figures(&in, &info, &r, &m, enc_s, dec_s);
        if (searching) print_target(&target, &reached, p.mode);
    }
    e2ec_free(stream);
    e2ec_volume_free(&in);
    return rc;
}
