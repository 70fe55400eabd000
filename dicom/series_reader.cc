/* e2ec_dicom_series_read: files or a directory, or one multi-frame object, to a volume. */
#include "dicom_internal.h"

#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmdata/dcrledrg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <map>
#include <memory>
#include <mutex>
#include <sys/stat.h>

namespace {

/* One frame of the input: a single-frame file or one frame of a multi-frame object. */
struct frame_ref {
    DcmFileFormat *file;
    std::string path, sop_class, sop_inst;
    unsigned long index; /* frame number within file, from 0 */
    bool multi_frame;    /* file is an enhanced (functional groups) object */
    double ipp[3];
    double proj; /* position along the slice normal */
    e2ec_dicom_format fmt;
};

struct reader {
    const e2ec_dicom_read_options &opt;
    std::string why;
    std::vector<std::unique_ptr<DcmFileFormat>> files;
};

/* Compressed inputs (JPEG, JPEG-LS, RLE) are decompressed by DCMTK's codecs. */
void register_decoders() {
    static std::once_flag once;
    std::call_once(once, [] {
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

bool has_dicm_prefix(const std::string &path) {
    char buf[132];
    FILE *f = fopen(path.c_str(), "rb");
    bool ok = f && fread(buf, 1, sizeof buf, f) == sizeof buf && !memcmp(buf + 128, "DICM", 4);
    if (f) fclose(f);
    return ok;
}

/* Files named, and files of directories named (sorted, DICOM ones only). */
e2ec_status expand_paths(const char *const *paths, size_t n, const e2ec_dicom_read_options &opt,
                         std::vector<std::string> &out, std::string &why) {
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            why = std::string(paths[i]) + ": " + strerror(errno);
            return E2EC_ERR_IO;
        }
        if (!S_ISDIR(st.st_mode)) {
            out.push_back(paths[i]);
            continue;
        }
        DIR *d = opendir(paths[i]);
        if (!d) {
            why = std::string(paths[i]) + ": " + strerror(errno);
            return E2EC_ERR_IO;
        }
        std::vector<std::string> names;
        while (struct dirent *e = readdir(d)) {
            std::string p = std::string(paths[i]) + "/" + e->d_name;
            if (e->d_name[0] == '.' || stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            if (has_dicm_prefix(p))
                names.push_back(p);
            else if (opt.verbose)
                fprintf(stderr, "I: skipping %s: not a DICOM file\n", p.c_str());
        }
        closedir(d);
        std::sort(names.begin(), names.end());
        out.insert(out.end(), names.begin(), names.end());
    }
    if (out.empty()) {
        why = "no DICOM files in the input";
        return E2EC_ERR_FORMAT;
    }
    return E2EC_OK;
}

bool read_ipp(DcmItem &it, double ipp[3]) {
    for (int k = 0; k < 3; k++)
        if (it.findAndGetFloat64(DCM_ImagePositionPatient, ipp[k], k).bad()) return false;
    return true;
}

/* The frames of one loaded file: itself, or each frame of a multi-frame object. */
e2ec_status frames_of(DcmFileFormat *ff, const std::string &path, std::vector<frame_ref> &out,
                      std::string &why) {
    DcmDataset &ds = *ff->getDataset();
    frame_ref fr;
    fr.file = ff, fr.path = path, fr.index = 0;
    fr.multi_frame = ds.tagExists(DCM_PerFrameFunctionalGroupsSequence);
    OFString cls, inst;
    ds.findAndGetOFString(DCM_SOPClassUID, cls);
    ds.findAndGetOFString(DCM_SOPInstanceUID, inst);
    fr.sop_class = cls.c_str(), fr.sop_inst = inst.c_str();
    if (dicom_read_format(ds, fr.fmt, why).bad()) {
        why = path + ": " + why;
        return E2EC_ERR_FORMAT;
    }
    Sint32 nframes = 1;
    if (ds.findAndGetSint32(DCM_NumberOfFrames, nframes).bad()) nframes = 1;
    if (nframes < 1) {
        why = path + ": invalid NumberOfFrames " + std::to_string(nframes);
        return E2EC_ERR_FORMAT;
    }
    if (!ds.tagExists(DCM_PerFrameFunctionalGroupsSequence)) {
        if (nframes != 1 || !read_ipp(ds, fr.ipp)) {
            why = path + (nframes != 1 ? ": multi-frame object without per-frame positions"
                                       : ": missing ImagePositionPatient");
            return E2EC_ERR_FORMAT;
        }
        out.push_back(fr);
        return E2EC_OK;
    }
    const e2ec_dicom_format shared = fr.fmt;
    for (Sint32 k = 0; k < nframes; k++) {
        DcmItem *grp = NULL, *pos = NULL;
        if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, grp, k).bad() ||
            !((grp->findAndGetSequenceItem(DCM_PlanePositionSequence, pos, 0).good() &&
               read_ipp(*pos, fr.ipp)) ||
              (ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, grp, 0).good() &&
               grp->findAndGetSequenceItem(DCM_PlanePositionSequence, pos, 0).good() &&
               read_ipp(*pos, fr.ipp)))) {
            why = path + ": frame " + std::to_string(k + 1) + " has no Plane Position (Patient)";
            return E2EC_ERR_FORMAT;
        }
        /* a frame's own orientation or pixel measures, so that check_agree sees them */
        DcmItem *own = NULL, *it = NULL;
        fr.fmt = shared;
        if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, own, k).good()) {
            for (int i = 0; i < 6; i++)
                if (own->findAndGetSequenceItem(DCM_PlaneOrientationSequence, it, 0).good())
                    it->findAndGetFloat64(DCM_ImageOrientationPatient, fr.fmt.iop[i], i);
            for (int i = 0; i < 2; i++)
                if (own->findAndGetSequenceItem(DCM_PixelMeasuresSequence, it, 0).good())
                    it->findAndGetFloat64(DCM_PixelSpacing, fr.fmt.pixel_spacing[i], i);
        }
        fr.index = (unsigned long)k;
        out.push_back(fr);
    }
    return E2EC_OK;
}

