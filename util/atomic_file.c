/* Temp-file-then-rename output (atomic_file.h). */
#define _GNU_SOURCE /* mkstemps */
#include "atomic_file.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Length of the directory part of path including its '/', 0 if none. */
static size_t dir_length(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* Whether name is a temporary of target, ".tmp-<pid>-XXXXXX-<target>", whose
 * process no longer runs (killed before it could commit or clean up). */
static int stale_temp_of(const char *name, const char *target) {
    if (strncmp(name, ".tmp-", 5) != 0) return 0;
    char *end;
    errno = 0;
    long pid = strtol(name + 5, &end, 10);
    if (errno || end == name + 5 || *end != '-' || pid <= 0) return 0;
    const char *rest = end + 1;
    if (strlen(rest) < 7 || rest[6] != '-' || strcmp(rest + 7, target) != 0) return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes a file, or a folder and the files in it (a temporary folder holds no
 * subfolders). */
static void remove_temp(const char *path) {
    if (unlink(path) == 0 || (errno != EISDIR && errno != EPERM)) return;
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (p) snprintf(p, n, "%s/%s", path, e->d_name), unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(path);
}

/* Removes what killed writers of path left next to it. */
static void remove_stale_temps(const char *path) {
    size_t dl = dir_length(path);
    char *dir = dl ? strndup(path, dl) : strdup(".");
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!stale_temp_of(e->d_name, path + dl)) continue;
        size_t n = dl + strlen(e->d_name) + 1;
        char *p = malloc(n);
        if (p) {
            memcpy(p, path, dl);
            strcpy(p + dl, e->d_name);
            remove_temp(p);
        }
        free(p);
    }
    if (d) closedir(d);
    free(dir);
}

/* "<dir>/.tmp-<pid>-XXXXXX-<name>" for path, malloc'd; *suffix gets the length
 * of what follows the XXXXXX. NULL when out of memory. */
static char *temp_template(const char *path, int *suffix) {
    size_t dl = dir_length(path), len = strlen(path);
    char head[48];
    int hl = snprintf(head, sizeof head, ".tmp-%ld-XXXXXX-", (long)getpid());
    char *t = malloc(len + (size_t)hl + 1);
    if (!t) return NULL;
    memcpy(t, path, dl);
    memcpy(t + dl, head, (size_t)hl);
    strcpy(t + dl + hl, path + dl);
    *suffix = (int)(len - dl + 1); /* "-<name>" */
    return t;
}

int atomic_begin(atomic_file *f, const char *path) {
    f->path = f->tmp_path = NULL;
    f->fd = -1;
    size_t dl = dir_length(path), len = strlen(path);
    if (dl == len) return EISDIR;
    remove_stale_temps(path);
    int suffix = 0;
    f->path = strdup(path);
    f->tmp_path = temp_template(path, &suffix);
    if (!f->path || !f->tmp_path) {
        atomic_abort(f);
        return ENOMEM;
    }
    f->fd = mkstemps(f->tmp_path, suffix);
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

int atomic_dir_begin(char **tmp, const char *path) {
    *tmp = NULL;
    size_t dl = dir_length(path);
    if (dl == strlen(path)) return EINVAL;
    remove_stale_temps(path);
    int suffix = 0;
    char *t = temp_template(path, &suffix);
    if (!t) return ENOMEM;
    /* mkdtemp takes no suffix: make the name with mkstemps, then trade the file
     * for a folder of the same name (EEXIST: another writer took it; try again) */
    for (int tries = 0; tries < 100; tries++) {
        char *x = t + strlen(t) - suffix - 6;
        memcpy(x, "XXXXXX", 6);
        int fd = mkstemps(t, suffix);
        if (fd < 0) break;
        close(fd);
        unlink(t);
        if (mkdir(t, 0777) == 0) {
            *tmp = t;
            return 0;
        }
        if (errno != EEXIST) break;
    }
    int e = errno;
    free(t);
    return e;
}

int atomic_dir_commit(char **tmp, const char *path) {
    int e = rename(*tmp, path) == 0 ? 0 : errno;
    if (e) {
        atomic_dir_abort(tmp);
        return e;
    }
    free(*tmp);
    *tmp = NULL;
    return sync_directory(path);
}

void atomic_dir_abort(char **tmp) {
    if (*tmp) remove_temp(*tmp);
    free(*tmp);
    *tmp = NULL;
}
