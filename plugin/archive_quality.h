/*
 * archive_quality.h - what e2ec's archivers keep of a series (their bar) and the encode
 * that gives it, shared by e2ecscp (storescp/series_archiver.cc) and the Orthanc ingest
 * (orthanc/ingest.cc). The storescp hook (storescp/e2ec-archive-study) asks dcme2ec for
 * the same with the same figures. docs/pacs.md, "The quality bar".
 *
 * An archiver encodes TO its bar, then verifies the written object as a reader will
 * meet it (decoded, compared with the originals voxel by voxel) and keeps the originals
 * when it misses:
 *  - lossless (the default: no quality setting): the lossless mode, and the decoded
 *    object must equal the originals in every voxel, byte for byte. The safe default for
 *    an archive: the originals go only once they can be had back exactly.
 *  - a max-error bound (near-lossless): the lossless mode codes every voxel within it,
 *    a guarantee rather than a search, and every voxel is checked against it. A network
 *    mode named with a bound stores a residual instead (latent, siren, siren-ds, e2e; the
 *    grid mode has none).
 *  - a PSNR bar (lossy, opt-in: a bar given, or a lossy mode named, which takes its
 *    modality's default bar below): the library's rate control (e2ec_encode_target)
 *    searches the rate knob (latent and grid modes: lambda) for the smallest stream whose decoded
 *    PSNR reaches the bar. Its answer reaches the bar whenever a trial did
 *    (codec/rate_control.c keeps the smallest trial at or above the target, measured as
 *    the verification measures it), so the target is the bar itself, no margin; a bar
 *    that no trial reaches ends as the nearest miss, which the verification refuses.
 */
#ifndef E2EC_ARCHIVE_QUALITY_H
#define E2EC_ARCHIVE_QUALITY_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "e2ec.h"

/* The default bars of a lossy mode, dB, peak = the original's range: what the grid mode
 * reaches on the sample series within a few encodes of the default steps, with room below
 * its ceiling so that the search lands in two or three (docs/pacs.md, "The quality bar";
 * bench/results/pacs/). The storescp hook states the same figures. */
#define E2EC_ARCHIVE_MIN_PSNR_MR 30.0
#define E2EC_ARCHIVE_MIN_PSNR_CT 32.0
struct archive_quality {
    double min_psnr = -1; /* dB; < 0: none, or a lossy mode's default (archive_min_psnr) */
    int max_error = -1;   /* >= 0: every voxel within it (0: lossless); archive_settings
                             sets 0 in the lossless mode when none was given */
    int max_trials = 0;   /* encodes a PSNR search may run; 0: the library's default */
};

/* Modality (0008,0060) of a DICOM file, "" when it cannot be read. */
inline std::string archive_modality(const char *path) {
    DcmFileFormat ff;
    OFString m;
    /* values longer than 1 KiB (Pixel Data) stay on disk */
    if (ff.loadFile(path, EXS_Unknown, EGL_noChange, 1024).good())
        ff.getDataset()->findAndGetOFString(DCM_Modality, m);
    return m.c_str();
}

/* The PSNR bar of a series whose first file is path (q as archive_settings left it): the
 * one given, else, for a lossy encode (no bound), the modality's default; < 0: none
 * (lossless, or a bound and no PSNR given). */
inline double archive_min_psnr(const archive_quality &q, const char *path) {
    if (q.min_psnr >= 0 || q.max_error >= 0) return q.min_psnr;
    return archive_modality(path) == "CT" ? E2EC_ARCHIVE_MIN_PSNR_CT : E2EC_ARCHIVE_MIN_PSNR_MR;
}

/* An archiver's encoder settings when no mode was asked for: the lossless mode, exact
 * or within a max-error bound; the latent mode (the library's default: the best measured
 * quality per byte in minutes on a CPU, bench/RESULTS.md) for a PSNR bar alone, at the
 * grid_lambda p holds (the latent's default unless given). In the lossless mode q gets
 * the bound 0 when it has none. Call it once the other settings are read: returns "" or
 * why they cannot give the bar (a bound in the grid mode or beyond the lossless mode's,
 * a search from a grid lambda outside (0, 1]: the grid's and the latent mode's knob).
 * The mode it chooses trains for preset's epochs unless epochs were given. */
