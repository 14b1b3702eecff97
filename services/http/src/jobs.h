// A write job of the service: a re-index of folders or a collection, an upload to index, or a
// document to delete. Jobs are created by HTTP workers, run one at a time by the Writer
// (writer.h) and read by anyone (GET /api/jobs/{id}).
//
// Job is thread-safe: the writer thread updates its status and progress, any thread takes a
// JSON snapshot, waits for it to finish or asks it to cancel. Its JobSpec is immutable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "ingest/progress.h"

namespace deskside::http {

enum class JobKind { reindex, upload, remove };
enum class JobStatus { queued, running, done, failed, cancelled };

std::string_view job_kind_name(JobKind kind);        // "reindex", "upload", "delete"
std::string_view job_status_name(JobStatus status);  // "queued", "running", ...
bool is_finished(JobStatus status);                  // done, failed or cancelled

// An uploaded file waiting in the staging folder for the writer to place and index it.
struct StagedFile {
    std::string name;              // sanitised file name (file_names.h)
    std::filesystem::path staged;  // where its bytes are now
    std::int64_t size = 0;
};

struct JobSpec {
    JobKind kind = JobKind::reindex;
    std::string collection = "default";
    // reindex: the folders or files to walk; prune removes documents under them whose files
    // are gone. `missing` lists known files that no longer exist (removed when pruning).
    std::vector<std::filesystem::path> roots;
    std::vector<std::string> missing;
    bool prune = false;
    // upload: the files, and the staging folder removed when the job ends.
    std::vector<StagedFile> files;
    std::filesystem::path staging_dir;
    // remove: the document to delete.
    std::int64_t document_id = 0;
};

class Job {
  public:
    Job(std::int64_t id, JobSpec spec);

    std::int64_t id() const { return id_; }
    JobKind kind() const { return spec_.kind; }
    const JobSpec& spec() const { return spec_; }

    // {"id","kind","status","collection","roots","roots_total","prune","files_done","files_total",
    //  "bytes_done","bytes_total","failed","rate_files_per_s","errors":[{"path","reason"}],
    //  "errors_total","created","started","finished","summary","message", and "documents"
    //  (upload) or "document" (delete)}
    nlohmann::json to_json() const;
    JobStatus status() const;
    // The error that failed the job (code), when status() is failed.
    std::optional<ErrorCode> error_code() const;
    std::string message() const;
    // The job's own result: the upload's documents, the deleted document.
    nlohmann::json result() const;

    // Waits until the job is finished or `timeout` passes; true when finished.
    bool wait_finished(std::chrono::milliseconds timeout) const;
    bool cancel_requested() const { return cancel_.load(); }

    // ---- the writer thread
    // Marks a queued job cancelled at once, or asks a running one to stop. False when the job
    // has already finished.
    bool request_cancel();
    // False when the job was cancelled while queued (then it must not run).
    bool start();
    void set_progress(const ingest::ProgressState& state);
    // Failures recorded so far by this job (the first kMaxErrors are kept).
    void set_errors(std::vector<std::pair<std::string, std::string>> errors, std::int64_t total);
    void finish(JobStatus status, nlohmann::json summary, nlohmann::json result,
                std::string message = {}, std::optional<ErrorCode> code = std::nullopt);

    static constexpr std::size_t kMaxErrors = 1000;
    static constexpr std::size_t kMaxRootsShown = 20;

  private:
    const std::int64_t id_;
    const JobSpec spec_;
    std::atomic<bool> cancel_{false};

    mutable std::mutex mutex_;
    mutable std::condition_variable finished_cv_;
    JobStatus status_ = JobStatus::queued;
    std::int64_t created_ = 0, started_ = 0, finished_ = 0;  // Unix seconds
    std::chrono::steady_clock::time_point running_since_;
    double seconds_ = 0;  // running time once finished
    ingest::ProgressState progress_;
    std::vector<std::pair<std::string, std::string>> errors_;
    std::int64_t errors_total_ = 0;
    nlohmann::json summary_;
    nlohmann::json result_;
    std::string message_;
    std::optional<ErrorCode> code_;
};

}  // namespace deskside::http
