/* e2ec_dicom_write_compressed: one Legacy Converted Enhanced CT/MR Image object whose
 * Pixel Data is the e2ec stream, encapsulated (conformance/CONFORMANCE.md). */
#include "dicom_internal.h"

#include <ctime>

namespace {

/* Common CT/MR Image Description: a derived volume of stored values. */
void put_image_description(DcmItem &it, const DcmTagKey &type) {
    it.putAndInsertString(type, "DERIVED\\PRIMARY\\VOLUME\\NONE");
    it.putAndInsertString(DCM_PixelPresentation, "MONOCHROME");
    it.putAndInsertString(DCM_VolumetricProperties, "VOLUME");
    it.putAndInsertString(DCM_VolumeBasedCalculationTechnique, "NONE");
}

/* One code sequence item (code value, scheme DCM, meaning). */
void put_code(DcmItem &parent, const DcmTagKey &seq, const char *value, const char *meaning) {
    DcmItem *c = dicom_item(parent, seq);
    c->putAndInsertString(DCM_CodeValue, value);
    c->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    c->putAndInsertString(DCM_CodeMeaning, meaning);
}

/* Shared groups: pixel measures, orientation, pixel value transformation. */
void put_shared_groups(DcmDataset &ds, const e2ec_dicom_series &s, bool ct) {
    DcmItem *sh = dicom_item(ds, DCM_SharedFunctionalGroupsSequence);
    DcmItem *ft = dicom_item(*sh, ct ? DCM_CTImageFrameTypeSequence : DCM_MRImageFrameTypeSequence);
    put_image_description(*ft, DCM_FrameType);
    DcmItem *pm = dicom_item(*sh, DCM_PixelMeasuresSequence);
    pm->putAndInsertString(DCM_PixelSpacing, dicom_ds_list(s.fmt.pixel_spacing, 2).c_str());
    double thick = s.fmt.thickness > 0 ? s.fmt.thickness : s.vol.spacing[2];
    pm->putAndInsertString(DCM_SliceThickness, dicom_ds(thick).c_str());
    if (s.vol.nz > 1)
        pm->putAndInsertString(DCM_SpacingBetweenSlices, dicom_ds(s.vol.spacing[2]).c_str());
    DcmItem *pvt = dicom_item(*sh, DCM_PixelValueTransformationSequence);
    pvt->putAndInsertString(DCM_RescaleIntercept, dicom_ds(s.fmt.intercept).c_str());
    pvt->putAndInsertString(DCM_RescaleSlope, dicom_ds(s.fmt.slope).c_str());
    std::string type = s.fmt.rescale_type;
    if (type.empty()) type = s.fmt.has_rescale ? "HU" : "US";
    OFString modality;
    ds.findAndGetOFString(DCM_Modality, modality);
    if (modality != "CT" && type == "HU") type = "US";
    pvt->putAndInsertString(DCM_RescaleType, type.c_str());
}

/* Per-frame groups: frame content, plane position and orientation, and the source
 * image each frame was converted from. */
void put_per_frame_groups(DcmDataset &ds, const e2ec_dicom_series &s, const std::string &deriv) {
    std::string iop = dicom_ds_list(s.fmt.iop, 6);
    for (size_t z = 0; z < s.slices.size(); z++) {
        DcmItem *pf = dicom_item(ds, DCM_PerFrameFunctionalGroupsSequence, (long)z);
        DcmItem *fc = dicom_item(*pf, DCM_FrameContentSequence);
        fc->putAndInsertString(DCM_StackID, "1");
        fc->putAndInsertUint32(DCM_InStackPositionNumber, (Uint32)(z + 1));
        dicom_item(*pf, DCM_PlanePositionSequence)
            ->putAndInsertString(DCM_ImagePositionPatient,
                                 dicom_ds_list(s.slices[z].ipp, 3).c_str());
        dicom_item(*pf, DCM_PlaneOrientationSequence)
            ->putAndInsertString(DCM_ImageOrientationPatient, iop.c_str());
        DcmItem *conv = dicom_item(*pf, DCM_ConversionSourceAttributesSequence);
        conv->putAndInsertString(DCM_ReferencedSOPClassUID, s.slices[z].sop_class_uid.c_str());
        conv->putAndInsertString(DCM_ReferencedSOPInstanceUID,
                                 s.slices[z].sop_instance_uid.c_str());
        if (s.slices[z].frame)
            conv->putAndInsertString(DCM_ReferencedFrameNumber,
                                     std::to_string(s.slices[z].frame).c_str());
        dicom_item(*pf, DCM_UnassignedPerFrameConvertedAttributesSequence); /* one empty item */
        /* Derivation Image: lossy compression of the uncompressed predecessor */
        DcmItem *der = dicom_item(*pf, DCM_DerivationImageSequence);
        der->putAndInsertString(DCM_DerivationDescription, deriv.c_str());
        put_code(*der, DCM_DerivationCodeSequence, "113040", "Lossy Compression");
        DcmItem *src = dicom_item(*der, DCM_SourceImageSequence);
        src->putAndInsertString(DCM_ReferencedSOPClassUID, s.slices[z].sop_class_uid.c_str());
        src->putAndInsertString(DCM_ReferencedSOPInstanceUID,
                                s.slices[z].sop_instance_uid.c_str());
        if (s.slices[z].frame)
            src->putAndInsertString(DCM_ReferencedFrameNumber,
                                    std::to_string(s.slices[z].frame).c_str());
        put_code(*src, DCM_PurposeOfReferenceCodeSequence, "121320", "Uncompressed predecessor");
    }
}

/* Common Instance Reference: every source instance, under its series; and the same
 * instances as Source Image Evidence (Enhanced CT/MR Image module). */
void put_references(DcmDataset &ds, const e2ec_dicom_series &s) {
    DcmItem *ser = dicom_item(ds, DCM_ReferencedSeriesSequence);
    ser->putAndInsertString(DCM_SeriesInstanceUID, s.series_uid.c_str());
    DcmItem *ev_study = dicom_item(ds, DCM_SourceImageEvidenceSequence);
    OFString study;
    ds.findAndGetOFString(DCM_StudyInstanceUID, study);
    ev_study->putAndInsertString(DCM_StudyInstanceUID, study.c_str());
    DcmItem *ev_series = dicom_item(*ev_study, DCM_ReferencedSeriesSequence);
    ev_series->putAndInsertString(DCM_SeriesInstanceUID, s.series_uid.c_str());
    std::vector<std::string> seen;
    for (const e2ec_dicom_slice &sl : s.slices) {
        if (!seen.empty() && seen.back() == sl.sop_instance_uid) continue; /* multi-frame */
        seen.push_back(sl.sop_instance_uid);
        DcmItem *it = dicom_item(*ser, DCM_ReferencedInstanceSequence, (long)seen.size() - 1);
        it->putAndInsertString(DCM_ReferencedSOPClassUID, sl.sop_class_uid.c_str());
        it->putAndInsertString(DCM_ReferencedSOPInstanceUID, sl.sop_instance_uid.c_str());
        DcmItem *ev = dicom_item(*ev_series, DCM_ReferencedSOPSequence, (long)seen.size() - 1);
        ev->putAndInsertString(DCM_ReferencedSOPClassUID, sl.sop_class_uid.c_str());
        ev->putAndInsertString(DCM_ReferencedSOPInstanceUID, sl.sop_instance_uid.c_str());
    }
}

void put_u16(std::vector<Uint8> &b, unsigned v) {
    b.push_back((Uint8)(v & 0xff));
    b.push_back((Uint8)(v >> 8));
}
void put_u32(std::vector<Uint8> &b, Uint32 v) {
    put_u16(b, v & 0xffff);
    put_u16(b, v >> 16);
}
void put_tag(std::vector<Uint8> &b, unsigned g, unsigned e) {
    put_u16(b, g);
    put_u16(b, e);
}

/* Pixel Data (7FE0,0010) OB of undefined length: an empty Basic Offset Table item,
 * then the stream in items of E2EC_DICOM_FRAGMENT_BYTES (the last one padded with a
 * zero byte to an even length), then the Sequence Delimitation Item. */
std::vector<Uint8> dicom_encapsulate(const uint8_t *stream, size_t size) {
    std::vector<Uint8> b;
    b.reserve(size + 32 + 8 * (size / E2EC_DICOM_FRAGMENT_BYTES + 1));
    put_tag(b, 0x7fe0, 0x0010);
    b.push_back('O'), b.push_back('B'), put_u16(b, 0), put_u32(b, 0xffffffffu);
    put_tag(b, 0xfffe, 0xe000), put_u32(b, 0);
    for (size_t off = 0; off < size; off += E2EC_DICOM_FRAGMENT_BYTES) {
        size_t n = size - off < E2EC_DICOM_FRAGMENT_BYTES ? size - off : E2EC_DICOM_FRAGMENT_BYTES;
        put_tag(b, 0xfffe, 0xe000), put_u32(b, (Uint32)(n + (n & 1)));
        b.insert(b.end(), stream + off, stream + off + n);
        if (n & 1) b.push_back(0);
    }
    put_tag(b, 0xfffe, 0xe0dd), put_u32(b, 0);
    return b;
}

/* The Legacy Converted Enhanced SOP class of a modality, NULL when there is none. */
const char *sop_class_for(const OFString &modality) {
    return modality == "CT"   ? UID_LegacyConvertedEnhancedCTImageStorage
           : modality == "MR" ? UID_LegacyConvertedEnhancedMRImageStorage
                              : NULL;
}

} // namespace

