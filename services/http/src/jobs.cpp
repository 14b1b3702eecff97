#include "jobs.h"

#include <ctime>

#include "api/json_output.h"

namespace deskside::http {

namespace {

std::int64_t now_seconds() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

nlohmann::json time_or_null(std::int64_t unix_seconds) {
    return unix_seconds ? nlohmann::json(api::iso_time(unix_seconds)) : nlohmann::json();
}

}  // namespace

std::string_view job_kind_name(JobKind kind) {
    switch (kind) {
        case JobKind::reindex:
            return "reindex";
        case JobKind::upload:
            return "upload";
        case JobKind::remove:
            return "delete";
    }
    return "reindex";
}

std::string_view job_status_name(JobStatus status) {
    switch (status) {
        case JobStatus::queued:
            return "queued";
        case JobStatus::running:
            return "running";
        case JobStatus::done:
            return "done";
        case JobStatus::failed:
            return "failed";
        case JobStatus::cancelled:
            return "cancelled";
    }
    return "queued";
}

bool is_finished(JobStatus status) {
    return status == JobStatus::done || status == JobStatus::failed ||
           status == JobStatus::cancelled;
}

Job::Job(std::int64_t id, JobSpec spec) : id_(id), spec_(std::move(spec)), created_(now_seconds()) {
    // Known before it runs, so a queued upload already shows its size.
    for (const auto& file : spec_.files) {
        ++progress_.files_total;
        progress_.bytes_total += file.size;
    }
}

nlohmann::json Job::to_json() const {
    std::lock_guard lock(mutex_);
    // A collection re-indexed file by file can have thousands of roots: show the first few.
    nlohmann::json roots = nlohmann::json::array();
    for (const auto& root : spec_.roots) {
        if (roots.size() >= kMaxRootsShown) break;
        roots.push_back(root.string());
    }
    double seconds = seconds_;
    if (status_ == JobStatus::running)
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - running_since_)
                      .count();
    double rate = seconds > 0 ? static_cast<double>(progress_.files_done) / seconds : 0.0;
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& [path, reason] : errors_)
        errors.push_back({{"path", path}, {"reason", reason}});
    nlohmann::json out = {
        {"id", id_},
        {"kind", job_kind_name(spec_.kind)},
        {"status", job_status_name(status_)},
        {"collection", spec_.collection},
        {"roots", roots},
        {"roots_total", spec_.roots.size()},
        {"prune", spec_.prune},
        {"files_done", progress_.files_done},
        {"files_total", progress_.files_total},
        {"bytes_done", progress_.bytes_done},
        {"bytes_total", progress_.bytes_total},
        {"failed", progress_.failed},
        {"rate_files_per_s", rate},
        {"errors", errors},
        {"errors_total", errors_total_},
        {"created", time_or_null(created_)},
        {"started", time_or_null(started_)},
        {"finished", time_or_null(finished_)},
        {"seconds", seconds},
        {"summary", summary_},
        {"message", message_.empty() ? nlohmann::json() : nlohmann::json(message_)},
        {"cancel_requested", cancel_.load()},
    };
    if (code_) out["error_code"] = std::string(error_code_name(*code_));
    if (spec_.kind == JobKind::upload)
        out["documents"] = result_.is_null() ? nlohmann::json::array() : result_;
    if (spec_.kind == JobKind::remove) {
        out["document_id"] = spec_.document_id;
        out["document"] = result_;
    }
    return out;
}

JobStatus Job::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

std::optional<ErrorCode> Job::error_code() const {
    std::lock_guard lock(mutex_);
    return code_;
}

std::string Job::message() const {
    std::lock_guard lock(mutex_);
    return message_;
}

nlohmann::json Job::result() const {
    std::lock_guard lock(mutex_);
    return result_;
}

bool Job::wait_finished(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return finished_cv_.wait_for(lock, timeout, [&] { return is_finished(status_); });
}

bool Job::request_cancel() {
    std::lock_guard lock(mutex_);
    if (is_finished(status_)) return false;
    cancel_ = true;
    if (status_ == JobStatus::queued) {
        status_ = JobStatus::cancelled;
        finished_ = now_seconds();
        message_ = "cancelled before it started";
        finished_cv_.notify_all();
    }
    return true;
}

bool Job::start() {
    std::lock_guard lock(mutex_);
    if (status_ != JobStatus::queued) return false;
    status_ = JobStatus::running;
    started_ = now_seconds();
    running_since_ = std::chrono::steady_clock::now();
    return true;
}

void Job::set_progress(const ingest::ProgressState& state) {
    std::lock_guard lock(mutex_);
    progress_ = state;
}

void Job::set_errors(std::vector<std::pair<std::string, std::string>> errors, std::int64_t total) {
    std::lock_guard lock(mutex_);
    if (errors.size() > kMaxErrors) errors.resize(kMaxErrors);
    errors_ = std::move(errors);
    errors_total_ = total;
}

void Job::finish(JobStatus status, nlohmann::json summary, nlohmann::json result,
                 std::string message, std::optional<ErrorCode> code) {
    std::lock_guard lock(mutex_);
    status_ = status;
    finished_ = now_seconds();
    if (started_)
        seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - running_since_)
                       .count();
    summary_ = std::move(summary);
    result_ = std::move(result);
    message_ = std::move(message);
    code_ = code;
    finished_cv_.notify_all();
}

}  // namespace deskside::http
