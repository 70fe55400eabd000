/*
 * sizes.h - byte counts on the command line and in messages: --max-memory SIZE
 * takes "1073741824", "512M", "2G" (K, M, G, T: powers of 1024), and the
 * refusals name what was needed and what was allowed in the same units.
 */
#ifndef E2EC_TOOLS_SIZES_H
#define E2EC_TOOLS_SIZES_H

#include <stddef.h>
#include <stdint.h>

/* Parses a byte count with an optional K/M/G/T suffix. 0, or -1 when s is not one
 * (or overflows 64 bits). */
int size_parse(const char *s, uint64_t *bytes);

/* "1.50 GiB (1610612736 bytes)" into buf. Returns buf. */
const char *size_format(char *buf, size_t len, uint64_t bytes);

/* The sentence for E2EC_ERR_MEMORY_LIMIT: "needs N of working memory, more than
 * the limit of M (--max-memory)"; limit 0 is the library's default. Returns buf. */
const char *size_refusal(char *buf, size_t len, uint64_t need, uint64_t limit);

#endif
