/* decoder.cc - Orthanc's decode-image callback for e2ec objects: one frame, for previews,
 * /frames/N/rendered, /image-uint16 and the viewers. A frame of a lossless or latent
 * object comes out of the whole decoded volume, kept for the next frames
 * (volume_cache.h); any other frame is decoded alone (e2ec_decode_slice, random access).
 * Every failure is logged and returned to Orthanc as an error code. */
#include "e2ec_orthanc.h"

#include <cstring>
#include <memory>
#include <vector>

#include "e2ec.h"
#include "e2ec_dicom.h"
#include "volume_cache.h"

namespace {

struct object_deleter {
    void operator()(e2ec_dicom_object *o) const { e2ec_dicom_object_free(o); }
};

bool pixel_format(e2ec_voxel_type t, OrthancPluginPixelFormat &f) {
    switch (t) {
    case E2EC_U8: f = OrthancPluginPixelFormat_Grayscale8; return true;
    case E2EC_U16: f = OrthancPluginPixelFormat_Grayscale16; return true;
    case E2EC_I16: f = OrthancPluginPixelFormat_SignedGrayscale16; return true;
    default: return false;
    }
}

} // namespace

OrthancPluginErrorCode e2ec_orthanc_decode(OrthancPluginImage **target, const void *dicom,
                                           const uint32_t size, uint32_t frame) {
    /* not ours: Orthanc's own decoders answer for it */
    if (!e2ec_orthanc_is_ours(dicom, size)) return OrthancPluginErrorCode_IncompatibleImageFormat;
    char err[1024];
    e2ec_dicom_object *raw = nullptr;
    e2ec_status st = e2ec_dicom_object_read_buffer(dicom, size, "instance", &raw, err, sizeof err);
    if (st) {
        e2ec_orthanc_error(err);
        return OrthancPluginErrorCode_BadFileFormat;
    }
    std::unique_ptr<e2ec_dicom_object, object_deleter> o(raw);
    const e2ec_info *info = e2ec_dicom_object_info(o.get());
    if (frame >= e2ec_dicom_object_frames(o.get())) {
        e2ec_orthanc_error("no frame " + std::to_string(frame) + " in an object of " +
                           std::to_string(e2ec_dicom_object_frames(o.get())));
        return OrthancPluginErrorCode_ParameterOutOfRange;
    }
    OrthancPluginPixelFormat fmt;
    if (!pixel_format(info->type, fmt)) {
        e2ec_orthanc_error("unknown voxel type in the stream header");
        return OrthancPluginErrorCode_IncompatibleImageFormat;
    }
    size_t row = (size_t)info->nx * e2ec_voxel_size(info->type);
    std::shared_ptr<const cached_volume> whole = volume_cache_get(o.get(), e2ec_orthanc_threads, st);
    std::vector<uint8_t> plane;
    const uint8_t *src = nullptr;
    if (whole) {
        src = static_cast<const uint8_t *>(cached_volume_data(*whole).data) +
              (size_t)frame * row * info->ny;
    } else if (!st) {
        try {
            plane.resize(row * info->ny);
        } catch (const std::bad_alloc &) {
            return OrthancPluginErrorCode_NotEnoughMemory;
        }
        st = e2ec_dicom_object_decode_frame(o.get(), frame, e2ec_orthanc_threads, plane.data());
        src = plane.data();
    }
    if (st) {
        e2ec_orthanc_error("decoding frame " + std::to_string(frame) +
                           " failed: " + e2ec_strerror(st));
        return OrthancPluginErrorCode_CorruptedFile;
    }
    OrthancPluginImage *img = OrthancPluginCreateImage(e2ec_orthanc_context, fmt, info->nx, info->ny);
    if (!img) return OrthancPluginErrorCode_NotEnoughMemory;
    /* Orthanc's rows may be padded: copy row by row at its pitch */
    uint8_t *dst = static_cast<uint8_t *>(OrthancPluginGetImageBuffer(e2ec_orthanc_context, img));
    uint32_t pitch = OrthancPluginGetImagePitch(e2ec_orthanc_context, img);
    for (uint32_t y = 0; y < info->ny; y++)
        std::memcpy(dst + (size_t)y * pitch, src + y * row, row);
    *target = img;
    return OrthancPluginErrorCode_Success;
}