/* The file, and the frame for a multi-frame object, for messages. */
std::string name_of(const frame_ref &f) {
    return f.multi_frame ? f.path + " frame " + std::to_string(f.index + 1) : f.path;
}

bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol; }

/* Every frame must share the first one's pixel format, orientation and spacing. */
e2ec_status check_agree(const std::vector<frame_ref> &fr, bool convert_rescale, std::string &why) {
    const e2ec_dicom_format &a = fr[0].fmt;
    for (const frame_ref &f : fr) {
        const e2ec_dicom_format &b = f.fmt;
        std::string what;
        if (b.rows != a.rows || b.cols != a.cols)
            what = "mixed sizes: " + std::to_string(b.cols) + " x " + std::to_string(b.rows) +
                   " against " + std::to_string(a.cols) + " x " + std::to_string(a.rows);
        else if (b.bits_allocated != a.bits_allocated || b.bits_stored != a.bits_stored ||
                 b.pixel_rep != a.pixel_rep || b.photometric != a.photometric)
            what = "different pixel format (bits allocated/stored, pixel representation or "
                   "photometric interpretation)";
        else if (!near(b.pixel_spacing[0], a.pixel_spacing[0], 1e-4 * a.pixel_spacing[0]) ||
                 !near(b.pixel_spacing[1], a.pixel_spacing[1], 1e-4 * a.pixel_spacing[1]))
            what = "different Pixel Spacing " + dicom_ds_list(b.pixel_spacing, 2) + " against " +
                   dicom_ds_list(a.pixel_spacing, 2);
        else {
            for (int i = 0; i < 6 && what.empty(); i++)
                if (!near(b.iop[i], a.iop[i], 1e-4))
                    what = "tilted slice: Image Orientation (Patient) " + dicom_ds_list(b.iop, 6) +
                           " against " + dicom_ds_list(a.iop, 6);
        }
        if (what.empty() && !convert_rescale &&
            (b.has_rescale != a.has_rescale || b.slope != a.slope || b.intercept != a.intercept))
            what = "different Rescale Slope/Intercept " + dicom_ds(b.slope) + "/" +
                   dicom_ds(b.intercept) + " against " + dicom_ds(a.slope) + "/" +
                   dicom_ds(a.intercept) + " (stored values are kept; an option converts them)";
        if (!what.empty()) {
            why = name_of(f) + ": " + what + " of " + name_of(fr[0]);
            return E2EC_ERR_FORMAT;
        }
    }
    return E2EC_OK;
}

