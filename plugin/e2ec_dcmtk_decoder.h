/* e2ec_dcmtk_decoder.h - e2ec's DcmCodec: decodes, never encodes (as djdecode.h). */
#ifndef E2EC_DCMTK_DECODER_H
#define E2EC_DCMTK_DECODER_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>

class E2ECDecoder : public DcmCodec {
public:
    OFCondition decode(const DcmRepresentationParameter *fromRepParam, DcmPixelSequence *pixSeq,
                       DcmPolymorphOBOW &uncompressedPixelData, const DcmCodecParameter *cp,
                       const DcmStack &objStack, OFBool &removeOldRep) const override;
    OFCondition decodeFrame(const DcmRepresentationParameter *fromParam,
                            DcmPixelSequence *fromPixSeq, const DcmCodecParameter *cp,
                            DcmItem *dataset, Uint32 frameNo, Uint32 &startFragment,
                            void *buffer, Uint32 bufSize,
                            OFString &decompressedColorModel) const override;
    OFCondition encode(const Uint16 *pixelData, const Uint32 length,
                       const DcmRepresentationParameter *toRepParam, DcmPixelSequence *&pixSeq,
                       const DcmCodecParameter *cp, DcmStack &objStack,
                       OFBool &removeOldRep) const override;
    OFCondition encode(const E_TransferSyntax fromRepType,
                       const DcmRepresentationParameter *fromRepParam,
                       DcmPixelSequence *fromPixSeq, const DcmRepresentationParameter *toRepParam,
                       DcmPixelSequence *&toPixSeq, const DcmCodecParameter *cp,
                       DcmStack &objStack, OFBool &removeOldRep) const override;
    /* true only for "encapsulated pixel data keyed under Explicit VR Little Endian", which
     * is how DCMTK 3.6.7 holds Pixel Data of an unknown transfer syntax */
    OFBool canChangeCoding(const E_TransferSyntax oldRepType,
                           const E_TransferSyntax newRepType) const override;
    OFCondition determineDecompressedColorModel(const DcmRepresentationParameter *fromParam,
                                                DcmPixelSequence *fromPixSeq,
                                                const DcmCodecParameter *cp, DcmItem *dataset,
                                                OFString &decompressedColorModel) const override;
};

#endif
