/* Helpers shared by the files of dicom/ (dicom_internal.h). */
#include "dicom_internal.h"

#include <dcmtk/dcmdata/dcpxitem.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

extern "C" {
#include "atomic_file.h"
}

e2ec_status dicom_fail(char *err, size_t err_len, e2ec_status st, const std::string &msg) {
    /* the constant's name too, as the e2ec tool prints it: scripts match on it */
    if (err && err_len) snprintf(err, err_len, "%s (%s)", msg.c_str(), e2ec_error_name(st));
    return st;
}

std::string dicom_new_uid() {
    Uint8 b[16] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(b, 1, sizeof b, f) : 0;
    if (f) fclose(f);
    if (got != sizeof b) { /* no /dev/urandom: fall back on DCMTK's own generator */
        char uid[100];
        return dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
    }
    b[6] = (Uint8)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (Uint8)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    /* 128-bit big-endian number to decimal by repeated division by 10 */
    std::string digits;
    Uint8 n[16];
    memcpy(n, b, 16);
    for (;;) {
        unsigned rem = 0;
        bool zero = true;
        for (int i = 0; i < 16; i++) {
            unsigned cur = rem * 256 + n[i];
            n[i] = (Uint8)(cur / 10);
            rem = cur % 10;
            if (n[i]) zero = false;
        }
        digits.insert(digits.begin(), (char)('0' + rem));
        if (zero) break;
    }
    return "2.25." + digits;
}

std::string dicom_ds(double v) {
    char buf[32];
    for (int prec = 10; prec > 1; prec--) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strlen(buf) <= 16) break;
    }
    return buf;
}

std::string dicom_ds_list(const double *v, int n) {
    std::string s;
    for (int i = 0; i < n; i++) s += (i ? "\\" : "") + dicom_ds(v[i] + 0.0); /* no "-0" */
    return s;
}

static bool get_u16(DcmItem &ds, const DcmTagKey &k, Uint16 &v, std::string &why) {
    if (ds.findAndGetUint16(k, v).good()) return true;
    why = std::string("missing ") + DcmTag(k).getTagName();
    return false;
}

/* Looks for the item of a functional group macro sequence: shared groups first,
 * then the first frame's. NULL when absent or when ds is not multi-frame. */
static DcmItem *group_item(DcmItem &ds, const DcmTagKey &macro) {
    DcmItem *grp = NULL, *it = NULL;
    const DcmTagKey where[2] = {DCM_SharedFunctionalGroupsSequence,
                                DCM_PerFrameFunctionalGroupsSequence};
    for (const DcmTagKey &w : where)
        if (ds.findAndGetSequenceItem(w, grp, 0).good() &&
            grp->findAndGetSequenceItem(macro, it, 0).good())
            return it;
    return NULL;
}

OFCondition dicom_read_format(DcmItem &ds, e2ec_dicom_format &f, std::string &why) {
    if (!get_u16(ds, DCM_Rows, f.rows, why) || !get_u16(ds, DCM_Columns, f.cols, why) ||
        !get_u16(ds, DCM_BitsAllocated, f.bits_allocated, why) ||
        !get_u16(ds, DCM_BitsStored, f.bits_stored, why) ||
        !get_u16(ds, DCM_HighBit, f.high_bit, why) ||
        !get_u16(ds, DCM_PixelRepresentation, f.pixel_rep, why) ||
        !get_u16(ds, DCM_SamplesPerPixel, f.samples, why))
        return EC_TagNotFound;
    OFString s;
    if (ds.findAndGetOFString(DCM_PhotometricInterpretation, s).bad()) {
        why = "missing PhotometricInterpretation";
        return EC_TagNotFound;
    }
    f.photometric = s.c_str();
    if (f.samples != 1 || (f.photometric != "MONOCHROME1" && f.photometric != "MONOCHROME2")) {
        why = "colour image (Photometric Interpretation " + f.photometric + ", " +
              std::to_string(f.samples) + " samples per pixel): e2ec codes monochrome only";
        return EC_IllegalParameter;
    }
    if (!f.rows || !f.cols || (f.bits_allocated != 8 && f.bits_allocated != 16) ||
        !f.bits_stored || f.bits_stored > f.bits_allocated || f.high_bit + 1 != f.bits_stored ||
        f.pixel_rep > 1) {
        why = "unsupported pixel format (Bits Allocated " + std::to_string(f.bits_allocated) +
              ", Bits Stored " + std::to_string(f.bits_stored) + ", High Bit " +
              std::to_string(f.high_bit) + ")";
        return EC_IllegalParameter;
    }
    /* geometry: top level for single-frame images, functional groups for enhanced ones */
    DcmItem *measures = group_item(ds, DCM_PixelMeasuresSequence);
    DcmItem *orient = group_item(ds, DCM_PlaneOrientationSequence);
    DcmItem *pvt = group_item(ds, DCM_PixelValueTransformationSequence);
    DcmItem &m = measures ? *measures : ds, &o = orient ? *orient : ds, &r = pvt ? *pvt : ds;
    for (int i = 0; i < 6; i++)
        if (o.findAndGetFloat64(DCM_ImageOrientationPatient, f.iop[i], i).bad()) {
            why = "missing or short ImageOrientationPatient";
            return EC_TagNotFound;
        }
    for (int i = 0; i < 2; i++)
        if (m.findAndGetFloat64(DCM_PixelSpacing, f.pixel_spacing[i], i).bad() ||
            !(f.pixel_spacing[i] > 0)) {
            why = "missing or invalid PixelSpacing";
            return EC_TagNotFound;
        }
    if (m.findAndGetFloat64(DCM_SliceThickness, f.thickness).bad()) f.thickness = 0;
    f.has_rescale = r.findAndGetFloat64(DCM_RescaleIntercept, f.intercept).good();
    if (f.has_rescale && r.findAndGetFloat64(DCM_RescaleSlope, f.slope).bad()) f.slope = 1;
    if (r.findAndGetOFString(DCM_RescaleType, s).good()) f.rescale_type = s.c_str();
    return EC_Normal;
}

