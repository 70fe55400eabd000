/*
 * series_archiver.h - one spooled series into one verified e2ec object in the archive,
 * with the checks of the storescp hook (e2ec-archive-study) done in-process:
 *
 *   1. the instances are read as one series (e2ec_dicom_series_read) and encoded to
 *      the quality bar (../archive_quality.h: a PSNR search, or a max-error bound);
 *   2. the object is written to ARCHIVE/<Study UID>/.<Series UID>.partial.dcm;
 *   3. it is read back and decoded: one frame per instance, PSNR (peak = range of the
 *      original) at least the bar, max error within the bound;
 *   4. the spool's .archived mark names the object and its instances (spool.h);
 *   5. the partial file is renamed to ARCHIVE/<Study UID>/<Series UID>.dcm and the
 *      folder flushed: a name without a dot in front is a complete, verified object;
 *   6. with remove_originals, the instances are deleted, then the mark.
 * Any failure removes the partial file and keeps every original; the reason goes to
 * the series' log line. One line per series: ARCHIVE log file and the logger.
 */
#ifndef E2EC_SERIES_ARCHIVER_H
#define E2EC_SERIES_ARCHIVER_H

#include <atomic>
#include <string>
#include <vector>

#include "../archive_quality.h"
#include "e2ec.h"
#include "spool.h"

struct ArchiveOptions {
    std::string archive;     /* the archive folder */
    std::string log_path;    /* the per-series log (appended) */
    e2ec_params params;      /* encoder settings (archive_settings applied) */
    archive_quality quality; /* the bar the encoder aims at and the object must meet */
    bool remove_originals = false;
};

/* DEFERRED: instances of the series arrived during encoding; the object was dropped
 * and the series waits for a new quiet time (nothing logged as failed). */
enum ArchiveResult { ARCHIVE_OK, ARCHIVE_FAILED, ARCHIVE_STOPPED, ARCHIVE_DEFERRED };

/* Archives files (instances of series s) as above. stop, when set during encoding,
 * abandons the work (ARCHIVE_STOPPED, originals kept, nothing logged as failed). */
ArchiveResult archive_series(const SpoolSeries &s, const std::vector<std::string> &files,
                             const ArchiveOptions &o, const std::atomic<bool> &stop);

/* The object's final path for a series. */
std::string archive_object_path(const ArchiveOptions &o, const SpoolSeries &s);

/* Deletes an archived series' instances named in its mark, then the mark (a crash
 * may have come between the rename and the end of deletion). */
void archive_finish_removal(const SpoolSeries &s);

/* Removes what a crash left in the archive's study folders: partial objects
 * (".<uid>.partial.dcm") and the writers' temporary files (".tmp-*"). Run before
 * any archiving starts; returns how many were removed. */
int archive_recover(const std::string &archive);

/* Appends line (with a UTC time stamp) to the log file in one write. */
void archive_log(const std::string &log_path, const std::string &line);

#endif
