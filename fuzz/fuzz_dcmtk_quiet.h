/*
 * fuzz_dcmtk_quiet.h - the DCMTK-reading targets silence DCMTK's own log: a
 * mutated file draws a warning per element, which would fill the run's log
 * (gigabytes an hour) and slow it. What the targets check is our code's result.
 */
#ifndef E2EC_FUZZ_DCMTK_QUIET_H
#define E2EC_FUZZ_DCMTK_QUIET_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>

/* Sets DCMTK's log to fatal errors only, once per process. */
static inline void fuzz_quiet_dcmtk() {
    static const bool done = (OFLog::configure(OFLogger::FATAL_LOG_LEVEL), true);
    (void)done;
}

#endif
