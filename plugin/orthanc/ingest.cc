/* ingest.cc - compression on arrival: when Orthanc reports a series stable, its instances
 * are compressed into one e2ec object, which is stored, checked (decoded and measured
 * against the originals, then read back from Orthanc byte for byte), and only then, if
 * "KeepOriginals" is false, the original instances are deleted. A series that fails at
 * any step stays as it was, with a log line saying why. Each series is an Orthanc job
 * (type "E2ECIngest", listed under /jobs with its progress and figures), run by Orthanc's
 * jobs engine ("ConcurrentJobs" at a time); the change callback only submits it.
 * docs/pacs.md. */
#include "e2ec_orthanc.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../archive_quality.h"
#include "e2ec.h"
#include "e2ec_dicom.h"
#include "rest.h"
#include "temp_dir.h"

extern "C" {
#include "read_file.h"
}

namespace {

struct ingest_config {
    bool enabled = false;
    bool keep_originals = true;
    archive_quality quality;              /* MinPsnr, MaxError, MaxTrials (archive_quality.h) */
    int epochs = 0, scale = 0, width = 0; /* 0: e2ec's defaults */
    int mode = 0;                         /* 0: the archivers' default; else an e2ec_mode */
    e2ec_preset preset = E2EC_PRESET_MEDIUM; /* "Preset": fast, medium or slow */
    double grid_lambda = -1;              /* < 0: e2ec's default */
};

ingest_config cfg;

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

/* The encoder settings of the configuration (archive_settings: the lossless mode, or
 * latent for a "MinPsnr" alone, unless "Mode" names one); "" or why they cannot give the
 * bar. */
std::string ingest_params(e2ec_params &p) {
    e2ec_params_default(&p);
    if (cfg.mode > 0) {
        p.mode = (e2ec_mode)cfg.mode, p.epochs = e2ec_preset_epochs(p.mode, cfg.preset);
        if (e2ec_mode_has_lambda(p.mode)) p.grid_lambda = e2ec_default_lambda(p.mode);
    }
    if (cfg.epochs > 0) p.epochs = cfg.epochs;
    if (cfg.scale > 0) p.scale = cfg.scale;
    if (cfg.width > 0) p.siren_width = cfg.width;
    if (cfg.grid_lambda >= 0) p.grid_lambda = (float)cfg.grid_lambda;
    p.threads = e2ec_orthanc_threads;
    return archive_settings(p, cfg.mode > 0, cfg.epochs > 0, cfg.quality, cfg.preset);
}

/* What one encode measured, for the log line and the job's content. */
struct ingest_figures {
    double psnr = 0, max_error = 0;
    double min_psnr = -1; /* the PSNR bar it was encoded to; < 0: none (lossless, a bound) */
    int encodes = 0;
};

/* Encodes the series in folder in to the bar (archive_quality.h), writes the object to
 * out and checks it: one frame per instance, decoded voxels equal to the originals
 * (lossless) or within the bound, PSNR at least the bar. Returns "" or why not; f is
 * what it measured. */
std::string encode_and_verify(const std::string &in, const std::string &out, size_t n,
                              ingest_figures &f) {
    /* One encode at a time in the PACS process, whatever "ConcurrentJobs" says: each
     * already runs on "Threads" threads, and two at once in one process (Orthanc's
     * default of 2 jobs) share OpenBLAS's OpenMP pool: measured, the MR then coded to
     * other bytes than alone (the fit's products split another way), and one such run
     * stalled for over 10 minutes on a loaded 2-core machine
     * (bench/results/pacs/concurrent-ingest.log). The other jobs wait here, their
     * series untouched. */
    static std::mutex encode_mu;
    std::lock_guard<std::mutex> one_at_a_time(encode_mu);
    char err[1024];
    const char *paths[] = {in.c_str()};
    e2ec_dicom_read_options ro = {};
    e2ec_dicom_series *raw = nullptr;
    if (e2ec_dicom_series_read(paths, 1, &ro, &raw, err, sizeof err)) return err;
    std::unique_ptr<e2ec_dicom_series, series_deleter> s(raw);
    if (e2ec_dicom_series_check_compressible(s.get(), err, sizeof err)) return err;
    e2ec_params p;
    ingest_params(p); /* checked when the configuration was read */
    const archive_quality &q = cfg.quality;
    f.min_psnr = archive_min_psnr(q, e2ec_dicom_series_path(s.get(), 0));
    uint8_t *stream = nullptr;
    size_t size = 0;
    e2ec_target_result r;
    e2ec_status st = archive_encode(e2ec_dicom_series_volume(s.get()), p, q, f.min_psnr,
                                    &stream, &size, &r);
    f.encodes = r.trials;
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
    e2ec_metrics m{};
    std::string why = archive_verify(e2ec_dicom_series_volume(s.get()), &v, p.threads,
                                     f.min_psnr, q, f.encodes, "MinPsnr", "MaxError", &m);
    e2ec_volume_free(&v);
    f.psnr = m.psnr, f.max_error = m.max_abs_err;
    return why;
}

/* One series' compression, as an Orthanc job: one step per stage, and one per instance
 * copied, so that /jobs shows where it is. */
class ingest_job {
  public:
    explicit ingest_job(std::string series) : series_(std::move(series)) { publish(); }

