/* e2ec_dicom_write_compressed: one Legacy Converted Enhanced CT/MR Image object (an
 * Enhanced CT/MR one for an Enhanced source) whose Pixel Data is the e2ec stream,
 * encapsulated (conformance/CONFORMANCE.md). */
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

/* The Derivation Image item of one frame: lossy compression of its uncompressed
 * predecessor, slice sl; appended after any the frame already has. */
void put_derivation(DcmItem &pf, const e2ec_dicom_slice &sl, const std::string &deriv) {
    DcmItem *der = NULL;
    pf.findOrCreateSequenceItem(DCM_DerivationImageSequence, der, -2 /* append */);
    der->putAndInsertString(DCM_DerivationDescription, deriv.c_str());
    put_code(*der, DCM_DerivationCodeSequence, "113040", "Lossy Compression");
    DcmItem *src = dicom_item(*der, DCM_SourceImageSequence);
    src->putAndInsertString(DCM_ReferencedSOPClassUID, sl.sop_class_uid.c_str());
    src->putAndInsertString(DCM_ReferencedSOPInstanceUID, sl.sop_instance_uid.c_str());
    if (sl.frame)
        src->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(sl.frame).c_str());
    put_code(*src, DCM_PurposeOfReferenceCodeSequence, "121320", "Uncompressed predecessor");
}

/* Per-frame groups of a Legacy Converted object: frame content, plane position and
 * orientation, the source image each frame was converted from, and (deriv not empty:
 * a lossy stream) its Derivation Image item. */
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
        dicom_item(*pf, DCM_UnassignedPerFrameConvertedAttributesSequence); /* one item */
        if (!deriv.empty()) put_derivation(*pf, s.slices[z], deriv);
    }
}

/* The value of tag in a slice's acquisition attributes, "" marking its absence. */
std::string acq_value(const e2ec_dicom_slice &sl, const DcmTagKey &tag, bool &present) {
    DcmElement *e = NULL;
    OFString v;
    present = sl.acq && sl.acq->findAndGetElement(tag, e).good() && e;
    if (present) e->getOFStringArray(v);
    return v.c_str();
}

/* The acquisition attributes of the source series (MR timing, CT exposure ...): the
 * Legacy Converted IODs have no macro of their own for them, so they go, as PS3.3
 * C.8.31 asks, into the Unassigned Shared Converted Attributes when every frame has the
 * same value and into each frame's Unassigned Per-Frame Converted Attributes
 * otherwise. */
void put_converted_attributes(DcmDataset &ds, const e2ec_dicom_series &s) {
    DcmItem *sh = dicom_item(ds, DCM_SharedFunctionalGroupsSequence);
    DcmItem *unassigned = NULL;
    for (size_t i = 0; i < dicom_acquisition_tag_count; i++) {
        const DcmTagKey &t = dicom_acquisition_tags[i];
        bool first_present, present, same = true, any = false;
        std::string first = acq_value(s.slices[0], t, first_present);
        for (const e2ec_dicom_slice &sl : s.slices) {
            bool p;
            same = same && acq_value(sl, t, p) == first && p == first_present;
            any = any || p;
        }
        if (!any) continue;
        DcmElement *e = NULL;
        if (same) {
            if (!unassigned) unassigned = dicom_item(*sh, DCM_UnassignedSharedConvertedAttributesSequence);
            s.slices[0].acq->findAndGetElement(t, e);
            unassigned->insert((DcmElement *)e->clone(), true);
            continue;
        }
        for (size_t z = 0; z < s.slices.size(); z++)
            if (acq_value(s.slices[z], t, present), present) {
                DcmItem *pf = dicom_item(ds, DCM_PerFrameFunctionalGroupsSequence, (long)z);
                s.slices[z].acq->findAndGetElement(t, e);
                dicom_item(*pf, DCM_UnassignedPerFrameConvertedAttributesSequence)
                    ->insert((DcmElement *)e->clone(), true);
            }
    }
}

/* Per-frame groups of an Enhanced CT/MR source, kept as the Enhanced IOD requires:
 * each source frame's item follows its frame into our (sorted) order and, for a lossy
 * stream (deriv not empty), gains a Derivation Image item. */
