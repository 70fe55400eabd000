/* volume_cache.cc - volume_cache.h: an LRU list of decoded volumes, keyed by the exact
 * bytes of the stream they were decoded from. */
#include "volume_cache.h"

#include <cstring>
#include <list>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "e2ec_orthanc.h"
#include "rest.h"

struct cached_volume {
    /* the key: the stream itself, compared byte for byte on a hit. Its length and
     * final CRC-32 (docs/bitstream.md) only pick the candidates: a CRC is not a
     * proof, and a stored object that goes bad may keep its old CRC (the test's
     * corrupt object does), which must not be answered from the cache */
    std::vector<uint8_t> stream;
    uint32_t crc = 0;
    e2ec_volume volume{};
    uint64_t bytes = 0; /* what it costs the bound: volume and key */
    cached_volume() = default;
    cached_volume(const cached_volume &) = delete;
    cached_volume &operator=(const cached_volume &) = delete;
    ~cached_volume() { e2ec_volume_free(&volume); }
};

const e2ec_volume &cached_volume_data(const cached_volume &c) { return c.volume; }

namespace {

using entry = std::shared_ptr<const cached_volume>;

std::mutex lock;
/* most recently used first; a bound of a few hundred MB holds tens of volumes, so a
 * linear search costs nothing next to one decode */
std::list<entry> entries;
uint64_t limit = 0, used = 0;

uint32_t stream_crc(const uint8_t *s, size_t n) {
    uint32_t c = 0;
    if (n >= 4) std::memcpy(&c, s + n - 4, 4);
    return c;
}

/* Drops the least recently used entries until the bound holds (lock held). */
void evict() {
    while (used > limit && !entries.empty()) {
        used -= entries.back()->bytes;
        entries.pop_back();
    }
}

/* The entry for this stream, moved to the front (lock held); null when absent. */
entry find(const uint8_t *s, size_t n, uint32_t crc) {
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        const cached_volume &c = **it;
        if (c.crc == crc && c.stream.size() == n && std::memcmp(c.stream.data(), s, n) == 0) {
            entries.splice(entries.begin(), entries, it);
            return *it;
        }
    }
    return nullptr;
}

/* Modes whose frame z costs more than its share of the whole volume's decode. */
bool frames_dependent(const e2ec_info &info, uint32_t frames) {
    return frames > 1 && (info.mode == E2EC_MODE_LOSSLESS || info.mode == E2EC_MODE_LATENT);
}

} // namespace

void volume_cache_set_limit(uint64_t bytes) {
    std::lock_guard<std::mutex> g(lock);
    limit = bytes;
    evict();
}

uint64_t volume_cache_bytes() {
    std::lock_guard<std::mutex> g(lock);
    return used;
}

bool volume_cache_start() {
    Json::Value c;
    if (!rest_e2ec_config(c)) return false;
    const Json::Value mb = c.isObject() ? c.get("DecodedCacheMB", 256) : Json::Value(256);
    /* up to 1 TiB: a bound, not a reservation; more is surely a typo */
    if (!mb.isIntegral() || mb.asLargestInt() < 0 || mb.asLargestInt() > (1 << 20)) {
        e2ec_orthanc_error("\"E2EC\": \"DecodedCacheMB\" must be an integer within 0..1048576 "
                           "(MB of decoded volumes kept; 0: no cache), not " +
                           Json::writeString(Json::StreamWriterBuilder(), mb));
        return false;
    }
    volume_cache_set_limit((uint64_t)mb.asLargestInt() << 20);
    return true;
}

std::shared_ptr<const cached_volume> volume_cache_get(const e2ec_dicom_object *o, int threads,
                                                      e2ec_status &st) {
    st = E2EC_OK;
    const e2ec_info &info = *e2ec_dicom_object_info(o);
    if (!frames_dependent(info, e2ec_dicom_object_frames(o))) return nullptr;
    size_t n;
    const uint8_t *s = e2ec_dicom_object_stream(o, &n);
    const uint32_t crc = stream_crc(s, n);
    const uint64_t bytes =
        (uint64_t)info.nx * info.ny * info.nz * e2ec_voxel_size(info.type) + n;
    {
        std::lock_guard<std::mutex> g(lock);
        if (bytes > limit) return nullptr; /* also: the cache is off */
        if (entry e = find(s, n, crc)) return e;
    }
    /* Decoded outside the lock: other objects' frames go on meanwhile. Two requests
     * for the same new object may both decode it; the second to finish keeps the
     * first one's entry. */
    std::shared_ptr<cached_volume> c;
    try {
        c = std::make_shared<cached_volume>();
        c->stream.assign(s, s + n);
    } catch (const std::bad_alloc &) {
        return nullptr;
    }
    c->crc = crc;
    c->bytes = bytes;
    st = e2ec_dicom_object_decode(o, threads, &c->volume);
    if (st == E2EC_ERR_NOMEM || st == E2EC_ERR_MEMORY_LIMIT) st = E2EC_OK; /* the frame alone may fit */
    if (st != E2EC_OK) return nullptr;
    /* the callback copies frames out of it by the header's sizes: a decoder that
     * disagreed would be a bug, answered as an error rather than a read out of bounds */
    const e2ec_volume &v = c->volume;
    if (!v.data || v.nx != info.nx || v.ny != info.ny || v.nz != info.nz || v.type != info.type) {
        st = E2EC_ERR_INTERNAL;
        return nullptr;
    }
    std::lock_guard<std::mutex> g(lock);
    if (entry e = find(s, n, crc)) return e;
    try {
        entries.push_front(c);
    } catch (const std::bad_alloc &) {
        return c; /* served, not kept */
    }
    used += bytes;
    evict();
    return c;
}
