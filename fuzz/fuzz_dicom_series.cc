/*
 * libFuzzer target for the DICOM reading path, series -> volume
 * (e2ec_dicom_series_read). The input is cut at each FUZZ_FILE_SEPARATOR: one
 * part is read as one named file, several parts as the files of a directory
 * (at most FUZZ_MAX_FILES), as dcme2ec reads a folder. What is read must hold
 * together: a volume of the declared size, a path and position per slice.
 */
#include <cstring>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "fuzz_common.h"
#include "fuzz_dcmtk_quiet.h"
#include "e2ec_dicom.h"

#define FUZZ_FILE_SEPARATOR "--e2ec-next-file--"
#define FUZZ_MAX_FILES 4

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_quiet_dcmtk();
    std::vector<std::pair<const uint8_t *, size_t>> parts;
    const size_t sep_len = strlen(FUZZ_FILE_SEPARATOR);
    const uint8_t *p = data, *end = data + size;
    while (parts.size() + 1 < FUZZ_MAX_FILES) {
        const uint8_t *q = (const uint8_t *)memmem(p, end - p, FUZZ_FILE_SEPARATOR, sep_len);
        if (!q) break;
        parts.push_back({p, (size_t)(q - p)});
        p = q + sep_len;
    }
    parts.push_back({p, (size_t)(end - p)});

    char dir[64];
    snprintf(dir, sizeof dir, "%s/e2ec-fuzz-XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
    if (!mkdtemp(dir)) return 0;
    std::vector<std::string> files;
    for (size_t i = 0; i < parts.size(); i++) {
        std::string f = std::string(dir) + "/" + std::to_string(i) + ".dcm";
        FILE *fp = fopen(f.c_str(), "wb");
        if (!fp) continue;
        fwrite(parts[i].first, 1, parts[i].second, fp);
        fclose(fp);
        files.push_back(f);
    }
    const char *path = files.size() == 1 ? files[0].c_str() : dir;
    e2ec_dicom_series *s = NULL;
    char err[1024];
    if (e2ec_dicom_series_read(&path, 1, NULL, &s, err, sizeof err) == E2EC_OK) {
        const e2ec_volume *v = e2ec_dicom_series_volume(s);
        if (!v || !v->data || !v->nx || !v->ny || !v->nz) abort();
        size_t bytes = (size_t)v->nx * v->ny * v->nz * e2ec_voxel_size(v->type);
        volatile uint8_t sum = 0; /* touch every voxel: ASan checks the size */
        for (size_t i = 0; i < bytes; i += 4096) sum ^= ((const uint8_t *)v->data)[i];
        sum ^= ((const uint8_t *)v->data)[bytes - 1];
        (void)sum;
        for (uint32_t z = 0; z < v->nz; z++) {
            double ipp[3];
            e2ec_dicom_series_position(s, z, ipp);
            if (!e2ec_dicom_series_path(s, z)) abort();
        }
        e2ec_dicom_series_check_compressible(s, err, sizeof err);
        e2ec_dicom_series_free(s);
    }
    for (const std::string &f : files) unlink(f.c_str());
    rmdir(dir);
    return 0;
}
