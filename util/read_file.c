/* Whole-file reads with a size cap (read_file.h). */
#include "read_file.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int read_file(const char *path, size_t max_size, uint8_t **data, size_t *size) {
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return errno;
    struct stat st;
    int e = 0;
    if (fstat(fileno(f), &st) != 0) e = errno;
    else if (S_ISDIR(st.st_mode)) e = EISDIR;
    else if (st.st_size < 0 || (uint64_t)st.st_size > max_size) e = EFBIG;
    size_t n = e ? 0 : (size_t)st.st_size;
    uint8_t *buf = e ? NULL : malloc(n ? n : 1);
    if (!e && !buf) e = ENOMEM;
    if (!e && fread(buf, 1, n, f) != n) e = ferror(f) ? EIO : ENODATA; /* shrank while read */
    fclose(f);
    if (e) {
        free(buf);
        return e;
    }
    *data = buf;
    *size = n;
    return 0;
}
