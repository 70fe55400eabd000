/* DCMTK-style messages on stderr (log.h). */
#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static log_level current = LOG_WARN;

void log_set_level(log_level level) { current = level; }
log_level log_get_level(void) { return current; }

int log_level_option(const char *arg) {
    if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) current = LOG_ERROR;
    else if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) current = LOG_INFO;
    else if (!strcmp(arg, "-d") || !strcmp(arg, "--debug")) current = LOG_DEBUG;
    else return 0;
    return 1;
}

static void emit(log_level level, const char *prefix, const char *fmt, va_list ap) {
    if (level > current) return;
    /* One buffered line so that messages of concurrent processes do not interleave mid-line. */
    char line[1024];
    int n = snprintf(line, sizeof line, "%s", prefix);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

#define LOG_FN(name, level, prefix)              \
    void name(const char *fmt, ...) {            \
        va_list ap;                              \
        va_start(ap, fmt);                       \
        emit(level, prefix, fmt, ap);            \
        va_end(ap);                              \
    }

LOG_FN(log_error, LOG_ERROR, "E: ")
LOG_FN(log_warn, LOG_WARN, "W: ")
LOG_FN(log_info, LOG_INFO, "I: ")
LOG_FN(log_debug, LOG_DEBUG, "D: ")
