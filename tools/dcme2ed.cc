/*
 * dcme2ed - decode an e2ec-compressed DICOM object, in the manner of DCMTK's dcmdjpeg:
 * dcme2ed [options] IN OUT writes an uncompressed multi-frame object (Explicit VR Little
 * Endian); with --split, OUT is a new folder of single-frame CT/MR images; with --frame,
 * only that frame is decoded (random access) into one single-frame image; with --compare,
 * the decoded volume is measured against the original series (PSNR, max error), so an
 * archive can check what it stores before it deletes the originals.
 * Exit codes: tools/dcme2e_common.h.
 */
#include "dcme2e_common.h"


#include <vector>

#include "e2ec_dicom.h"

#define OFFIS_CONSOLE_APPLICATION "dcme2ed"
static OFLogger logger = OFLog::getLogger("e2ec.apps." OFFIS_CONSOLE_APPLICATION);
static const char rcsid[] = "$e2ec: " OFFIS_CONSOLE_APPLICATION " v" E2EC_VERSION_STRING " $";

/* --frame: only frame f (1-based) is decoded, through the codec's per-slice decoder. */
static int decode_one_frame(const e2ec_dicom_object *o, uint32_t f,
                            const e2ec_decode_options *opt, const char *out) {
    const e2ec_info *info = e2ec_dicom_object_info(o);
    if (f > info->nz) {
        OFLOG_FATAL(logger, "no frame " << f << ": the object has " << info->nz);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    std::vector<uint8_t> plane((size_t)info->nx * info->ny * e2ec_voxel_size(info->type));
    size_t size = 0;
    const uint8_t *stream = e2ec_dicom_object_stream(o, &size);
    e2ec_status st = e2ec_decode_slice_opt(stream, size, f - 1, opt, plane.data());
    if (st == E2EC_ERR_MEMORY_LIMIT) {
        uint64_t need = 0;
        e2ec_decode_memory(stream, size, 0, opt->threads, &need);
        OFLOG_FATAL(logger, dcme2e_memory_refusal("decoding frame " + std::to_string(f), need,
                                                  opt->max_memory));
        return exitcode_for_processing(st, EXITCODE_DECODING_FAILED);
    }
    if (st) {
        OFLOG_FATAL(logger, "decoding frame " << f << " failed: " << e2ec_strerror(st) << " ("
                                       << e2ec_error_name(st) << ")");
        return exitcode_for_processing(st, EXITCODE_DECODING_FAILED);
    }
    char err[4096];
    if ((st = e2ec_dicom_write_frame(o, f - 1, plane.data(), out, err, sizeof err))) {
        OFLOG_FATAL(logger, err);
        return dcme2e_output_exit(st);
    }
    OFLOG_INFO(logger, "wrote frame " << f << " to " << out);
    return EXITCODE_NO_ERROR;
}

/* --compare: PSNR and max error of the decoded volume v against the original series
 * (read as dcme2ec reads it), printed in dcme2ec -v's words; nonzero on failure. */
static int compare_with_series(const e2ec_volume *v, const char *orig, const char *series_uid,
                               int threads) {
    e2ec_dicom_read_options ro = {};
    ro.series_uid = series_uid;
    char err[4096];
    e2ec_dicom_series *s = NULL;
    e2ec_status st = e2ec_dicom_series_read(&orig, 1, &ro, &s, err, sizeof err);
    if (st) {
        OFLOG_FATAL(logger, "--compare: " << err);
        return exitcode_for_input(st);
    }
    const e2ec_volume *ref = e2ec_dicom_series_volume(s);
    e2ec_metrics m;
    st = e2ec_compare(ref, v, threads, &m);
    if (st) {
        OFLOG_FATAL(logger, "--compare: the decoded volume does not match " << orig << " ("
                                << ref->nx << " x " << ref->ny << " x " << ref->nz << "): "
                                << e2ec_strerror(st));
        e2ec_dicom_series_free(s);
        return EXITCODE_VOLUMES_DIFFER;
    }
    char line[256];
    snprintf(line, sizeof line,
             "compared with %u original frames: PSNR %.4f dB (peak = range of the original), "
             "%.4f dB (peak = 2^%d-1), max error %.0f",
             (unsigned)ref->nz, m.psnr, m.psnr_bits, ref->bits_stored, m.max_abs_err);
    OFLOG_WARN(logger, line); /* shown without -v: it is what the caller asked for */
    e2ec_dicom_series_free(s);
    return EXITCODE_NO_ERROR;
}

static void add_options(OFCommandLine &cmd) {
    cmd.setOptionColumns(DCME2E_LONGCOL, DCME2E_SHORTCOL);
    cmd.setParamColumn(DCME2E_LONGCOL + DCME2E_SHORTCOL + 4);
    cmd.addParam("dcmfile-in", "e2ec-compressed DICOM input file");
    cmd.addParam("dcmfile-out", "DICOM output file (a new folder with --split)");
    cmd.addGroup("general options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--help", "-h", "print this help text and exit", OFCommandLine::AF_Exclusive);
    cmd.addOption("--version", "print version information and exit", OFCommandLine::AF_Exclusive);
    OFLog::addOptions(cmd);
    cmd.addGroup("processing options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--threads", "-t", 1, "[n]: integer", "worker threads (default: all)");
    dcme2e_add_max_memory(cmd);
    cmd.addOption("--frame", "+F", 1, "[f]rame: integer",
                  "decode frame f (1-based) alone into one single-frame image");
    cmd.addGroup("output options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addSubGroup("output transfer syntax:");
    cmd.addOption("--write-xfer-little", "+te", "write explicit VR little endian (default)");
    cmd.addSubGroup("output layout:");
    cmd.addOption("--multi-frame", "-sp", "one multi-frame object (default)");
    cmd.addOption("--split", "+sp", "a folder of single-frame images, one per frame");
    cmd.addGroup("verification options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addOption("--compare", "+cmp", 1, "[p]ath: string",
                  "measure the decoded volume against the original\nseries in p (file or folder): PSNR, max error");
    cmd.addOption("--compare-series", "+cs", 1, "[u]id: string",
                  "with --compare: the original's Series Instance UID\n(default: refuse mixed series)");
}

int main(int argc, char *argv[]) {
    OFConsoleApplication app(OFFIS_CONSOLE_APPLICATION,
                             "Decode an e2ec-compressed DICOM object", rcsid);
    OFCommandLine cmd;
    add_options(cmd);
    int rc = dcme2e_start(app, cmd, argc, argv, OFFIS_CONSOLE_APPLICATION);
    if (rc >= 0) return rc;
    const char *in, *out;
    cmd.getParam(1, in);
    cmd.getParam(2, out);
    OFCmdSignedInt threads = 0, frame = 0;
    if (cmd.findOption("--threads")) app.checkValue(cmd.getValueAndCheckMinMax(threads, 0, 1024));
    if (cmd.findOption("--frame")) app.checkValue(cmd.getValueAndCheckMin(frame, 1));
    e2ec_decode_options opt = {0, 0};
    if (!dcme2e_max_memory(cmd, app, opt.max_memory)) return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    opt.threads = (int)threads;
    int split = 0;
    cmd.beginOptionBlock();
    if (cmd.findOption("--multi-frame")) split = 0;
    if (cmd.findOption("--split")) split = 1;
    cmd.endOptionBlock();
    cmd.findOption("--write-xfer-little"); /* the only output transfer syntax */
    const char *compare = NULL, *compare_series = NULL;
    if (cmd.findOption("--compare")) app.checkValue(cmd.getValue(compare));
    if (cmd.findOption("--compare-series")) app.checkValue(cmd.getValue(compare_series));
    if (compare && frame) {
        app.printError("--compare measures the whole volume: not with --frame");
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }

    char err[4096];
    e2ec_dicom_object *o = NULL;
    e2ec_status st = e2ec_dicom_object_read(in, &o, err, sizeof err);
    if (st) {
        OFLOG_FATAL(logger, err);
        return exitcode_for_input(st);
    }
    uint32_t nframes = e2ec_dicom_object_frames(o);
    size_t size = 0;
    const uint8_t *stream = e2ec_dicom_object_stream(o, &size);
    OFLOG_INFO(logger, in << ": " << nframes << " frames, e2ec stream " << size << " bytes");
    if (frame) {
        rc = decode_one_frame(o, (uint32_t)frame, &opt, out);
        e2ec_dicom_object_free(o);
        return rc;
    }
    e2ec_volume v;
    st = e2ec_decode_opt(stream, size, &opt, &v);
    if (st == E2EC_ERR_MEMORY_LIMIT) {
        uint64_t need = 0;
        e2ec_decode_memory(stream, size, 1, opt.threads, &need);
        OFLOG_FATAL(logger, dcme2e_memory_refusal(std::string(in) + ": decoding it", need,
                                                  opt.max_memory));
        e2ec_dicom_object_free(o);
        return exitcode_for_processing(st, EXITCODE_DECODING_FAILED);
    }
    if (st) {
        OFLOG_FATAL(logger, in << ": decoding failed: " << e2ec_strerror(st) << " ("
                                << e2ec_error_name(st) << ")");
        e2ec_dicom_object_free(o);
        return exitcode_for_processing(st, EXITCODE_DECODING_FAILED);
    }
    if (compare) {
        rc = compare_with_series(&v, compare, compare_series, (int)threads);
        if (rc) {
            e2ec_volume_free(&v);
            e2ec_dicom_object_free(o);
            return rc;
        }
    }
    st = e2ec_dicom_write_decompressed(o, &v, split, out, err, sizeof err);
    e2ec_volume_free(&v);
    e2ec_dicom_object_free(o);
    if (st) {
        OFLOG_FATAL(logger, err);
        return dcme2e_output_exit(st);
    }
    OFLOG_INFO(logger, "wrote " << out);
    return EXITCODE_NO_ERROR;
}
