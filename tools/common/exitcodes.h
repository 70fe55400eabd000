/*
 * exitcodes.h - exit codes of the e2ec tools, with the numbers and meanings of
 * DCMTK's ofstd/ofexit.h (so scripts written for DCMTK's tools read ours the
 * same way) plus this project's processing errors in DCMTK's 80-99 band.
 * tools/README.md lists them for users.
 */
#ifndef E2EC_TOOLS_EXITCODES_H
#define E2EC_TOOLS_EXITCODES_H

#include "e2ec.h"

/* general (0-19), as DCMTK */
#define EXITCODE_NO_ERROR 0
#define EXITCODE_COMMANDLINE_SYNTAX_ERROR 1
#define EXITCODE_MEMORY_EXHAUSTED 4 /* also: over the memory limit (--max-memory) */
/* input file errors (20-39), as DCMTK */
#define EXITCODE_CANNOT_READ_INPUT_FILE 20
#define EXITCODE_INVALID_INPUT_FILE 22
/* output file errors (40-59), as DCMTK */
#define EXITCODE_CANNOT_WRITE_OUTPUT_FILE 40
/* processing errors (80-99): DCMTK leaves these to each tool */
#define EXITCODE_ENCODING_FAILED 80
#define EXITCODE_DECODING_FAILED 81
#define EXITCODE_VOLUMES_DIFFER 82 /* compare: the volumes do not have the same size */
#define EXITCODE_UNSUPPORTED 83    /* valid request this build cannot do (e.g. no ITK) */

/* Exit code for a failure while reading an input file (a volume or a stream):
 * 20 when it cannot be read at all, 22 when its content is refused. */
int exitcode_for_input(e2ec_status s);
/* Exit code for a failure of the codec itself; `fallback` is 80 or 81. */
int exitcode_for_processing(e2ec_status s, int fallback);

#endif