/* Sorts along the normal; refuses sheared stacks, duplicates, gaps and uneven steps. */
e2ec_status sort_and_check_positions(std::vector<frame_ref> &fr, bool accept_uneven,
                                     double &step, std::string &why) {
    const double *o = fr[0].fmt.iop;
    double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5],
                   o[0] * o[4] - o[1] * o[3]};
    for (frame_ref &f : fr) f.proj = n[0] * f.ipp[0] + n[1] * f.ipp[1] + n[2] * f.ipp[2];
    std::stable_sort(fr.begin(), fr.end(),
                     [](const frame_ref &a, const frame_ref &b) { return a.proj < b.proj; });
    step = fr[0].fmt.thickness > 0 ? fr[0].fmt.thickness : 1.0;
    if (fr.size() < 2) return E2EC_OK;
    std::vector<double> steps;
    for (size_t i = 1; i < fr.size(); i++) steps.push_back(fr[i].proj - fr[i - 1].proj);
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    step = sorted[sorted.size() / 2];
    for (size_t i = 1; i < fr.size(); i++) {
        const frame_ref &a = fr[i - 1], &b = fr[i];
        double d[3], in_plane = 0;
        for (int k = 0; k < 3; k++) d[k] = b.ipp[k] - a.ipp[k] - (b.proj - a.proj) * n[k];
        for (int k = 0; k < 3; k++) in_plane += d[k] * d[k];
        std::string pair = name_of(a) + " and " + name_of(b);
        if (std::sqrt(in_plane) > 0.01 + 1e-3 * std::fabs(b.proj - a.proj)) {
            why = "tilted slice: " + pair + " are not stacked along the slice normal (gantry "
                  "tilt or sheared positions)";
            return E2EC_ERR_FORMAT;
        }
        double s = steps[i - 1];
        if (s < 1e-3) {
            why = "two slices at the same position: " + pair;
            return E2EC_ERR_FORMAT;
        }
        if (s > 1.5 * step) {
            why = "missing slice(s) between " + pair + ": gap " + dicom_ds(s) +
                  " mm where the spacing is " + dicom_ds(step) + " mm";
            return E2EC_ERR_FORMAT;
        }
        if (!accept_uneven && std::fabs(s - step) > 0.01 * step) {
            why = "uneven slice spacing between " + pair + ": " + dicom_ds(s) + " mm where the " +
                  "spacing is " + dicom_ds(step) + " mm (an option accepts uneven spacing)";
            return E2EC_ERR_FORMAT;
        }
    }
    return E2EC_OK;
}

/* Stored values of frame f into dst (rows x cols 16-bit voxels), masked to Bits
 * Stored and sign-extended for signed data; 8-bit pixels are widened. */
e2ec_status copy_pixels(const frame_ref &f, void *dst, std::string &why) {
    DcmDataset &ds = *f.file->getDataset();
    OFCondition c = ds.chooseRepresentation(EXS_LittleEndianExplicit, NULL);
    if (c.bad()) {
        why = f.path + ": cannot decompress the pixel data: " + c.text();
        return E2EC_ERR_FORMAT;
    }
    const e2ec_dicom_format &fm = f.fmt;
    size_t plane = (size_t)fm.rows * fm.cols, bytes = fm.bits_allocated / 8;
    DcmElement *px = NULL;
    if (ds.findAndGetElement(DCM_PixelData, px).bad() ||
        (size_t)px->getLength() < (f.index + 1) * plane * bytes) {
        why = f.path + ": Pixel Data missing or shorter than " + std::to_string(f.index + 1) +
              " frame(s) of " + std::to_string(fm.cols) + " x " + std::to_string(fm.rows);
        return E2EC_ERR_TRUNCATED;
    }
    unsigned shift = 16 - fm.bits_stored;
    Uint8 *p8 = NULL;
    Uint16 *p16 = NULL;
    if (bytes == 1) px->getUint8Array(p8);
    else px->getUint16Array(p16);
    for (size_t i = 0; i < plane; i++) {
        size_t k = f.index * plane + i;
        Uint16 v = (Uint16)((bytes == 1 ? p8[k] : p16[k]) << shift);
        ((Uint16 *)dst)[i] = fm.pixel_rep ? (Uint16)((Sint16)v >> shift) : (Uint16)(v >> shift);
    }
    return E2EC_OK;
}

double stored_at(const e2ec_volume &v, size_t i) {
    switch (v.type) {
    case E2EC_I16: return ((const int16_t *)v.data)[i];
    default: return ((const uint16_t *)v.data)[i];
    }
}

