/*
 * read_file.h - read a whole (small) file into memory, refusing anything
 * larger than a caller's cap before allocating for it.
 */
#ifndef E2EC_UTIL_READ_FILE_H
#define E2EC_UTIL_READ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* On success *data (malloc'd, free()) holds *size bytes; returns 0.
 * Otherwise returns an errno value: EISDIR for a directory, EFBIG when the
 * file is larger than max_size, or what open/read reported. */
int read_file(const char *path, size_t max_size, uint8_t **data, size_t *size);

#endif
