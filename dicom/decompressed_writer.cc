/* e2ec_dicom_write_decompressed: the decoded volume as an uncompressed multi-frame
 * object (the compressed object's attributes, Explicit VR Little Endian) or as a
 * single-frame CT/MR Image series. The Lossy Image Compression attributes are the
 * compressed object's: "01" stays, since the pixels went through a lossy codec whatever
 * their encoding now, and a lossless object's "00" too. */
#include "dicom_internal.h"

extern "C" {
#include "atomic_file.h"
}

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace {

/* Frames [z0, z0 + nz) of v (16-bit stored values) as native Pixel Data (OW). */
OFCondition put_pixels(DcmItem &ds, const e2ec_volume &v, size_t z0, size_t nz) {
    size_t plane = (size_t)v.nx * v.ny;
    return ds.putAndInsertUint16Array(DCM_PixelData, (const Uint16 *)v.data + z0 * plane,
                                      (unsigned long)(plane * nz));
}

/* Copies one attribute from one item to another when present. */
void take(DcmItem &from, DcmItem &to, const DcmTagKey &k) {
    DcmElement *e = NULL;
    if (from.findAndGetElement(k, e).good()) to.insert((DcmElement *)e->clone(), true);
}

/* One single-frame image of the split series: frame z of object o. */
void build_frame(const e2ec_dicom_object &o, DcmDataset &src, DcmDataset &ds, uint32_t z,
                 const std::string &series_uid) {
    dicom_copy_kept(src, ds);
    OFString modality, inst;
    ds.findAndGetOFString(DCM_Modality, modality);
    bool ct = modality == "CT";
    ds.putAndInsertString(DCM_SOPClassUID, ct ? UID_CTImageStorage : UID_MRImageStorage);
    ds.putAndInsertString(DCM_SOPInstanceUID, dicom_new_uid().c_str());
    ds.putAndInsertString(DCM_SeriesInstanceUID, series_uid.c_str());
    ds.putAndInsertString(DCM_ImageType,
                          ct ? "DERIVED\\PRIMARY\\AXIAL" : "DERIVED\\PRIMARY\\OTHER");
    ds.putAndInsertString(DCM_InstanceNumber, std::to_string(z + 1).c_str());
    dicom_put_now(ds, DCM_ContentDate, DCM_ContentTime);
    ds.putAndInsertString(DCM_ImagePositionPatient, dicom_ds_list(o.ipp[z].data(), 3).c_str());
    ds.putAndInsertString(DCM_ImageOrientationPatient, dicom_ds_list(o.fmt.iop, 6).c_str());
    ds.putAndInsertString(DCM_PixelSpacing, dicom_ds_list(o.fmt.pixel_spacing, 2).c_str());
    if (o.fmt.thickness > 0)
        ds.putAndInsertString(DCM_SliceThickness, dicom_ds(o.fmt.thickness).c_str());
    dicom_put_pixel_format(ds, o.fmt);
    /* an Enhanced source says laterality per frame (Frame Anatomy): Image Laterality */
    OFString lat;
    if (!ds.tagExists(DCM_Laterality) &&
        src.findAndGetOFString(DCM_FrameLaterality, lat, 0, OFTrue).good())
        ds.putAndInsertString(DCM_ImageLaterality, lat.c_str());
    /* the acquisition attributes of frame z, from wherever the object keeps them */
    DcmItem acq;
    dicom_acquisition_of(src, (long)z, acq);
    for (size_t i = 0; i < dicom_acquisition_tag_count; i++)
        take(acq, ds, dicom_acquisition_tags[i]);
    /* CT and MR Image modules, types 1 and 2: what the source did not say stays empty,
     * or names no particular sequence ("RM": research mode) */
    const DcmTagKey mr_type2[] = {DCM_ScanOptions, DCM_MRAcquisitionType, DCM_RepetitionTime,
                                  DCM_EchoTime, DCM_EchoTrainLength};
    if (ct) {
        ds.putAndInsertString(DCM_RescaleIntercept, dicom_ds(o.fmt.intercept).c_str());
        ds.putAndInsertString(DCM_RescaleSlope, dicom_ds(o.fmt.slope).c_str());
        ds.putAndInsertString(DCM_RescaleType,
                              o.fmt.rescale_type.empty() ? "HU" : o.fmt.rescale_type.c_str());
        if (!ds.tagExists(DCM_KVP)) ds.insertEmptyElement(DCM_KVP);
        if (!ds.tagExists(DCM_AcquisitionNumber)) ds.insertEmptyElement(DCM_AcquisitionNumber);
    } else {
        if (!ds.tagExists(DCM_ScanningSequence)) ds.putAndInsertString(DCM_ScanningSequence, "RM");
        if (!ds.tagExists(DCM_SequenceVariant)) ds.putAndInsertString(DCM_SequenceVariant, "NONE");
        for (const DcmTagKey &t : mr_type2)
            if (!ds.tagExists(t)) ds.insertEmptyElement(t);
        OFString seq;
        ds.findAndGetOFStringArray(DCM_ScanningSequence, seq);
        if (seq.find("IR") == OFString_npos) delete ds.remove(DCM_InversionTime); /* IR only */
    }
    take(src, ds, DCM_LossyImageCompression);
    take(src, ds, DCM_LossyImageCompressionRatio);
    take(src, ds, DCM_LossyImageCompressionMethod);
    take(src, ds, DCM_DerivationDescription);
    src.findAndGetOFString(DCM_SOPInstanceUID, inst);
    DcmItem *ref = dicom_item(ds, DCM_SourceImageSequence);
    OFString cls;
    src.findAndGetOFString(DCM_SOPClassUID, cls);
    ref->putAndInsertString(DCM_ReferencedSOPClassUID, cls.c_str());
    ref->putAndInsertString(DCM_ReferencedSOPInstanceUID, inst.c_str());
    ref->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(z + 1).c_str());
}

