/*
 * memory_peak RAW NX NY NZ MODE EPOCHS [LOOSEST]: the library's memory
 * estimates (e2ec_encode_memory, e2ec_decode_memory: what max_memory is checked
 * against) set against the peak resident memory that e2ec_encode, e2ec_decode
 * and e2ec_decode_slice reach on an int16 .raw volume, with 2 threads.
 *
 * What is measured: each call runs alone in a forked child, which first makes
 * every page of its program and shared libraries resident and resets its peak
 * resident set (clear_refs); the child's peak (wait4's ru_maxrss) less its
 * resident set at that moment is what the call added: every page it touched,
 * its own buffers and what it makes others allocate (its threads' stacks and
 * malloc arenas, OpenBLAS's and FFTW's buffers). The estimate must cover all
 * of that: a process that trusts max_memory is killed on its resident set.
 * Code pages are left out: clean pages of files, shared and reclaimable, not
 * what the call allocates. Pages allocated but never touched do not count, so
 * the estimate, which counts every buffer as touched and live at once, is
 * expected to exceed the figure.
 *
 * The parent stays lean so that the child cannot reuse memory without it
 * showing: it runs no OpenMP region (GNU OpenMP's threads do not survive a
 * fork) and hands its free heap back to the system before each fork.
 *
 * One line per call: mode, size, call, estimate and measured in MiB, and their
 * ratio. Exit status 1 when a measured peak exceeds its estimate, or when an
 * encode's or whole decode's ratio exceeds LOOSEST (when given): an estimate so
 * loose would refuse work that fits.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "e2ec.h"

enum { THREADS = 2 };

/* The work a child does, exit status 0 when it succeeded. */
typedef struct {
    const e2ec_volume *in;
    const e2ec_params *p;
    const uint8_t *stream;
    size_t size;
    void *plane; /* the caller's slice buffer, already resident */
    FILE *out;   /* where the encoding child leaves its stream for the decodes */
} call;

static int run_encode(const call *c) {
    uint8_t *s = NULL;
    size_t n = 0;
    e2ec_status st = e2ec_encode(c->in, c->p, &s, &n);
    if (st) fprintf(stderr, "encode: %s\n", e2ec_strerror(st));
    return st != E2EC_OK || fwrite(s, 1, n, c->out) != n || fflush(c->out);
}

static int run_decode(const call *c) {
    e2ec_volume v;
    e2ec_status st = e2ec_decode(c->stream, c->size, THREADS, &v);
    if (st) fprintf(stderr, "decode: %s\n", e2ec_strerror(st));
    return st != E2EC_OK;
}

static int run_slice(const call *c) {
    e2ec_status st = e2ec_decode_slice(c->stream, c->size, c->in->nz / 2, THREADS, c->plane);
    if (st) fprintf(stderr, "slice decode: %s\n", e2ec_strerror(st));
    return st != E2EC_OK;
}

/* The process's resident set now, bytes (/proc/self/statm's second field). */
static uint64_t resident_now(void) {
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%lu %lu", &size, &resident) != 2) {
        fprintf(stderr, "cannot read /proc/self/statm\n");
        exit(2);
    }
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Reads a byte of every page of every file mapping (the program, the shared
 * libraries): code and constant tables a call runs for the first time are then
 * resident already, and not counted as the call's. They are clean pages of
 * files, shared with every process that maps them and reclaimable; what
 * max_memory bounds is the memory a call allocates. */
static void load_file_pages(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096], perm[5];
    unsigned long from, to, offset, inode;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx %4s %lx %*s %lu", &from, &to, perm, &offset, &inode) == 5 &&
            inode && perm[0] == 'r')
            for (uintptr_t a = from; a < to; a += page) (void)*(volatile const char *)a;
    if (f) fclose(f);
}

/* Sets the process's peak resident set (VmHWM, ru_maxrss) to its resident set
 * now (Linux 4.0: proc(5), clear_refs). */
static int reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok = f && fputs("5", f) >= 0;
    return f ? fclose(f) == 0 && ok : 0;
}

/* Bytes of resident memory work(c) adds to a process at its peak: a child
 * loads the file pages, resets its peak, reports its resident set through a
 * pipe and runs the call; its peak (wait4's ru_maxrss) less that is the
 * figure. */