extern "C" e2ec_status e2ec_dicom_series_check_compressible(const e2ec_dicom_series *s,
                                                            char *err, size_t err_len) {
    OFString modality;
    const_cast<DcmDataset &>(s->header).findAndGetOFString(DCM_Modality, modality);
    if (!sop_class_for(modality))
        return dicom_fail(err, err_len, E2EC_ERR_UNSUPPORTED,
                          s->slices[0].path + ": modality " + modality.c_str() +
                              " (only CT and MR have a Legacy Converted Enhanced SOP class)");
    if (s->fmt.photometric != "MONOCHROME2")
        return dicom_fail(err, err_len, E2EC_ERR_UNSUPPORTED,
                          s->slices[0].path + ": " + s->fmt.photometric +
                              " (Enhanced CT/MR images are MONOCHROME2 only)");
    return E2EC_OK;
}

extern "C" e2ec_status e2ec_dicom_write_compressed(const e2ec_dicom_series *s,
                                                   const uint8_t *stream, size_t size,
                                                   const e2ec_dicom_write_options *opt,
                                                   const char *path, char *err,
                                                   size_t err_len) {
    if (!s || !stream || !size || !path)
        return dicom_fail(err, err_len, E2EC_ERR_ARG, "write_compressed: missing argument");
    e2ec_info info;
    e2ec_status st = e2ec_get_info(stream, size, &info);
    if (st || info.nx != s->vol.nx || info.ny != s->vol.ny || info.nz != s->vol.nz)
        return dicom_fail(err, err_len, st ? st : E2EC_ERR_MISMATCH,
                          "the stream does not describe this series");
    if ((st = e2ec_dicom_series_check_compressible(s, err, err_len))) return st;
    DcmFileFormat ff;
    DcmDataset &ds = *ff.getDataset();
    DcmDataset &src = const_cast<DcmDataset &>(s->header);
    dicom_copy_kept(src, ds);
    OFString modality;
    ds.findAndGetOFString(DCM_Modality, modality);
    const char *sop_class = sop_class_for(modality);
    ds.putAndInsertString(DCM_SOPClassUID, sop_class);
    ds.putAndInsertString(DCM_SOPInstanceUID, dicom_new_uid().c_str());
    if (!opt || !opt->keep_series_uid)
        ds.putAndInsertString(DCM_SeriesInstanceUID, dicom_new_uid().c_str());
    else
        ds.putAndInsertString(DCM_SeriesInstanceUID, s->series_uid.c_str());
    dicom_put_now(ds, DCM_InstanceCreationDate, DCM_InstanceCreationTime);
    dicom_put_now(ds, DCM_ContentDate, DCM_ContentTime);
    ds.putAndInsertString(DCM_InstanceNumber, "1");
    put_image_description(ds, DCM_ImageType);
    ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(s->vol.nz).c_str());
    dicom_put_pixel_format(ds, s->fmt);
    ds.putAndInsertString(DCM_BurnedInAnnotation, "NO");
    ds.putAndInsertString(DCM_PresentationLUTShape, "IDENTITY");
    ds.putAndInsertString(DCM_ContentQualification, "PRODUCT");
    ds.insertEmptyElement(DCM_AcquisitionContextSequence);
    ds.putAndInsertString(DCM_LossyImageCompression, "01");
    double ratio = (double)e2ec_dicom_series_pixel_bytes(s) / (double)size;
    ds.putAndInsertString(DCM_LossyImageCompressionRatio, dicom_ds(ratio).c_str());
    ds.putAndInsertString(DCM_LossyImageCompressionMethod, E2EC_DICOM_COMPRESSION_METHOD);
    std::string deriv = opt && opt->derivation_description
                            ? opt->derivation_description
                            : "Lossy compression of the whole series by e2ec " E2EC_VERSION_STRING
                              " (implicit neural representation)";
    put_shared_groups(ds, *s, modality == "CT");
    put_per_frame_groups(ds, *s, deriv);
    put_references(ds, *s);

    std::string why;
    st = dicom_save(ff, E2EC_DICOM_TRANSFER_SYNTAX_UID, dicom_encapsulate(stream, size), path, why);
    return st ? dicom_fail(err, err_len, st, why) : E2EC_OK;
}
