/*
 * e2ec_dicom.h - e2ec as a DICOM codec: a C interface over DCMTK 3.6.7.
 *
 *  - series -> volume: single-frame files (or one multi-frame object) become one
 *    e2ec_volume of stored values, with each slice's position and the checks a
 *    volume needs (same size, orientation, spacing, pixel format; no gaps);
 *  - the compressed object: one Legacy Converted Enhanced CT/MR Image instance (an
 *    Enhanced CT/MR one for an Enhanced input) whose Pixel Data holds the e2ec stream,
 *    encapsulated, under e2ec's private transfer syntax (conformance/CONFORMANCE.md);
 *  - reading such an object back: the stream, each frame's geometry, and decoding of
 *    the whole volume or of one frame (random access);
 *  - writing the decoded volume as an uncompressed multi-frame object or as a
 *    single-frame series.
 *
 * Every function that can fail returns an e2ec_status and, when err is not NULL,
 * writes a sentence naming the file and the problem into err (err_len bytes).
 * Files are written to a temporary name in the destination folder and renamed,
 * so a failure never leaves a partial output.
 */
#ifndef E2EC_DICOM_H
#define E2EC_DICOM_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* e2ec's private transfer syntax: Explicit VR Little Endian, Pixel Data encapsulated
 * (empty Basic Offset Table, then one e2ec stream over fragments). Fixed forever:
 * 2.25 + the decimal value of UUID b8781d45-bf84-43dc-b3b3-6f814d1d7029. */
#define E2EC_DICOM_TRANSFER_SYNTAX_UID "2.25.245201620563341954866258650690490298409"
/* Implementation Class UID of files we write (UUID a2eabbb4-f8e8-48c6-80be-3f130d08f6f1). */
#define E2EC_DICOM_IMPLEMENTATION_UID "2.25.216553739930751753403406110735064430321"
#define E2EC_DICOM_IMPLEMENTATION_VERSION "E2EC_010"
/* Lossy Image Compression Method (0028,2114) of lossy e2ec streams (the network modes). */
#define E2EC_DICOM_COMPRESSION_METHOD "E2EC_INR_V1"
/* ... and of the lossless mode's near-lossless streams (a lossless one is not lossy:
 * Lossy Image Compression "00", no ratio or method; CONFORMANCE.md section 8). */
#define E2EC_DICOM_NEAR_LOSSLESS_METHOD "E2EC_NEAR_LL_V1"
/* Bytes per Pixel Data fragment; the last one is shorter, every one is even. */
#define E2EC_DICOM_FRAGMENT_BYTES 65536u

/* --------------------------------------------------------- series -> volume */

typedef struct e2ec_dicom_series e2ec_dicom_series;

typedef struct {
    /* Series Instance UID to take when the input holds several; NULL refuses mixed input. */
    const char *series_uid;
    /* Nonzero accepts uneven slice spacing (positions are kept per frame). */
    int accept_uneven;
    /* Nonzero converts slices with differing Rescale Slope/Intercept to one (the
     * smallest of each; values rounded where slopes are not multiples); 0 refuses. */
    int convert_rescale;
    /* Nonzero logs each file read on stderr. */
    int verbose;
} e2ec_dicom_read_options;

/*
 * Reads a series from paths: files, or directories whose files are read (files
 * without the DICOM "DICM" prefix in a directory are skipped; a named file must be
 * DICOM). One multi-frame image object is also accepted.
 */
e2ec_status e2ec_dicom_series_read(const char *const *paths, size_t n_paths,
                                   const e2ec_dicom_read_options *opt,
                                   e2ec_dicom_series **out, char *err, size_t err_len);
void e2ec_dicom_series_free(e2ec_dicom_series *s);

/* The stored values, slices sorted along the slice normal; owned by the series. */
const e2ec_volume *e2ec_dicom_series_volume(const e2ec_dicom_series *s);
/* Image Position (Patient) of sorted slice z. */
void e2ec_dicom_series_position(const e2ec_dicom_series *s, uint32_t z, double ipp[3]);
/* Image Orientation (Patient), shared by every slice. */
void e2ec_dicom_series_orientation(const e2ec_dicom_series *s, double iop[6]);
/* The file sorted slice z came from. */
const char *e2ec_dicom_series_path(const e2ec_dicom_series *s, uint32_t z);
/* Bytes of the input's stored pixels (Rows x Columns x frames x Bits Allocated / 8 of
 * the input; 8-bit input is held widened to 16 bits in the volume). */
