#include "chat_protocol.h"

#include <cmath>

#include "base/error.h"
#include "base/utf8.h"

namespace deskside::openai_client::detail {
namespace {

using nlohmann::json;

double rounded(float value) {
    return std::round(static_cast<double>(value) * 1e6) / 1e6;
}

[[noreturn]] void malformed(const std::string& url, std::string_view what, std::string_view data) {
    std::string shown = utf8::escape_invalid(utf8::truncate(data, 200));
    throw Error(ErrorCode::io, url + " sent a reply that is not in the OpenAI format (" +
                                   std::string(what) + "): " + shown);
}

json parse_json(std::string_view data, const std::string& url) {
    std::string repaired;
    if (!utf8::is_valid(data)) {
        repaired = to_valid_utf8(data);
        data = repaired;
    }
    json value = json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) malformed(url, "not JSON", data);
    if (!value.is_object()) malformed(url, "not a JSON object", data);
    return value;
}

std::optional<int> int_member(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int>();
}

void read_usage(const json& reply, ChatPiece& piece) {
    auto usage = reply.find("usage");
    if (usage == reply.end() || !usage->is_object()) return;
    piece.prompt_tokens = int_member(*usage, "prompt_tokens");
    piece.completion_tokens = int_member(*usage, "completion_tokens");
}

// choices[0].<member>.content and choices[0].finish_reason; false when there is no choice.
bool read_choice(const json& reply, const char* member, ChatPiece& piece, const std::string& url,
                 std::string_view data) {
    auto choices = reply.find("choices");
    if (choices == reply.end() || choices->is_null()) return false;
    if (!choices->is_array()) malformed(url, "\"choices\" is not an array", data);
    if (choices->empty()) return false;
    const json& choice = choices->front();
    if (!choice.is_object()) malformed(url, "a choice is not an object", data);
    if (auto body = choice.find(member); body != choice.end() && body->is_object()) {
        if (auto content = body->find("content"); content != body->end()) {
            if (content->is_string())
                piece.content = content->get<std::string>();
            else if (!content->is_null())
                malformed(url, "\"content\" is not a string", data);
        }
    }
    if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string())
        piece.finish_reason = reason->get<std::string>();
    return true;
}

}  // namespace

void check_chat_request(const llm::GenerationRequest& request) {
    auto invalid = [](const std::string& why) { throw Error(ErrorCode::invalid_argument, why); };
    if (request.messages.empty()) invalid("a chat request needs at least one message");
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
        const std::string& role = request.messages[i].role;
        if (role != "system" && role != "user" && role != "assistant")
            invalid("message " + std::to_string(i) + " has the role '" + role +
                    "'; the roles are system, user and assistant");
    }
    if (request.max_tokens < 1)
        invalid("max_tokens must be at least 1, not " + std::to_string(request.max_tokens));
    const llm::SamplingParams& s = request.sampling;
    if (!std::isfinite(s.temperature) || s.temperature < 0)
        invalid("temperature must be 0 or more, not " + std::to_string(s.temperature));
    if (!std::isfinite(s.top_p) || s.top_p <= 0 || s.top_p > 1)
        invalid("top_p must be in (0, 1], not " + std::to_string(s.top_p));
    if (!std::isfinite(s.min_p) || s.min_p < 0 || s.min_p > 1)
        invalid("min_p must be in [0, 1], not " + std::to_string(s.min_p));
    if (s.top_k < 0) invalid("top_k must not be negative, not " + std::to_string(s.top_k));
}

json chat_request_json(const llm::GenerationRequest& request, const std::string& model,
                       bool extended) {
    json messages = json::array();
    for (const auto& message : request.messages)
        messages.push_back({{"role", message.role}, {"content", message.content}});
    const llm::SamplingParams& s = request.sampling;
    json body = {
        {"model", model},
        {"messages", std::move(messages)},
        {"max_tokens", request.max_tokens},
        {"temperature", rounded(s.temperature)},
        {"top_p", rounded(s.top_p)},
        {"seed", s.seed},
        {"stream", true},
        {"stream_options", {{"include_usage", true}}},
    };
    json stop = json::array();
    for (const auto& text : request.stop)
        if (!text.empty()) stop.push_back(text);
    if (!stop.empty()) body["stop"] = std::move(stop);
    if (extended) {
        if (s.top_k > 0) body["top_k"] = s.top_k;
        if (s.min_p > 0) body["min_p"] = rounded(s.min_p);
    }
    return body;
}

ServerError parse_server_error(const json& error) {
    ServerError out;
    if (error.is_object()) {
        if (auto code = int_member(error, "code"); code && *code >= 400 && *code < 600)
            out.status = *code;
        auto message = error.find("message");
        out.message = message != error.end() && message->is_string() ? message->get<std::string>()
                                                                     : error.dump();
    } else {
        out.message = error.is_string() ? error.get<std::string>() : error.dump();
    }
    return out;
}

ChatPiece parse_chat_chunk(std::string_view data, const std::string& url) {
    json chunk = parse_json(data, url);
    ChatPiece piece;
    if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) {
        piece.error = parse_server_error(*error);
        return piece;
    }
    read_choice(chunk, "delta", piece, url, data);
    read_usage(chunk, piece);
    return piece;
}

ChatPiece parse_chat_completion(std::string_view body, const std::string& url) {
    json reply = parse_json(body, url);
    ChatPiece piece;
    if (auto error = reply.find("error"); error != reply.end() && !error->is_null()) {
        piece.error = parse_server_error(*error);
        return piece;
    }
    if (!read_choice(reply, "message", piece, url, body)) malformed(url, "no choices", body);
    read_usage(reply, piece);
    return piece;
}

llm::FinishReason finish_reason_of(std::string_view reason) {
    return reason == "length" ? llm::FinishReason::length : llm::FinishReason::stop;
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) utf8::append(out, utf8::decode(text, pos));
    return out;
}

}  // namespace deskside::openai_client::detail
