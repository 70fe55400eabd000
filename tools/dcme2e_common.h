/*
 * dcme2e_common.h - what dcme2ec, dcme2ed and e2ecscp share: DCMTK's start-up,
 * exit codes (tools/common/exitcodes.h, DCMTK's scheme) and the column layout
 * of their help text.
 *
 * Exit codes: 0 success; 1 command line syntax error; 4 memory exhausted;
 * 20 cannot read an input file; 22 invalid input (a series or
 * object refused: the message names the file and the problem); 40 cannot write the
 * output; 80 encoding failed; 81 decoding failed (the stream is corrupt); 83 a mode
 * this build does not support.
 */
#ifndef DCME2E_COMMON_H
#define DCME2E_COMMON_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/cmdlnarg.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/ofstd/ofconapp.h>
#include <dcmtk/ofstd/ofexit.h>

#include <string>

#include "e2ec_dicom.h" /* the transfer syntax UID, e2ec.h */

extern "C" {
#include "common/exitcodes.h" /* the numbers of ofexit.h, plus 80-83 */
#include "common/omp_wait.h"
#include "common/sizes.h"
}

#define DCME2E_LONGCOL 20
#define DCME2E_SHORTCOL 4

/* Runs the program again with passive OpenMP waits unless OMP_WAIT_POLICY is set
 * (omp_wait.h), parses the command line as every DCMTK tool does, answers --version
 * (with the bitstream version and transfer syntax) and sets up the logger from
 * -q/-v/-d/-ll/-lc. Returns -1 to go on, else the exit code to end with. */
static inline int dcme2e_start(OFConsoleApplication &app, OFCommandLine &cmd, int argc,
                               char *argv[], const char *name) {
    omp_wait_passively(argv);
    prepareCmdLineArgs(argc, argv, name);
    if (!app.parseCommandLine(cmd, argc, argv)) return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    if (cmd.hasExclusiveOption() && cmd.findOption("--version")) {
        app.printHeader(OFTrue /*print host identifier*/);
        COUT << OFendl << "e2ec bitstream version " << E2EC_BITSTREAM_VERSION
             << ", transfer syntax " E2EC_DICOM_TRANSFER_SYNTAX_UID << OFendl;
        return EXITCODE_NO_ERROR;
    }
    OFLog::configureFromCommandLine(cmd, app);
    return -1;
}

/* --mode and --grid-lambda, declared where the encoder settings are; dflt says what
 * the tool encodes with when no mode is given. */
static inline void dcme2e_add_mode_options(OFCommandLine &cmd, const char *dflt) {
    cmd.addOption("--mode", "-m", 1, "[m]ode: siren, siren-ds, e2e, grid, lossless\nor latent",
                  (std::string("representation (default: ") + dflt +
                   ";\nthe paper's: siren, siren-ds, e2e; lossless:\nevery voxel exact, or "
                   "within --max-error)")
                      .c_str());
    cmd.addOption("--grid-lambda", "+gl", 1, "[x]: float",
                  "grid, latent: rate weight, larger = smaller\n(default: latent 0.001, grid 0.004)");
    cmd.addOption("--preset", "+pr", 1, "[p]reset: fast, medium or slow",
                  "training length: a third, the default or twice\n(--epochs overrides)");
}

/* Reads --preset into preset and --mode and --grid-lambda into p, with the
 * preset's epochs and the default lambda for the mode (an --epochs read after
 * overrides them); false
 * after a message (to log) on an unknown mode or preset. */
static inline bool dcme2e_read_mode_options(OFCommandLine &cmd, OFConsoleApplication &app,
                                            OFLogger &log, e2ec_params &p, e2ec_preset &preset) {
    preset = E2EC_PRESET_MEDIUM;
    if (cmd.findOption("--preset")) {
        const char *s = NULL;
        app.checkValue(cmd.getValue(s));
        if (!(preset = e2ec_preset_from_name(s))) {
            OFLOG_FATAL(log, "unknown --preset " << s << " (fast, medium or slow)");
            return false;
        }
    }
    p.epochs = e2ec_preset_epochs(p.mode, preset);
    if (cmd.findOption("--mode")) {
        const char *s = NULL;
        app.checkValue(cmd.getValue(s));
        const e2ec_mode m = e2ec_mode_from_name(s);
        if (!m) {
            OFLOG_FATAL(log, "unknown --mode " << s << " (siren, siren-ds, e2e, grid, lossless or latent)");
            return false;
        }
        p.mode = m;
        p.epochs = e2ec_preset_epochs(p.mode, preset);
        if (e2ec_mode_has_lambda(m)) p.grid_lambda = e2ec_default_lambda(m);
    }
    if (cmd.findOption("--grid-lambda")) {
        OFCmdFloat x = 0;
        app.checkValue(cmd.getValueAndCheckMinMax(x, 0.0, 1000.0));
        p.grid_lambda = (float)x;
    }
    return true;
}

/* --max-memory SIZE (e2ec.h: max_memory), declared in the processing options. */
static inline void dcme2e_add_max_memory(OFCommandLine &cmd) {
    cmd.addOption("--max-memory", "+mm", 1, "[s]ize: bytes, or 512M, 2G...",
                  "working memory allowed (default: the library's, 16G)");
}

/* Reads --max-memory into bytes (0 when absent); false after a message on a bad value. */
static inline bool dcme2e_max_memory(OFCommandLine &cmd, OFConsoleApplication &app,
                                     uint64_t &bytes) {
    bytes = 0;
    const char *s = NULL;
    if (!cmd.findOption("--max-memory")) return true;
    app.checkValue(cmd.getValue(s));
    if (size_parse(s, &bytes) == 0) return true;
    app.printError((std::string("--max-memory: '") + s + "' is not a byte count").c_str());
    return false;
}

/* The message for E2EC_ERR_MEMORY_LIMIT: "<what> needs N ..., more than ...". */
static inline std::string dcme2e_memory_refusal(const std::string &what, uint64_t need,
                                                uint64_t limit) {
    char why[256];
    return what + " " + size_refusal(why, sizeof why, need, limit) + " (E2EC_ERR_MEMORY_LIMIT)";
}

/* The exit code for a status met while writing output. */
static inline int dcme2e_output_exit(e2ec_status st) {
    return st == E2EC_ERR_NOMEM ? EXITCODE_MEMORY_EXHAUSTED : EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
}

#endif
