#include "writer.h"

#include "base/error.h"
#include "write_tasks.h"

namespace deskside::http {

Writer::Writer(WriterOptions options, Logger log)
    : options_(std::move(options)),
      log_(std::move(log)),
      uploads_dir_(options_.dir.root() / "uploads") {
    thread_ = std::thread([this] { run(); });
}

Writer::~Writer() {
    stop();
}

void Writer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        for (auto& job : queue_) job->request_cancel();
        queue_.clear();
        if (running_) running_->request_cancel();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::shared_ptr<Job> Writer::submit(JobSpec spec) {
    std::lock_guard lock(mutex_);
    if (stopping_) throw Error(ErrorCode::busy, "the service is stopping");
    if (queue_.size() >= options_.max_queued)
        throw Error(ErrorCode::busy, "the write queue is full (" +
                                         std::to_string(options_.max_queued) +
                                         " jobs waiting): try again later");
    auto job = std::make_shared<Job>(next_id_++, std::move(spec));
    jobs_.emplace(job->id(), job);
    queue_.push_back(job);
    forget_old_jobs();
    wake_.notify_one();
    return job;
}

std::shared_ptr<Job> Writer::find(std::int64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Job>> Writer::list() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Job>> out;
    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) out.push_back(it->second);
    return out;
}

std::size_t Writer::depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size() + (running_ ? 1 : 0);
}

std::uint64_t Writer::generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

std::map<std::pair<JobKind, JobStatus>, std::int64_t> Writer::finished_counts() const {
    std::lock_guard lock(mutex_);
    return finished_counts_;
}

void Writer::forget_old_jobs() {
    std::size_t finished = 0;
    for (const auto& [id, job] : jobs_)
        if (is_finished(job->status())) ++finished;
    for (auto it = jobs_.begin(); it != jobs_.end() && finished > options_.max_kept;) {
        if (is_finished(it->second->status())) {
            it = jobs_.erase(it);
            --finished;
        } else {
            ++it;
        }
    }
}

void Writer::run() {
    for (;;) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = queue_.front();
            queue_.pop_front();
            if (!job->start()) {  // cancelled while it waited
                ++finished_counts_[{job->kind(), JobStatus::cancelled}];
                continue;
            }
            running_ = job;
        }
        execute(*job);
        std::lock_guard lock(mutex_);
        running_.reset();
        ++finished_counts_[{job->kind(), job->status()}];
        forget_old_jobs();
    }
}

void Writer::execute(Job& job) {
    WriteContext context{options_.dir, options_.index, options_.embedding, uploads_dir_, log_};
    log_.info("job started",
              {{"id", std::to_string(job.id())}, {"kind", std::string(job_kind_name(job.kind()))}});
    auto bump = [&] {
        std::lock_guard lock(mutex_);
        ++generation_;
    };
    try {
        TaskOutcome outcome;
        switch (job.kind()) {
            case JobKind::reindex:
                outcome = run_reindex(job, context);
                break;
            case JobKind::upload:
                outcome = run_upload(job, context);
                break;
            case JobKind::remove:
                outcome = run_remove(job, context);
                break;
        }
        if (outcome.changed) bump();
        job.finish(JobStatus::done, std::move(outcome.summary), std::move(outcome.result));
    } catch (const JobCancelled&) {
        bump();  // what was committed before the cancel is visible
        job.finish(JobStatus::cancelled, nullptr, nullptr,
                   "cancelled: the files indexed before the cancel stay indexed");
    } catch (const Error& e) {
        bump();
        job.finish(JobStatus::failed, nullptr, nullptr, e.what(), e.code());
    } catch (const std::exception& e) {
        bump();
        job.finish(JobStatus::failed, nullptr, nullptr, e.what(), ErrorCode::internal);
    }
    if (job.status() == JobStatus::failed)
        log_.warn("job failed", {{"id", std::to_string(job.id())}, {"message", job.message()}});
    else
        log_.info("job finished", {{"id", std::to_string(job.id())},
                                   {"status", std::string(job_status_name(job.status()))}});
    // A staged upload that was not placed (failed or cancelled job) is not kept.
    if (!job.spec().staging_dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(job.spec().staging_dir, ec);
    }
}

}  // namespace deskside::http
