/* Byte counts on the command line and in messages (sizes.h). */
#include "sizes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "e2ec.h"

int size_parse(const char *s, uint64_t *bytes) {
    if (!s || !isdigit((unsigned char)s[0])) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    static const char units[] = "KMGT";
    int shift = 0;
    if (*end) {
        for (int i = 0; units[i]; i++)
            if (toupper((unsigned char)*end) == units[i]) shift = 10 * (i + 1);
        if (!shift || end[1]) return -1;
    }
    if (shift && v > (UINT64_MAX >> shift)) return -1;
    *bytes = (uint64_t)v << shift;
    return 0;
}

const char *size_format(char *buf, size_t len, uint64_t bytes) {
    static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    if (u == 0) snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
    else snprintf(buf, len, "%.2f %s (%llu bytes)", v, units[u], (unsigned long long)bytes);
    return buf;
}

const char *size_refusal(char *buf, size_t len, uint64_t need, uint64_t limit) {
    char n[64], l[64];
    snprintf(buf, len, "needs %s of working memory, more than the limit of %s (%s)",
             size_format(n, sizeof n, need),
             size_format(l, sizeof l, limit ? limit : E2EC_DEFAULT_MAX_MEMORY),
             limit ? "--max-memory" : "the default; raise it with --max-memory");
    return buf;
}
