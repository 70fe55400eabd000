/* test_transcoder.cc OBJECT OUT - the transcoder callback outside Orthanc (Orthanc 1.10.1
 * never hands it a stored e2ec object: docs/pacs.md), with a stand-in for Orthanc's
 * context that serves the two SDK services the plugin uses here (memory buffers, logs).
 * Checks: an e2ec object becomes Explicit VR Little Endian with the same SOP Instance UID
 * and native Pixel Data (written to OUT for the pixel comparison in
 * test-orthanc-plugin.sh); a peer accepting only JPEG, a corrupt stream, a truncated file
 * and a file not ours each return an error code, never a crash. */
#include "e2ec_orthanc.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "check.h"

static OrthancPluginErrorCode fake_service(OrthancPluginContext *, _OrthancPluginService service,
                                           const void *params) {
    switch (service) {
    case _OrthancPluginService_CreateMemoryBuffer: {
        auto *p = static_cast<const _OrthancPluginCreateMemoryBuffer *>(params);
        p->target->data = std::malloc(p->size ? p->size : 1);
        p->target->size = p->size;
        return p->target->data ? OrthancPluginErrorCode_Success
                               : OrthancPluginErrorCode_NotEnoughMemory;
    }
    case _OrthancPluginService_LogError:
    case _OrthancPluginService_LogWarning:
    case _OrthancPluginService_LogInfo:
        std::fprintf(stderr, "log: %s\n", static_cast<const char *>(params));
        return OrthancPluginErrorCode_Success;
    default:
        return OrthancPluginErrorCode_NotImplemented;
    }
}

static OrthancPluginErrorCode transcode(const std::vector<char> &in, const char *syntax,
                                        OrthancPluginMemoryBuffer &out) {
    out.data = nullptr;
    out.size = 0;
    const char *allowed[] = {syntax};
    return e2ec_orthanc_transcode(&out, in.data(), in.size(), allowed, 1, 0);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: test_transcoder OBJECT OUT\n");
        return 2;
    }
    OrthancPluginContext ctx = {nullptr, "1.10.1", std::free, fake_service};
    e2ec_orthanc_context = &ctx;
    std::ifstream f(argv[1], std::ios::binary);
    std::vector<char> obj((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    CHECK(obj.size() > 1000, "%s", "");
    CHECK(e2ec_orthanc_is_ours(obj.data(), obj.size()), "%s", "");

    OrthancPluginMemoryBuffer out;
    CHECK(transcode(obj, "1.2.840.10008.1.2.1", out) == OrthancPluginErrorCode_Success, "%s", "");
    if (out.data) {
        DcmInputBufferStream is;
        is.setBuffer(out.data, out.size);
        is.setEos();
        DcmFileFormat ff, orig;
        ff.transferInit();
        CHECK(ff.read(is).good(), "%s", "");
        ff.transferEnd();
        CHECK(orig.loadFile(argv[1]).good(), "%s", "");
        OFString uid_out, uid_in, ts;
        ff.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, uid_out);
        orig.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, uid_in);
        ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
        CHECK(!uid_in.empty() && uid_out == uid_in, "%s", "");
        CHECK(ts == UID_LittleEndianExplicitTransferSyntax, "%s", "");
        CHECK(!e2ec_orthanc_is_ours(out.data, out.size), "%s", "");
        std::ofstream(argv[2], std::ios::binary).write(static_cast<char *>(out.data), out.size);
        std::free(out.data);
    }
    /* the peer takes only JPEG Baseline: we cannot write it, so we say no */
    CHECK(transcode(obj, "1.2.840.10008.1.2.4.50", out) != OrthancPluginErrorCode_Success,
          "%s", "");
    CHECK(out.data == nullptr, "%s", "");
    /* a byte of the stream flipped: the CRC fails */
    std::vector<char> bad = obj;
    for (size_t i = bad.size() - 4; i-- > 0;)
        if (std::memcmp(&bad[i], "E2EC", 4) == 0) {
            bad[i + 200] ^= 0x5a;
            break;
        }
    CHECK(transcode(bad, "1.2.840.10008.1.2.1", out) != OrthancPluginErrorCode_Success, "%s", "");
    CHECK(out.data == nullptr, "%s", "");
    std::vector<char> cut(obj.begin(), obj.begin() + obj.size() * 2 / 3);
    CHECK(transcode(cut, "1.2.840.10008.1.2.1", out) != OrthancPluginErrorCode_Success, "%s", "");
    std::vector<char> tiny(obj.begin(), obj.begin() + 100);
    CHECK(transcode(tiny, "1.2.840.10008.1.2.1", out) != OrthancPluginErrorCode_Success, "%s", "");
    /* the decoder refuses the same bad inputs with an error code too */
    OrthancPluginImage *img = nullptr;
    CHECK(e2ec_orthanc_decode(&img, bad.data(), (uint32_t)bad.size(), 0) != OrthancPluginErrorCode_Success,
          "%s", "");
    CHECK(e2ec_orthanc_decode(&img, cut.data(), (uint32_t)cut.size(), 0) != OrthancPluginErrorCode_Success,
          "%s", "");
    CHECK(e2ec_orthanc_decode(&img, obj.data(), (uint32_t)obj.size(), 100000) != OrthancPluginErrorCode_Success,
          "%s", "");
    CHECK(img == nullptr, "%s", "");
    return check_summary();
}
