/* move.cc - Orthanc's C-MOVE SCP, taken over so that e2ec objects go out decoded.
 *
 * Orthanc 1.10.1 never calls a plugin transcoder for a stored e2ec object: DCMTK reads
 * our unknown transfer syntax UID as Explicit VR Little Endian, so Orthanc believes the
 * instance already is in a syntax the peer accepts, skips transcoding and its C-STORE
 * fails inside DCMTK ("unable to convert dataset", docs/pacs.md gives the experiment).
 * So this handler answers every C-MOVE itself: it finds the instances asked for, sends
 * each e2ec object decoded (the transcoder callback, Explicit VR Little Endian) through
 * Orthanc's own C-STORE SCU (/modalities/{id}/store-straight), and every other
 * instance as Orthanc would (/modalities/{id}/store, with the move originator). */
#include "e2ec_orthanc.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <memory>
#include <string>
#include <vector>

#include "e2ec_dicom.h"
#include "rest.h"

namespace {

struct move_driver {
    std::string modality;               /* Orthanc's name of the destination */
    std::vector<std::string> instances; /* Orthanc instance IDs, in order */
    size_t next = 0;
    std::string originator_aet;
    uint16_t originator_id = 0;
};

/* Orthanc's name of the modality whose AET is aet, "" if none. */
std::string modality_named(const std::string &aet) {
    Json::Value m;
    if (!rest_get_json("/modalities?expand", m) || !m.isObject()) return "";
    for (auto it = m.begin(); it != m.end(); ++it)
        if ((*it)["AET"].asString() == aet) return it.name();
    return "";
}

/* The instances under each identifier of a (possibly multi-valued) key. */
void add_instances(const char *key, std::vector<std::string> &out) {
    std::string all = key ? key : "", one;
    for (size_t pos = 0; pos <= all.size(); pos++) {
        if (pos < all.size() && all[pos] != '\\') {
            one += all[pos];
            continue;
        }
        rest_answer a;
        Json::Value found;
        if (!one.empty() &&
            OrthancPluginRestApiPost(e2ec_orthanc_context, &a.b, "/tools/lookup", one.data(),
                                     (uint32_t)one.size()) == OrthancPluginErrorCode_Success &&
            rest_parse_json(a.text(), found))
            for (const Json::Value &r : found) {
                Json::Value inst;
                if (r["Type"].asString() == "Instance") out.push_back(r["ID"].asString());
                else if (rest_get_json(r["Path"].asString() + "/instances", inst))
                    for (const Json::Value &i : inst) out.push_back(i["ID"].asString());
            }
        one.clear();
    }
}

void *create(OrthancPluginResourceType level, const char *patient, const char * /* accession */,
             const char *study, const char *series, const char *instance,
             const char *originator, const char * /* source */, const char *target,
             uint16_t originator_id) {
    auto d = std::make_unique<move_driver>();
    d->modality = modality_named(target ? target : "");
    if (d->modality.empty()) {
        e2ec_orthanc_error(std::string("C-MOVE to unknown AET \"") + (target ? target : "") + "\"");
        return nullptr;
    }
    d->originator_aet = originator ? originator : "";
    d->originator_id = originator_id;
    /* the key of the level asked for; without a level, the most specific one given */
    const char *key = level == OrthancPluginResourceType_Patient  ? patient
                      : level == OrthancPluginResourceType_Study  ? study
                      : level == OrthancPluginResourceType_Series ? series
                      : level == OrthancPluginResourceType_Instance
                          ? instance
                          : (instance && *instance ? instance
                             : series && *series   ? series
                             : study && *study     ? study
                                                   : patient);
    add_instances(key, d->instances);
    return d.release();
}

uint32_t size(void *driver) { return (uint32_t) static_cast<move_driver *>(driver)->instances.size(); }

/* Sends one e2ec instance decoded, through Orthanc's C-STORE SCU. */
OrthancPluginErrorCode send_decoded(const move_driver &d, const std::string &id) {
    rest_answer file;
    if (OrthancPluginRestApiGet(e2ec_orthanc_context, &file.b, ("/instances/" + id + "/file").c_str()))
        return OrthancPluginErrorCode_InexistentItem;
    const char *explicit_le[] = {UID_LittleEndianExplicitTransferSyntax};
    rest_answer decoded;
    OrthancPluginErrorCode e =
        e2ec_orthanc_transcode(&decoded.b, file.b.data, file.b.size, explicit_le, 1, 0);
    if (e) return e; /* the transcoder logged why */
    rest_answer sent;
    e = OrthancPluginRestApiPost(e2ec_orthanc_context, &sent.b,
                                 ("/modalities/" + d.modality + "/store-straight").c_str(),
                                 decoded.b.data, decoded.b.size);
    if (e) e2ec_orthanc_error("C-MOVE: " + d.modality + " did not take decoded instance " + id);
    else
        OrthancPluginLogInfo(e2ec_orthanc_context,
                             ("e2ec: C-MOVE sent instance " + id + " decoded to " + d.modality).c_str());
    return e;
}

OrthancPluginErrorCode apply(void *driver) {
    move_driver &d = *static_cast<move_driver *>(driver);
    if (d.next >= d.instances.size()) return OrthancPluginErrorCode_BadSequenceOfCalls;
    const std::string id = d.instances[d.next++];
    /* Orthanc records no TransferSyntax metadata for a syntax it does not know: the
     * File Meta Information it kept says it */
    Json::Value header;
    if (rest_get_json("/instances/" + id + "/header?simplify", header) &&
        header.get("TransferSyntaxUID", "").asString() == E2EC_DICOM_TRANSFER_SYNTAX_UID)
        return send_decoded(d, id);
    Json::Value job;
    job["Resources"].append(id);
    job["Synchronous"] = true;
    job["MoveOriginatorAet"] = d.originator_aet;
    job["MoveOriginatorID"] = d.originator_id;
    return rest_post_json("/modalities/" + d.modality + "/store", job, nullptr)
               ? OrthancPluginErrorCode_Success
               : OrthancPluginErrorCode_NetworkProtocol;
}

void release(void *driver) { delete static_cast<move_driver *>(driver); }

} // namespace

bool e2ec_orthanc_move_start() {
    Json::Value c;
    if (!rest_e2ec_config(c)) return false;
    if (!c.get("DecodeOnMove", true).asBool()) return true;
    if (OrthancPluginRegisterMoveCallback(e2ec_orthanc_context, create, size, apply, release))
        return false;
    OrthancPluginLogWarning(e2ec_orthanc_context,
                            "e2ec: C-MOVE SCP taken over: e2ec objects are sent decoded");
    return true;
}
