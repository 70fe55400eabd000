/* e2ec_dcmtk_params.h - the codec parameter of e2ec's DCMTK decoder (as djcparam.h). */
#ifndef E2EC_DCMTK_PARAMS_H
#define E2EC_DCMTK_PARAMS_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>

class E2ECCodecParameter : public DcmCodecParameter {
public:
    explicit E2ECCodecParameter(int threads) : threads_(threads) {}
    DcmCodecParameter *clone() const override { return new E2ECCodecParameter(threads_); }
    const char *className() const override { return "E2ECCodecParameter"; }
    /* worker threads for decoding; 0 = OpenMP's default */
    int threads() const { return threads_; }

private:
    int threads_;
};

#endif
