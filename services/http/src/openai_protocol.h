// The OpenAI wire format of the /v1/ endpoints, apart from any model or socket: request bodies
// of POST /v1/chat/completions and POST /v1/embeddings checked and turned into our types, and
// the JSON of replies, stream chunks and errors. docs/api.md ("OpenAI-compatible endpoints")
// documents every field, default and refusal made here.
//
// Members the OpenAI API defines but Deskside does not use (user, store, metadata,
// service_tier, parallel_tool_calls, ...) and unknown members are ignored, since OpenAI clients
// send many optional fields; a member that asks for what Deskside cannot do (n > 1, tools, a
// JSON response_format, logprobs, logit_bias, frequency or presence penalties) is refused.
// Pure functions; any thread. Parsers throw Error(invalid_argument) naming the member, or
// Error(unsupported) for a feature Deskside does not have (both 400).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/text_generator.h"

namespace deskside::http::openai {

// Sampling defaults when a member is absent: llama-server's (temperature 0.8, top_k 40,
// top_p 0.95, min_p 0.05, repeat_penalty 1 = off, repeat_last_n 64, a random seed), and a
// completion may run to the end of the model's context (llama-server's n_predict -1).
inline constexpr float kDefaultTemperature = 0.8f;

inline constexpr std::size_t kMaxStopStrings = 16;
inline constexpr std::size_t kMaxStopBytes = 256;
inline constexpr std::size_t kMaxEmbeddingInputs = 256;
inline constexpr std::size_t kMaxEmbeddingBytes = 2 << 20;  // all inputs of one request together

struct ChatCompletionRequest {
    llm::GenerationRequest generation;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage: a last chunk with "usage"
};

// `context_tokens`: the generator's context, the default and the cap of max_tokens.
// `random_seed`: used when the request gives no seed (or -1).
ChatCompletionRequest parse_chat_completion_request(const nlohmann::json& body, int context_tokens,
                                                    std::uint64_t random_seed);

struct EmbeddingsRequest {
    std::vector<std::string> input;
    bool base64 = false;            // encoding_format "base64": little-endian float32, base64
    std::optional<int> dimensions;  // must equal the embedder's (no shortening)
};

EmbeddingsRequest parse_embeddings_request(const nlohmann::json& body);

// What every reply and chunk of one completion repeats.
struct CompletionIds {
    std::string id;            // "chatcmpl-" + 24 random characters
    std::int64_t created = 0;  // Unix seconds
    std::string model;         // the generator's model_name()
};

// "stop" or "length" (a cancelled generation has no client left to tell; "stop").
std::string finish_reason_name(llm::FinishReason finish);

// {"id","object":"chat.completion","created","model","choices":[{"index":0,"message":
// {"role":"assistant","content"},"logprobs":null,"finish_reason"}],"usage":{...}}
nlohmann::json chat_completion_json(const CompletionIds& ids, const llm::GenerationResult& result);

// {"id","object":"chat.completion.chunk","created","model","choices":[{"index":0,"delta":delta,
// "logprobs":null,"finish_reason":finish_reason or null}]} (+ "usage":null with include_usage,
// as OpenAI sends it on every chunk but the last).
nlohmann::json chat_chunk_json(const CompletionIds& ids, nlohmann::json delta,
                               std::optional<std::string> finish_reason, bool include_usage);

// The last chunk with stream_options.include_usage: "choices":[] and the usage.
nlohmann::json usage_chunk_json(const CompletionIds& ids, const llm::GenerationResult& result);

// {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...] or "base64"}],
// "model","usage":{"prompt_tokens","total_tokens"}}; `rows` holds input.size() x dimension.
nlohmann::json embeddings_json(const std::vector<float>& rows, int dimension, bool base64,
                               const std::string& model, int prompt_tokens);

// Base64 (RFC 4648, padded) of the little-endian float32 bytes of `values`.
std::string base64_floats(const float* values, std::size_t count);

// An estimate of tokens for usage where no tokenizer is at hand: UTF-8 bytes / 4, rounded up
// (the estimate engine/openai_client uses too).
int estimate_tokens(std::string_view text);

// {"error":{"message","type","param":null,"code"}}: type "invalid_request_error" for a 4xx,
// "server_error" for a 5xx; `code` is our stable code ("invalid_argument", "busy", ...).
nlohmann::json error_json(int status, std::string_view code, std::string_view message);

// A random id suffix (24 characters of [A-Za-z0-9]) and a random 64-bit seed.
std::string random_id(std::size_t length = 24);
std::uint64_t random_seed();

}  // namespace deskside::http::openai
