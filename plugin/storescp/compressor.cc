/* e2ecscp's archiving worker (compressor.h). */
#include "compressor.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

#include <sys/stat.h>
#include <unistd.h>

static OFLogger logger = OFLog::getLogger("e2ec.apps.e2ecscp");

Compressor::Compressor(std::string spool, ArchiveOptions opt, double quiet_seconds)
    : spool_(std::move(spool)), opt_(std::move(opt)), quiet_(quiet_seconds) {}

Compressor::~Compressor() { stop(); }

/* Now, in nanoseconds since the epoch (the clock of file modification times). */
static long long now_ns() {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

void Compressor::start() {
    started_ns_ = now_ns();
    worker_ = std::thread(&Compressor::run, this);
}

void Compressor::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Compressor::run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
        lock.unlock();
        pass();
        lock.lock();
        wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_.load(); });
    }
}

/* Modification time in nanoseconds since the epoch, or -1. */
static long long mtime_ns(const std::string &path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return -1;
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

void Compressor::pass() {
    for (SpoolSeries &s : spool_list(spool_)) {
        if (stop_) return;
        if (!s.archived_object.empty() && access(s.archived_object.c_str(), F_OK) != 0) {
            /* crash between the mark and the rename: the object never got its name */
            OFLOG_INFO(logger, "series " << s.series_uid << ": dropping a stale .archived mark");
            spool_unmark(s);
            s.archived_names.clear();
        } else if (!s.archived_object.empty() && opt_.remove_originals) {
            OFLOG_WARN(logger, "series " << s.series_uid << ": finishing the removal of "
                                         << s.archived_names.size()
                                         << " archived originals (interrupted before)");
            archive_finish_removal(s);
        }
        std::vector<std::string> pending;
        /* the quiet time counts from the start at the earliest: a sender whose
         * association broke in a crash gets that long to send its series again */
        long long newest = started_ns_;
        for (const std::string &f : s.files) {
            if (s.archived_names.count(base_name(f))) continue;
            long long t = mtime_ns(f);
            if (t < 0) continue; /* removed meanwhile */
            pending.push_back(f);
            newest = std::max(newest, t);
        }
        if (pending.empty()) {
            if (s.archived_object.empty() || opt_.remove_originals) spool_prune(s, spool_);
            continue;
        }
        if ((now_ns() - newest) / 1e9 < quiet_) continue;
        auto sig = std::make_pair(pending.size(), newest);
        auto it = failed_.find(s.dir);
        if (it != failed_.end() && it->second == sig) continue; /* nothing new since */
        ArchiveResult r = archive_series(s, pending, opt_, stop_);
        if (r == ARCHIVE_FAILED) failed_[s.dir] = sig;
        else failed_.erase(s.dir);
        if (r == ARCHIVE_OK && opt_.remove_originals) spool_prune(s, spool_);
    }
}
