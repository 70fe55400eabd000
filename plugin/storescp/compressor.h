/*
 * compressor.h - e2ecscp's archiving worker: a thread of its own, so that encoding
 * (seconds to minutes per series) never holds up reception.
 *
 * Every second it lists the spool (spool.h) and archives, one at a time, each series
 * whose newest instance arrived at least quiet_seconds ago (the arrival is the file's
 * modification time) and at least quiet_seconds after the worker started. The spool
 * on disk is the only state: after a restart, every series in it is picked up again
 * the same way, once quiet for quiet_seconds from the restart (a sender that retries
 * after a crash adds to the same series).
 *  - A series with an .archived mark whose object exists: with remove_originals the
 *    deletion a crash interrupted is finished; the instances the mark names are
 *    otherwise left alone (kept originals), and only others are archived.
 *  - A series that failed is not tried again until an instance arrives for it (or
 *    e2ecscp restarts); its originals stay in the spool, the reason is in the log.
 */
#ifndef E2EC_COMPRESSOR_H
#define E2EC_COMPRESSOR_H

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "series_archiver.h"

class Compressor {
public:
    Compressor(std::string spool, ArchiveOptions opt, double quiet_seconds);
    ~Compressor();
    void start();
    /* Asks the worker to stop (an encoding in progress is abandoned, its series kept)
     * and waits for it. */
    void stop();

private:
    void run();
    void pass();

    std::string spool_;
    ArchiveOptions opt_;
    double quiet_;
    long long started_ns_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::condition_variable wake_;
    std::thread worker_;
    /* series folder -> what it held when it failed (instances, newest arrival) */
    std::map<std::string, std::pair<size_t, long long>> failed_;
};

#endif