void dicom_put_pixel_format(DcmItem &ds, const e2ec_dicom_format &f) {
    ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds.putAndInsertString(DCM_PhotometricInterpretation, f.photometric.c_str());
    ds.putAndInsertUint16(DCM_Rows, f.rows);
    ds.putAndInsertUint16(DCM_Columns, f.cols);
    ds.putAndInsertUint16(DCM_BitsAllocated, f.bits_allocated);
    ds.putAndInsertUint16(DCM_BitsStored, f.bits_stored);
    ds.putAndInsertUint16(DCM_HighBit, f.high_bit);
    ds.putAndInsertUint16(DCM_PixelRepresentation, f.pixel_rep);
}

e2ec_voxel_type dicom_voxel_type(const e2ec_dicom_format &f) {
    if (f.bits_allocated == 16) return f.pixel_rep ? E2EC_I16 : E2EC_U16;
    return (e2ec_voxel_type)0; /* 8-bit input is widened before it becomes a volume */
}

/* Attributes of the Patient, Study, Series, Frame of Reference and Equipment
 * modules taken over from the first source image. */
static const DcmTagKey kept[] = {
    DCM_SpecificCharacterSet, DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID,
    DCM_PatientBirthDate, DCM_PatientSex, DCM_PatientAge, DCM_PatientSize, DCM_PatientWeight,
    DCM_PatientIdentityRemoved, DCM_DeidentificationMethod,
    DCM_DeidentificationMethodCodeSequence, DCM_StudyInstanceUID, DCM_StudyDate, DCM_StudyTime,
    DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber, DCM_StudyDescription,
    DCM_Modality, DCM_SeriesNumber, DCM_SeriesDescription, DCM_SeriesDate, DCM_SeriesTime,
    DCM_BodyPartExamined, DCM_Laterality, DCM_PatientPosition, DCM_ProtocolName,
    DCM_FrameOfReferenceUID,
    DCM_PositionReferenceIndicator, DCM_Manufacturer, DCM_InstitutionName, DCM_StationName,
    DCM_ManufacturerModelName, DCM_DeviceSerialNumber, DCM_SoftwareVersions,
    DCM_AcquisitionNumber};

void dicom_copy_kept(DcmDataset &from, DcmDataset &to) {
    for (const DcmTagKey &k : kept) {
        DcmElement *e = NULL;
        if (from.findAndGetElement(k, e).good()) to.insert((DcmElement *)e->clone(), true);
    }
}

