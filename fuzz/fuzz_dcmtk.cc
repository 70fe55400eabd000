/*
 * libFuzzer target for the DCMTK-side decoder (plugin/): a file that DCMTK parses
 * is decoded through DCMTK's own calls with e2ec registered, as any DCMTK program
 * (or a PACS built on DCMTK) would: DcmPixelData::getUncompressedFrame for the last
 * frame and DcmDataset::chooseRepresentation for the whole volume. Decoding runs only
 * when the stream in Pixel Data declares a volume within the harness caps
 * (fuzz_common.h); the decoder's own checks run whatever it declares.
 */
#include <vector>

#include "fuzz_common.h"
#include "fuzz_dcmtk_quiet.h"
#include "dicom_internal.h"
#include "e2ec_dcmtk.h"

/* What the stream in ds's Pixel Data declares; false when there is none to read. */
static bool declared(DcmDataset &ds, DcmPixelData *&pd, e2ec_info &info) {
    DcmElement *e = NULL;
    DcmPixelSequence *seq = NULL;
    E_TransferSyntax key = EXS_Unknown;
    const DcmRepresentationParameter *rp = NULL;
    if (ds.findAndGetElement(DCM_PixelData, e).bad()) return false;
    pd = OFstatic_cast(DcmPixelData *, e);
    pd->getCurrentRepresentationKey(key, rp);
    if (pd->getEncapsulatedRepresentation(key, rp, seq).bad() || !seq) return false;
    std::vector<Uint8> s;
    std::string why;
    if (dicom_stream_from_sequence(*seq, s, why)) return false;
    if (e2ec_get_info(s.data(), s.size(), &info) == E2EC_OK) return true;
    return !s.empty() && e2ec_get_info(s.data(), s.size() - 1, &info) == E2EC_OK;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool registered = (e2ec_dcmtk_register(1), true);
    (void)registered;
    fuzz_quiet_dcmtk();
    char path[64];
    if (fuzz_temp_file(data, size, path, sizeof path)) return 0;
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(path);
    unlink(path);
    DcmPixelData *pd = NULL;
    e2ec_info info;
    if (c.bad() || !declared(*ff.getDataset(), pd, info) || !fuzz_affordable(&info)) return 0;
    std::vector<Uint8> frame((size_t)info.nx * info.ny * e2ec_voxel_size(info.type));
    Uint32 start = 0;
    OFString model;
    if (info.nz)
        pd->getUncompressedFrame(ff.getDataset(), info.nz - 1, start, frame.data(),
                                 (Uint32)frame.size(), model);
    ff.getDataset()->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
    return 0;
}