inline std::string archive_settings(e2ec_params &p, bool mode_given, bool epochs_given,
                                    archive_quality &q,
                                    e2ec_preset preset = E2EC_PRESET_MEDIUM) {
    if (!mode_given) {
        p.mode = q.min_psnr >= 0 && q.max_error < 0 ? E2EC_MODE_LATENT : E2EC_MODE_LOSSLESS;
        if (!epochs_given) p.epochs = e2ec_preset_epochs(p.mode, preset);
    }
    if (p.mode == E2EC_MODE_LOSSLESS && q.max_error < 0) q.max_error = 0;
    if (p.mode == E2EC_MODE_LOSSLESS && q.max_error > E2EC_LOSSLESS_MAX_ERROR)
        return "the lossless mode's max-error bound is at most " +
               std::to_string(E2EC_LOSSLESS_MAX_ERROR) + " stored values";
    if (q.max_error >= 0 && p.mode == E2EC_MODE_GRID)
        return "a max-error bound needs the lossless mode or a mode with a residual "
               "(latent, siren-ds, siren or e2e): the grid mode has none";
    if (q.max_error < 0 && (p.mode == E2EC_MODE_GRID || p.mode == E2EC_MODE_LATENT) &&
        !(p.grid_lambda > 0 && p.grid_lambda <= 1))
        return "the PSNR search in grid or latent mode starts from the grid lambda, which must be "
               "in (0, 1]";
    return "";
}

/* Encodes v to the bar: within q.max_error (one encode; lossless at 0), else a PSNR
 * search for min_psnr (r: what the search chose, measured and how many encodes). */
inline e2ec_status archive_encode(const e2ec_volume *v, const e2ec_params &p,
                                  const archive_quality &q, double min_psnr, uint8_t **stream,
                                  size_t *size, e2ec_target_result *r) {
    *r = e2ec_target_result{};
    if (q.max_error >= 0) {
        e2ec_params b = p;
        b.max_error = q.max_error;
        r->trials = 1;
        return e2ec_encode(v, &b, stream, size);
    }
    e2ec_target t{};
    t.kind = E2EC_TARGET_PSNR;
    t.value = min_psnr;
    t.max_trials = q.max_trials;
    return e2ec_encode_target(v, &p, &t, stream, size, r);
}

/* Checks the object's decoded voxels against the originals orig, every voxel
 * (e2ec_compare; *m gets the figures): with a bound of 0, the same bytes (lossless,
 * bit-exact); else max error within q.max_error (>= 0) and PSNR at least min_psnr
 * (>= 0). Returns "" or why not, the options named as psnr_opt and bound_opt (the
 * archiver's names for them); encodes: the PSNR search's, for the message. */
inline std::string archive_verify(const e2ec_volume *orig, const e2ec_volume *decoded,
                                  int threads, double min_psnr, const archive_quality &q,
                                  int encodes, const char *psnr_opt, const char *bound_opt,
                                  e2ec_metrics *m) {
    e2ec_status st = e2ec_compare(orig, decoded, threads, m);
    if (st) return std::string("cannot compare with the originals: ") + e2ec_strerror(st);
    char why[192];
    size_t bytes = (size_t)orig->nx * orig->ny * orig->nz * e2ec_voxel_size(orig->type);
    if (q.max_error == 0 &&
        (decoded->type != orig->type || std::memcmp(decoded->data, orig->data, bytes) != 0)) {
        snprintf(why, sizeof why,
                 "not lossless: the decoded voxels differ from the originals (max error %.0f)",
                 m->max_abs_err);
        return why;
    }
    if (min_psnr >= 0 && !(m->psnr >= min_psnr)) {
        snprintf(why, sizeof why, "PSNR %.4f dB below %s %g (the nearest of %d encodes)",
                 m->psnr, psnr_opt, min_psnr, encodes);
        return why;
    }
    if (q.max_error >= 0 && m->max_abs_err > q.max_error) {
        snprintf(why, sizeof why, "max error %.0f above %s %d", m->max_abs_err, bound_opt,
                 q.max_error);
        return why;
    }
    return "";
}

/* The bar's fields of a log line: " min_psnr_db=30 encodes=2", " max_error_bound=4"
 * (0: lossless). */
inline std::string archive_bar_fields(double min_psnr, int max_error, int encodes) {
    std::string s;
    char b[64];
    if (min_psnr >= 0) snprintf(b, sizeof b, " min_psnr_db=%g encodes=%d", min_psnr, encodes), s += b;
    if (max_error >= 0) snprintf(b, sizeof b, " max_error_bound=%d", max_error), s += b;
    return s;
}

#endif
