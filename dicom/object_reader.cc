/* e2ec_dicom_object_*: reading an e2ec object back, and decoding it whole or by frame.
 *
 * DCMTK 3.6.7 does not know our transfer syntax UID: it parses the dataset as
 * Explicit VR Little Endian (its guess for unknown UIDs, which is what we write) and
 * keeps Pixel Data as a DcmPixelSequence keyed under that native syntax. We take the
 * fragments from there; see conformance/CONFORMANCE.md for why no DcmCodec is used. */
#include "dicom_internal.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace {

/* The e2ec stream of Pixel Data. */
e2ec_status gather_stream(DcmDataset &ds, const std::string &path, std::vector<Uint8> &out,
                          std::string &why) {
    DcmElement *e = NULL;
    DcmPixelSequence *seq = NULL;
    E_TransferSyntax key = EXS_Unknown;
    const DcmRepresentationParameter *param = NULL;
    if (ds.findAndGetElement(DCM_PixelData, e).good()) {
        DcmPixelData *pd = OFstatic_cast(DcmPixelData *, e);
        pd->getCurrentRepresentationKey(key, param);
        if (pd->getEncapsulatedRepresentation(key, param, seq).bad()) seq = NULL;
    }
    if (!seq) {
        why = path + ": Pixel Data missing or not encapsulated";
        return E2EC_ERR_FORMAT;
    }
    e2ec_status st = dicom_stream_from_sequence(*seq, out, why);
    if (st) why = path + ": " + why;
    return st;
}

/* The stream header must agree with the attributes describing the frames. */
e2ec_status check_header(e2ec_dicom_object &o, std::string &why) {
    e2ec_status st = dicom_check_stream(o.stream, o.fmt, (uint32_t)o.ipp.size(), o.info, why);
    if (st) why = o.path + ": " + why;
    return st;
}



/* The checks and gathering shared by both readers, on a parsed file named name. */
static e2ec_status object_from(DcmFileFormat &ff, const char *name, e2ec_dicom_object **out,
                               char *err, size_t err_len) {
    auto o = std::make_unique<e2ec_dicom_object>();
    o->path = name;
    OFString ts;
    ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
    if (ts != E2EC_DICOM_TRANSFER_SYNTAX_UID)
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                          o->path + ": transfer syntax " + ts.c_str() +
                              " is not e2ec's (" E2EC_DICOM_TRANSFER_SYNTAX_UID ")");
    DcmDataset &ds = *ff.getDataset();
    OFString sop;
    ds.findAndGetOFString(DCM_SOPClassUID, sop);
    if (sop != UID_LegacyConvertedEnhancedCTImageStorage &&
        sop != UID_LegacyConvertedEnhancedMRImageStorage &&
        !dicom_is_enhanced(sop.c_str())) /* the classes we write */
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                          o->path + ": SOP class " + sop.c_str() +
                              " is not (Legacy Converted) Enhanced CT or MR Image");
    std::string why;
    if (dicom_read_format(ds, o->fmt, why).bad())
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT, o->path + ": " + why);
    Sint32 nframes = 0;
    ds.findAndGetSint32(DCM_NumberOfFrames, nframes);
    for (Sint32 k = 0; k < nframes; k++) {
        DcmItem *grp = NULL, *pos = NULL;
        std::array<double, 3> p;
        bool ok = ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, grp, k).good() &&
                  grp->findAndGetSequenceItem(DCM_PlanePositionSequence, pos, 0).good();
        for (int i = 0; ok && i < 3; i++)
            ok = pos->findAndGetFloat64(DCM_ImagePositionPatient, p[i], i).good();
        if (!ok)
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              o->path + ": frame " + std::to_string(k + 1) +
                                  " has no Plane Position (Patient)");
        o->ipp.push_back(p);
    }
    if (nframes < 1)
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT, o->path + ": no Number of Frames");
    e2ec_status st = gather_stream(ds, o->path, o->stream, why);
    if (st || (st = check_header(*o, why))) return dicom_fail(err, err_len, st, why);
    o->header.copyFrom(ds);
    delete o->header.remove(DCM_PixelData);
    *out = o.release();
    return E2EC_OK;
}

