/* Volume files by extension: raw here, NIfTI/MetaImage in volume_io_itk.cxx (volume_io.h). */
#include "volume_io.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomic_file.h"
#include "nifti_length.h"
#include "volume_io_itk.h"

typedef enum { FILE_UNKNOWN, FILE_RAW, FILE_ITK, FILE_ITK_READ_ONLY } file_kind;

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && !strcasecmp(s + n - m, suffix);
}

static file_kind kind_of(const char *path) {
    if (has_suffix(path, ".raw")) return FILE_RAW;
    if (has_suffix(path, ".nii") || has_suffix(path, ".nii.gz") || has_suffix(path, ".mha"))
        return FILE_ITK;
    if (has_suffix(path, ".mhd")) return FILE_ITK_READ_ONLY;
    return FILE_UNKNOWN;
}

static const char *const type_names[] = {[E2EC_U8] = "u8", [E2EC_I16] = "i16",
                                         [E2EC_U16] = "u16", [E2EC_F32] = "f32"};

const char *volume_type_name(e2ec_voxel_type t) {
    return t >= E2EC_U8 && t <= E2EC_F32 ? type_names[t] : "?";
}

e2ec_voxel_type volume_type_parse(const char *name) {
    for (int t = E2EC_U8; t <= E2EC_F32; t++)
        if (!strcmp(name, type_names[t])) return (e2ec_voxel_type)t;
    return (e2ec_voxel_type)0;
}

static e2ec_status io_error(char *why, size_t why_len, const char *path, const char *what) {
    snprintf(why, why_len, "%s: %s", path, what);
    return E2EC_ERR_IO;
}

/* A path that does not exist, is a directory or cannot be opened is an I/O
 * error (exit 20), told apart from a file whose content we refuse (exit 22). */
static e2ec_status check_readable(const char *path, struct stat *st, char *why, size_t why_len) {
    if (stat(path, st) != 0) return io_error(why, why_len, path, strerror(errno));
    if (S_ISDIR(st->st_mode)) return io_error(why, why_len, path, "is a directory");
    FILE *f = fopen(path, "rb");
    if (!f) return io_error(why, why_len, path, strerror(errno));
    fclose(f);
    return E2EC_OK;
}

static e2ec_status read_raw(const char *path, const raw_layout *raw, off_t file_size,
                            e2ec_volume *out, char *why, size_t why_len) {
    if (!raw || !raw->nx || !raw->ny || !raw->nz || !e2ec_voxel_size(raw->type)) {
        snprintf(why, why_len, "%s: a .raw file needs --dims NX,NY,NZ and --type", path);
        return E2EC_ERR_ARG;
    }
    e2ec_status s = e2ec_volume_alloc(out, raw->nx, raw->ny, raw->nz, raw->type);
    if (s != E2EC_OK) {
        snprintf(why, why_len, "%s: %s", path, e2ec_strerror(s));
        return s;
    }
    size_t bytes = (size_t)raw->nx * raw->ny * raw->nz * e2ec_voxel_size(raw->type);
    if ((uint64_t)file_size != bytes) {
        snprintf(why, why_len, "%s: holds %lld bytes, but %ux%ux%u %s voxels take %zu", path,
                 (long long)file_size, raw->nx, raw->ny, raw->nz, volume_type_name(raw->type),
                 bytes);
        e2ec_volume_free(out);
        return E2EC_ERR_FORMAT;
    }
    FILE *f = fopen(path, "rb");
    if (!f || fread(out->data, 1, bytes, f) != bytes) {
        s = io_error(why, why_len, path, f && ferror(f) ? strerror(errno) : "cannot read");
        if (f) fclose(f);
        e2ec_volume_free(out);
        return s;
    }
    fclose(f);
    for (int i = 0; i < 3; i++)
        if (raw->spacing[i] > 0) out->spacing[i] = raw->spacing[i];
    return E2EC_OK;
}

e2ec_status volume_read(const char *path, const raw_layout *raw, e2ec_volume *out, char *why,
                        size_t why_len) {
    memset(out, 0, sizeof *out);
    file_kind k = kind_of(path);
    if (k == FILE_UNKNOWN) {
        snprintf(why, why_len, "%s: unknown extension (.nii, .nii.gz, .mha, .mhd or .raw)", path);
        return E2EC_ERR_FORMAT;
    }
    struct stat st;
    e2ec_status s = check_readable(path, &st, why, why_len);
    if (s != E2EC_OK) return s;
    if (k == FILE_RAW) return read_raw(path, raw, st.st_size, out, why, why_len);
    if (!has_suffix(path, ".mha") && !has_suffix(path, ".mhd") &&
        (s = nifti_check_length(path, why, why_len)) != E2EC_OK)
        return s;
    return itk_volume_read(path, out, why, why_len);
}

e2ec_status volume_write(const char *path, const e2ec_volume *v, char *why, size_t why_len) {
    file_kind k = kind_of(path);
    if (k == FILE_UNKNOWN || k == FILE_ITK_READ_ONLY) {
        snprintf(why, why_len, "%s: cannot write this format (.nii, .nii.gz, .mha or .raw)",
                 path);
        return E2EC_ERR_FORMAT;
    }
    atomic_file f;
    int e = atomic_begin(&f, path);
    if (e) return io_error(why, why_len, path, strerror(e));
    e2ec_status s = E2EC_OK;
    if (k == FILE_RAW) {
        e = atomic_write(&f, v->data, (size_t)v->nx * v->ny * v->nz * e2ec_voxel_size(v->type));
        if (e) s = io_error(why, why_len, path, strerror(e));
    } else {
        /* ITK opens the file by name: hand it the temporary one. */
        close(f.fd);
        f.fd = -1;
        s = itk_volume_write(f.tmp_path, v, why, why_len);
    }
    if (s != E2EC_OK) {
        atomic_abort(&f);
        return s;
    }
    e = atomic_commit(&f);
    return e ? io_error(why, why_len, path, strerror(e)) : E2EC_OK;
}
