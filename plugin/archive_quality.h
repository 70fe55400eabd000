/*
 * archive_quality.h - the quality bar of e2ec's archivers and the encode that aims at
 * it, shared by e2ecscp (storescp/series_archiver.cc) and the Orthanc ingest
 * (orthanc/ingest.cc). The storescp hook (storescp/e2ec-archive-study) asks dcme2ec
 * for the same with the same figures. docs/pacs.md, "The quality bar".
 *
 * An archiver encodes TO its bar, then verifies the written object as a reader will
 * meet it (decoded, compared with the originals) and keeps the originals when it
 * misses:
 *  - a PSNR bar (the default: per modality, below): the library's rate control
 *    (e2ec_encode_target) searches the rate knob (grid mode: lambda) for the smallest
 *    stream whose decoded PSNR reaches the bar. Its answer reaches the bar whenever a
 *    trial did (codec/rate_control.c keeps the smallest trial at or above the target,
 *    measured as the verification measures it), so the target is the bar itself, no
 *    margin; a bar that no trial reaches ends as the nearest miss, which the
 *    verification refuses.
 *  - a max-error bound instead: the encoder stores a residual that keeps every voxel
 *    within it (near-lossless), a guarantee rather than a search. The grid mode has no
 *    residual in this version, so with a bound the default mode is siren-ds.
 */
#ifndef E2EC_ARCHIVE_QUALITY_H
#define E2EC_ARCHIVE_QUALITY_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdio>
#include <string>

#include "e2ec.h"

/* The default bars, dB, peak = the original's range: what the grid mode reaches on the
 * sample series within a few encodes of the default steps, with room below its
 * ceiling so that the search lands in two or three (docs/pacs.md, "The quality bar";
 * bench/results/pacs/). The storescp hook states the same figures. */
#define E2EC_ARCHIVE_MIN_PSNR_MR 30.0
#define E2EC_ARCHIVE_MIN_PSNR_CT 32.0
/* Training epochs of the near-lossless default (siren-ds): the residual carries the
 * bound, the network only shrinks it, and a few hundred epochs do most of that. */
#define E2EC_ARCHIVE_RESIDUAL_EPOCHS 300

struct archive_quality {
    double min_psnr = -1;  /* dB; < 0: the modality's default, or none with max_error */
    int max_error = -1;    /* >= 0: near-lossless encode, every voxel within it */
    int max_trials = 0;    /* encodes a PSNR search may run; 0: the library's default */
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

/* The PSNR bar of a series whose first file is path: the one given, else the
 * modality's default; < 0 (none) with a max-error bound and no PSNR given. */
inline double archive_min_psnr(const archive_quality &q, const char *path) {
    if (q.min_psnr >= 0 || q.max_error >= 0) return q.min_psnr;
    return archive_modality(path) == "CT" ? E2EC_ARCHIVE_MIN_PSNR_CT : E2EC_ARCHIVE_MIN_PSNR_MR;
}

/* An archiver's encoder settings when no mode was asked for: grid mode (the best
 * measured quality per byte in minutes on a CPU, bench/RESULTS.md), or siren-ds with
 * few epochs for a max-error bound. Call it once the other settings are read: returns
 * "" or why they cannot aim at the bar (a bound in a mode without a residual, a search
 * from a grid lambda outside (0, 1]). */
inline std::string archive_settings(e2ec_params &p, bool mode_given, bool epochs_given,
                                    const archive_quality &q) {
    if (!mode_given) {
        p.mode = q.max_error >= 0 ? E2EC_MODE_SIREN_DS : E2EC_MODE_GRID;
        if (!epochs_given)
            p.epochs = q.max_error >= 0 ? E2EC_ARCHIVE_RESIDUAL_EPOCHS : e2ec_default_epochs(p.mode);
    }
    if (q.max_error >= 0 && p.mode == E2EC_MODE_GRID)
        return "a max-error bound needs a mode with a residual (siren-ds, siren or e2e): "
               "the grid mode has none";
    if (q.max_error < 0 && p.mode == E2EC_MODE_GRID && !(p.grid_lambda > 0 && p.grid_lambda <= 1))
        return "the PSNR search in grid mode starts from the grid lambda, which must be in (0, 1]";
    return "";
}

/* Encodes v to the bar: near-lossless within q.max_error (one encode), else a PSNR
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

/* The bar's fields of a log line: " min_psnr_db=30 encodes=2", " max_error_bound=4". */
inline std::string archive_bar_fields(double min_psnr, int max_error, int encodes) {
    std::string s;
    char b[64];
    if (min_psnr >= 0) snprintf(b, sizeof b, " min_psnr_db=%g encodes=%d", min_psnr, encodes), s += b;
    if (max_error >= 0) snprintf(b, sizeof b, " max_error_bound=%d", max_error), s += b;
    return s;
}

#endif
