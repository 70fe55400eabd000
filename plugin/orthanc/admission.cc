/* admission.cc - an e2ec object that cannot be read is refused before Orthanc stores it.
 *
 * Orthanc's received-instance callback sees every instance (REST and C-STORE) before it
 * is stored. One whose File Meta Information names e2ec's transfer syntax must hold a
 * usable e2ec object: Pixel Data encapsulated, the stream's header and CRC valid and in
 * agreement with Rows, Columns, Number of Frames and Bits Stored, per-frame positions
 * present (e2ec_dicom_object_read_buffer: no decoding, so it is cheap). Otherwise it is
 * discarded with a log line naming the problem. Without this, Orthanc would store such
 * an object and, when the plugin cannot decode it, fall back on DCMTK, which reads an
 * unknown syntax as Explicit VR Little Endian and may serve whatever bytes are there
 * (native Pixel Data under our UID, for one). Every other instance passes untouched. */
#include "e2ec_orthanc.h"

#include <string>

#include "e2ec_dicom.h"

namespace {

int32_t admit(const OrthancPluginDicomInstance *instance) {
    const void *dicom = OrthancPluginGetInstanceData(e2ec_orthanc_context, instance);
    uint64_t size = OrthancPluginGetInstanceSize(e2ec_orthanc_context, instance);
    if (!e2ec_orthanc_is_ours(dicom, size)) return 1;
    char err[1024];
    e2ec_dicom_object *o = nullptr;
    e2ec_status st = e2ec_dicom_object_read_buffer(dicom, (size_t)size, "received instance", &o,
                                                   err, sizeof err);
    e2ec_dicom_object_free(o);
    if (st == E2EC_OK) return 1;
    e2ec_orthanc_error(std::string("refused, not stored: ") + err);
    return -1;
}

} // namespace

bool e2ec_orthanc_admission_start() {
    return OrthancPluginRegisterIncomingDicomInstanceFilter(e2ec_orthanc_context, admit) ==
           OrthancPluginErrorCode_Success;
}
