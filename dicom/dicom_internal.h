/*
 * dicom_internal.h - what the C++ files of dicom/ share: the series and object
 * structs behind e2ec_dicom.h's opaque handles, error reporting, UIDs, and
 * reading attributes with their presence checked.
 */
#ifndef E2EC_DICOM_INTERNAL_H
#define E2EC_DICOM_INTERNAL_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "e2ec_dicom.h"

struct e2ec_dicom_slice {
    std::string path, sop_class_uid, sop_instance_uid;
    unsigned long frame; /* 1-based frame of a multi-frame source; 0 for a single-frame file */
    double ipp[3];
    /* the acquisition attributes (dicom_acquisition_of) that apply to this slice */
    std::shared_ptr<DcmItem> acq;
};

/* The pixel format and geometry every slice of a volume must share. */
struct e2ec_dicom_format {
    Uint16 rows = 0, cols = 0, bits_allocated = 0, bits_stored = 0, high_bit = 0, pixel_rep = 0;
    Uint16 samples = 1;
    std::string photometric;
    double iop[6] = {0, 0, 0, 0, 0, 0};
    double pixel_spacing[2] = {0, 0}; /* DICOM order: between rows, between columns */
    double thickness = 0;
    bool has_rescale = false;
    double slope = 1, intercept = 0;
    std::string rescale_type;
};

struct e2ec_dicom_series {
    e2ec_volume vol = {};
    e2ec_dicom_format fmt;
    std::vector<e2ec_dicom_slice> slices; /* sorted along the slice normal */
    std::string series_uid;
    size_t source_bytes = 0; /* stored pixel bytes of the input, before any widening */
    DcmDataset header; /* the first file's attributes, Pixel Data removed */
    ~e2ec_dicom_series() { e2ec_volume_free(&vol); }
};

struct e2ec_dicom_object {
    std::string path;
    std::vector<Uint8> stream;
    e2ec_info info = {};
    e2ec_dicom_format fmt;
    std::vector<std::array<double, 3>> ipp; /* per frame */
    DcmDataset header; /* the object's attributes, Pixel Data removed */
};

/* Writes msg into err (when given) and returns st. */
e2ec_status dicom_fail(char *err, size_t err_len, e2ec_status st, const std::string &msg);

/* A new UID: 2.25 followed by the decimal value of a random (version 4) UUID. */
std::string dicom_new_uid();

/* Number formatting for DS values (at most 16 characters). */
std::string dicom_ds(double v);

/* n numbers as a multi-valued DS string ("1\\0\\0"). */
std::string dicom_ds_list(const double *v, int n);

/* Reads the pixel format, orientation, spacing and rescale of a single-frame image
 * dataset (or of a multi-frame one's shared/first-frame groups when mf). */
OFCondition dicom_read_format(DcmItem &ds, e2ec_dicom_format &f, std::string &why);

/* Writes the Image Pixel attributes of f (rows, columns, bits, photometric) into ds. */
void dicom_put_pixel_format(DcmItem &ds, const e2ec_dicom_format &f);

/* e2ec voxel type of a pixel format, 0 when unsupported. */
e2ec_voxel_type dicom_voxel_type(const e2ec_dicom_format &f);

/*
 * Saves ff atomically to path with a File Meta Information whose Transfer Syntax
 * UID is ts_uid, the dataset in Explicit VR Little Endian, then appends tail (raw
 * bytes of a last element, e.g. encapsulated Pixel Data).
 */
e2ec_status dicom_save(DcmFileFormat &ff, const char *ts_uid, const std::vector<Uint8> &tail,
                       const std::string &path, std::string &why);

/* Copies the Patient, Study, Series, Frame of Reference and Equipment attributes
 * that a derived object takes over from its source. */
void dicom_copy_kept(DcmDataset &from, DcmDataset &to);

/* The MR and CT acquisition attributes a compressed object carries over from its
 * source (Repetition Time, Echo Time, Flip Angle, KVP, Convolution Kernel ...), in
 * their single-frame image form. */
extern const DcmTagKey dicom_acquisition_tags[];
extern const size_t dicom_acquisition_tag_count;

/* Gathers into out the acquisition attributes that apply to frame (0-based) of ds:
 * the top level of a single-frame image; for a multi-frame object, the frame's
 * per-frame group item, then the shared groups (searched into every macro, so that
 * Enhanced CT/MR macros and the Unassigned Converted Attributes both count), then the
 * top level. Enhanced-only names stand in for absent single-frame ones (Effective Echo
 * Time for Echo Time, the first Inversion Times value for Inversion Time). */
void dicom_acquisition_of(DcmItem &ds, long frame, DcmItem &out);

/* Whether sop_class is Enhanced CT or Enhanced MR Image Storage. */
bool dicom_is_enhanced(const std::string &sop_class);

/* The time now (UTC) into a date and a time attribute. */
void dicom_put_now(DcmItem &ds, const DcmTagKey &date, const DcmTagKey &time);

/* The bytes of every fragment after the Basic Offset Table, concatenated. */
e2ec_status dicom_stream_from_sequence(DcmPixelSequence &seq, std::vector<Uint8> &out,
                                       std::string &why);

/* Validates an e2ec stream gathered from fragments (dropping the pad byte of an odd
 * length) and checks its header against the pixel format f and the frame count. */
e2ec_status dicom_check_stream(std::vector<Uint8> &stream, const e2ec_dicom_format &f,
                               uint32_t frames, e2ec_info &info, std::string &why);

/* Adds or replaces one item of sequence seq in item, returning it. */
DcmItem *dicom_item(DcmItem &parent, const DcmTagKey &seq, long index = 0);

#endif
