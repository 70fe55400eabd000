/* One spooled series -> one verified object in the archive (series_archiver.h). */
#include "series_archiver.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2ec_dicom.h"

static OFLogger logger = OFLog::getLogger("e2ec.apps.e2ecscp");

std::string archive_object_path(const ArchiveOptions &o, const SpoolSeries &s) {
    return o.archive + "/" + s.study_uid + "/" + s.series_uid + ".dcm";
}

void archive_log(const std::string &log_path, const std::string &line) {
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", gmtime_r(&now, &tm));
    std::string text = stamp + line + "\n";
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd < 0 || write(fd, text.data(), text.size()) != (ssize_t)text.size())
        OFLOG_ERROR(logger, "cannot append to " << log_path << ": " << strerror(errno));
    if (fd >= 0) close(fd);
}

void archive_finish_removal(const SpoolSeries &s) {
    for (const std::string &n : s.archived_names) unlink((s.dir + "/" + n).c_str());
    sync_dir(s.dir);
    spool_unmark(s);
}

int archive_recover(const std::string &archive) {
    int removed = 0;
    DIR *top = opendir(archive.c_str());
    if (!top) return 0;
    while (struct dirent *st = readdir(top)) {
        if (st->d_name[0] == '.') continue;
        std::string dir = archive + "/" + st->d_name;
        DIR *d = opendir(dir.c_str());
        if (!d) continue;
        int here = 0;
        while (struct dirent *e = readdir(d)) {
            std::string n = e->d_name;
            bool partial = n.size() > 13 && n[0] == '.' &&
                           n.compare(n.size() - 12, 12, ".partial.dcm") == 0;
            if ((partial || n.compare(0, 5, ".tmp-") == 0) && unlink((dir + "/" + n).c_str()) == 0)
                here++;
        }
        closedir(d);
        if (here) sync_dir(dir);
        removed += here;
    }
    closedir(top);
    return removed;
}

namespace {

/* What one run measured, for the log line. */
struct Figures {
    size_t instances = 0, bytes_in = 0, bytes_out = 0;
    double psnr = NAN, max_error = NAN;
    double min_psnr = -1; /* the PSNR bar it was encoded to; < 0: none (lossless, a bound) */
    int trials = 0;       /* encodes the PSNR search ran */
};

struct Owned {
    e2ec_dicom_series *series = nullptr;
    e2ec_dicom_object *object = nullptr;
    uint8_t *stream = nullptr;
    e2ec_volume decoded{};
    ~Owned() {
        e2ec_dicom_series_free(series);
        e2ec_dicom_object_free(object);
        e2ec_free(stream);
        e2ec_volume_free(&decoded);
    }
};

int on_progress(const e2ec_progress *, void *user) {
    return static_cast<const std::atomic<bool> *>(user)->load() ? 1 : 0;
}

/* Encodes, writes to partial and verifies; "" on success, else the reason. */
std::string encode_and_verify(const SpoolSeries &s, const std::vector<std::string> &files,
                              const ArchiveOptions &o, const std::string &partial,
                              const std::atomic<bool> &stop, Figures &f, bool &stopped) {
    Owned w;
    char err[4096];
    std::vector<const char *> paths;
    for (const std::string &p : files) paths.push_back(p.c_str());
    e2ec_dicom_read_options ro = {};
    ro.series_uid = s.series_uid.c_str();
    e2ec_status st = e2ec_dicom_series_read(paths.data(), paths.size(), &ro, &w.series, err,
                                            sizeof err);
    if (!st) st = e2ec_dicom_series_check_compressible(w.series, err, sizeof err);
    if (st) return err;
    const e2ec_volume *v = e2ec_dicom_series_volume(w.series);
    e2ec_params p = o.params;
    p.progress = on_progress;
    p.progress_user = const_cast<std::atomic<bool> *>(&stop);
    p.progress_every = 1;
    const archive_quality &q = o.quality;
    f.min_psnr = archive_min_psnr(q, e2ec_dicom_series_path(w.series, 0));
    OFLOG_INFO(logger, "series " << s.series_uid << ": encoding " << files.size()
                                 << " instances, volume " << v->nx << " x " << v->ny << " x "
                                 << v->nz << ", "
                                 << (q.max_error == 0  ? "lossless"
                                     : q.max_error > 0 ? "to max error " + std::to_string(q.max_error)
                                                       : "to PSNR " + std::to_string(f.min_psnr) + " dB"));
    size_t size = 0;
    e2ec_target_result r;
    st = archive_encode(v, p, q, f.min_psnr, &w.stream, &size, &r);
    f.trials = r.trials;
    if (st == E2EC_ERR_CANCELLED) {
        stopped = true;
        return "stopped";
    }
    if (st) return std::string("encoding failed: ") + e2ec_strerror(st);
    e2ec_dicom_write_options wo = {};
    /* the lossless mode's: the library's (none when lossless, the bound when near-lossless) */
    wo.derivation_description =
        p.mode == E2EC_MODE_LOSSLESS ? NULL
        : p.mode == E2EC_MODE_GRID   ? "Lossy compression of the whole series by e2ecscp " E2EC_VERSION_STRING
                                       " (quantised feature grid)"
        : p.mode == E2EC_MODE_LATENT ? "Lossy compression of the whole series by e2ecscp " E2EC_VERSION_STRING
                                       " (coded latent grids)"
                                     : "Lossy compression of the whole series by e2ecscp " E2EC_VERSION_STRING
                                       " (implicit neural representation)";
    st = e2ec_dicom_write_compressed(w.series, w.stream, size, &wo, partial.c_str(), err,
                                     sizeof err);
    if (st) return err;
    /* verification reads what is on disk, as a later reader will */
    st = e2ec_dicom_object_read(partial.c_str(), &w.object, err, sizeof err);
    if (st) return std::string("reading the object back: ") + err;
    uint32_t frames = e2ec_dicom_object_frames(w.object);
    if (frames != v->nz || (files.size() > 1 && frames != files.size()))
        return "the object holds " + std::to_string(frames) + " frames for " +
               std::to_string(files.size()) + " instances";
    st = e2ec_dicom_object_decode(w.object, p.threads, &w.decoded);
    if (st) return std::string("decoding the object: ") + e2ec_strerror(st);
    e2ec_metrics m{};
    std::string why = archive_verify(v, &w.decoded, p.threads, f.min_psnr, q, r.trials,
                                     "--min-psnr", "--max-error", &m);
    f.psnr = m.psnr;
    f.max_error = m.max_abs_err;
    return why;
}

/* Whether the series' folder holds an instance that is neither in files nor archived
 * before: the object would miss it, so the series waits for a new quiet time. */
bool arrived_meanwhile(const SpoolSeries &s, const std::vector<std::string> &files) {
    std::set<std::string> known(s.archived_names);
    for (const std::string &f : files) known.insert(base_name(f));
    for (const std::string &f : spool_instances(s.dir))
        if (!known.count(base_name(f))) return true;
    return false;
}

std::string describe(const SpoolSeries &s, const Figures &f) {
    return "study=" + s.study_uid + " series=" + s.series_uid +
           " instances=" + std::to_string(f.instances) + " bytes_in=" + std::to_string(f.bytes_in);
}

} // namespace

