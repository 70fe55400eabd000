/* e2ec_dcmtk_register / e2ec_dcmtk_cleanup (as djdecode.cc's DJLSDecoderRegistration). */
#include "e2ec_dcmtk.h"

#include <mutex>

#include "e2ec_dcmtk_decoder.h"
#include "e2ec_dcmtk_params.h"

namespace {
std::mutex lock;
E2ECDecoder *decoder = NULL;
E2ECCodecParameter *param = NULL;
} // namespace

extern "C" void e2ec_dcmtk_register(int threads) {
    std::lock_guard<std::mutex> g(lock);
    if (decoder) return;
    decoder = new E2ECDecoder();
    param = new E2ECCodecParameter(threads);
    DcmCodecList::registerCodec(decoder, NULL, param);
}

extern "C" void e2ec_dcmtk_cleanup(void) {
    std::lock_guard<std::mutex> g(lock);
    if (!decoder) return;
    DcmCodecList::deregisterCodec(decoder);
    delete decoder;
    delete param;
    decoder = NULL, param = NULL;
}
