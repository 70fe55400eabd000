/* sample_object.h - the fixture of the DICOM C++ tests: a sample series from
 * sample-series/ encoded (few epochs: the tests check plumbing, not quality) into
 * an e2ec DICOM object in a temporary file. */
#ifndef E2EC_TEST_SAMPLE_OBJECT_H
#define E2EC_TEST_SAMPLE_OBJECT_H

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "e2ec_dicom.h"

/* Encodes sample-series/<name> to a new temporary file; returns its path ("" on failure)
 * and the series in *series (e2ec_dicom_series_free). */
static inline std::string sample_object(const char *name, e2ec_dicom_series **series) {
    std::string dir = std::string(E2EC_SAMPLE_DIR) + "/" + name;
    const char *paths[] = {dir.c_str()};
    char err[1024];
    if (e2ec_dicom_series_read(paths, 1, NULL, series, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return "";
    }
    e2ec_params p;
    e2ec_params_default(&p);
    /* siren-ds: these tests check the DICOM wrapping, and it trains fast */
    p.mode = E2EC_MODE_SIREN_DS;
    p.scale = 4, p.epochs = 20, p.siren_width = 16, p.progress_every = 0;
    uint8_t *stream = NULL;
    size_t size = 0;
    char tmpl[] = "/tmp/e2ec_test_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return "";
    close(fd);
    e2ec_status st = e2ec_encode(e2ec_dicom_series_volume(*series), &p, &stream, &size);
    if (!st) st = e2ec_dicom_write_compressed(*series, stream, size, NULL, tmpl, err, sizeof err);
    e2ec_free(stream);
    if (st) {
        fprintf(stderr, "%s: %s\n", e2ec_strerror(st), err);
        unlink(tmpl);
        return "";
    }
    return tmpl;
}

#endif
