// Runs an external converter program (antiword, catdoc, xls2csv, catppt) on a document held in
// memory and collects what it prints. The program is looked up on a search path at run time;
// the document reaches it as /dev/fd/3, an anonymous memory file, so nothing is left on disk
// when the worker process is killed mid-file. The child is started with posix_spawn (safe in a
// multi-threaded process: no fork of our heap, close-on-exec pipes), stdout is read up to a
// cap, and the child is killed at the deadline or the per-converter time limit.
//
// Thread-safe: each call owns its pipes and child. Fails only on the OS refusing resources
// (Error(io)); a converter that fails is reported in the result, for the caller to word.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::ingest::legacy {

struct ConverterRequest {
    std::vector<std::string> args;  // arguments before the input path
    std::string_view input;         // the document's bytes, given as the last argument
    std::int64_t max_output_bytes = 256ll << 20;  // stdout beyond this is cut, child killed
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    // Per-run limit on top of the deadline: a converter stuck in a loop on a bad file.
    std::chrono::milliseconds time_limit = std::chrono::seconds(30);
};

struct ConverterResult {
    int exit_status = -1;           // exit code when the program exited; -1 when killed by a signal
    int signal = 0;                 // the signal that ended it, 0 if it exited
    bool timed_out = false;         // killed at the deadline or time limit
    bool output_truncated = false;  // killed because stdout passed max_output_bytes
    std::string out;                // stdout (up to max_output_bytes)
    std::string err;                // stderr (first 64 KiB)

    bool ok() const { return exit_status == 0 && !timed_out && !output_truncated; }
    // The first non-empty line of stderr, else of stdout (converters print errors on
    // either), trimmed; for failure reasons.
    std::string first_message() const;
};

// The executable file `program` in one of `search_path`'s folders ($PATH when empty).
std::optional<std::filesystem::path> find_program(std::string_view program,
                                                  std::string_view search_path = {});

// Runs `executable` (from find_program) on the request's input; throws Error(io) when the OS
// refuses a pipe, the memory file or the spawn.
ConverterResult run_converter(const std::filesystem::path& executable,
                              const ConverterRequest& request);

}  // namespace deskside::ingest::legacy
