// The JSON API under /api/ and the OpenAI-compatible endpoints under /v1/ (OpenAiRoutes,
// openai_routes.h), independent of the HTTP library: a request is a method, a decoded
// path, decoded query parameters and a RequestBody; a reply is a JSON body, a file or a stream
// of Server-Sent Events, with a status and extra headers. Every route, field and error is in
// docs/api.md:
//
//   GET    /api/health                    GET  /api/status[?errors=1]
//   GET    /api/search?q=...              POST /api/ask {"question",...,"stream"}
//   GET    /api/collections               GET  /api/documents/{id}[/file]
//   POST   /api/documents (multipart)     DELETE /api/documents/{id}
//   POST   /api/jobs/reindex              GET  /api/jobs, /api/jobs/{id}
//   POST   /api/jobs/{id}/cancel          DELETE /api/jobs/{id}
//
// Failures become error_body() replies with the status from http_status_for() or HttpError
// (under /v1/, OpenAI's error shape instead).
// ApiRoutes owns the searcher and answerer pools and the Writer (the one thread that writes
// the index); handle() may be called from any number of threads at once.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "answer/grounded_answerer.h"
#include "api/json_output.h"
#include "api_reply.h"
#include "base/log.h"
#include "http/http_server.h"
#include "metrics.h"
#include "openai_routes.h"
#include "request_body.h"
#include "retriever/hybrid_search.h"
#include "searcher_pool.h"
#include "store/data_dir.h"
#include "writer.h"

namespace deskside::http {

class ApiRoutes {
  public:
    ApiRoutes(const ServerOptions& options, Metrics& metrics, Logger log);
    ~ApiRoutes();

    ApiReply handle(const ApiRequest& request);

    // The error reply for the exception being handled (call inside a catch block): Error →
    // its table status, HttpError → its own; anything else is 500 and logged.
    ApiReply error_reply(const std::string& path) const;

    // Values read at scrape time for /metrics: index sizes, the writer's queue, jobs.
    std::vector<ScrapedValue> scrape();

    // Stops the writer (cancelling its running job). Idempotent.
    void stop();

  private:
    ApiReply search(const ApiRequest& request);
    ApiReply ask(const ApiRequest& request);
    ApiReply status(const ApiRequest& request);
    ApiReply collections(const ApiRequest& request);
    ApiReply get_document(std::int64_t id);
    ApiReply get_document_file(std::int64_t id);
    ApiReply upload_documents(const ApiRequest& request);
    ApiReply delete_document(std::int64_t id);
    ApiReply reindex(const ApiRequest& request);
    ApiReply list_jobs(const ApiRequest& request);
    ApiReply get_job(std::int64_t id);
    ApiReply cancel_job(std::int64_t id);

    // Waits for a write job the request started: its result when it finishes in time, else
    // 202 with the job.
    ApiReply wait_for_job(const std::shared_ptr<Job>& job, int success_status);
    std::vector<api::CollectionSummary> collection_summaries();
    std::uint64_t index_version() const;

    const ServerOptions options_;
    const store::DataDir dir_;
    const Logger log_;
    Metrics& metrics_;
    Writer writer_;
    HandlePool<retriever::HybridSearcher> searchers_;
    HandlePool<answer::GroundedAnswerer> answerers_;
    OpenAiRoutes openai_;

    std::mutex collections_mutex_;
    std::string collections_key_;  // what the cached summaries were read from
    std::vector<api::CollectionSummary> collections_cache_;

    std::mutex scrape_mutex_;
    std::chrono::steady_clock::time_point scraped_at_{};
    std::vector<ScrapedValue> scrape_cache_;
};

// The route template of a path, for metrics ("/api/documents/{id}"); "/api/unknown" for an
// unknown API path, "/v1/chat/completions" and the other /v1/ routes ("/v1/unknown"),
// "/metrics", or "static" for the page's files.
std::string route_label(const std::string& path);

// Splits a raw (percent-encoded) query string into decoded name/value pairs; '+' is a space.
// Throws Error(invalid_argument) on a malformed percent escape.
std::vector<std::pair<std::string, std::string>> parse_query_string(const std::string& raw);

}  // namespace deskside::http
