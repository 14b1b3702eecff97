// The OpenAI chat-completions wire format, as far as Deskside speaks it: the request body built
// from an llm::GenerationRequest, and the pieces of a reply (one streamed chunk, or a whole
// non-streamed completion) read back. Pure functions; thread-safe.
//
// Request: {"model", "messages": [{"role","content"}], "max_tokens", "temperature", "top_p",
// "seed", "stream": true, "stream_options": {"include_usage": true}, "stop": [...] (when any),
// and with `extended` "top_k" / "min_p" (when not off)}. Numbers are rounded to 6 decimals so
// 0.7f goes out as 0.7. Text that is not UTF-8 is sent with U+FFFD in place of the bad bytes.
//
// Reply: a chunk's choices[0].delta.content and finish_reason, a completion's
// choices[0].message.content, and "usage" in either; {"error": ...} objects are returned, not
// thrown, so the caller can map their status. Data that is not JSON, or JSON of the wrong shape,
// throws Error(io) naming the URL.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "llm/text_generator.h"

namespace deskside::openai_client::detail {

// Error(invalid_argument) for a request no server should be sent: no messages, a role other
// than system/user/assistant, max_tokens < 1, temperature < 0, top_p outside (0, 1], min_p
// outside [0, 1], top_k < 0 (or any of them not finite).
void check_chat_request(const llm::GenerationRequest& request);

nlohmann::json chat_request_json(const llm::GenerationRequest& request, const std::string& model,
                                 bool extended);

struct ServerError {
    int status = 500;  // the error's "code" when it is an HTTP status, else 500
    std::string message;
};

struct ChatPiece {
    std::string content;                       // may be empty
    std::optional<std::string> finish_reason;  // "stop", "length", ...
    std::optional<int> prompt_tokens;          // from "usage"
    std::optional<int> completion_tokens;
    std::optional<ServerError> error;
};

// One "data:" payload of the stream (not "[DONE]").
ChatPiece parse_chat_chunk(std::string_view data, const std::string& url);
// A whole non-streamed reply.
ChatPiece parse_chat_completion(std::string_view body, const std::string& url);
// The body of an "error:" line, or the "error" member of a chunk.
ServerError parse_server_error(const nlohmann::json& error);

// "length" -> length; "stop" and anything else a server may say ("eos", "tool_calls",
// "content_filter") -> stop.
llm::FinishReason finish_reason_of(std::string_view reason);

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace deskside::openai_client::detail
