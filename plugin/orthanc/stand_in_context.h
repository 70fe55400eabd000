/*
 * stand_in_context.h - an OrthancPluginContext without Orthanc, for calling the
 * plugin's decode callback in tests and fuzzing (fuzz/fuzz_orthanc_decode.cc,
 * tests/malformed/malformed_api.cc). It answers the SDK services the callback
 * uses: image creation (rows padded beyond width * bytes per pixel, so a copy
 * that ignores the pitch shows under ASan), the image's buffer and pitch,
 * freeing it, and logs (dropped). Any other service aborts: the callback was not
 * known to use it.
 */
#ifndef E2EC_ORTHANC_STAND_IN_CONTEXT_H
#define E2EC_ORTHANC_STAND_IN_CONTEXT_H

#include <orthanc/OrthancCPlugin.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace stand_in {

/* What OrthancPluginImage points to in the stand-in context. */
struct fake_image {
    OrthancPluginPixelFormat format;
    uint32_t width, height, pitch;
    uint8_t *pixels;
};

inline uint32_t bytes_per_pixel(OrthancPluginPixelFormat f) {
    switch (f) {
    case OrthancPluginPixelFormat_Grayscale8: return 1;
    case OrthancPluginPixelFormat_Grayscale16:
    case OrthancPluginPixelFormat_SignedGrayscale16: return 2;
    default: return 0;
    }
}

inline fake_image *image_of(const OrthancPluginImage *img) {
    return reinterpret_cast<fake_image *>(const_cast<OrthancPluginImage *>(img));
}

inline OrthancPluginErrorCode fake_service(OrthancPluginContext *, _OrthancPluginService service,
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

/* The context; e2ec_orthanc_context = &stand_in::context before calling the plugin. */
inline OrthancPluginContext context = {nullptr, "1.10.1", std::free, fake_service};

} // namespace stand_in

#endif
