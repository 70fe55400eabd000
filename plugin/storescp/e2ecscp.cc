/*
 * e2ecscp - a DICOM Storage SCP that archives each received series as one e2ec object,
 * in the manner of DCMTK's storescp: e2ecscp [options] --archive DIR port.
 *
 * Instances arrive over DIMSE (DCMTK's DcmSCPPool, one thread per association:
 * spool_scp.h) and are written crash-safe into the spool, grouped by study and series
 * (spool.h). A worker thread (compressor.h) archives a series once no instance of it
 * has arrived for --quiet-seconds: encode, verify by decoding (PSNR, max error),
 * write the object atomically into the archive, and only then, with
 * --remove-originals, delete the spooled originals (series_archiver.h). The spool
 * survives a restart. SIGINT/SIGTERM stop it cleanly (no new association; running
 * ones finish; an encoding in progress is abandoned and redone on the next start);
 * a kill -9 loses nothing either. docs/pacs.md.
 * Exit codes: 0 stopped by a signal; 1 command line; 40 cannot use the spool or the
 * archive folder; 60 (DCMTK's EXITCODE_CANNOT_INITIALIZE_NETWORK) cannot listen.
 */
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmnet/dimse.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/ofstd/ofexit.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include <pthread.h>
#include <sys/stat.h>

#include "compressor.h"
#include "dcme2e_common.h"
#include "e2ec_dicom.h"
#include "series_archiver.h"
#include "spool.h"
#include "spool_scp.h"

#define OFFIS_CONSOLE_APPLICATION "e2ecscp"
static OFLogger logger = OFLog::getLogger("e2ec.apps." OFFIS_CONSOLE_APPLICATION);
static const char rcsid[] = "$e2ec: " OFFIS_CONSOLE_APPLICATION " v" E2EC_VERSION_STRING " $";

enum { LONGCOL = 22, SHORTCOL = 4 };
/* network errors are 60-79 in DCMTK's scheme (ofexit.h); 60 as DCMTK's storescp */
enum { EXITCODE_CANNOT_INITIALIZE_NETWORK = 60 };

static void add_options(OFCommandLine &cmd) {
    cmd.setOptionColumns(LONGCOL, SHORTCOL);
    cmd.setParamColumn(LONGCOL + SHORTCOL + 4);
    cmd.addParam("port", "tcp/ip port number to listen on");
    cmd.addGroup("general options:", LONGCOL, SHORTCOL + 2);
    cmd.addOption("--help", "-h", "print this help text and exit", OFCommandLine::AF_Exclusive);
    cmd.addOption("--version", "print version information and exit", OFCommandLine::AF_Exclusive);
    OFLog::addOptions(cmd);
    cmd.addGroup("network options:", LONGCOL, SHORTCOL + 2);
    cmd.addOption("--aetitle", "-aet", 1, "[a]etitle: string", "set my AE title (default: E2ECSCP)");
    cmd.addOption("--max-associations", "-ma", 1, "[n]umber: integer (1..65535)",
                  "most associations served at once (default: 200);\nmore are rejected (local limit exceeded)");
    cmd.addOption("--max-pdu", "-pdu", 1, "[n]umber of bytes: integer (4096..131072)",
                  "set max receive pdu to n bytes (default: 16384)");
    cmd.addOption("--acse-timeout", "-ta", 1, "[s]econds: integer (default: 30)",
                  "timeout for ACSE messages");
    cmd.addOption("--dimse-timeout", "-td", 1, "[s]econds: integer (default: unlimited)",
                  "timeout for DIMSE messages");
    cmd.addGroup("spool and archive:", LONGCOL, SHORTCOL + 2);
    cmd.addOption("--output-directory", "-od", 1, "[d]irectory: string (default: .)",
                  "the spool: received instances until archived");
    cmd.addOption("--spool", 1, "[d]irectory: string", "the same as --output-directory");
    cmd.addOption("--archive", "-ar", 1, "[d]irectory: string",
                  "where the e2ec objects go (required)");
    cmd.addOption("--quiet-seconds", "-qs", 1, "[s]econds: float (default: 30)",
                  "archive a series once no instance of it arrived\nfor s seconds");
    cmd.addOption("--remove-originals", "+ro",
                  "delete a series' spooled originals once its object\nis verified (default: keep)");
    cmd.addOption("--min-psnr", 1, "[d]B: float (1..200; default: lossless)",
                  "lossy: encode to the smallest object whose PSNR\n(peak = range of the original) reaches d\n"
                  "(a lossy --mode alone: MR 30, CT 32)");
    cmd.addOption("--max-error", 1, "[n]: integer (default: 0, lossless)",
                  "near-lossless: every voxel within n stored values\n(lossless mode: n <= 255)");
    cmd.addOption("--max-trials", 1, "[n]: integer (1..16)",
                  "encodes the PSNR search may run (default 6)");
    cmd.addOption("--log", 1, "[f]ile: string (default: ARCHIVE/e2ecscp.log)",
                  "one line per series is appended here");
    cmd.addGroup("e2ec options:", LONGCOL, SHORTCOL + 2);
    dcme2e_add_mode_options(cmd, "lossless; latent with --min-psnr");
    cmd.addOption("--scale", "-s", 1, "[n]: 1, 2, 4 or 8", "downsampling factor per axis");
    cmd.addOption("--width", "-w", 1, "[n]: integer", "SIREN neurons per hidden layer");
    cmd.addOption("--epochs", "-e", 1, "[n]: integer", "training epochs");
    cmd.addOption("--fp16", "+h", "store weights as half floats");
    cmd.addOption("--threads", "-t", 1, "[n]: integer", "encoder threads (default: all)");
}

