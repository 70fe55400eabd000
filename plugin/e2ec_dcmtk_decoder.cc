/* E2ECDecoder: e2ec objects decoded inside DCMTK's codec framework. */
#include "e2ec_dcmtk_decoder.h"

#include <vector>

#include "dicom_internal.h"
#include "e2ec_dcmtk_params.h"

static makeOFConditionConst(E2ECNotOursConst, OFM_dcmdata, 0x0e2e, OF_error,
                            "Pixel Data is not an e2ec stream");
static makeOFConditionConst(E2ECBadStreamConst, OFM_dcmdata, 0x0e2f, OF_error,
                            "e2ec stream refused");
static const OFCondition E2ECNotOurs(E2ECNotOursConst), E2ECBadStream(E2ECBadStreamConst);

/* The stream of pixSeq, checked against dataset; stream errors go to the DCMTK log. */
static OFCondition open_stream(DcmPixelSequence *seq, DcmItem *dataset, std::vector<Uint8> &stream,
                               e2ec_info &info) {
    std::string why;
    e2ec_dicom_format f;
    if (!seq || !dataset || dicom_stream_from_sequence(*seq, stream, why) ||
        stream.size() < 4 || stream[0] != 'E' || stream[1] != '2' || stream[2] != 'E' ||
        stream[3] != 'C')
        return E2ECNotOurs; /* another private syntax: not ours to decode */
    Sint32 frames = 1;
    if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).bad()) frames = 1;
    if (dicom_read_format(*dataset, f, why).bad() ||
        dicom_check_stream(stream, f, (uint32_t)(frames > 0 ? frames : 0), info, why)) {
        DCMDATA_ERROR("e2ec: " << why);
        return E2ECBadStream;
    }
    return EC_Normal;
}

static int threads_of(const DcmCodecParameter *cp) {
    const E2ECCodecParameter *p = OFdynamic_cast(const E2ECCodecParameter *, cp);
    return p ? p->threads() : 0;
}

OFCondition E2ECDecoder::decode(const DcmRepresentationParameter *, DcmPixelSequence *pixSeq,
                                DcmPolymorphOBOW &out, const DcmCodecParameter *cp,
                                const DcmStack &objStack, OFBool &) const {
    DcmStack stack(objStack);
    stack.pop(); /* the Pixel Data element; below it, its dataset */
    DcmItem *dataset = OFdynamic_cast(DcmItem *, stack.top());
    std::vector<Uint8> stream;
    e2ec_info info;
    OFCondition c = open_stream(pixSeq, dataset, stream, info);
    if (c.bad()) return c;
    e2ec_volume v;
    e2ec_status st = e2ec_decode(stream.data(), stream.size(), threads_of(cp), &v);
    if (st) {
        DCMDATA_ERROR("e2ec: decoding failed: " << e2ec_strerror(st));
        return E2ECBadStream;
    }
    size_t n = (size_t)v.nx * v.ny * v.nz; /* 16-bit values: open_stream checked the type */
    Uint16 *dst = NULL;
    c = out.createUint16Array((Uint32)n, dst);
    if (c.good()) memcpy(dst, v.data, 2 * n);
    e2ec_volume_free(&v);
    return c;
}

OFCondition E2ECDecoder::decodeFrame(const DcmRepresentationParameter *, DcmPixelSequence *seq,
                                     const DcmCodecParameter *cp, DcmItem *dataset,
                                     Uint32 frameNo, Uint32 &, void *buffer, Uint32 bufSize,
                                     OFString &colorModel) const {
    std::vector<Uint8> stream;
    e2ec_info info;
    OFCondition c = open_stream(seq, dataset, stream, info);
    if (c.bad()) return c;
    if (frameNo >= info.nz ||
        (size_t)bufSize < (size_t)info.nx * info.ny * e2ec_voxel_size(info.type))
        return EC_IllegalParameter;
    e2ec_status st = e2ec_decode_slice(stream.data(), stream.size(), frameNo, threads_of(cp),
                                       buffer);
    if (st) {
        DCMDATA_ERROR("e2ec: decoding frame " << frameNo << " failed: " << e2ec_strerror(st));
        return E2ECBadStream;
    }
    return dataset->findAndGetOFString(DCM_PhotometricInterpretation, colorModel);
}

OFCondition E2ECDecoder::encode(const Uint16 *, const Uint32, const DcmRepresentationParameter *,
                                DcmPixelSequence *&, const DcmCodecParameter *, DcmStack &,
                                OFBool &) const {
    return EC_IllegalCall; /* dcme2ec encodes */
}

OFCondition E2ECDecoder::encode(const E_TransferSyntax, const DcmRepresentationParameter *,
                                DcmPixelSequence *, const DcmRepresentationParameter *,
                                DcmPixelSequence *&, const DcmCodecParameter *, DcmStack &,
                                OFBool &) const {
    return EC_IllegalCall;
}

OFBool E2ECDecoder::canChangeCoding(const E_TransferSyntax oldRepType,
                                    const E_TransferSyntax newRepType) const {
    return oldRepType == EXS_LittleEndianExplicit && newRepType == EXS_LittleEndianExplicit;
}

OFCondition E2ECDecoder::determineDecompressedColorModel(const DcmRepresentationParameter *,
                                                         DcmPixelSequence *,
                                                         const DcmCodecParameter *,
                                                         DcmItem *dataset,
                                                         OFString &colorModel) const {
    if (!dataset) return EC_IllegalParameter;
    return dataset->findAndGetOFString(DCM_PhotometricInterpretation, colorModel);
}
