/* rest.cc - rest.h: JSON over Orthanc's REST API from inside the plugin. */
#include "rest.h"

#include <memory>

bool rest_parse_json(const std::string &s, Json::Value &v) {
    Json::CharReaderBuilder rb;
    std::unique_ptr<Json::CharReader> r(rb.newCharReader());
    std::string errs;
    return r->parse(s.data(), s.data() + s.size(), &v, &errs);
}

bool rest_get_json(const std::string &uri, Json::Value &v) {
    rest_answer a;
    return OrthancPluginRestApiGet(e2ec_orthanc_context, &a.b, uri.c_str()) ==
               OrthancPluginErrorCode_Success &&
           rest_parse_json(a.text(), v);
}

bool rest_post_json(const std::string &uri, const Json::Value &body, Json::Value *v) {
    std::string text = Json::writeString(Json::StreamWriterBuilder(), body);
    rest_answer a;
    if (OrthancPluginRestApiPost(e2ec_orthanc_context, &a.b, uri.c_str(), text.data(),
                                 (uint32_t)text.size()) != OrthancPluginErrorCode_Success)
        return false;
    return !v || rest_parse_json(a.text(), *v);
}

bool rest_e2ec_config(Json::Value &section) {
    char *text = OrthancPluginGetConfiguration(e2ec_orthanc_context);
    if (!text) return false;
    Json::Value all;
    bool ok = rest_parse_json(text, all);
    OrthancPluginFreeString(e2ec_orthanc_context, text);
    if (!ok || !all.isObject()) return false;
    section = all["E2EC"];
    return true;
}
