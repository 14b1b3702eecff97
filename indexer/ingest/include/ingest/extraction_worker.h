// Runs extraction in a separate worker process, so that a parser that crashes, hangs or runs
// away with memory on a hostile file costs that file only: the worker is killed and restarted,
// the file is recorded as crashed / timeout, and the batch goes on (as Omega's omindex does).
//
// The worker is this same program started with a hidden subcommand (`deskside extract-worker`)
// that calls run_extraction_worker(). Parent and worker talk over a socket pair with
// length-prefixed binary frames: request = file path, bytes and options; response = the
// extracted items (ingest/extraction.h).
//
// An ExtractionWorker (the parent's handle on one worker process) is used by one thread at a
// time; the pipeline gives each of its extraction threads its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extraction.h"

namespace deskside::ingest {

struct WorkerCommand {
    std::filesystem::path program;        // the executable to start ("/proc/self/exe" resolved)
    std::vector<std::string> arguments;   // e.g. {"extract-worker"}
    std::int64_t memory_limit_mb = 2048;  // address-space cap of the worker (RLIMIT_AS)
};

class ExtractionWorker {
  public:
    // `time_limit`: the most one file may take; the worker is killed a few seconds after it
    // (extractors check the same deadline themselves and normally stop first).
    ExtractionWorker(WorkerCommand command, std::chrono::seconds time_limit);
    ~ExtractionWorker();
    ExtractionWorker(const ExtractionWorker&) = delete;
    ExtractionWorker& operator=(const ExtractionWorker&) = delete;

    // Like extract_tree, in the worker process (started on first use, restarted after a
    // crash). Never throws for a problem of the file; throws Error(internal) when no worker
    // can be started at all.
    std::vector<ExtractedItem> extract(const std::filesystem::path& path, std::string_view bytes,
                                       const ExtractOptions& options, const TreeLimits& limits);

  private:
    void start();
    void stop(bool kill_first);
    std::string death_reason();

    WorkerCommand command_;
    std::chrono::seconds time_limit_;
    int socket_ = -1;
    int pid_ = -1;
};

// The worker's main loop: serves requests on stdin/stdout (a socket) until the parent closes
// it. Returns the process exit status.
int run_extraction_worker(std::int64_t memory_limit_mb);

}  // namespace deskside::ingest
