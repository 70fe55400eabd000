/* plugin.cc - e2ec's Orthanc plugin: the entry points Orthanc looks for, and the
 * registration of the decoder and transcoder callbacks (Orthanc 1.10.1's plain C SDK). */
#include "e2ec_orthanc.h"

#include <cstring>

#include "e2ec.h"
#include "e2ec_dicom.h"
#include "volume_cache.h"

OrthancPluginContext *e2ec_orthanc_context = nullptr;
int e2ec_orthanc_threads = 0;

bool e2ec_orthanc_is_ours(const void *dicom, uint64_t size) {
    /* The transfer syntax UID sits in the File Meta Information, right after the
     * 128-byte preamble and "DICM": the first kilobyte holds it in any file we write. */
    static const char uid[] = E2EC_DICOM_TRANSFER_SYNTAX_UID;
    const size_t n = sizeof uid - 1;
    const char *p = static_cast<const char *>(dicom);
    size_t len = size < 1024 ? (size_t)size : 1024;
    if (len < 132 || std::memcmp(p + 128, "DICM", 4) != 0) return false;
    for (size_t i = 132; i + n <= len; i++)
        if (std::memcmp(p + i, uid, n) == 0) return true;
    return false;
}

void e2ec_orthanc_error(const std::string &what) {
    OrthancPluginLogError(e2ec_orthanc_context, ("e2ec: " + what).c_str());
}

extern "C" {

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext *context) {
    e2ec_orthanc_context = context;
    if (!OrthancPluginCheckVersion(context)) {
        e2ec_orthanc_error("this plugin needs Orthanc 1.10.1 or newer");
        return -1;
    }
    OrthancPluginSetDescription(context, "Decodes and transcodes e2ec-compressed DICOM objects "
                                         "(transfer syntax " E2EC_DICOM_TRANSFER_SYNTAX_UID ")");
    if (OrthancPluginRegisterDecodeImageCallback(context, e2ec_orthanc_decode) ||
        OrthancPluginRegisterTranscoderCallback(context, e2ec_orthanc_transcode)) {
        e2ec_orthanc_error("cannot register the decoder and transcoder");
        return -1;
    }
    if (!e2ec_orthanc_admission_start()) {
        e2ec_orthanc_error("cannot register the received-instance check");
        return -1;
    }
    if (!e2ec_orthanc_move_start()) {
        e2ec_orthanc_error("cannot register the C-MOVE handler");
        return -1;
    }
    if (!e2ec_orthanc_ingest_start()) {
        e2ec_orthanc_error("cannot read the \"E2EC\" configuration section or start ingest");
        return -1;
    }
    if (!volume_cache_start()) {
        e2ec_orthanc_error("cannot read the \"E2EC\" configuration section's \"DecodedCacheMB\"");
        return -1;
    }
    OrthancPluginLogWarning(context, "e2ec: decoder and transcoder registered for transfer "
                                     "syntax " E2EC_DICOM_TRANSFER_SYNTAX_UID);
    return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize(void) {}

ORTHANC_PLUGINS_API const char *OrthancPluginGetName(void) { return "e2ec"; }

ORTHANC_PLUGINS_API const char *OrthancPluginGetVersion(void) { return E2EC_VERSION_STRING; }

} // extern "C"