/*
 * Re-expresses every slice's stored values with one Rescale Slope/Intercept: the
 * smallest slope and the smallest intercept, so that no value goes below the type's
 * range and equal or multiple slopes convert exactly (others are rounded). Refuses
 * non-positive slopes and results outside Bits Stored.
 */
e2ec_status convert_rescale(const std::vector<frame_ref> &fr, e2ec_volume &v,
                            e2ec_dicom_format &f, std::string &why) {
    double slope = fr[0].fmt.slope, icpt = fr[0].fmt.intercept;
    for (const frame_ref &r : fr) {
        if (!(r.fmt.slope > 0)) {
            why = name_of(r) + ": Rescale Slope " + dicom_ds(r.fmt.slope) + " cannot be converted";
            return E2EC_ERR_FORMAT;
        }
        slope = std::fmin(slope, r.fmt.slope), icpt = std::fmin(icpt, r.fmt.intercept);
    }
    double lo = f.pixel_rep ? -std::ldexp(1, f.bits_stored - 1) : 0;
    double hi = std::ldexp(1, f.pixel_rep ? f.bits_stored - 1 : f.bits_stored) - 1;
    size_t plane = (size_t)v.nx * v.ny;
    for (size_t z = 0; z < fr.size(); z++)
        for (size_t i = z * plane; i < (z + 1) * plane; i++) {
            double x = std::round((fr[z].fmt.slope * stored_at(v, i) + fr[z].fmt.intercept - icpt) /
                                  slope);
            if (x < lo || x > hi) {
                why = name_of(fr[z]) + ": its values do not fit Bits Stored " +
                      std::to_string(f.bits_stored) + " once converted to Rescale Slope " +
                      dicom_ds(slope) + ", Intercept " + dicom_ds(icpt);
                return E2EC_ERR_FORMAT;
            }
            if (v.type == E2EC_I16) ((int16_t *)v.data)[i] = (int16_t)x;
            else ((uint16_t *)v.data)[i] = (uint16_t)x;
        }
    f.has_rescale = true, f.slope = slope, f.intercept = icpt;
    return E2EC_OK;
}

} // namespace

