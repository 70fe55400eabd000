/*
 * options.h - a small table-driven command-line parser for the e2ec tools.
 *
 * Each tool describes its options in an opt_spec table whose targets already
 * hold the defaults; opt_parse() fills them from argv, checks every number
 * against its range, and collects positional arguments. The usage text prints
 * each option with its current (default) value, so defaults are written once,
 * where they are set (e.g. e2ec_params_default), never again in help text.
 * -q/-v/-d (log.h) and -h/--help are understood by every tool.
 */
#ifndef E2EC_TOOLS_OPTIONS_H
#define E2EC_TOOLS_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    OPT_FLAG,   /* int*: set to 1 */
    OPT_INT,    /* int*, range [lo, hi] */
    OPT_DOUBLE, /* double*, range [lo, hi] */
    OPT_U64,    /* uint64_t* */
    OPT_STRING, /* const char**: points into argv */
    OPT_CHOICE, /* int*: the value of the named choice (from choices or name_of) */
    OPT_SIZE    /* uint64_t*: bytes, with an optional K/M/G/T suffix (sizes.h) */
} opt_kind;

typedef struct {
    const char *name;
    int value;
} opt_choice;

typedef struct {
    const char *name;  /* "--width" */
    const char *arg;   /* placeholder in the usage text ("W"); unused for flags */
    opt_kind kind;
    void *target;
    double lo, hi;              /* OPT_INT, OPT_DOUBLE */
    const opt_choice *choices;  /* OPT_CHOICE: ends with {NULL, 0}; or NULL and name_of */
    const char *help;
    int *seen;                  /* optional: set to 1 when the option is given */
    /* OPT_CHOICE without a table: the name of value 1, 2, ... (the library's
     * e2ec_mode_name, e2ec_preset_name), NULL after the last */
    const char *(*name_of)(int value);
} opt_spec;

#define OPT_END {NULL, NULL, OPT_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}

enum { OPT_OK = 0, OPT_HELP = -1 };

/*
 * Parses argv[0..argc-1] (the arguments after the command name). Positional
 * arguments go to pos[] (at most max_pos); there must be at least min_pos.
 * Returns OPT_OK, OPT_HELP when -h/--help was given (nothing else checked),
 * or EXITCODE_COMMANDLINE_SYNTAX_ERROR after an "E:" message naming the problem.
 */
int opt_parse(int argc, char **argv, const opt_spec *specs, const char **pos, int min_pos,
              int max_pos, int *n_pos);

/* "usage: <synopsis>" then one line per option with its default. */
void opt_usage(FILE *out, const char *synopsis, const opt_spec *specs);

/* Parses exactly n comma-separated integers in [lo, hi] ("64,64,32").
 * Returns 0, or -1 (nothing logged). */
int opt_int_list(const char *s, long *out, int n, long lo, long hi);

#endif
