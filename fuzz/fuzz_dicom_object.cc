/*
 * libFuzzer target for reading our compressed objects back (e2ec_dicom_object_read,
 * the path of dcme2ed): the transfer syntax, the fragments, the per-frame groups and
 * the stream header's agreement with them; then, within the harness caps
 * (fuzz_common.h), one frame and the whole volume are decoded.
 */
#include <vector>

#include "fuzz_common.h"
#include "fuzz_dcmtk_quiet.h"
#include "e2ec_dicom.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_quiet_dcmtk();
    char path[64], err[1024];
    if (fuzz_temp_file(data, size, path, sizeof path)) return 0;
    e2ec_dicom_object *o = NULL;
    e2ec_status st = e2ec_dicom_object_read(path, &o, err, sizeof err);
    unlink(path);
    if (st) return 0;
    const e2ec_info *info = e2ec_dicom_object_info(o);
    if (e2ec_dicom_object_frames(o) != info->nz) abort();
    if (fuzz_affordable(info)) {
        std::vector<uint8_t> plane((size_t)info->nx * info->ny * e2ec_voxel_size(info->type));
        e2ec_dicom_object_decode_frame(o, info->nz - 1, 1, plane.data());
        e2ec_volume v;
        if (e2ec_dicom_object_decode(o, 1, &v) == E2EC_OK) e2ec_volume_free(&v);
    }
    e2ec_dicom_object_free(o);
    return 0;
}