/* Frame z as a single-frame image file at path (pixels: Rows x Columns values). */
e2ec_status write_frame(const e2ec_dicom_object &o, uint32_t z, const void *pixels,
                        const std::string &series_uid, const std::string &path, std::string &why) {
    DcmFileFormat ff;
    DcmDataset &ds = *ff.getDataset();
    build_frame(o, const_cast<DcmDataset &>(o.header), ds, z, series_uid);
    e2ec_volume one = {};
    one.nx = o.fmt.cols, one.ny = o.fmt.rows, one.nz = 1;
    one.type = dicom_voxel_type(o.fmt);
    one.data = const_cast<void *>(pixels);
    if (put_pixels(ds, one, 0, 1).bad()) {
        why = "cannot hold the pixel data";
        return E2EC_ERR_NOMEM;
    }
    return dicom_save(ff, UID_LittleEndianExplicitTransferSyntax, {}, path, why);
}

/* Every frame into a new folder dir, written in a temporary folder that is renamed
 * to dir when complete (util/atomic_file.h: what a kill leaves, and who
 * removes it). */
e2ec_status write_split(const e2ec_dicom_object &o, const e2ec_volume &v, std::string dir,
                        std::string &why) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    char *tmp = nullptr;
    int e = atomic_dir_begin(&tmp, dir.c_str());
    if (e) {
        why = "cannot create a temporary folder next to " + dir + ": " + strerror(e);
        return E2EC_ERR_IO;
    }
    std::string series_uid = dicom_new_uid();
    e2ec_status st = E2EC_OK;
    size_t plane = (size_t)v.nx * v.ny * e2ec_voxel_size(v.type);
    for (uint32_t z = 0; z < v.nz && !st; z++) {
        char name[32];
        snprintf(name, sizeof name, "/IMG%04u.dcm", z + 1);
        st = write_frame(o, z, (const Uint8 *)v.data + z * plane, series_uid, tmp + std::string(name), why);
    }
    if (st) {
        atomic_dir_abort(&tmp);
        return st;
    }
    if ((e = atomic_dir_commit(&tmp, dir.c_str()))) {
        why = "cannot rename the temporary folder to " + dir + ": " + strerror(e);
        return E2EC_ERR_IO;
    }
    return E2EC_OK;
}

} // namespace

extern "C" e2ec_status e2ec_dicom_write_decompressed(const e2ec_dicom_object *o,
                                                     const e2ec_volume *v, int split,
                                                     const char *path, char *err,
                                                     size_t err_len) {
    if (!o || !v || !path || v->nx != o->fmt.cols || v->ny != o->fmt.rows ||
        v->nz != o->ipp.size() || v->type != dicom_voxel_type(o->fmt))
        return dicom_fail(err, err_len, E2EC_ERR_ARG,
                          "write_decompressed: the volume does not match the object");
    std::string why;
    e2ec_status st;
    if (split) {
        st = write_split(*o, *v, path, why);
    } else {
        DcmFileFormat ff;
        DcmDataset &ds = *ff.getDataset();
        ds.copyFrom(o->header);
        ds.putAndInsertString(DCM_SOPInstanceUID, dicom_new_uid().c_str());
        dicom_put_now(ds, DCM_InstanceCreationDate, DCM_InstanceCreationTime);
        st = put_pixels(ds, *v, 0, v->nz).good()
                 ? dicom_save(ff, UID_LittleEndianExplicitTransferSyntax, {}, path, why)
                 : E2EC_ERR_NOMEM;
        if (st == E2EC_ERR_NOMEM) why = "cannot hold the pixel data";
    }
    return st ? dicom_fail(err, err_len, st, why) : E2EC_OK;
}

extern "C" e2ec_status e2ec_dicom_write_frame(const e2ec_dicom_object *o, uint32_t z,
                                              const void *pixels, const char *path, char *err,
                                              size_t err_len) {
    if (!o || !pixels || !path || z >= o->ipp.size())
        return dicom_fail(err, err_len, E2EC_ERR_ARG, "write_frame: no such frame");
    std::string why;
    e2ec_status st = write_frame(*o, z, pixels, dicom_new_uid(), path, why);
    return st ? dicom_fail(err, err_len, st, why) : E2EC_OK;
}
