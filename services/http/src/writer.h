// The service's single writer: one thread that runs every write job (uploads, deletions,
// re-index jobs) in the order they were submitted, so the data directory has one writer as
// docs/architecture.md requires. Each job takes the index lock for its duration only, so a
// `deskside index` from the command line can run between jobs (and a job that meets it fails
// with `busy`).
//
// Thread-safe: submit, find, list and cancel may be called from any thread. The destructor
// (or stop()) cancels the running job — run_index stops at its next file; what it committed
// stays and a later run resumes — cancels the queued ones and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/log.h"
#include "ingest/pipeline.h"
#include "jobs.h"
#include "store/data_dir.h"
#include "vectors/embeddings.h"

namespace deskside::http {

struct WriterOptions {
    store::DataDir dir{"."};
    ingest::IndexOptions index;  // roots, collection and prune are set per job
    vectors::EmbeddingConfig embedding;
    std::size_t max_queued = 256;  // jobs waiting; more are refused with Error(busy)
    std::size_t max_kept = 100;    // finished jobs remembered for GET /api/jobs
};

class Writer {
  public:
    Writer(WriterOptions options, Logger log);
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    // Queues a job; Error(busy) when the queue is full.
    std::shared_ptr<Job> submit(JobSpec spec);
    std::shared_ptr<Job> find(std::int64_t id) const;
    // Known jobs, newest first: every queued or running job and the last finished ones.
    std::vector<std::shared_ptr<Job>> list() const;
    // Jobs queued or running.
    std::size_t depth() const;
    // Counts the jobs that changed the index; readers compare it to reopen their handles.
    std::uint64_t generation() const;
    // Jobs finished so far, by kind and final status (for /metrics).
    std::map<std::pair<JobKind, JobStatus>, std::int64_t> finished_counts() const;

    void stop();

    const std::filesystem::path& uploads_dir() const { return uploads_dir_; }

  private:
    void run();
    void execute(Job& job);
    void forget_old_jobs();  // under mutex_

    const WriterOptions options_;
    const Logger log_;
    const std::filesystem::path uploads_dir_;  // DATA_DIR/uploads

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::shared_ptr<Job> running_;
    std::map<std::int64_t, std::shared_ptr<Job>> jobs_;  // by id
    std::map<std::pair<JobKind, JobStatus>, std::int64_t> finished_counts_;
    std::int64_t next_id_ = 1;
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace deskside::http
