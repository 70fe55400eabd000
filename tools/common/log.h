/*
 * log.h - messages in the manner of DCMTK's tools: one line per message on
 * stderr, prefixed "E: " (error), "W: " (warning), "I: " (information) or
 * "D: " (debug). The tools' -q, -v and -d options choose how much is shown:
 *   -q  errors only            (default: errors and warnings)
 *   -v  adds information       -d  adds debug messages
 * Errors are always shown: an exit code without its reason helps nobody.
 * The level is process-wide state of the tool, never of the library.
 */
#ifndef E2EC_TOOLS_LOG_H
#define E2EC_TOOLS_LOG_H

typedef enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 } log_level;

void log_set_level(log_level level);
log_level log_get_level(void);

/* If arg is -q/--quiet, -v/--verbose or -d/--debug, sets the level and returns 1. */
int log_level_option(const char *arg);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
