/* How DCMTK 3.6.7 programs decode our private transfer syntax (CONFORMANCE.md section 9):
 * without the plugin, DCMTK parses the file but cannot decode Pixel Data; with
 * e2ec_dcmtk_register(), chooseRepresentation and getUncompressedFrame reach our decoder
 * and give the library decoder's pixels; a corrupt stream is refused. */
#include <cstring>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimgle/dcmimage.h>

#include "check.h"
#include "e2ec_dcmtk.h"
#include "sample_object.h"

static DcmPixelData *pixel_data(DcmFileFormat &ff) {
    DcmElement *e = NULL;
    ff.getDataset()->findAndGetElement(DCM_PixelData, e);
    return OFstatic_cast(DcmPixelData *, e);
}

int main() {
    e2ec_dicom_series *s = NULL;
    std::string path = sample_object("mr-t1-head-dicom", &s);
    CHECK(!path.empty(), "encoding the sample series");
    if (path.empty()) return check_summary();
    const e2ec_volume *v = e2ec_dicom_series_volume(s);
    size_t plane = (size_t)v->nx * v->ny, nvox = plane * v->nz;

    DcmFileFormat raw;
    CHECK(raw.loadFile(path.c_str()).good(), "DCMTK parses the file");
    E_TransferSyntax key = EXS_Unknown;
    const DcmRepresentationParameter *rp = NULL;
    pixel_data(raw)->getOriginalRepresentationKey(key, rp);
    CHECK(key == EXS_LittleEndianExplicit, "pixel sequence keyed under %s",
          DcmXfer(key).getXferName());
    CHECK(raw.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL).bad(),
          "without the plugin DCMTK must not decode");

    /* the library decoder's pixels, the reference */
    std::vector<Uint8> stream;
    {
        char err[512];
        e2ec_dicom_object *o = NULL;
        CHECK(e2ec_dicom_object_read(path.c_str(), &o, err, sizeof err) == E2EC_OK, "%s", err);
        size_t n = 0;
        const uint8_t *p = e2ec_dicom_object_stream(o, &n);
        stream.assign(p, p + n);
        e2ec_dicom_object_free(o);
    }
    e2ec_volume ref;
    CHECK(e2ec_decode(stream.data(), stream.size(), 0, &ref) == E2EC_OK, "library decode");

    e2ec_dcmtk_register(0);
    DcmFileFormat ff;
    ff.loadFile(path.c_str());
    CHECK(ff.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL).good(),
          "with the plugin chooseRepresentation decodes");
    const Uint16 *px = NULL;
    ff.getDataset()->findAndGetUint16Array(DCM_PixelData, px);
    CHECK(px && !memcmp(px, ref.data, 2 * nvox), "DCMTK pixels equal the library decoder's");

    DcmFileFormat ff2;
    ff2.loadFile(path.c_str());
    std::vector<Uint16> frame(plane);
    Uint32 z = v->nz / 2, start = 0;
    OFString model;
    OFCondition c = pixel_data(ff2)->getUncompressedFrame(ff2.getDataset(), z, start,
                                                          frame.data(), (Uint32)(2 * plane), model);
    CHECK(c.good(), "getUncompressedFrame: %s", c.text());
    CHECK(!memcmp(frame.data(), (Uint16 *)ref.data + z * plane, 2 * plane),
          "frame %u equals the library decode", z);
    CHECK(model == "MONOCHROME2", "colour model %s", model.c_str());

    /* DicomImage (what dcm2pnm and viewers use) takes the syntax's word that Pixel Data
     * is native, so it needs the volume decoded first; partial (per-frame) access does
     * not reach the codec, which getUncompressedFrame above does */
    DcmFileFormat ff3;
    ff3.loadFile(path.c_str());
    DicomImage partial(&ff3, EXS_LittleEndianExplicit, CIF_UsePartialAccessToPixelData, z, 1);
    CHECK(partial.getStatus() != EIS_Normal, "DicomImage's partial access unexpectedly works");
    ff3.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
    DicomImage img(&ff3, EXS_LittleEndianExplicit, 0UL, z, 1UL);
    CHECK(img.getStatus() == EIS_Normal, "DicomImage: %s", DicomImage::getString(img.getStatus()));
    CHECK(img.getFrameCount() == 1 && img.getWidth() == v->nx && img.getOutputData(8) != NULL,
          "DicomImage renders frame %u", z);

    /* a corrupt stream: one byte flipped in the middle of the last fragment */
    FILE *f = fopen(path.c_str(), "r+b");
    fseek(f, -(long)(stream.size() / 4) - 8, SEEK_END);
    int b = fgetc(f);
    fseek(f, -1, SEEK_CUR);
    fputc(b ^ 0x5a, f);
    fclose(f);
    DcmFileFormat bad;
    bad.loadFile(path.c_str());
    CHECK(bad.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL).bad(),
          "a corrupt stream is refused");

    e2ec_dcmtk_cleanup();
    e2ec_volume_free(&ref);
    e2ec_dicom_series_free(s);
    unlink(path.c_str());
    return check_summary();
}