/* Reads the DICOM file at path; name is what messages call it. */
e2ec_status read_named(const char *path, const char *name, e2ec_dicom_object **out, char *err,
                       size_t err_len) {
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(path);
    if (c.bad())
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                          std::string(name) + ": cannot read as DICOM (" + c.text() +
                              "): truncated or not a DICOM file");
    return object_from(ff, name, out, err, err_len);
}

} // namespace

extern "C" e2ec_status e2ec_dicom_object_read(const char *path, e2ec_dicom_object **out,
                                              char *err, size_t err_len) {
    if (!path || !out) return dicom_fail(err, err_len, E2EC_ERR_ARG, "no input");
    *out = NULL;
    return read_named(path, path, out, err, err_len);
}

extern "C" e2ec_status e2ec_dicom_object_read_buffer(const void *data, size_t size,
                                                     const char *name, e2ec_dicom_object **out,
                                                     char *err, size_t err_len) {
    if (!data || !out) return dicom_fail(err, err_len, E2EC_ERR_ARG, "no input");
    *out = NULL;
    if (!name) name = "(buffer)";
    /* the preamble and "DICM" come first in a file; DcmFileFormat::read expects them */
    if (size < 132 || memcmp((const char *)data + 128, "DICM", 4) != 0)
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                          std::string(name) + ": not a DICOM file (no DICM prefix)");
    /* Parsed as a file, never from DCMTK's memory stream: from a memory stream
     * DCMTK 3.6.7 allocates each element's declared length before reading it,
     * so a 5 KB object declaring a 2.4 GB element made it allocate 2.4 GB
     * (fuzz/regress/orthanc_decode/); from a file it checks the length against
     * what remains. A memfd is a file in memory: nothing reaches the disk. */
    int fd = memfd_create("e2ec-object", MFD_CLOEXEC);
    if (fd < 0)
        return dicom_fail(err, err_len, E2EC_ERR_IO,
                          std::string(name) + ": cannot make an in-memory file: " +
                              strerror(errno));
    const char *p = static_cast<const char *>(data);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, p + done, size - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    e2ec_status st;
    if (done != size) {
        st = dicom_fail(err, err_len, errno == ENOMEM || errno == ENOSPC ? E2EC_ERR_NOMEM : E2EC_ERR_IO,
                        std::string(name) + ": cannot copy into an in-memory file: " +
                            strerror(errno));
    } else {
        std::string path = "/proc/self/fd/" + std::to_string(fd);
        st = read_named(path.c_str(), name, out, err, err_len);
    }
    close(fd);
    return st;
}

extern "C" void e2ec_dicom_object_free(e2ec_dicom_object *o) { delete o; }

extern "C" const uint8_t *e2ec_dicom_object_stream(const e2ec_dicom_object *o, size_t *size) {
    *size = o->stream.size();
    return o->stream.data();
}

extern "C" uint32_t e2ec_dicom_object_frames(const e2ec_dicom_object *o) {
    return (uint32_t)o->ipp.size();
}

extern "C" const e2ec_info *e2ec_dicom_object_info(const e2ec_dicom_object *o) {
    return &o->info;
}

extern "C" e2ec_status e2ec_dicom_object_decode_frame(const e2ec_dicom_object *o, uint32_t z,
                                                      int threads, void *out) {
    return e2ec_decode_slice(o->stream.data(), o->stream.size(), z, threads, out);
}

extern "C" e2ec_status e2ec_dicom_object_decode(const e2ec_dicom_object *o, int threads,
                                                e2ec_volume *out) {
    return e2ec_decode(o->stream.data(), o->stream.size(), threads, out);
}
