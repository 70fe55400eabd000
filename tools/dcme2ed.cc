/*
 * dcme2ed - decode an e2ec-compressed DICOM object, in the manner of DCMTK's dcmdjpeg:
 * dcme2ed [options] IN OUT writes an uncompressed multi-frame object (Explicit VR Little
 * Endian); with --split, OUT is a new folder of single-frame CT/MR images; with --frame,
 * only that frame is decoded (random access) into one single-frame image.
 * Exit codes: tools/dcme2e_common.h.
 */
#include "dcme2e_common.h"

#include <dcmtk/dcmdata/cmdlnarg.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/ofstd/ofconapp.h>

#include <vector>

#include "e2ec_dicom.h"

#define OFFIS_CONSOLE_APPLICATION "dcme2ed"
static OFLogger logger = OFLog::getLogger("e2ec.apps." OFFIS_CONSOLE_APPLICATION);
static const char rcsid[] = "$e2ec: " OFFIS_CONSOLE_APPLICATION " v" E2EC_VERSION_STRING " $";

/* --frame: only frame f (1-based) is decoded, through the codec's per-slice decoder. */
static int decode_one_frame(const e2ec_dicom_object *o, uint32_t f, int threads, const char *out) {
    const e2ec_info *info = e2ec_dicom_object_info(o);
    if (f > info->nz) {
        OFLOG_FATAL(logger, "no frame " << f << ": the object has " << info->nz);
        return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    }
    std::vector<uint8_t> plane((size_t)info->nx * info->ny * e2ec_voxel_size(info->type));
    e2ec_status st = e2ec_dicom_object_decode_frame(o, f - 1, threads, plane.data());
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
    cmd.addOption("--frame", "+F", 1, "[f]rame: integer",
                  "decode frame f (1-based) alone into one single-frame image");
    cmd.addGroup("output options:", DCME2E_LONGCOL, DCME2E_SHORTCOL + 2);
    cmd.addSubGroup("output transfer syntax:");
    cmd.addOption("--write-xfer-little", "+te", "write explicit VR little endian (default)");
    cmd.addSubGroup("output layout:");
    cmd.addOption("--multi-frame", "-sp", "one multi-frame object (default)");
    cmd.addOption("--split", "+sp", "a folder of single-frame images, one per frame");
}

int main(int argc, char *argv[]) {
    OFConsoleApplication app(OFFIS_CONSOLE_APPLICATION,
                             "Decode an e2ec-compressed DICOM object", rcsid);
    OFCommandLine cmd;
    add_options(cmd);
    prepareCmdLineArgs(argc, argv, OFFIS_CONSOLE_APPLICATION);
    if (!app.parseCommandLine(cmd, argc, argv)) return EXITCODE_COMMANDLINE_SYNTAX_ERROR;
    if (cmd.hasExclusiveOption() && cmd.findOption("--version")) {
        app.printHeader(OFTrue);
        COUT << OFendl << "e2ec bitstream version " << E2EC_BITSTREAM_VERSION
             << ", transfer syntax " E2EC_DICOM_TRANSFER_SYNTAX_UID << OFendl;
        return EXITCODE_NO_ERROR;
    }
    OFLog::configureFromCommandLine(cmd, app);
    const char *in, *out;
    cmd.getParam(1, in);
    cmd.getParam(2, out);
    OFCmdSignedInt threads = 0, frame = 0;
    if (cmd.findOption("--threads")) app.checkValue(cmd.getValueAndCheckMinMax(threads, 0, 1024));
    if (cmd.findOption("--frame")) app.checkValue(cmd.getValueAndCheckMin(frame, 1));
    int split = 0;
    cmd.beginOptionBlock();
    if (cmd.findOption("--multi-frame")) split = 0;
    if (cmd.findOption("--split")) split = 1;
    cmd.endOptionBlock();
    cmd.findOption("--write-xfer-little"); /* the only output transfer syntax */

    char err[4096];
    e2ec_dicom_object *o = NULL;
    e2ec_status st = e2ec_dicom_object_read(in, &o, err, sizeof err);
    if (st) {
        OFLOG_FATAL(logger, err);
        return exitcode_for_input(st);
    }
    uint32_t nframes = e2ec_dicom_object_frames(o);
    size_t size = 0;
    e2ec_dicom_object_stream(o, &size);
    OFLOG_INFO(logger, in << ": " << nframes << " frames, e2ec stream " << size << " bytes");
    if (frame) {
        int rc = decode_one_frame(o, (uint32_t)frame, (int)threads, out);
        e2ec_dicom_object_free(o);
        return rc;
    }
    e2ec_volume v;
    st = e2ec_dicom_object_decode(o, (int)threads, &v);
    if (st) {
        OFLOG_FATAL(logger, in << ": decoding failed: " << e2ec_strerror(st) << " ("
                                << e2ec_error_name(st) << ")");
        e2ec_dicom_object_free(o);
        return exitcode_for_processing(st, EXITCODE_DECODING_FAILED);
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