const DcmTagKey dicom_acquisition_tags[] = {
    /* MR Image module */
    DCM_ScanningSequence, DCM_SequenceVariant, DCM_ScanOptions, DCM_MRAcquisitionType,
    DCM_SequenceName, DCM_RepetitionTime, DCM_EchoTime, DCM_InversionTime, DCM_EchoTrainLength,
    DCM_NumberOfAverages, DCM_ImagingFrequency, DCM_ImagedNucleus, DCM_EchoNumbers,
    DCM_MagneticFieldStrength, DCM_NumberOfPhaseEncodingSteps, DCM_PercentSampling,
    DCM_PercentPhaseFieldOfView, DCM_PixelBandwidth, DCM_ReceiveCoilName, DCM_TransmitCoilName,
    DCM_AcquisitionMatrix, DCM_InPlanePhaseEncodingDirection, DCM_FlipAngle, DCM_SAR, DCM_dBdt,
    /* CT Image module */
    DCM_KVP, DCM_DataCollectionDiameter, DCM_ReconstructionDiameter,
    DCM_DistanceSourceToDetector, DCM_DistanceSourceToPatient, DCM_GantryDetectorTilt,
    DCM_TableHeight, DCM_RotationDirection, DCM_ExposureTime, DCM_XRayTubeCurrent, DCM_Exposure,
    DCM_FilterType, DCM_GeneratorPower, DCM_FocalSpots, DCM_ConvolutionKernel,
    DCM_RevolutionTime, DCM_SingleCollimationWidth, DCM_TotalCollimationWidth, DCM_TableSpeed,
    DCM_TableFeedPerRotation, DCM_SpiralPitchFactor, DCM_CTDIvol};
const size_t dicom_acquisition_tag_count =
    sizeof dicom_acquisition_tags / sizeof dicom_acquisition_tags[0];

/* A copy of tag's element found in it (into sequences when deep), NULL if absent. */
static DcmElement *found(DcmItem *it, const DcmTagKey &tag, bool deep) {
    DcmElement *e = NULL;
    if (!it || it->findAndGetElement(tag, e, deep).bad() || !e) return NULL;
    return (DcmElement *)e->clone();
}

void dicom_acquisition_of(DcmItem &ds, long frame, DcmItem &out) {
    DcmItem *own = NULL, *shared = NULL;
    if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, own, frame).bad())
        own = NULL;
    if (ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).bad())
        shared = NULL;
    for (size_t i = 0; i < dicom_acquisition_tag_count; i++) {
        const DcmTagKey &t = dicom_acquisition_tags[i];
        DcmElement *e = found(own, t, true);
        if (!e) e = found(shared, t, true);
        if (!e) e = found(&ds, t, false);
        if (e) out.insert(e, true);
    }
    /* Enhanced MR names for the same quantities (FD values, the first one taken) */
    const DcmTagKey alias[][2] = {{DCM_EchoTime, DCM_EffectiveEchoTime},
                                  {DCM_InversionTime, DCM_InversionTimes}};
    for (const auto &a : alias) {
        if (out.tagExists(a[0])) continue;
        Float64 v;
        DcmItem *where[2] = {own, shared};
        for (DcmItem *w : where)
            if (w && w->findAndGetFloat64(a[1], v, 0, true).good()) {
                out.putAndInsertString(a[0], dicom_ds(v).c_str());
                break;
            }
    }
}

bool dicom_is_enhanced(const std::string &sop_class) {
    return sop_class == UID_EnhancedCTImageStorage || sop_class == UID_EnhancedMRImageStorage;
}

void dicom_put_now(DcmItem &ds, const DcmTagKey &date, const DcmTagKey &time) {
    char d[16], t[16];
    std::time_t now = std::time(NULL);
    std::tm tm;
    gmtime_r(&now, &tm);
    strftime(d, sizeof d, "%Y%m%d", &tm);
    strftime(t, sizeof t, "%H%M%S", &tm);
    ds.putAndInsertString(date, d);
    ds.putAndInsertString(time, t);
}

DcmItem *dicom_item(DcmItem &parent, const DcmTagKey &seq, long index) {
    DcmItem *it = NULL;
    parent.findOrCreateSequenceItem(seq, it, index);
    return it;
}

/* File Meta Information with the given transfer syntax and its group length. */
static OFCondition put_meta(DcmMetaInfo &meta, DcmDataset &ds, const char *ts_uid) {
    OFString cls, inst;
    ds.findAndGetOFString(DCM_SOPClassUID, cls);
    ds.findAndGetOFString(DCM_SOPInstanceUID, inst);
    meta.clear();
    const Uint8 version[2] = {0, 1};
    OFCondition c = meta.putAndInsertUint8Array(DCM_FileMetaInformationVersion, version, 2);
    if (c.good()) c = meta.putAndInsertString(DCM_MediaStorageSOPClassUID, cls.c_str());
    if (c.good()) c = meta.putAndInsertString(DCM_MediaStorageSOPInstanceUID, inst.c_str());
    if (c.good()) c = meta.putAndInsertString(DCM_TransferSyntaxUID, ts_uid);
    if (c.good())
        c = meta.putAndInsertString(DCM_ImplementationClassUID, E2EC_DICOM_IMPLEMENTATION_UID);
    if (c.good())
        c = meta.putAndInsertString(DCM_ImplementationVersionName,
                                    E2EC_DICOM_IMPLEMENTATION_VERSION);
    Uint32 len = 0;
    for (unsigned long i = 0; c.good() && i < meta.card(); i++)
        len += meta.getElement(i)->calcElementLength(EXS_LittleEndianExplicit,
                                                     EET_ExplicitLength);
    if (c.good()) c = meta.putAndInsertUint32(DCM_FileMetaInformationGroupLength, len);
    return c;
}

