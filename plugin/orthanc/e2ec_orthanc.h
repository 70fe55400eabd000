/*
 * e2ec_orthanc.h - what the parts of e2ec's Orthanc plugin share (plugin.cc registers,
 * decoder.cc decodes frames for previews, rendering and /numpy, transcoder.cc turns our
 * objects into Explicit or Implicit VR Little Endian, move.cc answers C-MOVE with
 * them decoded, admission.cc refuses unreadable e2ec objects, ingest.cc compresses stable series on arrival, rest.cc calls Orthanc's
 * REST API).
 * docs/pacs.md is the administrator's guide.
 */
#ifndef E2EC_ORTHANC_H
#define E2EC_ORTHANC_H

#include <orthanc/OrthancCPlugin.h>

#include <cstddef>
#include <cstdint>
#include <string>

/* Orthanc's context, set once by OrthancPluginInitialize. */
extern OrthancPluginContext *e2ec_orthanc_context;
/* Decoder threads per call (0: OpenMP's default). */
extern int e2ec_orthanc_threads;

/* Whether a whole DICOM file's meta header names e2ec's transfer syntax: a cheap test
 * that lets every other object pass to Orthanc's own codecs untouched. */
bool e2ec_orthanc_is_ours(const void *dicom, uint64_t size);

/* Logs "e2ec: what" as an Orthanc error. */
void e2ec_orthanc_error(const std::string &what);

OrthancPluginErrorCode e2ec_orthanc_decode(OrthancPluginImage **target, const void *dicom,
                                           const uint32_t size, uint32_t frame);
OrthancPluginErrorCode e2ec_orthanc_transcode(OrthancPluginMemoryBuffer *transcoded,
                                              const void *buffer, uint64_t size,
                                              const char *const *allowed, uint32_t n_allowed,
                                              uint8_t allow_new_sop_instance_uid);

/* Refuses unreadable e2ec objects before they are stored (admission.cc). false when
 * the registration fails. */
bool e2ec_orthanc_admission_start();

/* C-MOVE SCP (move.cc): unless "DecodeOnMove" is false, answers every C-MOVE,
 * sending e2ec objects decoded. false when the registration fails. */
bool e2ec_orthanc_move_start();

/* Ingest compression (ingest.cc): reads the "E2EC" configuration section and, when
 * "IngestCompression" is true, compresses each series Orthanc reports stable, as an
 * Orthanc job of type "E2ECIngest". false on a
 * bad configuration (logged). */
bool e2ec_orthanc_ingest_start();

#endif
