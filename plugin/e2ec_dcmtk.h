/*
 * e2ec_dcmtk.h - the C interface of e2ec's DCMTK 3.6.7 decoder.
 *
 * After e2ec_dcmtk_register(), any DCMTK program decodes objects in e2ec's private
 * transfer syntax through DCMTK's usual calls: DcmDataset::chooseRepresentation(
 * EXS_LittleEndianExplicit, NULL) for the whole volume, DcmPixelData::
 * getUncompressedFrame() (and so DicomImage) for one frame, which decodes that frame
 * alone. Why the codec is keyed on EXS_LittleEndianExplicit rather than on our UID:
 * conformance/CONFORMANCE.md section 9. Encoding is not offered through DCMTK's codec
 * list (3.6.7 cannot write a transfer syntax outside E_TransferSyntax): see dcme2ec.
 */
#ifndef E2EC_DCMTK_H
#define E2EC_DCMTK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Registers the decoder (idempotent); threads = 0 uses OpenMP's default. */
void e2ec_dcmtk_register(int threads);
/* Deregisters it (idempotent). */
void e2ec_dcmtk_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
