/* Mapping library statuses to DCMTK-style exit codes (exitcodes.h). */
#include "exitcodes.h"

int exitcode_for_input(e2ec_status s) {
    switch (s) {
    case E2EC_OK: return EXITCODE_NO_ERROR;
    case E2EC_ERR_NOMEM:
    case E2EC_ERR_MEMORY_LIMIT: return EXITCODE_MEMORY_EXHAUSTED;
    case E2EC_ERR_IO: return EXITCODE_CANNOT_READ_INPUT_FILE;
    case E2EC_ERR_UNSUPPORTED: return EXITCODE_UNSUPPORTED;
    default: return EXITCODE_INVALID_INPUT_FILE;
    }
}

int exitcode_for_processing(e2ec_status s, int fallback) {
    switch (s) {
    case E2EC_OK: return EXITCODE_NO_ERROR;
    case E2EC_ERR_NOMEM:
    case E2EC_ERR_MEMORY_LIMIT: return EXITCODE_MEMORY_EXHAUSTED;
    case E2EC_ERR_UNSUPPORTED: return EXITCODE_UNSUPPORTED;
    default: return fallback;
    }
}
