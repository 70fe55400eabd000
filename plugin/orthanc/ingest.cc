/* ingest.cc - compression on arrival: when Orthanc reports a series stable, its instances
 * are compressed into one e2ec object, which is stored, checked (decoded and measured
 * against the originals, then read back from Orthanc byte for byte), and only then, if
 * "KeepOriginals" is false, the original instances are deleted. A series that fails at
 * any step stays as it was, with a log line saying why. The work runs in one worker
 * thread: Orthanc's change callback only queues the series. docs/pacs.md. */
#include "e2ec_orthanc.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2ec.h"
#include "e2ec_dicom.h"
#include "rest.h"
#include "temp_dir.h"

extern "C" {
#include "common/read_file.h"
}

namespace {

struct ingest_config {
    bool enabled = false;
    bool keep_originals = true;
    double min_psnr = 40.0; /* dB, peak = range of the original, as dcme2ec -v prints */
    int epochs = 0, scale = 0, width = 0; /* 0: e2ec's defaults */
    int mode = 0;                         /* 0: e2ec's default; else an e2ec_mode */
};

ingest_config cfg;
std::mutex mu;
std::condition_variable cv;
std::deque<std::string> queue;
bool stopping = false;
std::thread worker;

bool write_bytes(const std::string &path, const void *data, size_t size) {
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    bool ok = std::fwrite(data, 1, size, f) == size;
    return std::fclose(f) == 0 && ok;
}

struct series_deleter {
    void operator()(e2ec_dicom_series *s) const { e2ec_dicom_series_free(s); }
};
struct object_deleter {
    void operator()(e2ec_dicom_object *o) const { e2ec_dicom_object_free(o); }
};

/* Encodes the series in folder in, writes the object to out and checks it: one frame
 * per instance, PSNR at least min_psnr. Returns "" or why not; psnr is what it measured. */
std::string encode_and_verify(const std::string &in, const std::string &out, size_t n,
                              double &psnr) {
    char err[1024];
    const char *paths[] = {in.c_str()};
    e2ec_dicom_read_options ro = {};
    e2ec_dicom_series *raw = nullptr;
    if (e2ec_dicom_series_read(paths, 1, &ro, &raw, err, sizeof err)) return err;
    std::unique_ptr<e2ec_dicom_series, series_deleter> s(raw);
    if (e2ec_dicom_series_check_compressible(s.get(), err, sizeof err)) return err;
    e2ec_params p;
    e2ec_params_default(&p);
    if (cfg.mode > 0) p.mode = (e2ec_mode)cfg.mode;
    if (cfg.epochs > 0) p.epochs = cfg.epochs;
    if (cfg.scale > 0) p.scale = cfg.scale;
    if (cfg.width > 0) p.siren_width = cfg.width;
    p.threads = e2ec_orthanc_threads;
    uint8_t *stream = nullptr;
    size_t size = 0;
    e2ec_status st = e2ec_encode(e2ec_dicom_series_volume(s.get()), &p, &stream, &size);
    if (st) return std::string("encoding failed: ") + e2ec_strerror(st);
    e2ec_dicom_write_options wo = {};
    st = e2ec_dicom_write_compressed(s.get(), stream, size, &wo, out.c_str(), err, sizeof err);
    e2ec_free(stream);
    if (st) return err;
    /* verify what was written, as a reader will meet it */
    e2ec_dicom_object *oraw = nullptr;
    if (e2ec_dicom_object_read(out.c_str(), &oraw, err, sizeof err)) return err;
    std::unique_ptr<e2ec_dicom_object, object_deleter> o(oraw);
    if (e2ec_dicom_object_frames(o.get()) != n)
        return "the object holds " + std::to_string(e2ec_dicom_object_frames(o.get())) +
               " frames for " + std::to_string(n) + " instances";
    e2ec_volume v;
    if ((st = e2ec_dicom_object_decode(o.get(), p.threads, &v)))
        return std::string("the object does not decode: ") + e2ec_strerror(st);
    e2ec_metrics m;
    st = e2ec_compare(e2ec_dicom_series_volume(s.get()), &v, p.threads, &m);
    e2ec_volume_free(&v);
    if (st) return std::string("cannot compare with the originals: ") + e2ec_strerror(st);
    psnr = m.psnr;
    if (!(m.psnr >= cfg.min_psnr))
        return "PSNR " + std::to_string(m.psnr) + " dB below MinPsnr " + std::to_string(cfg.min_psnr);
    return "";
}

/* Compresses Orthanc series id. Returns "" or why it was left as it was. */
std::string compress_series(const std::string &id, std::string &line) {
    auto t0 = std::chrono::steady_clock::now();
    Json::Value instances;
    if (!rest_get_json("/series/" + id + "/instances", instances) || !instances.isArray() ||
        instances.empty())
        return "cannot list the series' instances";
    std::vector<std::string> ids;
    for (const Json::Value &i : instances) ids.push_back(i["ID"].asString());
    Json::Value header; /* the File Meta Information, as Orthanc stored it */
    if (rest_get_json("/instances/" + ids[0] + "/header?simplify", header) &&
        header.get("TransferSyntaxUID", "").asString() == E2EC_DICOM_TRANSFER_SYNTAX_UID)
        return "skip"; /* our own object, stored by this plugin or uploaded */
    temp_dir in, out;
    if (in.path().empty() || out.path().empty()) return "cannot create a temporary folder";
    size_t bytes_in = 0;
    for (size_t k = 0; k < ids.size(); k++) {
        rest_answer f;
        if (OrthancPluginRestApiGet(e2ec_orthanc_context, &f.b,
                                    ("/instances/" + ids[k] + "/file").c_str()) ||
            /* named by Orthanc's instance ID, so that messages name the instance */
            !write_bytes(in.path() + "/" + ids[k] + ".dcm", f.b.data, f.b.size))
            return "cannot copy instance " + ids[k] + " to " + in.path();
        bytes_in += f.b.size;
    }
    std::string object = out.path() + "/e2ec.dcm";
    double psnr = 0;
    std::string why = encode_and_verify(in.path(), object, ids.size(), psnr);
    if (!why.empty()) return why;
    uint8_t *data = nullptr;
    size_t size = 0;
    if (read_file(object.c_str(), UINT32_MAX, &data, &size)) return "cannot read " + object;
    std::unique_ptr<uint8_t, decltype(&std::free)> bytes(data, std::free);
    rest_answer posted;
    Json::Value status;
    if (OrthancPluginRestApiPost(e2ec_orthanc_context, &posted.b, "/instances", data,
                                 (uint32_t)size) ||
        !rest_parse_json(posted.text(), status) || !status.isMember("ID"))
        return "Orthanc did not store the object";
    std::string new_id = status["ID"].asString();
    rest_answer stored;
    if (OrthancPluginRestApiGet(e2ec_orthanc_context, &stored.b,
                                ("/instances/" + new_id + "/file").c_str()) ||
        stored.b.size != size || std::memcmp(stored.b.data, data, size) != 0)
        return "the object read back from Orthanc (instance " + new_id + ") differs";
    bool removed = false;
    if (!cfg.keep_originals) {
        for (const std::string &i : ids)
            if (OrthancPluginRestApiDelete(e2ec_orthanc_context, ("/instances/" + i).c_str()))
                return "stored " + new_id + " but could not delete original instance " + i;
        removed = true;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "instances=%zu bytes_in=%zu bytes_out=%zu ratio=%.1f psnr_db=%.4f time_s=%.1f "
                  "status=ok originals_removed=%s object=%s",
                  ids.size(), bytes_in, size, (double)bytes_in / (double)size, psnr, secs,
                  removed ? "yes" : "no", new_id.c_str());
    line = buf;
    return "";
}

void work() {
    for (;;) {
        std::string id;
        {
            std::unique_lock<std::mutex> lock(mu);
            cv.wait(lock, [] { return stopping || !queue.empty(); });
            if (stopping) return;
            id = queue.front();
            queue.pop_front();
        }
        std::string line, why;
        try {
            why = compress_series(id, line);
        } catch (const std::exception &e) {
            why = e.what();
        }
        if (why == "skip") continue;
        std::string msg = "e2ec ingest: series=" + id + " " +
                          (why.empty() ? line : "status=failed originals=kept reason=\"" + why + "\"");
        if (why.empty())
            OrthancPluginLogWarning(e2ec_orthanc_context, msg.c_str());
        else
            OrthancPluginLogError(e2ec_orthanc_context, msg.c_str());
    }
}

OrthancPluginErrorCode on_change(OrthancPluginChangeType change, OrthancPluginResourceType type,
                                 const char *id) {
    if (change == OrthancPluginChangeType_StableSeries && type == OrthancPluginResourceType_Series) {
        std::lock_guard<std::mutex> lock(mu);
        queue.push_back(id);
        cv.notify_one();
    }
    return OrthancPluginErrorCode_Success;
}

/* The "E2EC" section of Orthanc's configuration; false with a log line on a bad value. */
bool read_config() {
    Json::Value c;
    if (!rest_e2ec_config(c)) return false;
    if (c.isNull()) return true;
    try {
        cfg.enabled = c.get("IngestCompression", false).asBool();
        cfg.keep_originals = c.get("KeepOriginals", true).asBool();
        cfg.min_psnr = c.get("MinPsnr", cfg.min_psnr).asDouble();
        cfg.epochs = c.get("Epochs", 0).asInt();
        cfg.scale = c.get("Scale", 0).asInt();
        cfg.width = c.get("Width", 0).asInt();
        const std::string mode = c.get("Mode", "").asString();
        if (mode == "siren") cfg.mode = E2EC_MODE_SIREN;
        else if (mode == "siren-ds") cfg.mode = E2EC_MODE_SIREN_DS;
        else if (mode == "e2e") cfg.mode = E2EC_MODE_E2E;
        else if (!mode.empty()) {
            e2ec_orthanc_error("\"E2EC\": \"Mode\" must be \"e2e\", \"siren-ds\" or \"siren\", not \"" +
                               mode + "\"");
            return false;
        }
        e2ec_orthanc_threads = c.get("Threads", 0).asInt();
    } catch (const Json::Exception &e) {
        e2ec_orthanc_error(std::string("bad value in the \"E2EC\" configuration: ") + e.what());
        return false;
    }
    return true;
}

} // namespace

bool e2ec_orthanc_ingest_start() {
    if (!read_config()) return false;
    if (!cfg.enabled) return true;
    OrthancPluginRegisterOnChangeCallback(e2ec_orthanc_context, on_change);
    worker = std::thread(work);
    OrthancPluginLogWarning(e2ec_orthanc_context,
                            cfg.keep_originals
                                ? "e2ec: ingest compression on, originals kept"
                                : "e2ec: ingest compression on, originals deleted once verified");
    return true;
}

void e2ec_orthanc_ingest_stop() {
    {
        std::lock_guard<std::mutex> lock(mu);
        stopping = true;
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
}
