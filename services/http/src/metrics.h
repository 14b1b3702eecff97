// The service's own counters for GET /metrics (Prometheus text format 0.0.4): requests by
// route, method and status; latency histograms by route; answers and their generation speed;
// the OpenAI-compatible completions and embeddings (/v1/) and the tokens they used.
// Gauges that describe the index or the queues are read when scraped and passed to render().
//
// Thread-safe: every method may be called from any thread (one mutex; updates are a map
// lookup and a few additions, far cheaper than the requests they count).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace deskside::http {

// A value read at scrape time: name, help, type ("gauge" or "counter"), labels, value.
struct ScrapedValue {
    std::string name;
    std::string help;
    std::string type = "gauge";
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
};

class Metrics {
  public:
    Metrics();

    // One finished request; `route` is a template such as "/api/documents/{id}".
    void record_request(const std::string& route, const std::string& method, int status,
                        double seconds);
    void request_started();
    void request_finished();

    // Answers: started and finished (by outcome: "answered", "not_answered", "cancelled",
    // "busy", "error"), with the pieces of text streamed and the time from first to last.
    void answer_started();
    void answer_finished(const std::string& outcome, std::int64_t pieces, double seconds);

    // OpenAI-compatible chat completions: started and finished (by outcome: "stop", "length",
    // "cancelled", "busy", "error"), with the model's token counts and the generation time.
    void completion_started();
    void completion_finished(const std::string& outcome, std::int64_t prompt_tokens,
                             std::int64_t completion_tokens, double seconds);
    // OpenAI-compatible embeddings: texts embedded by one request.
    void embeddings_done(std::int64_t inputs);

    // The whole exposition: our counters and histograms, then `scraped`.
    std::string render(const std::vector<ScrapedValue>& scraped) const;

    // Latency buckets, seconds (upper bounds; +Inf is implicit).
    static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,   0.25,   0.5,   1,    2.5,   10};

  private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;
    };

    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point started_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> latency_;  // by route
    std::int64_t in_flight_ = 0;
    std::int64_t answers_in_flight_ = 0;
    std::map<std::string, std::uint64_t> answers_;  // by outcome
    std::uint64_t generated_pieces_ = 0;
    double generation_seconds_ = 0;
    double last_pieces_per_second_ = 0;
    std::int64_t completions_in_flight_ = 0;
    std::map<std::string, std::uint64_t> completions_;  // by outcome
    std::uint64_t prompt_tokens_ = 0;
    std::uint64_t completion_tokens_ = 0;
    double completion_seconds_ = 0;
    std::uint64_t embedding_inputs_ = 0;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string escape_label(const std::string& value);

}  // namespace deskside::http
