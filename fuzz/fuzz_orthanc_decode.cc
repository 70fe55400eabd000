/*
 * libFuzzer target for the Orthanc plugin's decode-image callback
 * (plugin/orthanc/decoder.cc, e2ec_orthanc_decode): the code that runs inside the
 * PACS process, where one crash takes the archive down. The input is a whole DICOM
 * file as Orthanc hands it over; no Orthanc runs: plugin/orthanc/stand_in_context.h
 * answers the few SDK services the callback uses.
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
#include "stand_in_context.h"
#include "fuzz_common.h"
#include "fuzz_dcmtk_quiet.h"

namespace {

/* Calls the callback for frame; a success must come with an image of the declared size. */
void decode(const uint8_t *data, size_t size, uint32_t frame, const e2ec_info *info) {
    OrthancPluginImage *img = nullptr;
    OrthancPluginErrorCode rc = e2ec_orthanc_decode(&img, data, (uint32_t)size, frame);
    if (rc != OrthancPluginErrorCode_Success) {
        if (img) std::abort(); /* an error leaves no image behind */
        return;
    }
    stand_in::fake_image *f = stand_in::image_of(img);
    if (!f || !info || f->width != info->nx || f->height != info->ny) std::abort();
    OrthancPluginFreeImage(&stand_in::context, img);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_quiet_dcmtk();
    e2ec_orthanc_context = &stand_in::context;
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
