/*
 * fuzz_common.h - what the fuzz targets share: the caps that keep one execution
 * small and quick, the CRC repair that lets mutations reach past the CRC check,
 * and a temporary file for the targets whose entry point takes a path.
 *
 * The caps are the harness's, not the library's: a stream within the library's
 * caps (codec/caps.h) may still declare a 2 Gi-voxel volume, which decoding would
 * legitimately allocate; the targets check the header (e2ec_get_info) first and
 * decode only what fits here, so a run measures the parser, not malloc.
 */
#ifndef E2EC_FUZZ_COMMON_H
#define E2EC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "e2ec.h"

/* Voxels decoded per execution at most (a 128 x 128 x 64 volume). */
#define FUZZ_MAX_VOXELS (1ull << 20)
/* Voxels times weights at most: decoding runs the network once per voxel. */
#define FUZZ_MAX_WORK (1ull << 30)

/* Whether decoding what info describes fits the caps above. */
static inline int fuzz_affordable(const e2ec_info *info) {
    unsigned long long vox = (unsigned long long)info->nx * info->ny * info->nz;
    return vox <= FUZZ_MAX_VOXELS && vox * info->n_weights <= FUZZ_MAX_WORK;
}

/* Overwrites the last four bytes of s with the CRC-32 of the rest (docs/bitstream.md). */
static inline void fuzz_fix_crc(uint8_t *s, size_t size) {
    if (size < 4) return;
    uLong crc = crc32(0L, s, (uInt)(size - 4));
    for (int i = 0; i < 4; i++) s[size - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* Writes data to a new temporary file (in /dev/shm when it exists, to spare the disk);
 * path receives its name (at least 64 bytes). Returns 0 on success. */
static inline int fuzz_temp_file(const uint8_t *data, size_t size, char *path, size_t len) {
    snprintf(path, len, "%s/e2ec-fuzz-XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(fd);
    if (done == size) return 0;
    unlink(path);
    return -1;
}

#endif
