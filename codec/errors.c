/* Error names and messages (e2ec.h). */
#include "e2ec.h"

static const struct {
    const char *name;
    const char *text;
} errors[E2EC_ERR_COUNT_] = {
    [E2EC_OK] = {"E2EC_OK", "no error"},
    [E2EC_ERR_ARG] = {"E2EC_ERR_ARG", "invalid argument"},
    [E2EC_ERR_NOMEM] = {"E2EC_ERR_NOMEM", "out of memory"},
    [E2EC_ERR_TRUNCATED] = {"E2EC_ERR_TRUNCATED", "stream is truncated"},
    [E2EC_ERR_MAGIC] = {"E2EC_ERR_MAGIC", "not an e2ec stream (bad magic)"},
    [E2EC_ERR_VERSION] = {"E2EC_ERR_VERSION", "unsupported bitstream version"},
    [E2EC_ERR_HEADER] = {"E2EC_ERR_HEADER", "header field out of range"},
    [E2EC_ERR_MISMATCH] = {"E2EC_ERR_MISMATCH", "header fields contradict each other"},
    [E2EC_ERR_CRC] = {"E2EC_ERR_CRC", "CRC-32 mismatch: stream is corrupt"},
    [E2EC_ERR_PAYLOAD] = {"E2EC_ERR_PAYLOAD", "weight block does not inflate to its declared size"},
    [E2EC_ERR_WEIGHTS] = {"E2EC_ERR_WEIGHTS", "weights contain NaN or infinity"},
    [E2EC_ERR_TRAILING] = {"E2EC_ERR_TRAILING", "unexpected bytes after the end of the stream"},
    [E2EC_ERR_LIMIT] = {"E2EC_ERR_LIMIT", "volume or network exceeds a documented limit"},
    [E2EC_ERR_UNSUPPORTED] = {"E2EC_ERR_UNSUPPORTED", "not supported by this build"},
    [E2EC_ERR_IO] = {"E2EC_ERR_IO", "I/O error"},
    [E2EC_ERR_FORMAT] = {"E2EC_ERR_FORMAT", "unrecognised or unsupported file format"},
    [E2EC_ERR_CANCELLED] = {"E2EC_ERR_CANCELLED", "cancelled by the caller"},
    [E2EC_ERR_INTERNAL] = {"E2EC_ERR_INTERNAL", "internal error (a bug)"},
    [E2EC_ERR_MEMORY_LIMIT] = {"E2EC_ERR_MEMORY_LIMIT",
                               "needs more working memory than the memory limit allows"},
    [E2EC_ERR_ENTROPY] = {"E2EC_ERR_ENTROPY",
                          "entropy-coded block does not decode to its declared end: stream is corrupt"},
};

const char *e2ec_strerror(e2ec_status s) {
    if ((unsigned)s >= E2EC_ERR_COUNT_) return "unknown error";
    return errors[s].text;
}

const char *e2ec_error_name(e2ec_status s) {
    if ((unsigned)s >= E2EC_ERR_COUNT_) return "E2EC_ERR_UNKNOWN";
    return errors[s].name;
}
