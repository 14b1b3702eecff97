#include "openai_client/openai_client.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "base/error.h"
#include "call_gate.h"
#include "chat_protocol.h"
#include "http_exchange.h"
#include "server_endpoint.h"
#include "server_errors.h"
#include "sse_parser.h"

namespace deskside::openai_client {
namespace {

using detail::HttpExchange;
using detail::ServerEndpoint;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr std::size_t kMaxReplyBody = 64 << 20;
constexpr std::chrono::milliseconds kProbeTimeout{3000};

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// GET `request_path` as JSON; nullopt for anything but a 200 with a JSON object.
std::optional<nlohmann::json> get_json(const ServerEndpoint& endpoint,
                                       const std::string& request_path) {
    HttpExchange exchange(endpoint, std::min(kProbeTimeout, endpoint.options().timeout));
    exchange.start("GET", request_path, "", "application/json");
    if (exchange.status() != 200) return std::nullopt;
    auto json = nlohmann::json::parse(exchange.read_body(kMaxErrorBody), nullptr, false);
    if (!json.is_object()) return std::nullopt;
    return json;
}

std::optional<int> positive_int(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer() || it->get<long long>() < 1 ||
        it->get<long long>() > (1LL << 30))
        return std::nullopt;
    return it->get<int>();
}

// The server's context length per sequence, if it says (see OpenAiClientOptions::probe_context).
std::optional<int> probe_context(const ServerEndpoint& endpoint) {
    const Logger& log = endpoint.options().logger;
    try {
        // vLLM: {"data": [{"id": "<model>", "max_model_len": 32768}, ...]}
        if (auto models = get_json(endpoint, endpoint.path("/models"))) {
            auto data = models->find("data");
            if (data != models->end() && data->is_array())
                for (const auto& model : *data)
                    if (model.is_object() && model.value("id", "") == endpoint.options().model)
                        if (auto n = positive_int(model, "max_model_len")) return n;
        }
    } catch (const Error& e) {
        log.info("cannot ask the server for its context length", {{"error", e.what()}});
        if (e.code() == ErrorCode::io)
            return std::nullopt;  // down: the second probe would wait too
    }
    auto props_path = endpoint.root_path("/props");
    if (!props_path) return std::nullopt;
    try {
        // llama-server: {"default_generation_settings": {"n_ctx": 4096, ...}, ...}
        if (auto props = get_json(endpoint, *props_path)) {
            auto settings = props->find("default_generation_settings");
            if (settings != props->end() && settings->is_object())
                if (auto n = positive_int(*settings, "n_ctx")) return n;
            if (auto n = positive_int(*props, "n_ctx")) return n;
        }
    } catch (const Error& e) {
        log.info("cannot ask the server for its context length", {{"error", e.what()}});
    }
    return std::nullopt;
}

// What one generate() call has seen so far.
struct Generation {
    Generation(const llm::TextCallback& callback, Clock::time_point started)
        : on_text(callback), start(started) {}

    const llm::TextCallback& on_text;
    Clock::time_point start;
    llm::GenerationResult result;
    int pieces = 0;
    bool cancelled = false;
    bool finish_seen = false;
    std::optional<int> prompt_tokens;
    std::optional<int> completion_tokens;

    // Takes one parsed chunk; false once the caller has cancelled.
    bool take(const detail::ChatPiece& piece) {
        if (piece.prompt_tokens) prompt_tokens = piece.prompt_tokens;
        if (piece.completion_tokens) completion_tokens = piece.completion_tokens;
        if (piece.finish_reason) {
            finish_seen = true;
            result.finish = detail::finish_reason_of(*piece.finish_reason);
        }
        if (piece.content.empty()) return true;
        if (pieces++ == 0) result.first_token_ms = ms_since(start);
        result.text += piece.content;
        if (on_text && !on_text(piece.content)) cancelled = true;
        return !cancelled;
    }
};

[[noreturn]] void throw_server_error(const ServerEndpoint& endpoint, const HttpExchange& exchange,
                                     const detail::ServerError& error) {
    throw detail::status_error(endpoint, error.status, "(mid-answer) " + error.message,
                               exchange.url());
}

// Reads the event stream to its end, or until the caller cancels.
void read_event_stream(const ServerEndpoint& endpoint, HttpExchange& exchange, Generation& g) {
    detail::SseParser parser;
    std::vector<detail::SseEvent> events;
    bool done = false;
    // Handles one event; false when reading should stop.
    auto handle = [&](const detail::SseEvent& event) {
        if (!event.error.empty()) {
            auto json = nlohmann::json::parse(event.error, nullptr, false);
            detail::ServerError error = json.is_discarded() ? detail::ServerError{500, event.error}
                                                            : detail::parse_server_error(json);
            throw_server_error(endpoint, exchange, error);
        }
        if (event.data == "[DONE]") {
            done = true;
            return false;
        }
        detail::ChatPiece piece = detail::parse_chat_chunk(event.data, exchange.url());
        if (piece.error) throw_server_error(endpoint, exchange, *piece.error);
        return g.take(piece);
    };
    for (;;) {
        std::string_view bytes = exchange.read_some();
        if (bytes.empty()) {
            detail::SseEvent last;
            if (parser.finish(last)) handle(last);
            break;
        }
        parser.feed(bytes, events);
        if (parser.overflowed())
            throw Error(ErrorCode::io, exchange.url() + " sent an event stream line over 16 MiB");
        bool go_on = true;
        for (const auto& event : events)
            if (!(go_on = handle(event))) break;
        events.clear();
        if (!go_on) break;
    }
    if (g.cancelled) return;
    if (!done && !g.finish_seen)
        throw Error(ErrorCode::io, endpoint.setting("url") + " " + endpoint.base_url() +
                                       ": the server closed the connection before the answer "
                                       "was complete (" +
                                       std::to_string(g.result.text.size()) +
                                       " bytes received, no finish_reason, no [DONE])");
}

}  // namespace

