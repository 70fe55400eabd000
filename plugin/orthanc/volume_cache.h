/*
 * volume_cache.h - the plugin's bounded LRU cache of decoded volumes (decoder.cc).
 * A lossless-mode object's frame z needs slices 0..z decoded first (causal context,
 * docs/lossless.md), and a latent-mode frame needs every latent decoded: a viewer
 * paging through such an object frame by frame would pay up to a whole-volume decode
 * per frame. The cache keeps the whole decoded volume of recently viewed objects of
 * those modes, so only the first frame asked for pays it.
 */
#ifndef E2EC_ORTHANC_VOLUME_CACHE_H
#define E2EC_ORTHANC_VOLUME_CACHE_H

#include <cstdint>
#include <memory>

#include "e2ec.h"
#include "e2ec_dicom.h"

/* A whole decoded volume; it stays valid while held, even once evicted. */
struct cached_volume;
const e2ec_volume &cached_volume_data(const cached_volume &c);

/* Sets the bound, in bytes, of what the cache keeps (0: off, everything evicted). Off
 * until "DecodedCacheMB" is read (volume_cache_start) or a test sets it, so that the
 * fuzz target, which never starts the plugin, keeps no state between its inputs. */
void volume_cache_set_limit(uint64_t bytes);

/* Bytes the cache holds now (volumes and their keys), for the tests. */
uint64_t volume_cache_bytes();

/* Reads "DecodedCacheMB" from the "E2EC" configuration section (default 256); false
 * with a log line on a bad value, and the plugin refuses to start. */
bool volume_cache_start();

/*
 * The decoded volume of o, from the cache or decoded now (outside the lock) and kept.
 * Null with st = E2EC_OK when the cache does not take o: a mode whose frames decode
 * independently, one frame, the cache off, a volume over the bound, or too little
 * memory for the whole volume; the caller then decodes the frame alone. Null with st
 * set when the stream fails to decode.
 */
std::shared_ptr<const cached_volume> volume_cache_get(const e2ec_dicom_object *o, int threads,
                                                      e2ec_status &st);

#endif
