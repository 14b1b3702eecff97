// Progress reporting for an indexing run. The pipeline calls a ProgressSink from its writer
// thread only; implementations need not be thread-safe.
//
// TerminalProgress draws a one-line bar on a terminal (files, MB, rate, ETA), redrawn at most
// ten times a second, and erases it at the end so the caller's summary line stands alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace deskside::ingest {

struct ProgressState {
    std::int64_t files_total = 0;
    std::int64_t bytes_total = 0;
    std::int64_t files_done = 0;
    std::int64_t bytes_done = 0;
    std::int64_t failed = 0;
};

class ProgressSink {
  public:
    virtual ~ProgressSink() = default;
    virtual void update(const ProgressState& state) = 0;
    virtual void finish() = 0;
};

class TerminalProgress : public ProgressSink {
  public:
    explicit TerminalProgress(std::FILE* out = stderr);
    void update(const ProgressState& state) override;
    void finish() override;

  private:
    std::FILE* out_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool drawn_ = false;
};

// "1.2 s", "3 min 4 s", "1 h 2 min".
std::string format_duration(double seconds);

}  // namespace deskside::ingest
