/*
 * atomic_file.h - write an output file so that readers see either the old
 * file or the complete new one, never a partial one, and a failed or killed
 * run leaves the old file as it was.
 *
 * The data goes to a temporary file in the target's own directory (rename is
 * atomic only within one file system), named ".tmp-<pid>-XXXXXX-<name>" so that
 * it keeps the target's extension (libraries such as ITK choose the format from
 * it); then the temporary file is fsync'ed, renamed over the target, and the
 * directory is fsync'ed so that the rename itself survives a crash.
 *
 * A process killed (SIGKILL, power loss) before its commit leaves its temporary
 * file behind: hidden (a leading dot: our folder readers skip it) and named after
 * the target and the writer's pid. The next write of the same target removes the
 * temporaries of writers that no longer run (kill(pid, 0) fails with ESRCH); a
 * live writer's is left alone. (Across machines sharing a folder, a pid says
 * nothing: there a concurrent writer of the same target on another machine may
 * lose its temporary file and fail its commit; it never leaves a partial target.)
 *
 * Two ways to use it:
 *  - atomic_write_file(path, buf, n): one call for a buffer in memory;
 *  - atomic_begin() / write through tmp_path or fd / atomic_commit() or
 *    atomic_abort(), for writers (ITK, DCMTK) that want a file name.
 * Functions return 0 or an errno value (strerror() gives the reason).
 */
#ifndef E2EC_UTIL_ATOMIC_FILE_H
#define E2EC_UTIL_ATOMIC_FILE_H

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

/* The same for a new folder (dcme2ed --split): *tmp gets a temporary folder
 * ".tmp-<pid>-XXXXXX-<name>" next to path (malloc'd) to fill; commit renames it
 * to path (which must not exist, or be an empty folder) and syncs the parent;
 * abort removes it and the files in it. */
int atomic_dir_begin(char **tmp, const char *path);
int atomic_dir_commit(char **tmp, const char *path);
void atomic_dir_abort(char **tmp);

#endif