/* The e2ec options over e2ec's defaults; false after a message on a bad value. */
static bool read_params(OFCommandLine &cmd, OFConsoleApplication &app, e2ec_params &p,
                        e2ec_preset &preset) {
    e2ec_params_default(&p);
    if (!dcme2e_read_mode_options(cmd, app, logger, p, preset)) return false;
    OFCmdSignedInt n;
    struct { const char *opt; int *field; long lo, hi; } ints[] = {
        {"--scale", &p.scale, 1, 8}, {"--width", &p.siren_width, 1, 4096},
        {"--epochs", &p.epochs, 0, 10000000}, {"--threads", &p.threads, 0, 1024}};
    for (auto &o : ints)
        if (cmd.findOption(o.opt)) {
            app.checkValue(cmd.getValueAndCheckMinMax(n, o.lo, o.hi));
            *o.field = (int)n;
        }
    if (cmd.findOption("--fp16")) p.fp16 = 1;
    return true;
}

/* The bar (--min-psnr, --max-error, --max-trials; none: lossless) and the encoder
 * settings it implies when no mode is given (archive_settings); false after a message
 * on a bad value. */
static bool read_quality(OFCommandLine &cmd, OFConsoleApplication &app, ArchiveOptions &o,
                         e2ec_preset preset) {
    archive_quality &q = o.quality;
    OFCmdFloat x;
    OFCmdSignedInt n;
    if (cmd.findOption("--min-psnr")) {
        app.checkValue(cmd.getValueAndCheckMinMax(x, 1.0, 200.0));
        q.min_psnr = x;
    }
    if (cmd.findOption("--max-error")) {
        app.checkValue(cmd.getValueAndCheckMinMax(n, 0, 65535));
        q.max_error = (int)n;
    }
    if (cmd.findOption("--max-trials")) {
        app.checkValue(cmd.getValueAndCheckMinMax(n, 1, 16));
        q.max_trials = (int)n;
    }
    std::string why = archive_settings(o.params, cmd.findOption("--mode"),
                                       cmd.findOption("--epochs"), q, preset);
    if (why.empty()) return true;
    OFLOG_FATAL(logger, why);
    return false;
}

/* SIGINT/SIGTERM are taken by one thread (sigwait), which stops the pool; every other
 * thread has them blocked, so no DCMTK or OpenMP code runs in a signal handler. */
static void wait_for_signal(sigset_t set, SpoolSCPPool *pool) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) OFLOG_WARN(logger, "signal " << sig << ": stopping");
    pool->stopAfterCurrentAssociations();
}