    OrthancPluginJobStepStatus step() {
        std::string why;
        try {
            why = run_stage();
        } catch (const std::exception &e) {
            why = e.what();
        }
        if (why == "skip") return finish("skipped: the series already is an e2ec object", true);
        if (!why.empty()) {
            OrthancPluginLogError(e2ec_orthanc_context,
                                  ("e2ec ingest: series=" + series_ +
                                   " status=failed originals=kept reason=\"" + why + "\"").c_str());
            return finish(why, false);
        }
        if (stage_ != done) {
            publish();
            return OrthancPluginJobStepStatus_Continue;
        }
        OrthancPluginLogWarning(e2ec_orthanc_context,
                                ("e2ec ingest: series=" + series_ + " " + line_).c_str());
        return finish("", true);
    }

    /* Back to the start (Orthanc resubmits a failed or cancelled job). */
    void reset() {
        stage_ = list, ids_.clear(), copied_ = 0, bytes_in_ = 0;
        in_.reset(), out_.reset();
        publish();
    }

    float progress() const { return progress_; }
    const char *content() {
        std::lock_guard<std::mutex> lock(mu_);
        shown_ = content_; /* stable while Orthanc reads it */
        return shown_.c_str();
    }

  private:
    enum stage { list, copy, encode, store, remove, done };

    /* Runs the current stage; "" when it went well, "skip", or why not. */
    std::string run_stage() {
        switch (stage_) {
        case list: return list_instances();
        case copy: return copy_one();
        case encode: return encode_series();
        case store: return store_object();
        case remove: return remove_originals();
        case done: break;
        }
        return "";
    }

    std::string list_instances() {
        t0_ = std::chrono::steady_clock::now();
        Json::Value instances;
        if (!rest_get_json("/series/" + series_ + "/instances", instances) ||
            !instances.isArray() || instances.empty())
            return "cannot list the series' instances";
        for (const Json::Value &i : instances) ids_.push_back(i["ID"].asString());
        Json::Value header; /* the File Meta Information, as Orthanc stored it */
        if (rest_get_json("/instances/" + ids_[0] + "/header?simplify", header) &&
            header.get("TransferSyntaxUID", "").asString() == E2EC_DICOM_TRANSFER_SYNTAX_UID)
            return "skip"; /* our own object, stored by this plugin or uploaded */
        in_.reset(new temp_dir), out_.reset(new temp_dir);
        if (in_->path().empty() || out_->path().empty()) return "cannot create a temporary folder";
        stage_ = copy;
        return "";
    }

    std::string copy_one() {
        const std::string &id = ids_[copied_];
        rest_answer f;
        if (OrthancPluginRestApiGet(e2ec_orthanc_context, &f.b, ("/instances/" + id + "/file").c_str()) ||
            /* named by Orthanc's instance ID, so that messages name the instance */
            !write_bytes(in_->path() + "/" + id + ".dcm", f.b.data, f.b.size))
            return "cannot copy instance " + id + " to " + in_->path();
        bytes_in_ += f.b.size;
        if (++copied_ == ids_.size()) stage_ = encode;
        return "";
    }

    std::string encode_series() {
        object_ = out_->path() + "/e2ec.dcm";
        std::string why = encode_and_verify(in_->path(), object_, ids_.size(), fig_);
        if (why.empty()) stage_ = store;
        return why;
    }

