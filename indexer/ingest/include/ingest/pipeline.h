// The indexing pipeline behind `deskside index`: walk the folders, skip what has not changed
// (size and mtime, then content hash), extract and chunk the rest on worker threads, and hand
// batches to the single IndexWriter (see store/index_writer.h for the order of commits).
// A file that fails is recorded in the catalog with a one-line reason and the batch goes on.
// Attachments (ingest/extraction.h) become documents of their own, replaced and removed with
// the file that holds them.
//
// run_index is called from one thread; it starts and joins its own workers. The ProgressSink
// is called from the calling thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "ingest/chunker.h"
#include "ingest/extraction_worker.h"
#include "ingest/file_walker.h"
#include "ingest/progress.h"
#include "store/data_dir.h"
#include "store/index_writer.h"

namespace deskside::ingest {

struct IndexOptions {
    std::vector<std::filesystem::path> roots;  // folders or files
    std::string collection = "default";
    bool prune = false;  // remove documents under the roots whose files are gone
    std::int64_t max_file_bytes = 256ll << 20;
    int threads = 0;  // extraction workers; 0 = one per core
    WalkOptions walk;
    ChunkOptions chunk;
    store::KeywordIndexConfig keyword;
    ExtractOptions extract;                  // caps and OCR switches (its deadline is set per file)
    TreeLimits tree;                         // attachments: depth and count
    std::chrono::seconds file_timeout{300};  // the most one file (with its attachments) may take
    // When set, extraction runs in worker processes started with this command (one per
    // thread), so a parser crash or hang costs one file; otherwise it runs in this process.
    std::optional<WorkerCommand> worker;
};

struct IndexSummary {
    std::int64_t files_seen = 0;
    std::int64_t indexed = 0;      // new or changed documents written (attachments included)
    std::int64_t attachments = 0;  // of those, documents found inside files
    std::int64_t unchanged = 0;    // skipped by size+mtime or content hash
    std::int64_t failed = 0;       // files that could not be indexed this run
    std::int64_t removed = 0;      // documents pruned
    std::int64_t bytes_read = 0;
    std::int64_t passages = 0;  // passages written
    double seconds = 0;
    store::RecoveryReport recovery;  // what an interrupted earlier run left, now repaired
};

IndexSummary run_index(const store::DataDir& dir, const IndexOptions& options,
                       ProgressSink* progress, const Logger& log,
                       store::IndexWriter::StepHook hook = {});

// The hex XXH3-128 digest used as a document's content hash.
std::string content_hash(std::string_view bytes);

}  // namespace deskside::ingest
