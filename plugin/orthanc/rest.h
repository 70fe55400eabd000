/* rest.h - the plugin's calls into Orthanc's own REST API (ingest.cc, move.cc): an
 * answer buffer freed by Orthanc's allocator, JSON in and out, and the "E2EC"
 * configuration section. */
#ifndef E2EC_ORTHANC_REST_H
#define E2EC_ORTHANC_REST_H

#include <json/json.h>

#include <string>

#include "e2ec_orthanc.h"

/* An Orthanc-owned answer buffer, freed by Orthanc's allocator. */
struct rest_answer {
    OrthancPluginMemoryBuffer b{nullptr, 0};
    rest_answer() = default;
    rest_answer(const rest_answer &) = delete;
    rest_answer &operator=(const rest_answer &) = delete;
    ~rest_answer() {
        if (b.data) OrthancPluginFreeMemoryBuffer(e2ec_orthanc_context, &b);
    }
    std::string text() const { return std::string(static_cast<const char *>(b.data), b.size); }
};

bool rest_parse_json(const std::string &s, Json::Value &v);
/* GET uri, parsed as JSON. */
bool rest_get_json(const std::string &uri, Json::Value &v);
/* POST the JSON body to uri, the answer parsed as JSON (v may be null for answers
 * that are not JSON). */
bool rest_post_json(const std::string &uri, const Json::Value &body, Json::Value *v);
/* The "E2EC" section of Orthanc's configuration (null when absent); false when the
 * configuration cannot be read. */
bool rest_e2ec_config(Json::Value &section);

#endif