ArchiveResult archive_series(const SpoolSeries &s, const std::vector<std::string> &files,
                             const ArchiveOptions &o, const std::atomic<bool> &stop) {
    auto t0 = std::chrono::steady_clock::now();
    Figures f;
    f.instances = files.size();
    for (const std::string &p : files) {
        struct stat st;
        if (stat(p.c_str(), &st) == 0) f.bytes_in += (size_t)st.st_size;
    }
    std::string dir = o.archive + "/" + s.study_uid, out = archive_object_path(o, s);
    std::string partial = dir + "/." + s.series_uid + ".partial.dcm";
    std::string reason;
    bool stopped = false;
    if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
        reason = "cannot create " + dir + ": " + strerror(errno);
    else if (access(out.c_str(), F_OK) == 0)
        reason = out + " already exists (the series was archived before)";
    else
        reason = encode_and_verify(s, files, o, partial, stop, f, stopped);
    if (reason.empty() && arrived_meanwhile(s, files)) {
        OFLOG_INFO(logger, "series " << s.series_uid
                                     << ": instances arrived while encoding, archived later");
        unlink(partial.c_str());
        return ARCHIVE_DEFERRED;
    }
    bool marked = false;
    if (reason.empty()) {
        int e = spool_mark_archived(s, out, files);
        if (e) reason = "cannot write the spool's .archived mark: " + std::string(strerror(e));
        marked = !e;
    }
    if (reason.empty() && rename(partial.c_str(), out.c_str()) != 0)
        reason = "cannot rename " + partial + ": " + strerror(errno);
    if (!reason.empty()) {
        unlink(partial.c_str());
        if (marked) spool_unmark(s);
        if (stopped) return ARCHIVE_STOPPED;
        std::string line = describe(s, f) + " status=failed originals=kept reason=\"" + reason + "\"";
        archive_log(o.log_path, line);
        OFLOG_ERROR(logger, line);
        return ARCHIVE_FAILED;
    }
    sync_dir(dir);
    sync_dir(o.archive);
    struct stat st;
    if (stat(out.c_str(), &st) == 0) f.bytes_out = (size_t)st.st_size;
    if (o.remove_originals) {
        for (const std::string &p : files) unlink(p.c_str());
        sync_dir(s.dir);
        spool_unmark(s);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char figures[256];
    snprintf(figures, sizeof figures,
             " bytes_out=%zu ratio=%.1f psnr_db=%.4f max_error=%.0f%s time_s=%.1f", f.bytes_out,
             f.bytes_out ? (double)f.bytes_in / (double)f.bytes_out : 0.0, f.psnr, f.max_error,
             archive_bar_fields(f.min_psnr, o.quality.max_error, f.trials).c_str(), secs);
    std::string line = describe(s, f) + figures + " status=ok originals_removed=" +
                       (o.remove_originals ? "yes" : "no") + " object=" + out;
    archive_log(o.log_path, line);
    OFLOG_WARN(logger, line); /* shown by default: what an administrator looks for */
    return ARCHIVE_OK;
}
