#include "openai_protocol.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "base/error.h"

namespace deskside::http::openai {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& message) {
    throw Error(ErrorCode::invalid_argument, message);
}

[[noreturn]] void unsupported(const std::string& message) {
    throw Error(ErrorCode::unsupported, message);
}

// The member, or null when absent: OpenAI clients send null for "not set".
const json* member(const json& object, const char* name) {
    auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<double> number_member(const json& object, const char* name) {
    const json* value = member(object, name);
    if (!value) return std::nullopt;
    if (!value->is_number()) invalid(std::string(name) + " must be a number");
    double number = value->get<double>();
    if (!std::isfinite(number)) invalid(std::string(name) + " must be a finite number");
    return number;
}

// A whole number (an integer, or a float with no fraction as some clients send: 64.0).
std::optional<std::int64_t> integer_member(const json& object, const char* name) {
    const json* value = member(object, name);
    if (!value) return std::nullopt;
    if (value->is_number_unsigned()) {
        auto unsigned_value = value->get<std::uint64_t>();
        if (unsigned_value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::numeric_limits<std::int64_t>::max();
        return static_cast<std::int64_t>(unsigned_value);
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    if (value->is_number_float()) {
        double number = value->get<double>();
        if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9e15)
            return static_cast<std::int64_t>(number);
    }
    invalid(std::string(name) + " must be a whole number");
}

bool bool_member(const json& object, const char* name) {
    const json* value = member(object, name);
    if (!value) return false;
    if (!value->is_boolean()) invalid(std::string(name) + " must be true or false");
    return value->get<bool>();
}

void check_model(const json& body) {
    // Any name is accepted (the service has one model of each kind; clients hard-code names).
    if (const json* model = member(body, "model"); model && !model->is_string())
        invalid("model must be a string");
}

// A message's content: a string, null (an empty message), or OpenAI's array of parts of which
// only "text" parts can be taken by a text model.
std::string message_content(const json& message, std::size_t index) {
    const json* content = member(message, "content");
    if (!content) return "";
    if (content->is_string()) return content->get<std::string>();
    std::string where = "messages[" + std::to_string(index) + "].content";
    if (!content->is_array()) invalid(where + " must be a string or an array of parts");
    std::string text;
    for (const json& part : *content) {
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
            invalid(where + ": each part must be an object with a \"type\"");
        std::string type = part["type"].get<std::string>();
        if (type != "text")
            unsupported(where + ": parts of type '" + type +
                        "' are not supported (the model reads text only)");
        const json* part_text = member(part, "text");
        if (!part_text || !part_text->is_string()) invalid(where + ": a text part needs \"text\"");
        if (!text.empty()) text += "\n";
        text += part_text->get<std::string>();
    }
    return text;
}

std::vector<llm::ChatMessage> parse_messages(const json& body) {
    const json* messages = member(body, "messages");
    if (!messages)
        invalid("missing messages: send \"messages\": [{\"role\":\"user\",\"content\":...}]");
    if (!messages->is_array() || messages->empty())
        invalid("messages must be a non-empty array of {\"role\",\"content\"}");
    std::vector<llm::ChatMessage> out;
    out.reserve(messages->size());
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const json& message = (*messages)[i];
        std::string where = "messages[" + std::to_string(i) + "]";
        if (!message.is_object()) invalid(where + " must be an object {\"role\",\"content\"}");
        const json* role = member(message, "role");
        if (!role || !role->is_string()) invalid(where + ".role must be a string");
        std::string name = role->get<std::string>();
        // "developer" is OpenAI's newer name for the system message.
        if (name == "developer") name = "system";
        if (name == "tool" || name == "function")
            unsupported(where + ": '" + name +
                        "' messages are not supported (Deskside's chat completions have no tools)");
        if (name != "system" && name != "user" && name != "assistant")
            invalid(where + ".role must be system, developer, user or assistant, not '" + name +
                    "'");
        if (const json* calls = member(message, "tool_calls"); calls && !calls->empty())
            unsupported(where + ": tool_calls are not supported");
        out.push_back({name, message_content(message, i)});
    }
    return out;
}

std::vector<std::string> parse_stop(const json& body) {
    const json* stop = member(body, "stop");
    if (!stop) return {};
    std::vector<std::string> out;
    auto add = [&](const json& item) {
        if (!item.is_string()) invalid("stop must be a string or an array of strings");
        std::string text = item.get<std::string>();
        if (text.size() > kMaxStopBytes)
            invalid("a stop string is longer than " + std::to_string(kMaxStopBytes) + " bytes");
        if (!text.empty()) out.push_back(std::move(text));  // "" would stop at once: ignore it
    };
    if (stop->is_array()) {
        if (stop->size() > kMaxStopStrings)
            invalid("stop holds " + std::to_string(stop->size()) + " strings; at most " +
                    std::to_string(kMaxStopStrings));
        for (const json& item : *stop) add(item);
    } else {
        add(*stop);
    }
    return out;
}

// Refuses the members that ask for something Deskside cannot do, so the client learns it
// instead of getting an answer that silently ignored the request.
void refuse_unsupported(const json& body) {
    if (auto n = integer_member(body, "n"); n && *n != 1)
        unsupported("n: Deskside generates one choice per request; send n=1 or leave it out");
    for (const char* name : {"tools", "functions"})
        if (const json* value = member(body, name); value && !value->empty())
            unsupported(std::string(name) + " are not supported (no tool or function calling)");
    if (const json* format = member(body, "response_format")) {
        std::string type =
            format->is_object() && format->contains("type") && (*format)["type"].is_string()
                ? (*format)["type"].get<std::string>()
                : "";
        if (type != "text")
            unsupported("response_format: only {\"type\":\"text\"} is supported, not " +
                        format->dump());
    }
    if (bool_member(body, "logprobs")) unsupported("logprobs are not supported");
    if (const json* bias = member(body, "logit_bias"); bias && !bias->empty())
        unsupported("logit_bias is not supported");
    for (const char* name : {"frequency_penalty", "presence_penalty"})
        if (auto value = number_member(body, name); value && *value != 0)
            unsupported(std::string(name) +
                        " is not supported; use repeat_penalty (llama.cpp's: 1 = off, 1.1 = mild)");
}

llm::SamplingParams parse_sampling(const json& body, int context_tokens,
                                   std::uint64_t random_seed) {
    llm::SamplingParams s;
    s.temperature = kDefaultTemperature;
    if (auto t = number_member(body, "temperature")) {
        if (*t < 0) invalid("temperature must be 0 (greedy) or more");
        s.temperature = static_cast<float>(*t);
    }
    if (auto p = number_member(body, "top_p")) {
        if (*p < 0 || *p > 1) invalid("top_p must be from 0 to 1");
        s.top_p = static_cast<float>(*p);
    }
    if (auto k = integer_member(body, "top_k"))  // llama.cpp: 0 or less = off
        s.top_k = static_cast<int>(std::clamp<std::int64_t>(*k, 0, 1 << 20));
    if (auto p = number_member(body, "min_p")) {
        if (*p < 0 || *p > 1) invalid("min_p must be from 0 to 1");
        s.min_p = static_cast<float>(*p);
    }
    if (auto r = number_member(body, "repeat_penalty")) {
        if (*r <= 0) invalid("repeat_penalty must be more than 0 (1 = off)");
        s.repeat_penalty = static_cast<float>(*r);
    }
    if (auto n = integer_member(body, "repeat_last_n")) {
        if (*n < -1) invalid("repeat_last_n must be -1 (the whole context), 0 (off) or more");
        s.repeat_last_n = *n == -1 ? context_tokens
                                   : static_cast<int>(std::min<std::int64_t>(*n, context_tokens));
    }
    s.seed = random_seed;
    if (auto seed = integer_member(body, "seed")) {
        if (*seed < -1) invalid("seed must be -1 (random) or a whole number from 0");
        if (*seed >= 0) s.seed = static_cast<std::uint64_t>(*seed);
    }
    // A seed above 2^63 arrives unsigned: take it as it is.
    if (const json* seed = member(body, "seed"); seed && seed->is_number_unsigned())
        s.seed = seed->get<std::uint64_t>();
    return s;
}

int parse_max_tokens(const json& body, int context_tokens) {
    // max_completion_tokens is OpenAI's newer name; it wins when both are sent.
    const char* name =
        member(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    auto value = integer_member(body, name);
    if (!value || *value == -1) return context_tokens;  // llama-server: -1 = to the context's end
    if (*value < 1) invalid(std::string(name) + " must be at least 1");
    return static_cast<int>(std::min<std::int64_t>(*value, context_tokens));
}

}  // namespace

ChatCompletionRequest parse_chat_completion_request(const json& body, int context_tokens,
                                                    std::uint64_t random_seed) {
    check_model(body);
    ChatCompletionRequest out;
    out.generation.messages = parse_messages(body);
    refuse_unsupported(body);
    out.generation.max_tokens = parse_max_tokens(body, std::max(1, context_tokens));
    out.generation.sampling = parse_sampling(body, std::max(1, context_tokens), random_seed);
    out.generation.stop = parse_stop(body);
    out.stream = bool_member(body, "stream");
    if (const json* options = member(body, "stream_options")) {
        if (!options->is_object()) invalid("stream_options must be an object");
        out.include_usage = out.stream && bool_member(*options, "include_usage");
    }
    return out;
}

EmbeddingsRequest parse_embeddings_request(const json& body) {
    check_model(body);
    EmbeddingsRequest out;
    const json* input = member(body, "input");
    if (!input) invalid("missing input: send \"input\": \"text\" or [\"text\", ...]");
    auto add = [&](const json& item) {
        if (item.is_number() || item.is_array())
            unsupported("input as token ids is not supported: send the text");
        if (!item.is_string()) invalid("input must be a string or an array of strings");
        std::string text = item.get<std::string>();
        if (text.empty())
            invalid("input[" + std::to_string(out.input.size()) + "] is an empty string");
        out.input.push_back(std::move(text));
    };
    if (input->is_array()) {
        if (input->empty()) invalid("input is an empty array");
        if (input->size() > kMaxEmbeddingInputs)
            invalid("input holds " + std::to_string(input->size()) + " texts; at most " +
                    std::to_string(kMaxEmbeddingInputs) + " per request");
        if (input->front().is_number())
            unsupported("input as token ids is not supported: send the text");
        for (const json& item : *input) add(item);
    } else {
        add(*input);
    }
    std::size_t bytes = 0;
    for (const auto& text : out.input) bytes += text.size();
    if (bytes > kMaxEmbeddingBytes)
        invalid("input holds " + std::to_string(bytes) + " bytes of text; at most " +
                std::to_string(kMaxEmbeddingBytes) + " per request");
    if (const json* format = member(body, "encoding_format")) {
        std::string name = format->is_string() ? format->get<std::string>() : "";
        if (name != "float" && name != "base64")
            invalid("encoding_format must be \"float\" or \"base64\"");
        out.base64 = name == "base64";
    }
    if (auto dimensions = integer_member(body, "dimensions")) {
        if (*dimensions < 1 || *dimensions > (1 << 20)) invalid("dimensions must be at least 1");
        out.dimensions = static_cast<int>(*dimensions);
    }
    return out;
}

std::string finish_reason_name(llm::FinishReason finish) {
    return finish == llm::FinishReason::length ? "length" : "stop";
}

namespace {

json usage_json(const llm::GenerationResult& result) {
    return {{"prompt_tokens", result.prompt_tokens},
            {"completion_tokens", result.generated_tokens},
            {"total_tokens", result.prompt_tokens + result.generated_tokens}};
}

}  // namespace

json chat_completion_json(const CompletionIds& ids, const llm::GenerationResult& result) {
    json message = {{"role", "assistant"}, {"content", result.text}};
    json choice = {{"index", 0},
                   {"message", std::move(message)},
                   {"logprobs", nullptr},
                   {"finish_reason", finish_reason_name(result.finish)}};
    return {{"id", ids.id},
            {"object", "chat.completion"},
            {"created", ids.created},
            {"model", ids.model},
            {"choices", json::array({std::move(choice)})},
            {"usage", usage_json(result)}};
}

json chat_chunk_json(const CompletionIds& ids, json delta, std::optional<std::string> finish_reason,
                     bool include_usage) {
    json choice = {{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}};
    choice["finish_reason"] = finish_reason ? json(*finish_reason) : json(nullptr);
    json chunk = {{"id", ids.id},
                  {"object", "chat.completion.chunk"},
                  {"created", ids.created},
                  {"model", ids.model},
                  {"choices", json::array({std::move(choice)})}};
    if (include_usage) chunk["usage"] = nullptr;
    return chunk;
}

json usage_chunk_json(const CompletionIds& ids, const llm::GenerationResult& result) {
    return {
        {"id", ids.id},       {"object", "chat.completion.chunk"}, {"created", ids.created},
        {"model", ids.model}, {"choices", json::array()},          {"usage", usage_json(result)}};
}

std::string base64_floats(const float* values, std::size_t count) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes(count * sizeof(float), '\0');
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t bits = std::bit_cast<std::uint32_t>(values[i]);
        for (int b = 0; b < 4; ++b)  // little-endian whatever the host's order
            bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t group = static_cast<std::uint8_t>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) group |= static_cast<std::uint8_t>(bytes[i + 2]);
        out += kAlphabet[(group >> 18) & 63];
        out += kAlphabet[(group >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(group >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[group & 63] : '=';
    }
    return out;
}

json embeddings_json(const std::vector<float>& rows, int dimension, bool base64,
                     const std::string& model, int prompt_tokens) {
    const std::size_t dim = static_cast<std::size_t>(std::max(0, dimension));
    const std::size_t count = dim ? rows.size() / dim : 0;
    json data = json::array();
    for (std::size_t i = 0; i < count; ++i) {
        const float* row = rows.data() + i * dim;
        json item = {{"object", "embedding"}, {"index", i}};
        if (base64)
            item["embedding"] = base64_floats(row, dim);
        else
            item["embedding"] = std::vector<float>(row, row + dim);
        data.push_back(std::move(item));
    }
    return {{"object", "list"},
            {"data", std::move(data)},
            {"model", model},
            {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

int estimate_tokens(std::string_view text) {
    return static_cast<int>((text.size() + 3) / 4);
}

json error_json(int status, std::string_view code, std::string_view message) {
    return {{"error",
             {{"message", std::string(message)},
              {"type", status < 500 ? "invalid_request_error" : "server_error"},
              {"param", nullptr},
              {"code", std::string(code)}}}};
}

std::string random_id(std::size_t length) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::mt19937_64 engine((static_cast<std::uint64_t>(device()) << 32) ^ device());
    std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 2);
    std::string out(length, 'x');
    for (char& c : out) c = kAlphabet[pick(engine)];
    return out;
}

std::uint64_t random_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace deskside::http::openai
