// POST /v1/chat/completions, POST /v1/embeddings and GET /v1/models (OpenAiRoutes,
// openai_routes.h); the wire format is in openai_protocol.h.
#include <chrono>
#include <ctime>

#include "base/error.h"
#include "http/error_status.h"
#include "http/http_server.h"
#include "openai_protocol.h"
#include "openai_routes.h"

namespace deskside::http {

namespace {

using nlohmann::json;

// Chunks may carry model text that is not valid UTF-8 (a model is free to emit anything).
std::string json_text(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void allow(const ApiRequest& request, const char* method) {
    bool ok =
        request.method == method || (std::string_view(method) == "GET" && request.method == "HEAD");
    if (ok) return;
    std::string allowed = std::string_view(method) == "GET" ? "GET, HEAD" : method;
    throw HttpError(405, "method_not_allowed",
                    request.method + " is not allowed on " + request.path + "; use " + allowed,
                    {{"Allow", allowed}});
}

std::string outcome_name(llm::FinishReason finish) {
    switch (finish) {
        case llm::FinishReason::stop:
            return "stop";
        case llm::FinishReason::length:
            return "length";
        case llm::FinishReason::cancelled:
            return "cancelled";
    }
    return "stop";
}

}  // namespace

OpenAiRoutes::OpenAiRoutes(const ServerOptions& options, Metrics& metrics, Logger log)
    : generator_(options.generator),
      embedder_(options.embedder),
      max_body_bytes_(options.max_v1_json_bytes),
      started_at_(static_cast<std::int64_t>(std::time(nullptr))),
      metrics_(metrics),
      log_(std::move(log)) {}

bool OpenAiRoutes::owns(const std::string& path) {
    return path == "/v1" || path.rfind("/v1/", 0) == 0;
}

ApiReply OpenAiRoutes::handle(const ApiRequest& request) {
    try {
        return route(request);
    } catch (...) {
        return error_reply(request.path);
    }
}

ApiReply OpenAiRoutes::route(const ApiRequest& request) {
    // Query parameters are ignored: OpenAI's routes take none, and some clients add their own
    // (Azure's api-version).
    const std::string& path = request.path;
    if (path == "/v1/chat/completions") {
        allow(request, "POST");
        return chat_completions(request);
    }
    if (path == "/v1/embeddings") {
        allow(request, "POST");
        return embeddings(request);
    }
    if (path == "/v1/models") {
        allow(request, "GET");
        return models();
    }
    throw HttpError(404, "route_not_found",
                    "no OpenAI-compatible route " + request.method + " " + path +
                        " (Deskside serves POST /v1/chat/completions, POST /v1/embeddings and "
                        "GET /v1/models)");
}

ApiReply OpenAiRoutes::error_reply(const std::string& path) const {
    try {
        throw;
    } catch (const HttpError& e) {
        return {
            e.status(), openai::error_json(e.status(), e.code(), e.what()), e.headers(), {}, {}};
    } catch (const Error& e) {
        int status = http_status_for(e.code());
        ApiReply reply{
            status, openai::error_json(status, error_code_name(e.code()), e.what()), {}, {}, {}};
        if (status == 503)
            reply.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
        if (status >= 500)
            log_.error("request failed", {{"path", path},
                                          {"code", std::string(error_code_name(e.code()))},
                                          {"message", e.what()}});
        return reply;
    } catch (const std::exception& e) {
        log_.error("request failed", {{"path", path}, {"code", "internal"}, {"message", e.what()}});
    } catch (...) {
        log_.error("request failed", {{"path", path}, {"code", "internal"}});
    }
    return {500,
            openai::error_json(500, "internal", "internal error (the server log has the details)"),
            {},
            {},
            {}};
}

llm::GenerationResult OpenAiRoutes::generate(const llm::GenerationRequest& request,
                                             const llm::TextCallback& on_text) {
    metrics_.completion_started();
    auto started = std::chrono::steady_clock::now();
    try {
        llm::GenerationResult result = generator_->generate(request, on_text);
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        metrics_.completion_finished(outcome_name(result.finish), result.prompt_tokens,
                                     result.generated_tokens, seconds);
        return result;
    } catch (const Error& e) {
        metrics_.completion_finished(e.code() == ErrorCode::busy ? "busy" : "error", 0, 0, 0);
        throw;
    } catch (...) {
        metrics_.completion_finished("error", 0, 0, 0);
        throw;
    }
}

ApiReply OpenAiRoutes::chat_completions(const ApiRequest& request) {
    json body = request.body->read_json_object(max_body_bytes_);
    if (!generator_)
        throw HttpError(404, "model_not_found",
                        "no language model is loaded, so there are no chat completions: set "
                        "llm.backend=local and llm.model=FILE.gguf (or llm.backend=openai) and "
                        "restart deskside serve");
    openai::ChatCompletionRequest chat = openai::parse_chat_completion_request(
        body, generator_->context_tokens(), openai::random_seed());
    if (request.client_gone)
        chat.generation.still_wanted = [gone = request.client_gone] { return !gone(); };
    openai::CompletionIds ids{"chatcmpl-" + openai::random_id(),
                              static_cast<std::int64_t>(std::time(nullptr)),
                              generator_->model_name()};

    if (!chat.stream) {
        // Nothing is written until the end, so a client that leaves is noticed by looking at
        // its socket; then generation stops as it would for a stream.
        auto on_text = [&](std::string_view) {
            return !(request.client_gone && request.client_gone());
        };
        llm::GenerationResult result = generate(chat.generation, on_text);
        return {200, openai::chat_completion_json(ids, result), {}, {}, {}};
    }

    ApiReply reply;
    std::string path = request.path;
    reply.stream = [this, chat = std::move(chat), ids = std::move(ids),
                    path = std::move(path)](EventStream& events) {
        bool gone = false;
        bool role_sent = false;
        auto send = [&](const json& chunk) {
            if (!gone && !events.send_data(json_text(chunk))) gone = true;
            return !gone;
        };
        // The first chunk names the role. It waits for the first piece of text, so an error
        // before any (busy, a prompt too long) is still answered with its status as JSON.
        auto send_role = [&] {
            if (role_sent) return !gone;
            role_sent = true;
            return send(openai::chat_chunk_json(ids, {{"role", "assistant"}, {"content", ""}},
                                                std::nullopt, chat.include_usage));
        };
        auto on_text = [&](std::string_view piece) {
            // A failed write means the client went away: returning false cancels generation.
            return send_role() &&
                   send(openai::chat_chunk_json(ids, {{"content", std::string(piece)}},
                                                std::nullopt, chat.include_usage));
        };
        llm::GenerationResult result;
        try {
            result = generate(chat.generation, on_text);
        } catch (...) {
            if (!events.started()) throw;
            // Mid-stream, the error is a chunk of its own (as OpenAI and llama-server send it)
            // and no [DONE] follows, so a client cannot take the partial text as complete.
            events.send_data(json_text(error_reply(path).body));
            return;
        }
        if (gone || result.finish == llm::FinishReason::cancelled) return;
        if (!send_role()) return;
        if (!send(openai::chat_chunk_json(ids, json::object(),
                                          openai::finish_reason_name(result.finish),
                                          chat.include_usage)))
            return;
        if (chat.include_usage && !send(openai::usage_chunk_json(ids, result))) return;
        events.send_data("[DONE]");
    };
    return reply;
}

ApiReply OpenAiRoutes::embeddings(const ApiRequest& request) {
    json body = request.body->read_json_object(max_body_bytes_);
    openai::EmbeddingsRequest parsed = openai::parse_embeddings_request(body);
    if (!embedder_)
        throw HttpError(404, "model_not_found",
                        "no embedding model: the data directory has no vectors (index it with "
                        "embeddings enabled, then restart deskside serve)");
    const int dimension = embedder_->dimension();
    if (parsed.dimensions && *parsed.dimensions != dimension)
        throw Error(ErrorCode::unsupported, "dimensions: " + embedder_->identity().name +
                                                " gives " + std::to_string(dimension) +
                                                "-dimensional vectors and cannot shorten them");
    std::vector<float> rows = embedder_->embed(parsed.input);
    int tokens = 0;
    for (const auto& text : parsed.input) tokens += openai::estimate_tokens(text);
    metrics_.embeddings_done(static_cast<std::int64_t>(parsed.input.size()));
    return {
        200,
        openai::embeddings_json(rows, dimension, parsed.base64, embedder_->identity().name, tokens),
        {},
        {},
        {}};
}

ApiReply OpenAiRoutes::models() const {
    json data = json::array();
    if (generator_)
        // "max_model_len" is vLLM's name for the context length; OpenAI clients ignore it,
        // Deskside's own OpenAI client reads it to size its prompts.
        data.push_back({{"id", generator_->model_name()},
                        {"object", "model"},
                        {"created", started_at_},
                        {"owned_by", "deskside"},
                        {"max_model_len", generator_->context_tokens()}});
    if (embedder_)
        data.push_back({{"id", embedder_->identity().name},
                        {"object", "model"},
                        {"created", started_at_},
                        {"owned_by", "deskside"},
                        {"dimension", embedder_->dimension()}});
    return {200, {{"object", "list"}, {"data", std::move(data)}}, {}, {}, {}};
}

}  // namespace deskside::http
