// What each write job does, run on the Writer's thread (writer.h): re-index folders or files,
// place and index uploaded files, delete a document. Each returns the job's summary and
// result as JSON and throws deskside::Error when the job fails (busy when another process
// holds the index lock), or JobCancelled when the job was cancelled mid-way (committed
// batches stay; a later run resumes).
//
// Vectors follow the catalog after every job (vectors::sync_vectors), as after `deskside
// index`; a sync that fails is reported in the summary without failing the job.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "ingest/pipeline.h"
#include "jobs.h"
#include "store/data_dir.h"
#include "vectors/embeddings.h"

namespace deskside::http {

struct JobCancelled {};

struct WriteContext {
    const store::DataDir& dir;
    const ingest::IndexOptions& index;
    const vectors::EmbeddingConfig& embedding;
    const std::filesystem::path& uploads_dir;
    const Logger& log;
};

struct TaskOutcome {
    nlohmann::json summary;
    nlohmann::json result;
    bool changed = false;  // the index changed: readers must reopen
};

TaskOutcome run_reindex(Job& job, const WriteContext& context);
TaskOutcome run_upload(Job& job, const WriteContext& context);
TaskOutcome run_remove(Job& job, const WriteContext& context);

}  // namespace deskside::http
