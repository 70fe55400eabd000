/*
 * atomic_file.h - write an output file so that readers see either the old
 * file or the complete new one, never a partial one, and a failed or killed
 * run leaves the old file as it was.
 *
 * The data goes to a temporary file in the target's own directory (rename is
 * atomic only within one file system), named ".tmp-XXXXXX-<name>" so that it
 * keeps the target's extension (libraries such as ITK choose the format from
 * it); then the temporary file is fsync'ed, renamed over the target, and the
 * directory is fsync'ed so that the rename itself survives a crash.
 *
 * Two ways to use it:
 *  - atomic_write_file(path, buf, n): one call for a buffer in memory;
 *  - atomic_begin() / write through tmp_path or fd / atomic_commit() or
 *    atomic_abort(), for writers (ITK, DCMTK) that want a file name.
 * Functions return 0 or an errno value (strerror() gives the reason).
 */
#ifndef E2EC_TOOLS_ATOMIC_FILE_H
#define E2EC_TOOLS_ATOMIC_FILE_H

#include <stddef.h>

typedef struct {
    char *path;     /* the final name */
    char *tmp_path; /* where the data is written until commit */
    int fd;         /* open on tmp_path, or -1 once closed */
} atomic_file;

/* Creates the temporary file (mode 0666 less the umask, like a plain create). */
int atomic_begin(atomic_file *f, const char *path);
/* Writes n bytes at the current position of f->fd. */
int atomic_write(atomic_file *f, const void *buf, size_t n);
/* Flushes the temporary file to disk, renames it to the final name, syncs the
 * directory. The temporary file is removed if any step fails. */
int atomic_commit(atomic_file *f);
/* Removes the temporary file; the target is untouched. Safe after a commit. */
void atomic_abort(atomic_file *f);

/* begin + write + commit. */
int atomic_write_file(const char *path, const void *buf, size_t n);

#endif