int main(int argc, char *argv[]) {
    OFConsoleApplication app(OFFIS_CONSOLE_APPLICATION,
                             "Storage SCP that archives each series as one e2ec object", rcsid);
    OFCommandLine cmd;
    add_options(cmd);
    int rc = dcme2e_start(app, cmd, argc, argv, OFFIS_CONSOLE_APPLICATION);
    if (rc >= 0) return rc;

    OFCmdUnsignedInt port = 0, max_assoc = 200, max_pdu = ASC_DEFAULTMAXPDU, acse = 30, dimse = 0;
    app.checkParam(cmd.getParamAndCheckMinMax(1, port, 1, 65535));
    const char *aet = "E2ECSCP", *spool = ".", *archive = NULL, *log = NULL;
    OFCmdFloat quiet = 30;
    if (cmd.findOption("--aetitle")) app.checkValue(cmd.getValue(aet));
    if (cmd.findOption("--max-associations"))
        app.checkValue(cmd.getValueAndCheckMinMax(max_assoc, 1, 65535));
    if (cmd.findOption("--max-pdu"))
        app.checkValue(cmd.getValueAndCheckMinMax(max_pdu, ASC_MINIMUMPDUSIZE, ASC_MAXIMUMPDUSIZE));
    if (cmd.findOption("--acse-timeout")) app.checkValue(cmd.getValueAndCheckMin(acse, 1));
    if (cmd.findOption("--dimse-timeout")) app.checkValue(cmd.getValueAndCheckMin(dimse, 1));
    if (cmd.findOption("--output-directory")) app.checkValue(cmd.getValue(spool));
    if (cmd.findOption("--spool")) app.checkValue(cmd.getValue(spool));
    if (cmd.findOption("--archive")) app.checkValue(cmd.getValue(archive));
    if (cmd.findOption("--quiet-seconds")) app.checkValue(cmd.getValueAndCheckMin(quiet, 0.0));
    if (cmd.findOption("--log")) app.checkValue(cmd.getValue(log));
    ArchiveOptions opt;
    e2ec_preset preset;
    if (!read_params(cmd, app, opt.params, preset) || !read_quality(cmd, app, opt, preset))
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    if (!archive) {
        app.printError("--archive is required: where the e2ec objects go");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    opt.archive = archive;
    opt.log_path = log ? log : opt.archive + "/e2ecscp.log";
    opt.remove_originals = cmd.findOption("--remove-originals");

    /* what a crash left behind: partial receptions (never acknowledged) and partial
     * objects (never renamed); every complete instance stays in the spool */
    int removed = 0, e = spool_recover(spool, &removed);
    if (e) {
        OFLOG_FATAL(logger, "cannot use the spool " << spool << ": " << strerror(e));
        return EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
    }
    if (mkdir(archive, 0777) != 0 && errno != EEXIST) {
        OFLOG_FATAL(logger, "cannot create the archive " << archive << ": " << strerror(errno));
        return EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
    }
    removed += archive_recover(archive);
    if (removed) OFLOG_WARN(logger, "removed " << removed << " partial file(s) left by a crash");
    if (!dcmDataDict.isDictionaryLoaded())
        OFLOG_WARN(logger, "no data dictionary loaded, check DCMDICTPATH");

    SpoolSCP::spool_dir = spool;
    SpoolSCPPool pool;
    DcmSCPConfig &cfg = pool.getConfig();
    cfg.setAETitle(aet);
    cfg.setPort((Uint16)port);
    cfg.setMaxReceivePDULength((Uint32)max_pdu);
    cfg.setACSETimeout((Uint32)acse);
    if (dimse) {
        cfg.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
        cfg.setDIMSETimeout((Uint32)dimse);
    }
    /* the listener wakes every second to notice a stop request */
    cfg.setConnectionBlockingMode(DUL_NOBLOCK);
    cfg.setConnectionTimeout(1);
    cfg.setHostLookupEnabled(OFFalse);
    spool_scp_add_contexts(cfg);
    pool.setMaxThreads((Uint16)max_assoc);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1); /* sent by main itself to end the signal thread */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    std::thread signals(wait_for_signal, set, &pool);
    Compressor compressor(spool, opt, quiet);
    compressor.start();
    OFLOG_INFO(logger, "listening on port " << port << " as " << aet << "; spool " << spool
                                            << ", archive " << archive);
    OFCondition cond = pool.listen();
    rc = EXITCODE_NO_ERROR;
    if (cond.bad()) {
        OFLOG_FATAL(logger, "cannot listen on port " << port << ": " << cond.text());
        rc = EXITCODE_CANNOT_INITIALIZE_NETWORK;
    }
    pthread_kill(signals.native_handle(), SIGUSR1);
    signals.join();
    compressor.stop();
    return rc;
}
