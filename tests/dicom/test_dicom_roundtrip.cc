/* Round trip through the compressed object, for every sample series: the stream read back
 * is the stream written, the decoded pixels equal the library's decoder on that stream
 * (whole volume and frame by frame), and per-frame positions and orientation match. */
#include <cmath>
#include <cstring>
#include <vector>

#include "check.h"
#include "dicom_internal.h"
#include "sample_object.h"

static void roundtrip(const char *name) {
    e2ec_dicom_series *s = NULL;
    std::string path = sample_object(name, &s);
    CHECK(!path.empty(), "%s: encoding the sample series", name);
    if (path.empty()) return;
    char err[1024];
    e2ec_dicom_object *o = NULL;
    e2ec_status st = e2ec_dicom_object_read(path.c_str(), &o, err, sizeof err);
    CHECK(st == E2EC_OK, "%s: reading back: %s", name, err);
    if (!st) {
        const e2ec_volume *v = e2ec_dicom_series_volume(s);
        CHECK(e2ec_dicom_object_frames(o) == v->nz, "%s: frames", name);
        double worst = 0, iop_err = 0, iop[6];
        e2ec_dicom_series_orientation(s, iop);
        for (uint32_t z = 0; z < v->nz; z++) {
            double ipp[3];
            e2ec_dicom_series_position(s, z, ipp);
            for (int k = 0; k < 3; k++) worst = std::fmax(worst, std::fabs(ipp[k] - o->ipp[z][k]));
        }
        for (int k = 0; k < 6; k++) iop_err = std::fmax(iop_err, std::fabs(iop[k] - o->fmt.iop[k]));
        CHECK(worst < 1e-4, "%s: per-frame positions differ by %g mm", name, worst);
        CHECK(iop_err < 1e-6, "%s: orientation differs by %g", name, iop_err);

        size_t size = 0;
        const uint8_t *stream = e2ec_dicom_object_stream(o, &size);
        e2ec_volume ref, dec;
        CHECK(e2ec_decode(stream, size, 0, &ref) == E2EC_OK, "%s: library decode", name);
        CHECK(e2ec_dicom_object_decode(o, 0, &dec) == E2EC_OK, "%s: object decode", name);
        size_t plane = (size_t)v->nx * v->ny * e2ec_voxel_size(v->type);
        CHECK(!memcmp(ref.data, dec.data, plane * v->nz), "%s: decoded volumes differ", name);
        std::vector<uint8_t> frame(plane);
        uint32_t zs[3] = {0, v->nz / 2, v->nz - 1};
        for (uint32_t z : zs) {
            CHECK(e2ec_dicom_object_decode_frame(o, z, 0, frame.data()) == E2EC_OK,
                  "%s: frame %u", name, z);
            CHECK(!memcmp(frame.data(), (uint8_t *)ref.data + z * plane, plane),
                  "%s: frame %u differs from the volume decode", name, z);
        }
        e2ec_volume_free(&ref);
        e2ec_volume_free(&dec);
        e2ec_dicom_object_free(o);
    }
    e2ec_dicom_series_free(s);
    unlink(path.c_str());
}

int main() {
    roundtrip("ct-chest");
    roundtrip("mr-t1-head-dicom");
    return check_summary();
}