    std::string store_object() {
        uint8_t *data = nullptr;
        if (read_file(object_.c_str(), UINT32_MAX, &data, &size_)) return "cannot read " + object_;
        std::unique_ptr<uint8_t, decltype(&std::free)> bytes(data, std::free);
        rest_answer posted;
        Json::Value status;
        if (OrthancPluginRestApiPost(e2ec_orthanc_context, &posted.b, "/instances", data,
                                     (uint32_t)size_) ||
            !rest_parse_json(posted.text(), status) || !status.isMember("ID"))
            return "Orthanc did not store the object";
        new_id_ = status["ID"].asString();
        rest_answer stored;
        if (OrthancPluginRestApiGet(e2ec_orthanc_context, &stored.b,
                                    ("/instances/" + new_id_ + "/file").c_str()) ||
            stored.b.size != size_ || std::memcmp(stored.b.data, data, size_) != 0)
            return "the object read back from Orthanc (instance " + new_id_ + ") differs";
        stage_ = cfg.keep_originals ? done : remove;
        if (stage_ == done) summarize(false);
        return "";
    }

    std::string remove_originals() {
        for (const std::string &i : ids_)
            if (OrthancPluginRestApiDelete(e2ec_orthanc_context, ("/instances/" + i).c_str()))
                return "stored " + new_id_ + " but could not delete original instance " + i;
        stage_ = done;
        summarize(true);
        return "";
    }

    void summarize(bool removed) {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "instances=%zu bytes_in=%zu bytes_out=%zu ratio=%.1f psnr_db=%.4f "
                      "max_error=%.0f%s time_s=%.1f status=ok originals_removed=%s object=%s",
                      ids_.size(), bytes_in_, size_, (double)bytes_in_ / (double)size_, fig_.psnr,
                      fig_.max_error,
                      archive_bar_fields(fig_.min_psnr, cfg.quality.max_error, fig_.encodes).c_str(),
                      secs, removed ? "yes" : "no", new_id_.c_str());
        line_ = buf;
    }

    /* Progress and the JSON /jobs shows: copying is the first 20 %, encoding (the long
     * part) up to 90 %, storing and deleting the rest. */
    void publish(const std::string &failure = "", bool ok = true) {
        static const char *names[] = {"listing", "copying", "encoding", "storing",
                                      "deleting originals", "done"};
        float p = stage_ == list   ? 0.f
                  : stage_ == copy ? 0.2f * (float)copied_ / (float)ids_.size()
                  : stage_ == encode ? 0.2f
                  : stage_ == store  ? 0.9f
                  : stage_ == remove ? 0.95f
                                     : 1.f;
        Json::Value c;
        c["Series"] = series_;
        c["Stage"] = names[stage_];
        c["Instances"] = (Json::UInt64)ids_.size();
        c["InstancesCopied"] = (Json::UInt64)copied_;
        c["BytesIn"] = (Json::UInt64)bytes_in_;
        if (!new_id_.empty()) {
            c["Object"] = new_id_, c["BytesOut"] = (Json::UInt64)size_;
            c["Ratio"] = (double)bytes_in_ / (double)size_;
            /* a lossless object's PSNR is infinite, which JSON cannot hold (Orthanc
             * refuses the content): MaxError 0 says it */
            if (std::isfinite(fig_.psnr)) c["PsnrDb"] = fig_.psnr;
            c["MaxError"] = fig_.max_error, c["Encodes"] = fig_.encodes;
            if (fig_.min_psnr >= 0) c["MinPsnrDb"] = fig_.min_psnr;
        }
        if (!failure.empty()) c[ok ? "Skipped" : "FailureReason"] = failure;
        std::string text = Json::writeString(Json::StreamWriterBuilder(), c);
        std::lock_guard<std::mutex> lock(mu_);
        content_ = text;
        progress_ = p;
    }

    OrthancPluginJobStepStatus finish(const std::string &why, bool ok) {
        if (ok) stage_ = done;
        publish(why, ok);
        in_.reset(), out_.reset(); /* the work files go now, not when Orthanc drops the job */
        return ok ? OrthancPluginJobStepStatus_Success : OrthancPluginJobStepStatus_Failure;
    }

    const std::string series_;
    stage stage_ = list;
    std::vector<std::string> ids_;
    std::unique_ptr<temp_dir> in_, out_;
    size_t copied_ = 0, bytes_in_ = 0, size_ = 0;
    ingest_figures fig_;
    std::string object_, new_id_, line_;
    std::chrono::steady_clock::time_point t0_;
    std::mutex mu_;
    std::string content_, shown_;
    std::atomic<float> progress_{0.f};
};