void put_enhanced_per_frame_groups(DcmDataset &ds, DcmDataset &src, const e2ec_dicom_series &s,
                                   const std::string &deriv) {
    auto *seq = new DcmSequenceOfItems(DCM_PerFrameFunctionalGroupsSequence);
    for (const e2ec_dicom_slice &sl : s.slices) {
        DcmItem *it = NULL;
        src.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, it, (long)sl.frame - 1);
        DcmItem *copy = it ? (DcmItem *)it->clone() : new DcmItem();
        if (!deriv.empty()) put_derivation(*copy, sl, deriv);
        seq->append(copy);
    }
    ds.insert(seq, true);
}

/* The item of sequence seq in parent whose key attribute is value, appended if none. */
DcmItem *keyed_item(DcmItem &parent, const DcmTagKey &seq, const DcmTagKey &key,
                    const std::string &value) {
    DcmItem *it = NULL;
    for (long i = 0; parent.findAndGetSequenceItem(seq, it, i).good(); i++) {
        OFString v;
        if (it->findAndGetOFString(key, v).good() && v == value.c_str()) return it;
    }
    parent.findOrCreateSequenceItem(seq, it, -2 /* append */);
    it->putAndInsertString(key, value.c_str());
    return it;
}

/* Common Instance Reference: every source instance, under its series; and the same
 * instances as Source Image Evidence. Added to what an Enhanced source already lists. */
void put_references(DcmDataset &ds, const e2ec_dicom_series &s) {
    OFString study;
    ds.findAndGetOFString(DCM_StudyInstanceUID, study);
    DcmItem *ser = keyed_item(ds, DCM_ReferencedSeriesSequence, DCM_SeriesInstanceUID,
                              s.series_uid);
    DcmItem *ev_study = keyed_item(ds, DCM_SourceImageEvidenceSequence, DCM_StudyInstanceUID,
                                   study.c_str());
    DcmItem *ev_series = keyed_item(*ev_study, DCM_ReferencedSeriesSequence,
                                    DCM_SeriesInstanceUID, s.series_uid);
    for (const e2ec_dicom_slice &sl : s.slices) {
        DcmItem *lists[2] = {ser, ev_series};
        const DcmTagKey seqs[2] = {DCM_ReferencedInstanceSequence, DCM_ReferencedSOPSequence};
        for (int k = 0; k < 2; k++) {
            DcmItem *it = keyed_item(*lists[k], seqs[k], DCM_ReferencedSOPInstanceUID,
                                     sl.sop_instance_uid);
            it->putAndInsertString(DCM_ReferencedSOPClassUID, sl.sop_class_uid.c_str());
        }
    }
}

/* Lossy Image Compression, Ratio and Method (PS3.3 C.7.6.1.1.5: the values list every
 * lossy step, oldest first). A lossy stream (every mode but lossless, and the lossless
 * mode's near-lossless) is one more step: "01", its ratio and method after those of an
 * earlier lossy compression of the source. A lossless stream is none: "00", or, from a
 * source that was lossy compressed, its "01" and its values as they were (once lossy,
 * always lossy). */
void put_lossy(DcmDataset &ds, DcmDataset &src, const e2ec_info &info, double ratio) {
    OFString was, ratios, methods;
    const bool src_lossy =
        src.findAndGetOFString(DCM_LossyImageCompression, was).good() && was == "01";
    if (src_lossy) {
        src.findAndGetOFStringArray(DCM_LossyImageCompressionRatio, ratios);
        src.findAndGetOFStringArray(DCM_LossyImageCompressionMethod, methods);
    }
    ds.putAndInsertString(DCM_LossyImageCompression, src_lossy || !info.lossless ? "01" : "00");
    std::string r = ratios.c_str(), m = methods.c_str();
    if (!info.lossless) {
        auto join = [](const std::string &a, const std::string &b) {
            return a.empty() ? b : a + "\\" + b;
        };
        r = join(r, dicom_ds(ratio));
        m = join(m, info.mode == E2EC_MODE_LOSSLESS ? E2EC_DICOM_NEAR_LOSSLESS_METHOD
                                                    : E2EC_DICOM_COMPRESSION_METHOD);
    }
    /* (an Enhanced source's own values came with its attributes: replaced or removed) */
    delete ds.remove(DCM_LossyImageCompressionRatio);
    delete ds.remove(DCM_LossyImageCompressionMethod);
    if (!r.empty()) ds.putAndInsertString(DCM_LossyImageCompressionRatio, r.c_str());
    if (!m.empty()) ds.putAndInsertString(DCM_LossyImageCompressionMethod, m.c_str());
}

