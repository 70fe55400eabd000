/*
 * malformed-api stream|dicom FILE: runs one malformed case through the library's
 * entry points and prints the error they name, for run-cases to compare with the
 * catalogue. stream: e2ec_get_info, e2ec_decode, e2ec_decode_slice; dicom:
 * e2ec_dicom_object_read, then the whole and one-frame decodes, DCMTK with the
 * e2ec decoder registered (plugin/), and the
 * Orthanc plugin's decode callback (through plugin/orthanc/stand_in_context.h).
 * Exits 1 when the entry points disagree: a decode that accepts what another
 * refused, DCMTK decoding a stream the library refuses, or the plugin returning an
 * image for it (or an error code together with an image).
 */
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/oflog/oflog.h>

#include "e2ec_dcmtk.h"
#include "e2ec_dicom.h"
#include "e2ec_orthanc.h"
#include "stand_in_context.h"

/* Whether the plugin's callback refuses frame 0 of the file at path cleanly: an
 * error code and no image. */
static bool plugin_refuses(const char *path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    bytes.reserve(1);
    e2ec_orthanc_context = &stand_in::context;
    e2ec_orthanc_threads = 1;
    OrthancPluginImage *img = nullptr;
    OrthancPluginErrorCode rc = e2ec_orthanc_decode(&img, bytes.data(), (uint32_t)bytes.size(), 0);
    if (img) OrthancPluginFreeImage(&stand_in::context, img);
    return rc != OrthancPluginErrorCode_Success && !img;
}

/* The status a whole decode and a one-slice decode agree on (E2EC_ERR_INTERNAL when
 * they do not). */
static e2ec_status agreed(e2ec_status whole, e2ec_status slice) {
    return whole == slice ? whole : E2EC_ERR_INTERNAL;
}

static e2ec_status stream_case(const char *path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return E2EC_ERR_IO;
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    bytes.reserve(1); /* a pointer even for an empty file: NULL would be E2EC_ERR_ARG */
    const uint8_t *s = bytes.data();
    size_t n = bytes.size();
    e2ec_info info;
    e2ec_status head = e2ec_get_info(s, n, &info);
    e2ec_volume v;
    e2ec_status whole = e2ec_decode(s, n, 1, &v);
    if (!whole) e2ec_volume_free(&v);
    std::vector<uint8_t> plane(head ? 1 : (size_t)info.nx * info.ny * e2ec_voxel_size(info.type));
    e2ec_status st = agreed(whole, e2ec_decode_slice(s, n, 0, 1, plane.data()));
    /* a header error is named by get_info too; a payload error only by the decoders */
    return head && head != st ? E2EC_ERR_INTERNAL : st;
}

static e2ec_status dicom_case(const char *path) {
    char err[4096];
    e2ec_dicom_object *o = NULL;
    e2ec_status st = e2ec_dicom_object_read(path, &o, err, sizeof err);
    if (st) {
        fprintf(stderr, "%s\n", err);
    } else {
        const e2ec_info *info = e2ec_dicom_object_info(o);
        std::vector<uint8_t> plane((size_t)info->nx * info->ny * e2ec_voxel_size(info->type));
        e2ec_volume v;
        e2ec_status whole = e2ec_dicom_object_decode(o, 1, &v);
        if (!whole) e2ec_volume_free(&v);
        st = agreed(whole, e2ec_dicom_object_decode_frame(o, 0, 1, plane.data()));
        e2ec_dicom_object_free(o);
    }
    /* DCMTK's route: a stream the library refuses must not decode there either */
    e2ec_dcmtk_register(1);
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DcmFileFormat ff;
    if (ff.loadFile(path).good() && ff.getDataset()->tagExists(DCM_PixelData)) {
        bool decoded = ff.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL).good();
        if (decoded && st != E2EC_OK && st != E2EC_ERR_FORMAT) {
            fprintf(stderr, "malformed-api: DCMTK decoded what the library refuses\n");
            st = E2EC_ERR_INTERNAL;
        }
    }
    e2ec_dcmtk_cleanup();
    if (st != E2EC_OK && !plugin_refuses(path)) {
        fprintf(stderr, "malformed-api: the Orthanc plugin's callback accepted what the library refuses\n");
        st = E2EC_ERR_INTERNAL;
    }
    return st;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "stream") && strcmp(argv[1], "dicom"))) {
        fprintf(stderr, "usage: malformed-api stream|dicom FILE\n");
        return 2;
    }
    e2ec_status st = strcmp(argv[1], "stream") ? dicom_case(argv[2]) : stream_case(argv[2]);
    printf("%s\n", e2ec_error_name(st));
    return st == E2EC_ERR_INTERNAL;
}
