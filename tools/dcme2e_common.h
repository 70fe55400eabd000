/*
 * dcme2e_common.h - what dcme2ec and dcme2ed share: exit codes in DCMTK's scheme
 * (ofstd/ofexit.h) and the column layout of their help text.
 *
 * Exit codes: 0 success; 1 command line syntax error; 4 memory exhausted;
 * 20 cannot read an input file; 22 invalid input (a series or
 * object refused: the message names the file and the problem); 40 cannot write the
 * output; 80 encoding failed; 81 decoding failed (the stream is corrupt).
 */
#ifndef DCME2E_COMMON_H
#define DCME2E_COMMON_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/ofstd/ofexit.h>

#include "e2ec.h"

#define EXITCODE_ENCODING_FAILED 80
#define EXITCODE_DECODING_FAILED 81

#define DCME2E_LONGCOL 20
#define DCME2E_SHORTCOL 4

/* The exit code for a status met while reading input. */
static inline int dcme2e_input_exit(e2ec_status st) {
    switch (st) {
    case E2EC_ERR_NOMEM: return EXITCODE_MEMORY_EXHAUSTED;
    case E2EC_ERR_IO: return EXITCODE_CANNOT_READ_INPUT_FILE;
    default: return EXITCODE_INVALID_INPUT_FILE;
    }
}

/* The exit code for a status met while writing output. */
static inline int dcme2e_output_exit(e2ec_status st) {
    return st == E2EC_ERR_NOMEM ? EXITCODE_MEMORY_EXHAUSTED : EXITCODE_CANNOT_WRITE_OUTPUT_FILE;
}

#endif