static uint64_t measured_peak(int (*work)(const call *), const call *c) {
    int fd[2];
    malloc_trim(0);
    fflush(NULL);
    if (pipe(fd)) {
        perror("pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        /* pages as the call touches them: with transparent huge pages a touch
         * can make 2 MiB resident (a host policy, not the call's demand) */
        prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
        load_file_pages();
        if (!reset_peak()) {
            perror("memory_peak: cannot reset the peak resident set (/proc/self/clear_refs)");
            _exit(1);
        }
        uint64_t start = resident_now();
        _exit(write(fd[1], &start, sizeof start) != sizeof start || work(c));
    }
    close(fd[1]);
    uint64_t start = 0;
    int status, got = read(fd[0], &start, sizeof start) == sizeof start;
    close(fd[0]);
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !got || !WIFEXITED(status) ||
        WEXITSTATUS(status)) {
        fprintf(stderr, "memory_peak: the measured call failed\n");
        exit(2);
    }
    uint64_t peak = (uint64_t)ru.ru_maxrss * 1024; /* Linux: kilobytes */
    return peak > start ? peak - start : 0;
}

/* Prints the row; nonzero when the estimate is not an upper bound, or looser
 * than `loosest` (0: any ratio). */
static int report(const char *mode, const e2ec_volume *v, const char *what, uint64_t estimate,
                  uint64_t measured, double loosest) {
    const double mib = 1024.0 * 1024.0;
    double ratio = measured ? (double)estimate / (double)measured : 0.0;
    int over = measured > estimate, loose = loosest > 0 && (!measured || ratio > loosest);
    const char *verdict = over    ? "  FAIL: the estimate is exceeded"
                          : loose ? "  FAIL: the estimate is too loose"
                                  : "";
    printf("%-8s %3ux%3ux%3u %-6s %10.2f %10.2f %7.2f%s\n", mode, v->nx, v->ny, v->nz, what,
           estimate / mib, measured / mib, ratio, verdict);
    return over || loose;
}

static int read_raw(const char *path, e2ec_volume *v) {
    FILE *f = fopen(path, "rb");
    size_t n = (size_t)v->nx * v->ny * v->nz;
    int ok = f && fread(v->data, sizeof(int16_t), n, f) == n && fgetc(f) == EOF;
    if (f) fclose(f);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: memory_peak RAW NX NY NZ MODE EPOCHS [LOOSEST] (int16 voxels)\n");
        return 2;
    }
    double loosest = argc == 8 ? atof(argv[7]) : 0.0;
    e2ec_params p;
    e2ec_params_default(&p);
    p.mode = e2ec_mode_from_name(argv[5]);
    p.epochs = atoi(argv[6]);
    p.threads = THREADS;
    if (p.mode == E2EC_MODE_SIREN) p.scale = 1;
    e2ec_volume in;
    if (!p.mode || p.epochs < 1 ||
        e2ec_volume_alloc(&in, (uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]),
                          (uint32_t)atoi(argv[4]), E2EC_I16) ||
        !read_raw(argv[1], &in)) {
        fprintf(stderr, "memory_peak: bad mode, epochs, size or volume file %s\n", argv[1]);
        return 2;
    }

    FILE *out = tmpfile();
    uint64_t enc = 0, whole = 0, slice = 0;
    e2ec_status st = e2ec_encode_memory(&in, &p, &enc);
    if (st || !out) {
        fprintf(stderr, "memory_peak: %s\n", st ? e2ec_strerror(st) : "no temporary file");
        return 2;
    }
    call c = {&in, &p, NULL, 0, NULL, out};
    int over = report(argv[5], &in, "encode", enc, measured_peak(run_encode, &c), loosest);

    /* the child's stream, read back for the decodes */
    long size = fseek(out, 0, SEEK_END) ? -1 : ftell(out);
    uint8_t *stream = size > 0 ? malloc((size_t)size) : NULL;
    rewind(out);
    if (!stream || fread(stream, 1, (size_t)size, out) != (size_t)size) {
        fprintf(stderr, "memory_peak: cannot read the stream back\n");
        return 2;
    }
    fclose(out);
    c.stream = stream, c.size = (size_t)size;
    st = e2ec_decode_memory(stream, c.size, 1, THREADS, &whole);
    if (!st) st = e2ec_decode_memory(stream, c.size, 0, THREADS, &slice);
    c.plane = calloc((size_t)in.nx * in.ny, sizeof(int16_t));
    if (st || !c.plane) {
        fprintf(stderr, "memory_peak: %s\n", st ? e2ec_strerror(st) : "out of memory");
        return 2;
    }
    memset(c.plane, 1, (size_t)in.nx * in.ny * sizeof(int16_t)); /* resident before the fork */
    over |= report(argv[5], &in, "decode", whole, measured_peak(run_decode, &c), loosest);
    over |= report(argv[5], &in, "slice", slice, measured_peak(run_slice, &c), 0.0);
    free(c.plane);
    free(stream);
    e2ec_volume_free(&in);
    return over;
}
