/* Table-driven option parsing (options.h). */
#include "options.h"
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "exitcodes.h"
#include "log.h"
#include "sizes.h"

static const opt_spec *find(const opt_spec *specs, const char *name) {
    for (; specs->name; specs++)
        if (!strcmp(specs->name, name)) return specs;
    return NULL;
}

static int parse_long(const char *s, long *v) {
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return errno || end == s || *end ? -1 : 0;
}

/* The name of an OPT_CHOICE option's i-th choice, its value in *value; NULL
 * past the last. */
static const char *choice_at(const opt_spec *o, int i, int *value) {
    if (o->choices) {
        *value = o->choices[i].value;
        return o->choices[i].name;
    }
    *value = i + 1;
    return o->name_of(i + 1);
}

/* Stores value text v into the option's target; 0 or -1 after a message. */
static int store(const opt_spec *o, const char *v) {
    switch (o->kind) {
    case OPT_INT: {
        long x;
        if (parse_long(v, &x) || x < o->lo || x > o->hi) {
            log_error("%s: '%s' is not an integer in [%.0f, %.0f]", o->name, v, o->lo, o->hi);
            return -1;
        }
        *(int *)o->target = (int)x;
        return 0;
    }
    case OPT_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x) || x < o->lo || x > o->hi) {
            log_error("%s: '%s' is not a number in [%g, %g]", o->name, v, o->lo, o->hi);
            return -1;
        }
        *(double *)o->target = x;
        return 0;
    }
    case OPT_U64: {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-') {
            log_error("%s: '%s' is not an unsigned integer", o->name, v);
            return -1;
        }
        *(uint64_t *)o->target = x;
        return 0;
    }
    case OPT_SIZE:
        if (size_parse(v, (uint64_t *)o->target)) {
            log_error("%s: '%s' is not a byte count (e.g. 1073741824, 512M, 2G)", o->name, v);
            return -1;
        }
        return 0;
    case OPT_STRING: *(const char **)o->target = v; return 0;
    case OPT_CHOICE: {
        const char *name;
        for (int i = 0, value; (name = choice_at(o, i, &value)); i++)
            if (!strcmp(name, v)) {
                *(int *)o->target = value;
                return 0;
            }
        log_error("%s: unknown value '%s'", o->name, v);
        return -1;
    }
    case OPT_FLAG: break;
    }
    return -1;
}

int opt_parse(int argc, char **argv, const opt_spec *specs, const char **pos, int min_pos,
              int max_pos, int *n_pos) {
    int np = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return OPT_HELP;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (np == max_pos) {
                log_error("too many arguments: '%s'", a);
                return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
            }
            pos[np++] = a;
            continue;
        }
        if (log_level_option(a)) continue;
        const opt_spec *o = find(specs, a);
        if (!o) {
            log_error("unknown option '%s' (see --help)", a);
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
        if (o->seen) *o->seen = 1;
        if (o->kind == OPT_FLAG) {
            *(int *)o->target = 1;
            continue;
        }
        if (i + 1 == argc) {
            log_error("%s needs a value", a);
            return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
        }
        if (store(o, argv[++i])) return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    if (np < min_pos) {
        log_error("missing argument (%d given, %d needed; see --help)", np, min_pos);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    *n_pos = np;
    return OPT_OK;
}

static void print_default(FILE *out, const opt_spec *o) {
    switch (o->kind) {
    case OPT_INT: fprintf(out, " (default %d)", *(int *)o->target); break;
    case OPT_DOUBLE: fprintf(out, " (default %g)", *(double *)o->target); break;
    case OPT_U64: fprintf(out, " (default %" PRIu64 ")", *(uint64_t *)o->target); break;
    case OPT_SIZE: break; /* the option's help says what 0 means */
    case OPT_STRING:
        if (*(const char **)o->target) fprintf(out, " (default %s)", *(const char **)o->target);
        break;
    case OPT_CHOICE: {
        const char *name;
        for (int i = 0, value; (name = choice_at(o, i, &value)); i++)
            if (value == *(int *)o->target) fprintf(out, " (default %s)", name);
        break;
    }
    case OPT_FLAG: break;
    }
}

void opt_usage(FILE *out, const char *synopsis, const opt_spec *specs) {
    fprintf(out, "usage: %s\n", synopsis);
    for (const opt_spec *o = specs; o->name; o++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", o->name, o->kind == OPT_FLAG ? "" : o->arg);
        fprintf(out, "  %-22s %s", head, o->help);
        if (o->kind == OPT_CHOICE) {
            fputs(":", out);
            const char *name;
            for (int i = 0, value; (name = choice_at(o, i, &value)); i++)
                fprintf(out, "%s%s", i ? "|" : " ", name);
        }
        print_default(out, o);
        fputc('\n', out);
    }
    fprintf(out, "  %-22s %s\n", "-q | -v | -d", "quiet (errors only) | verbose | debug messages");
    fprintf(out, "  %-22s %s\n", "-h, --help", "this text");
}

int opt_int_list(const char *s, long *out, int n, long lo, long hi) {
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long x = strtol(s, &end, 10);
        if (errno || end == s || x < lo || x > hi) return -1;
        if (*end != (i + 1 < n ? ',' : '\0')) return -1;
        out[i] = x;
        s = end + 1;
    }
    return 0;
}