struct OpenAiClient::Impl {
    explicit Impl(const OpenAiClientOptions& options)
        : endpoint(options.server),
          gate(options.server.max_concurrent, options.server.max_queue, endpoint.busy_message()),
          context(options.context_tokens),
          extended(options.extended_sampling) {}

    ServerEndpoint endpoint;
    detail::CallGate gate;
    int context;
    bool extended;
};

OpenAiClient::OpenAiClient(const OpenAiClientOptions& options)
    : impl_(std::make_unique<Impl>(options)) {
    if (options.context_tokens < 1)
        throw Error(ErrorCode::invalid_argument, impl_->endpoint.setting("context") +
                                                     " must be at least 1, not " +
                                                     std::to_string(options.context_tokens));
    if (options.probe_context) {
        if (auto server_context = probe_context(impl_->endpoint)) {
            impl_->context = std::min(impl_->context, *server_context);
            options.server.logger.info("server context length",
                                       {{"server", std::to_string(*server_context)},
                                        {"used", std::to_string(impl_->context)}});
        }
    }
}

OpenAiClient::~OpenAiClient() = default;

std::string OpenAiClient::model_name() const {
    return impl_->endpoint.options().model;
}

int OpenAiClient::context_tokens() const {
    return impl_->context;
}

int OpenAiClient::count_tokens(std::string_view text) const {
    return static_cast<int>(std::min<std::size_t>((text.size() + 3) / 4, 1u << 30));
}

ClientStats OpenAiClient::stats() const {
    return ClientStats{impl_->gate.active(), impl_->gate.queued()};
}

llm::GenerationResult OpenAiClient::generate(const llm::GenerationRequest& request,
                                             const llm::TextCallback& on_text) {
    Generation g(on_text, Clock::now());
    detail::check_chat_request(request);
    const ServerEndpoint& endpoint = impl_->endpoint;
    const std::string body =
        detail::chat_request_json(request, endpoint.options().model, impl_->extended)
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

    auto slot = impl_->gate.acquire();
    HttpExchange exchange(endpoint);
    exchange.start("POST", endpoint.path("/chat/completions"), body, "text/event-stream");
    if (exchange.status() < 200 || exchange.status() > 299) {
        std::string reply;
        try {
            reply = exchange.read_body(kMaxErrorBody);
        } catch (const Error&) {
            // The status says enough when the body cannot be read.
        }
        throw detail::status_error(endpoint, exchange.status(), detail::server_message(reply),
                                   exchange.url());
    }
    if (exchange.content_type() == "text/event-stream") {
        read_event_stream(endpoint, exchange, g);
    } else {
        // A server that does not stream: one JSON completion.
        detail::ChatPiece piece =
            detail::parse_chat_completion(exchange.read_body(kMaxReplyBody), exchange.url());
        if (piece.error) throw_server_error(endpoint, exchange, *piece.error);
        g.take(piece);
    }
    if (g.cancelled) {
        exchange.abort();  // the server sees the connection close and stops generating
        g.result.finish = llm::FinishReason::cancelled;
    }

    if (g.prompt_tokens) {
        g.result.prompt_tokens = *g.prompt_tokens;
    } else {
        for (const auto& message : request.messages)
            g.result.prompt_tokens += count_tokens(message.content);
    }
    g.result.generated_tokens = g.completion_tokens ? *g.completion_tokens : g.pieces;
    g.result.total_ms = ms_since(g.start);
    endpoint.options().logger.debug(
        "chat completion", {{"model", endpoint.options().model},
                            {"prompt_tokens", std::to_string(g.result.prompt_tokens)},
                            {"generated_tokens", std::to_string(g.result.generated_tokens)},
                            {"ms", std::to_string(static_cast<long>(g.result.total_ms))}});
    return std::move(g.result);
}

}  // namespace deskside::openai_client
