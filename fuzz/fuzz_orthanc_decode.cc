/*
 * libFuzzer target for the Orthanc plugin's decode-image callback
 * (plugin/orthanc/decoder.cc, e2ec_orthanc_decode): the code that runs inside the
 * PACS process, where one crash takes the archive down. The input is a whole DICOM
 * file as Orthanc hands it over; no Orthanc runs: a stand-in context answers the
 * few SDK services the callback uses (image creation, its buffer and pitch, freeing
 * it, logging). The stand-in's images have padded rows, so a copy that ignores the
 * pitch shows under ASan.
 *
 * Each execution asks for frame 0, the last frame and one past the end. The frames
 * are decoded only when the object's stream declares a volume within the harness
 * caps (fuzz_common.h): the harness reads the object once itself to know that.
 */
#include <cstdlib>
#include <cstring>
#include <new>

#include "e2ec_dicom.h"
#include "e2ec_orthanc.h"
#include "fuzz_common.h"
#include "fuzz_dcmtk_quiet.h"

namespace {

/* What OrthancPluginImage points to in the stand-in context. */
struct fake_image {
    OrthancPluginPixelFormat format;
    uint32_t width, height, pitch;
    uint8_t *pixels;
};

uint32_t bytes_per_pixel(OrthancPluginPixelFormat f) {
    switch (f) {
    case OrthancPluginPixelFormat_Grayscale8: return 1;
    case OrthancPluginPixelFormat_Grayscale16:
    case OrthancPluginPixelFormat_SignedGrayscale16: return 2;
    default: return 0;
    }
}

fake_image *image_of(const OrthancPluginImage *img) {
    return reinterpret_cast<fake_image *>(const_cast<OrthancPluginImage *>(img));
}

OrthancPluginErrorCode fake_service(OrthancPluginContext *, _OrthancPluginService service,
                                    const void *params) {
    switch (service) {
    case _OrthancPluginService_CreateImage: {
        auto *p = static_cast<const _OrthancPluginCreateImage *>(params);
        uint32_t bpp = bytes_per_pixel(p->format);
        if (!bpp || p->buffer || p->constBuffer) return OrthancPluginErrorCode_ParameterOutOfRange;
        /* rows padded to a multiple of 16 plus 16 bytes, as an image library may */
        uint64_t pitch = ((uint64_t)p->width * bpp + 31) / 16 * 16;
        if (pitch > UINT32_MAX) return OrthancPluginErrorCode_NotEnoughMemory;
        auto *img = new (std::nothrow) fake_image{p->format, p->width, p->height, (uint32_t)pitch,
                                                  nullptr};
        if (img) img->pixels = static_cast<uint8_t *>(std::malloc(pitch * p->height + 1));
        if (!img || !img->pixels) {
            delete img;
            return OrthancPluginErrorCode_NotEnoughMemory;
        }
        *p->target = reinterpret_cast<OrthancPluginImage *>(img);
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_GetImageBuffer: {
        auto *p = static_cast<const _OrthancPluginGetImageInfo *>(params);
        *p->resultBuffer = image_of(p->image)->pixels;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_GetImagePitch: {
        auto *p = static_cast<const _OrthancPluginGetImageInfo *>(params);
        *p->resultUint32 = image_of(p->image)->pitch;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_FreeImage: {
        auto *p = static_cast<const _OrthancPluginFreeImage *>(params);
        fake_image *img = image_of(p->image);
        std::free(img->pixels);
        delete img;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_LogError:
    case _OrthancPluginService_LogWarning:
    case _OrthancPluginService_LogInfo: return OrthancPluginErrorCode_Success;
    default:
        /* a service the callback was not known to use: a finding */
        std::abort();
    }
}

OrthancPluginContext fake_context = {nullptr, "1.10.1", std::free, fake_service};

/* Calls the callback for frame; a success must come with an image of the declared size. */
void decode(const uint8_t *data, size_t size, uint32_t frame, const e2ec_info *info) {
    OrthancPluginImage *img = nullptr;
    OrthancPluginErrorCode rc = e2ec_orthanc_decode(&img, data, (uint32_t)size, frame);
    if (rc != OrthancPluginErrorCode_Success) {
        if (img) std::abort(); /* an error leaves no image behind */
        return;
    }
    fake_image *f = image_of(img);
    if (!f || !info || f->width != info->nx || f->height != info->ny) std::abort();
    OrthancPluginFreeImage(&fake_context, img);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_quiet_dcmtk();
    e2ec_orthanc_context = &fake_context;
    e2ec_orthanc_threads = 1;
    if (size > UINT32_MAX) return 0;
    /* What the object declares, read as the callback will read it. */
    char err[1024];
    e2ec_dicom_object *o = nullptr;
    uint32_t frames = 0;
    e2ec_info info;
    bool readable = e2ec_orthanc_is_ours(data, size) &&
                    e2ec_dicom_object_read_buffer(data, size, "fuzz", &o, err, sizeof err) == E2EC_OK;
    if (readable) {
        info = *e2ec_dicom_object_info(o);
        frames = e2ec_dicom_object_frames(o);
        e2ec_dicom_object_free(o);
    }
    /* the whole volume within the caps, as fuzz_dicom_object: a frame of a
     * down-sampled mode evaluates low-res planes beyond its own */
    bool affordable = readable && fuzz_affordable(&info);
    if (!readable || affordable) {
        /* unreadable: refused before any decoding, so always affordable */
        decode(data, size, 0, readable ? &info : nullptr);
        if (frames > 1) decode(data, size, frames - 1, &info);
    }
    decode(data, size, frames, readable ? &info : nullptr); /* one past the end: refused */
    return 0;
}