extern "C" e2ec_status e2ec_dicom_series_read(const char *const *paths, size_t n_paths,
                                              const e2ec_dicom_read_options *opt_in,
                                              e2ec_dicom_series **out, char *err,
                                              size_t err_len) {
    if (!paths || !n_paths || !out) return dicom_fail(err, err_len, E2EC_ERR_ARG, "no input");
    *out = NULL;
    e2ec_dicom_read_options defaults = {};
    const e2ec_dicom_read_options &opt = opt_in ? *opt_in : defaults;
    register_decoders();
    std::string why;
    std::vector<std::string> names;
    e2ec_status st = expand_paths(paths, n_paths, opt, names, why);
    if (st) return dicom_fail(err, err_len, st, why);

    /* read every header (pixel data stays on disk until copied), group by series */
    std::vector<std::unique_ptr<DcmFileFormat>> files;
    std::map<std::string, std::vector<size_t>> by_series;
    for (size_t i = 0; i < names.size(); i++) {
        auto ff = std::make_unique<DcmFileFormat>();
        OFCondition c = ff->loadFile(names[i].c_str(), EXS_Unknown, EGL_noChange, 4096,
                                     ERM_autoDetect);
        if (c.bad())
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              names[i] + ": cannot read as DICOM (" + c.text() +
                                  "): truncated or not a DICOM file");
        OFString ts, series;
        ff->getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
        if (ts == E2EC_DICOM_TRANSFER_SYNTAX_UID)
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              names[i] + ": already e2ec-compressed (use dcme2ed)");
        if (ff->getDataset()->findAndGetOFString(DCM_SeriesInstanceUID, series).bad())
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              names[i] + ": missing SeriesInstanceUID");
        if (opt.verbose) fprintf(stderr, "I: read %s\n", names[i].c_str());
        by_series[series.c_str()].push_back(i);
        files.push_back(std::move(ff));
    }
    std::string uid = by_series.begin()->first;
    if (opt.series_uid) {
        if (!by_series.count(opt.series_uid))
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              std::string("no file of series ") + opt.series_uid +
                                  " in the input");
        uid = opt.series_uid;
    } else if (by_series.size() > 1) {
        std::string list;
        for (auto &kv : by_series)
            list += "\n  " + kv.first + " (" + std::to_string(kv.second.size()) + " files, e.g. " +
                    names[kv.second[0]] + ")";
        return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                          "the input mixes " + std::to_string(by_series.size()) +
                              " series; choose one by its Series Instance UID:" + list);
    }
    const std::vector<size_t> &members = by_series[uid];

    std::vector<frame_ref> frames;
    for (size_t i : members) {
        size_t before = frames.size();
        if ((st = frames_of(files[i].get(), names[i], frames, why)))
            return dicom_fail(err, err_len, st, why);
        if (frames.size() - before > 1 && members.size() > 1)
            return dicom_fail(err, err_len, E2EC_ERR_FORMAT,
                              names[i] + ": a multi-frame object is accepted only on its own");
    }
    auto s = std::make_unique<e2ec_dicom_series>();
    double step = 1;
    if ((st = check_agree(frames, opt.convert_rescale != 0, why)) ||
        (st = sort_and_check_positions(frames, opt.accept_uneven != 0, step, why)))
        return dicom_fail(err, err_len, st, why);

    s->fmt = frames[0].fmt;
    s->series_uid = uid;
    s->source_bytes =
        (size_t)s->fmt.rows * s->fmt.cols * frames.size() * (s->fmt.bits_allocated / 8);
    /* 8-bit pixels are widened to 16 bits allocated (Bits Stored kept): the Enhanced
     * CT/MR IODs allow 16 only, and the widening loses nothing */
    s->fmt.bits_allocated = 16;
    e2ec_voxel_type type = dicom_voxel_type(s->fmt);
    if ((st = e2ec_volume_alloc(&s->vol, s->fmt.cols, s->fmt.rows, (uint32_t)frames.size(), type)))
        return dicom_fail(err, err_len, st, "cannot allocate the volume");
    s->vol.spacing[0] = (float)s->fmt.pixel_spacing[1];
    s->vol.spacing[1] = (float)s->fmt.pixel_spacing[0];
    s->vol.spacing[2] = (float)step;
    s->vol.bits_stored = (uint8_t)s->fmt.bits_stored;
    size_t plane = (size_t)s->fmt.rows * s->fmt.cols * e2ec_voxel_size(type);
    for (size_t z = 0; z < frames.size(); z++) {
        if ((st = copy_pixels(frames[z], (Uint8 *)s->vol.data + z * plane, why)))
            return dicom_fail(err, err_len, st, why);
        e2ec_dicom_slice sl;
        sl.path = frames[z].path, sl.sop_class_uid = frames[z].sop_class;
        sl.sop_instance_uid = frames[z].sop_inst;
        sl.frame = frames[z].multi_frame ? frames[z].index + 1 : 0;
        memcpy(sl.ipp, frames[z].ipp, sizeof sl.ipp);
        sl.acq = std::make_shared<DcmItem>();
        dicom_acquisition_of(*frames[z].file->getDataset(),
                             frames[z].multi_frame ? (long)frames[z].index : -1, *sl.acq);
        s->slices.push_back(sl);
    }
    if (opt.convert_rescale && (st = convert_rescale(frames, s->vol, s->fmt, why)))
        return dicom_fail(err, err_len, st, why);
    s->header.copyFrom(*frames[0].file->getDataset());
    delete s->header.remove(DCM_PixelData);
    *out = s.release();
    return E2EC_OK;
}

extern "C" void e2ec_dicom_series_free(e2ec_dicom_series *s) { delete s; }

extern "C" const e2ec_volume *e2ec_dicom_series_volume(const e2ec_dicom_series *s) {
    return &s->vol;
}

extern "C" void e2ec_dicom_series_position(const e2ec_dicom_series *s, uint32_t z,
                                           double ipp[3]) {
    memcpy(ipp, s->slices[z].ipp, 3 * sizeof(double));
}

extern "C" void e2ec_dicom_series_orientation(const e2ec_dicom_series *s, double iop[6]) {
    memcpy(iop, s->fmt.iop, 6 * sizeof(double));
}

extern "C" const char *e2ec_dicom_series_path(const e2ec_dicom_series *s, uint32_t z) {
    return s->slices[z].path.c_str();
}

extern "C" size_t e2ec_dicom_series_pixel_bytes(const e2ec_dicom_series *s) {
    return s->source_bytes;
}