size_t e2ec_dicom_series_pixel_bytes(const e2ec_dicom_series *s);

/* ------------------------------------------------------ the compressed object */

typedef struct {
    /* Nonzero keeps the source Series Instance UID (default: a new one, as for a
     * derived series). */
    int keep_series_uid;
    /* (0008,2111) of a lossy stream's Derivation Image items; NULL: a default sentence.
     * A lossless stream's object has no such item (CONFORMANCE.md section 8). */
    const char *derivation_description;
} e2ec_dicom_write_options;

/* Whether the series has a form in the SOP classes we write (Modality CT or MR,
 * MONOCHROME2): E2EC_ERR_UNSUPPORTED with the reason otherwise. Cheap: call it
 * before encoding. */
e2ec_status e2ec_dicom_series_check_compressible(const e2ec_dicom_series *s, char *err,
                                                 size_t err_len);

/* Writes one Legacy Converted Enhanced CT/MR Image object holding stream to path
 * (after the check above); for an Enhanced CT/MR input, an object of the same SOP
 * class that keeps its attributes and functional groups (CONFORMANCE.md 7.4). */
e2ec_status e2ec_dicom_write_compressed(const e2ec_dicom_series *s, const uint8_t *stream,
                                        size_t size, const e2ec_dicom_write_options *opt,
                                        const char *path, char *err, size_t err_len);

/* --------------------------------------------------- reading our objects back */

typedef struct e2ec_dicom_object e2ec_dicom_object;

/*
 * Reads an object written by e2ec_dicom_write_compressed: checks the transfer
 * syntax, gathers the stream from the fragments and checks that its header
 * (e2ec_get_info) agrees with Rows, Columns, Number of Frames and Bits Stored.
 */
e2ec_status e2ec_dicom_object_read(const char *path, e2ec_dicom_object **out, char *err,
                                   size_t err_len);
/* The same from a whole file held in memory (data is not kept); name is used in
 * messages. For servers that hand plugins the file's bytes (Orthanc). */
e2ec_status e2ec_dicom_object_read_buffer(const void *data, size_t size, const char *name,
                                          e2ec_dicom_object **out, char *err, size_t err_len);
void e2ec_dicom_object_free(e2ec_dicom_object *o);
const uint8_t *e2ec_dicom_object_stream(const e2ec_dicom_object *o, size_t *size);
uint32_t e2ec_dicom_object_frames(const e2ec_dicom_object *o);
/* What the stream header says (e2ec_get_info). */
const e2ec_info *e2ec_dicom_object_info(const e2ec_dicom_object *o);
/* Decodes frame z (0-based) alone into out (Rows x Columns stored values). */
e2ec_status e2ec_dicom_object_decode_frame(const e2ec_dicom_object *o, uint32_t z,
                                           int threads, void *out);
/* Decodes every frame; out is released with e2ec_volume_free. */
e2ec_status e2ec_dicom_object_decode(const e2ec_dicom_object *o, int threads, e2ec_volume *out);

/*
 * Writes the decoded volume v: one uncompressed multi-frame object (Explicit VR
 * Little Endian, same SOP class, new SOP Instance UID, lossy flags kept) to path, or,
 * with split, a single-frame CT/MR Image series of files path/IMG0001.dcm ...
 */
e2ec_status e2ec_dicom_write_decompressed(const e2ec_dicom_object *o, const e2ec_volume *v,
                                          int split, const char *path, char *err,
                                          size_t err_len);

/* Frame z alone (pixels from e2ec_dicom_object_decode_frame) as one single-frame
 * CT/MR Image file, in a series of its own. */
e2ec_status e2ec_dicom_write_frame(const e2ec_dicom_object *o, uint32_t z, const void *pixels,
                                   const char *path, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif /* E2EC_DICOM_H */
