/* transcoder.cc - Orthanc's transcoder callback for e2ec objects: whenever Orthanc must
 * send one in a standard transfer syntax (C-MOVE, C-GET, C-STORE to a modality, DICOMweb,
 * /file with transcoding), the whole volume is decoded and written as an uncompressed
 * multi-frame object (dicom/'s writer), in Explicit or Implicit VR Little Endian.
 *
 * The SOP Instance UID is kept even where Orthanc would allow a new one: decoding adds
 * no loss to what the stored instance already holds (Lossy Image Compression stays
 * "01"), and a peer that asked for instance X by C-MOVE must receive X. */
#include "e2ec_orthanc.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "e2ec.h"
#include "e2ec_dicom.h"
#include "temp_dir.h"

namespace {

struct object_deleter {
    void operator()(e2ec_dicom_object *o) const { e2ec_dicom_object_free(o); }
};

/* The standard syntax to write: the first of Orthanc's allowed ones we can write. */
bool choose_syntax(const char *const *allowed, uint32_t n, E_TransferSyntax &xfer) {
    for (uint32_t i = 0; i < n; i++) {
        if (!allowed[i]) continue;
        if (std::strcmp(allowed[i], UID_LittleEndianExplicitTransferSyntax) == 0) {
            xfer = EXS_LittleEndianExplicit;
            return true;
        }
        if (std::strcmp(allowed[i], UID_LittleEndianImplicitTransferSyntax) == 0) {
            xfer = EXS_LittleEndianImplicit;
            return true;
        }
    }
    return false;
}

/* The SOP Instance UID of the stored instance, from its bytes. */
bool sop_instance_uid(const void *buffer, uint64_t size, OFString &uid) {
    DcmInputBufferStream is;
    is.setBuffer(buffer, (offile_off_t)size);
    is.setEos();
    DcmFileFormat ff;
    ff.transferInit();
    OFCondition c = ff.read(is, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    ff.transferEnd();
    return c.good() && ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, uid).good() &&
           !uid.empty();
}

} // namespace

OrthancPluginErrorCode e2ec_orthanc_transcode(OrthancPluginMemoryBuffer *transcoded,
                                              const void *buffer, uint64_t size,
                                              const char *const *allowed, uint32_t n_allowed,
                                              uint8_t /* allow_new_sop_instance_uid */) {
    if (!e2ec_orthanc_is_ours(buffer, size)) return OrthancPluginErrorCode_NotImplemented;
    E_TransferSyntax xfer = EXS_Unknown;
    if (!choose_syntax(allowed, n_allowed, xfer)) {
        e2ec_orthanc_error("an e2ec object can be sent in Explicit or Implicit VR Little "
                           "Endian only, and the peer accepts neither");
        return OrthancPluginErrorCode_NotImplemented;
    }
    char err[1024];
    e2ec_dicom_object *raw = nullptr;
    e2ec_status st = e2ec_dicom_object_read_buffer(buffer, size, "instance", &raw, err, sizeof err);
    if (st) {
        e2ec_orthanc_error(err);
        return OrthancPluginErrorCode_BadFileFormat;
    }
    std::unique_ptr<e2ec_dicom_object, object_deleter> o(raw);
    OFString uid;
    if (!sop_instance_uid(buffer, size, uid)) {
        e2ec_orthanc_error("the instance has no SOP Instance UID");
        return OrthancPluginErrorCode_BadFileFormat;
    }
    e2ec_volume v;
    st = e2ec_dicom_object_decode(o.get(), e2ec_orthanc_threads, &v);
    if (st) {
        e2ec_orthanc_error(std::string("decoding failed: ") + e2ec_strerror(st));
        return OrthancPluginErrorCode_CorruptedFile;
    }
    temp_dir dir;
    if (dir.path().empty()) {
        e2ec_volume_free(&v);
        e2ec_orthanc_error("cannot create a temporary folder");
        return OrthancPluginErrorCode_CannotWriteFile;
    }
    std::string decoded = dir.path() + "/decoded.dcm", out = dir.path() + "/out.dcm";
    st = e2ec_dicom_write_decompressed(o.get(), &v, 0, decoded.c_str(), err, sizeof err);
    e2ec_volume_free(&v);
    if (st) {
        e2ec_orthanc_error(err);
        return OrthancPluginErrorCode_CannotWriteFile;
    }
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(decoded.c_str());
    if (c.good()) c = ff.getDataset()->putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
    if (c.good()) c = ff.getMetaInfo()->putAndInsertString(DCM_MediaStorageSOPInstanceUID, uid.c_str());
    if (c.good()) c = ff.saveFile(out.c_str(), xfer);
    if (c.bad()) {
        e2ec_orthanc_error(std::string("cannot write the decoded instance: ") + c.text());
        return OrthancPluginErrorCode_CannotWriteFile;
    }
    std::ifstream f(out, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!f.good() && !f.eof()) return OrthancPluginErrorCode_CannotWriteFile;
    if (bytes.size() > UINT32_MAX) {
        e2ec_orthanc_error("the decoded instance exceeds 4 GiB, more than Orthanc's buffers hold");
        return OrthancPluginErrorCode_NotEnoughMemory;
    }
    if (OrthancPluginCreateMemoryBuffer(e2ec_orthanc_context, transcoded, (uint32_t)bytes.size()))
        return OrthancPluginErrorCode_NotEnoughMemory;
    std::memcpy(transcoded->data, bytes.data(), bytes.size());
    return OrthancPluginErrorCode_Success;
}