/* The jobs engine's callbacks, on an ingest_job. */
ingest_job *as_job(void *j) { return static_cast<ingest_job *>(j); }
void job_finalize(void *j) { delete as_job(j); }
float job_progress(void *j) { return as_job(j)->progress(); }
const char *job_content(void *j) { return as_job(j)->content(); }
const char *job_serialized(void *) { return nullptr; } /* not kept across restarts */
OrthancPluginJobStepStatus job_step(void *j) { return as_job(j)->step(); }
OrthancPluginErrorCode job_stop(void *, OrthancPluginJobStopReason) {
    return OrthancPluginErrorCode_Success; /* steps are short or uninterruptible */
}
OrthancPluginErrorCode job_reset(void *j) {
    as_job(j)->reset();
    return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode on_change(OrthancPluginChangeType change, OrthancPluginResourceType type,
                                 const char *id) {
    if (change != OrthancPluginChangeType_StableSeries || type != OrthancPluginResourceType_Series)
        return OrthancPluginErrorCode_Success;
    auto *state = new ingest_job(id);
    OrthancPluginJob *job = OrthancPluginCreateJob(e2ec_orthanc_context, state, job_finalize,
                                                   "E2ECIngest", job_progress, job_content,
                                                   job_serialized, job_step, job_stop, job_reset);
    if (!job) {
        delete state;
        e2ec_orthanc_error(std::string("cannot create the ingest job of series ") + id);
        return OrthancPluginErrorCode_Success;
    }
    char *job_id = OrthancPluginSubmitJob(e2ec_orthanc_context, job, 0);
    if (!job_id) {
        OrthancPluginFreeJob(e2ec_orthanc_context, job);
        e2ec_orthanc_error(std::string("cannot submit the ingest job of series ") + id);
        return OrthancPluginErrorCode_Success;
    }
    OrthancPluginLogInfo(e2ec_orthanc_context,
                         (std::string("e2ec: ingest job ") + job_id + " for series " + id).c_str());
    OrthancPluginFreeString(e2ec_orthanc_context, job_id);
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
        cfg.quality.min_psnr = c.get("MinPsnr", -1.0).asDouble();
        cfg.quality.max_error = c.get("MaxError", -1).asInt();
        cfg.quality.max_trials = c.get("MaxTrials", 0).asInt();
        cfg.epochs = c.get("Epochs", 0).asInt();
        cfg.scale = c.get("Scale", 0).asInt();
        cfg.width = c.get("Width", 0).asInt();
        cfg.grid_lambda = c.get("GridLambda", -1.0).asDouble();
        const std::string mode = c.get("Mode", "").asString();
        cfg.mode = e2ec_mode_from_name(mode.c_str());
        if (!cfg.mode && !mode.empty()) {
            e2ec_orthanc_error("\"E2EC\": \"Mode\" must be \"lossless\", \"e2e\", \"siren-ds\", "
                               "\"siren\", \"grid\" or \"latent\", not \"" + mode + "\"");
            return false;
        }
        const std::string preset = c.get("Preset", "medium").asString();
        if (!(cfg.preset = e2ec_preset_from_name(preset.c_str()))) {
            e2ec_orthanc_error("\"E2EC\": \"Preset\" must be \"fast\", \"medium\" or \"slow\", not \"" +
                               preset + "\"");
            return false;
        }
        e2ec_orthanc_threads = c.get("Threads", 0).asInt();
    } catch (const Json::Exception &e) {
        e2ec_orthanc_error(std::string("bad value in the \"E2EC\" configuration: ") + e.what());
        return false;
    }
    const archive_quality &q = cfg.quality;
    std::string why;
    if (q.min_psnr >= 0 && !(q.min_psnr >= 1 && q.min_psnr <= 200))
        why = "\"MinPsnr\" must be within 1..200 dB (-1: none)";
    else if (q.max_error < -1 || q.max_error > 65535)
        why = "\"MaxError\" must be within 0..65535 (-1: none)";
    else if (q.max_trials < 0 || q.max_trials > 16)
        why = "\"MaxTrials\" must be within 1..16 (0: the library's default)";
    else {
        e2ec_params p;
        why = ingest_params(p);
    }
    if (why.empty()) return true;
    e2ec_orthanc_error("\"E2EC\": " + why);
    return false;
}

} // namespace

bool e2ec_orthanc_ingest_start() {
    if (!read_config()) return false;
    if (!cfg.enabled) return true;
    OrthancPluginRegisterOnChangeCallback(e2ec_orthanc_context, on_change);
    OrthancPluginLogWarning(e2ec_orthanc_context,
                            cfg.keep_originals
                                ? "e2ec: ingest compression on, originals kept"
                                : "e2ec: ingest compression on, originals deleted once verified");
    return true;
}
