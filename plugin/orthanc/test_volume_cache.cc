/* test_volume_cache.cc OBJECT - the decode callback's cache of decoded volumes
 * (volume_cache.h) outside Orthanc, in the stand-in context: every frame of OBJECT (a
 * lossless or latent object) asked for, the last first, with the cache at 256 MB, off
 * (0), and smaller than the volume, and by two threads at once; each frame
 * must equal, every pixel, e2ec_dicom_object_decode_frame's (what dcme2ed --frame
 * writes). A stream corrupted after its volume was cached must fail, not be answered
 * from the cache. Prints the time each pass took (measured, not asserted: bench/results/
 * pacs/decoded-cache.log). */
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "check.h"
#include "e2ec_dicom.h"
#include "e2ec_orthanc.h"
#include "stand_in_context.h"
#include "volume_cache.h"

namespace {

std::vector<char> obj;
std::vector<std::vector<uint8_t>> ref; /* each frame, decoded alone */
size_t row;
uint32_t nx, ny;

/* Asks the callback for frame z of data; whether it succeeded with ref's pixels. */
bool frame_right(const std::vector<char> &data, uint32_t z) {
    OrthancPluginImage *img = nullptr;
    if (e2ec_orthanc_decode(&img, data.data(), (uint32_t)data.size(), z) !=
        OrthancPluginErrorCode_Success)
        return false;
    stand_in::fake_image *f = stand_in::image_of(img);
    bool same = f->width == nx && f->height == ny;
    for (uint32_t y = 0; same && y < ny; y++)
        same = std::memcmp(f->pixels + (size_t)y * f->pitch, ref[z].data() + y * row, row) == 0;
    OrthancPluginFreeImage(&stand_in::context, img);
    return same;
}

/* Every frame, the last first (the costliest without the cache); the number served right. */
size_t pass(const char *what) {
    const uint32_t n = (uint32_t)ref.size();
    auto t0 = std::chrono::steady_clock::now();
    size_t right = 0;
    for (uint32_t z = n; z-- > 0;) right += frame_right(obj, z);
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - t0;
    std::printf("%-28s %u frames: %.3f s\n", what, n, s.count());
    return right;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: test_volume_cache OBJECT\n");
        return 2;
    }
    e2ec_orthanc_context = &stand_in::context;
    std::ifstream f(argv[1], std::ios::binary);
    obj.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    char err[1024];
    e2ec_dicom_object *o = nullptr;
    if (e2ec_dicom_object_read_buffer(obj.data(), obj.size(), argv[1], &o, err, sizeof err)) {
        std::fprintf(stderr, "%s\n", err);
        return 1;
    }
    const e2ec_info *info = e2ec_dicom_object_info(o);
    CHECK(info->mode == E2EC_MODE_LOSSLESS || info->mode == E2EC_MODE_LATENT, "mode %d", info->mode);
    nx = info->nx, ny = info->ny;
    row = (size_t)nx * e2ec_voxel_size(info->type);
    const uint32_t n = e2ec_dicom_object_frames(o);
    CHECK(n > 1, "%u frames", n);
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t z = 0; z < n; z++) {
        ref.emplace_back(row * ny);
        CHECK(e2ec_dicom_object_decode_frame(o, z, 0, ref[z].data()) == E2EC_OK, "frame %u", z);
    }
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - t0;
    std::printf("%-28s %u frames once: %.3f s\n", "reference (decode_frame)", n, s.count());
    e2ec_dicom_object_free(o);
    const uint64_t volume = (uint64_t)row * ny * n;

    /* the fuzz target's state: never started, the cache is off */
    CHECK(frame_right(obj, 0), "%s", "");
    CHECK(volume_cache_bytes() == 0, "%llu", (unsigned long long)volume_cache_bytes());
    volume_cache_set_limit(256u << 20);
    CHECK(pass("cache 256 MB") == n, "%s", "");
    /* the volume and its key (the stream) kept */
    CHECK(volume_cache_bytes() > volume && volume_cache_bytes() < volume + obj.size(), "%llu",
          (unsigned long long)volume_cache_bytes());
    CHECK(pass("cache 256 MB, volume kept") == n, "%s", "");
    volume_cache_set_limit(0);
    CHECK(pass("\"DecodedCacheMB\": 0") == n, "%s", "");
    CHECK(volume_cache_bytes() == 0, "%llu", (unsigned long long)volume_cache_bytes());
    volume_cache_set_limit(volume / 2);
    CHECK(pass("cache of half the volume") == n, "%s", "");
    CHECK(volume_cache_bytes() == 0, "%llu", (unsigned long long)volume_cache_bytes());

    /* two viewers at once on the same new object: both may decode it, both right */
    volume_cache_set_limit(256u << 20);
    size_t right[2] = {0, 0};
    std::thread a([&] { right[0] = pass("thread 1"); });
    right[1] = pass("thread 2");
    a.join();
    CHECK(right[0] == n && right[1] == n, "%zu %zu", right[0], right[1]);

    /* the cached object's stream goes bad (its final CRC kept): refused, not cached pixels */
    std::vector<char> bad = obj;
    for (size_t i = bad.size() - 4; i-- > 0;)
        if (std::memcmp(&bad[i], "E2EC", 4) == 0) {
            bad[i + 100] ^= 0x5a;
            break;
        }
    CHECK(!frame_right(bad, 0), "%s", "");
    CHECK(frame_right(obj, n - 1), "%s", "");
    return check_summary();
}
