/*
 * dcme2e_common.h - what dcme2ec and dcme2ed share: exit codes (tools/common/
 * exitcodes.h, DCMTK's scheme) and the column layout of their help text.
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
#include <dcmtk/ofstd/ofexit.h>

extern "C" {
#include "common/exitcodes.h" /* the numbers of ofexit.h, plus 80-83 */
}

#define DCME2E_LONGCOL 20
#define DCME2E_SHORTCOL 4

/* The exit code for a status met while writing output. */
static inline int dcme2e_output_exit(e2ec_status st) {
    return st == E2EC_ERR_NOMEM ? EXITCODE_MEMORY_EXHAUSTED : EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
}

#endif