e2ec_status dicom_save(DcmFileFormat &ff, const char *ts_uid, const std::vector<Uint8> &tail,
                       const std::string &path, std::string &why) {
    OFCondition c = put_meta(*ff.getMetaInfo(), *ff.getDataset(), ts_uid);
    if (c.bad()) {
        why = std::string("cannot build the file meta information: ") + c.text();
        return E2EC_ERR_INTERNAL;
    }
    atomic_file af;
    int e = atomic_begin(&af, path.c_str());
    if (e) {
        why = "cannot create a temporary file next to " + path + ": " + strerror(e);
        return E2EC_ERR_IO;
    }
    /* the meta header is ours on purpose: hush DCMTK's warning that it is not updated */
    OFLogger dcmdata = OFLog::getLogger("dcmtk.dcmdata");
    OFLogger::LogLevel level = dcmdata.getChainedLogLevel();
    if (level < OFLogger::ERROR_LOG_LEVEL) dcmdata.setLogLevel(OFLogger::ERROR_LOG_LEVEL);
    c = ff.saveFile(af.tmp_path, EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_withoutGL,
                    EPD_withoutPadding, 0, 0, EWM_dontUpdateMeta);
    dcmdata.setLogLevel(level);
    if (c.bad()) {
        why = "cannot write " + path + ": " + c.text();
        atomic_abort(&af);
        return E2EC_ERR_IO;
    }
    /* DCMTK wrote through its own handle: append the tail at the end of the file */
    e = 0;
    if (!tail.empty())
        e = lseek(af.fd, 0, SEEK_END) < 0 ? errno : atomic_write(&af, tail.data(), tail.size());
    if (!e) e = atomic_commit(&af);
    else atomic_abort(&af);
    if (e) {
        why = "cannot write " + path + ": " + strerror(e);
        return E2EC_ERR_IO;
    }
    return E2EC_OK;
}

e2ec_status dicom_stream_from_sequence(DcmPixelSequence &seq, std::vector<Uint8> &out,
                                       std::string &why) {
    out.clear();
    unsigned long n = seq.card();
    if (n < 2) {
        why = "the encapsulated Pixel Data holds no fragment";
        return E2EC_ERR_TRUNCATED;
    }
    for (unsigned long i = 1; i < n; i++) { /* item 0 is the Basic Offset Table */
        DcmPixelItem *it = NULL;
        Uint8 *p = NULL;
        if (seq.getItem(it, i).bad() || (it->getLength() && it->getUint8Array(p).bad())) {
            why = "cannot read Pixel Data fragment " + std::to_string(i);
            return E2EC_ERR_FORMAT;
        }
        out.insert(out.end(), p, p + it->getLength());
    }
    return E2EC_OK;
}

e2ec_status dicom_check_stream(std::vector<Uint8> &stream, const e2ec_dicom_format &f,
                               uint32_t frames, e2ec_info &info, std::string &why) {
    e2ec_status st = e2ec_get_info(stream.data(), stream.size(), &info);
    if (st == E2EC_OK && info.stream_bytes + 1 == stream.size() && !stream.back())
        stream.pop_back(); /* the pad byte of an odd-length stream */
    else if (st == E2EC_ERR_TRAILING && !stream.empty() && !stream.back()) {
        stream.pop_back();
        st = e2ec_get_info(stream.data(), stream.size(), &info);
    }
    if (st) {
        why = std::string("the e2ec stream in Pixel Data is unusable: ") + e2ec_strerror(st);
        return st;
    }
    if (info.stream_bytes != stream.size()) {
        why = "the e2ec stream declares " + std::to_string(info.stream_bytes) +
              " bytes but Pixel Data holds " + std::to_string(stream.size());
        return info.stream_bytes > stream.size() ? E2EC_ERR_TRUNCATED : E2EC_ERR_TRAILING;
    }
    if (info.nx != f.cols || info.ny != f.rows || info.nz != frames ||
        info.type != dicom_voxel_type(f) || info.bits_stored != f.bits_stored) {
        why = "the e2ec stream (" + std::to_string(info.nx) + " x " + std::to_string(info.ny) +
              " x " + std::to_string(info.nz) +
              ") contradicts Rows, Columns, Number of Frames or Bits Stored";
        return E2EC_ERR_MISMATCH;
    }
    return E2EC_OK;
}
