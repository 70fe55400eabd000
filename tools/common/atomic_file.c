/* Temp-file-then-rename output (atomic_file.h). */
#define _GNU_SOURCE /* mkstemps */
#include "atomic_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char TMP_PREFIX[] = ".tmp-XXXXXX-";

/* Length of the directory part of path including its '/', 0 if none. */
static size_t dir_length(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

int atomic_begin(atomic_file *f, const char *path) {
    f->path = f->tmp_path = NULL;
    f->fd = -1;
    size_t dl = dir_length(path), len = strlen(path);
    if (dl == len) return EISDIR;
    f->path = strdup(path);
    f->tmp_path = malloc(len + sizeof TMP_PREFIX);
    if (!f->path || !f->tmp_path) {
        atomic_abort(f);
        return ENOMEM;
    }
    memcpy(f->tmp_path, path, dl);
    memcpy(f->tmp_path + dl, TMP_PREFIX, sizeof TMP_PREFIX - 1);
    strcpy(f->tmp_path + dl + sizeof TMP_PREFIX - 1, path + dl);
    /* suffix = "-<name>": everything after the XXXXXX */
    f->fd = mkstemps(f->tmp_path, (int)(len - dl + 1));
    if (f->fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL; /* nothing was created: nothing to remove */
        atomic_abort(f);
        return e;
    }
    /* mkstemps creates 0600; give the file the mode a plain open() would. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(f->fd, 0666 & ~mask) != 0) {
        int e = errno;
        atomic_abort(f);
        return e;
    }
    return 0;
}

int atomic_write(atomic_file *f, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int sync_directory(const char *path) {
    size_t dl = dir_length(path);
    char *dir = dl ? strndup(path, dl) : strdup(".");
    if (!dir) return ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0) return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    /* Some file systems cannot sync a directory; the rename has still happened. */
    return e == EINVAL ? 0 : e;
}

int atomic_commit(atomic_file *f) {
    int e = 0;
    if (f->fd < 0) {
        /* A writer that used tmp_path closed its own handle: reopen to sync. */
        f->fd = open(f->tmp_path, O_RDONLY);
        if (f->fd < 0) e = errno;
    }
    if (!e && fsync(f->fd) != 0) e = errno;
    if (f->fd >= 0 && close(f->fd) != 0 && !e) e = errno;
    f->fd = -1;
    if (!e && rename(f->tmp_path, f->path) != 0) e = errno;
    if (e) {
        atomic_abort(f);
        return e;
    }
    free(f->tmp_path);
    f->tmp_path = NULL; /* renamed: nothing left to remove */
    e = sync_directory(f->path);
    atomic_abort(f);
    return e;
}

void atomic_abort(atomic_file *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->tmp_path) unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = f->path = NULL;
}

int atomic_write_file(const char *path, const void *buf, size_t n) {
    atomic_file f;
    int e = atomic_begin(&f, path);
    if (e) return e;
    e = atomic_write(&f, buf, n);
    if (e) {
        atomic_abort(&f);
        return e;
    }
    return atomic_commit(&f);
}
