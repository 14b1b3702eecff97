// The OpenAI-compatible endpoints under /v1/, so an office's other tools (and another Deskside
// with llm.backend=openai) can use this box's models (docs/api.md, "OpenAI-compatible
// endpoints"):
//
//   POST /v1/chat/completions   on ServerOptions::generator, streamed (SSE "data:" chunks,
//                               then "data: [DONE]") or not
//   POST /v1/embeddings         on ServerOptions::embedder
//   GET  /v1/models             the models above
//
// Errors are OpenAI's shape, {"error":{"message","type","param","code"}} with our stable code
// and the status of error_status.h; a route whose model is not loaded is 404 model_not_found.
// OpenAiRoutes shares the generator and embedder (thread-safe by their contracts) and the
// Metrics; handle() may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api_reply.h"
#include "base/log.h"
#include "embed/embedder.h"
#include "llm/text_generator.h"
#include "metrics.h"

namespace deskside::http {

struct ServerOptions;

class OpenAiRoutes {
  public:
    OpenAiRoutes(const ServerOptions& options, Metrics& metrics, Logger log);

    // True for the paths this class answers: "/v1" and "/v1/...".
    static bool owns(const std::string& path);

    // Answers one /v1/ request; never throws (failures are error replies).
    ApiReply handle(const ApiRequest& request);

    // The OpenAI-shaped error reply for the exception being handled (call inside a catch
    // block): Error → its table status (503 busy with Retry-After), HttpError → its own,
    // anything else 500 (logged).
    ApiReply error_reply(const std::string& path) const;

  private:
    ApiReply route(const ApiRequest& request);
    ApiReply chat_completions(const ApiRequest& request);
    ApiReply embeddings(const ApiRequest& request);
    ApiReply models() const;

    // generate() with the completion metrics: outcome, tokens and time.
    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text);

    const std::shared_ptr<llm::TextGenerator> generator_;
    const std::shared_ptr<embed::Embedder> embedder_;
    const std::int64_t max_body_bytes_;
    const std::int64_t started_at_;  // Unix seconds: the models' "created"
    Metrics& metrics_;
    const Logger log_;
};

}  // namespace deskside::http