/* The Derivation Description of a lossy stream: the caller's, else one naming e2ec and
 * its representation; "" for a lossless stream, which derives nothing (its frames have
 * no Derivation Image item: Conversion Source and Source Image Evidence name the
 * source). */
std::string derivation_of(const e2ec_info &info, const e2ec_dicom_write_options *opt) {
    if (info.lossless) return "";
    if (opt && opt->derivation_description) return opt->derivation_description;
    if (info.mode != E2EC_MODE_LOSSLESS)
        return "Lossy compression of the whole series by e2ec " E2EC_VERSION_STRING
               " (implicit neural representation)";
    return "Near-lossless compression of the whole series by e2ec " E2EC_VERSION_STRING
           " (auto-regressive model): every voxel within " + std::to_string(info.max_error) +
           " stored values";
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
    OFString modality, src_class;
    src.findAndGetOFString(DCM_Modality, modality);
    src.findAndGetOFString(DCM_SOPClassUID, src_class);
    /* an Enhanced CT/MR source stays Enhanced: all its attributes and functional
     * groups are kept; any other source becomes Legacy Converted Enhanced */
    const bool enhanced = dicom_is_enhanced(src_class.c_str());
    if (enhanced) ds.copyFrom(src);
    else dicom_copy_kept(src, ds);
    ds.putAndInsertString(DCM_SOPClassUID, enhanced ? src_class.c_str() : sop_class_for(modality));
    ds.putAndInsertString(DCM_SOPInstanceUID, dicom_new_uid().c_str());
    if (!opt || !opt->keep_series_uid)
        ds.putAndInsertString(DCM_SeriesInstanceUID, dicom_new_uid().c_str());
    else
        ds.putAndInsertString(DCM_SeriesInstanceUID, s->series_uid.c_str());
    dicom_put_now(ds, DCM_InstanceCreationDate, DCM_InstanceCreationTime);
    dicom_put_now(ds, DCM_ContentDate, DCM_ContentTime);
    ds.putAndInsertString(DCM_InstanceNumber, "1");
    ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(s->vol.nz).c_str());
    dicom_put_pixel_format(ds, s->fmt);
    put_lossy(ds, src, info, (double)e2ec_dicom_series_pixel_bytes(s) / (double)size);
    const std::string deriv = derivation_of(info, opt);
    if (enhanced) {
        put_enhanced_per_frame_groups(ds, src, *s, deriv);
    } else {
        put_image_description(ds, DCM_ImageType);
        ds.putAndInsertString(DCM_BurnedInAnnotation, "NO");
        ds.putAndInsertString(DCM_PresentationLUTShape, "IDENTITY");
        ds.putAndInsertString(DCM_ContentQualification, "PRODUCT");
        ds.insertEmptyElement(DCM_AcquisitionContextSequence);
        put_shared_groups(ds, *s, modality == "CT");
        put_per_frame_groups(ds, *s, deriv);
        put_converted_attributes(ds, *s);
    }
    /* (a lossless object derives nothing: its frames name their sources in the Conversion
     * Source Attributes, and the IODs want Common Instance Reference and Source Image
     * Evidence only where Source Image Sequences reference instances) */
    if (!info.lossless) put_references(ds, *s);

    std::string why;
    st = dicom_save(ff, E2EC_DICOM_TRANSFER_SYNTAX_UID, dicom_encapsulate(stream, size), path, why);
    return st ? dicom_fail(err, err_len, st, why) : E2EC_OK;
}
