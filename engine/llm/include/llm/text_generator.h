// The interface every answer-writing language model implements: Deskside's own decoder
// (engine/decoder) and the client for OpenAI-compatible servers (engine/openai_client). The
// grounded answerer (services/answer) and the HTTP service see only this, so an office can
// switch between a local GGUF file and a GPU server by configuration.
//
// Thread-safety: generate() may be called from several threads at once; an implementation
// queues, batches or bounds the calls as it must, and throws Error(busy) when its queue is full
// (the service answers 503 with Retry-After). Other failures: Error(io) for a server that cannot
// be reached, Error(invalid_argument) for a request the model cannot take (a prompt longer than
// its context), Error(unsupported) for a model it cannot run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::llm {

struct ChatMessage {
    std::string role;  // "system", "user" or "assistant"
    std::string content;
};

// How the next token is chosen. temperature 0 is greedy (argmax, ties to the lowest id); the
// other filters apply in llama.cpp's order: repetition penalty, top-k, top-p, min-p, temperature.
struct SamplingParams {
    float temperature = 0.0f;
    int top_k = 40;               // 0 = off
    float top_p = 0.95f;          // 1 = off
    float min_p = 0.05f;          // 0 = off
    float repeat_penalty = 1.0f;  // 1 = off
    int repeat_last_n = 64;       // tokens the penalty looks back over
    std::uint64_t seed = 0;       // same seed, same request -> same text
};

struct GenerationRequest {
    std::vector<ChatMessage> messages;  // formatted with the model's chat template
    int max_tokens = 512;               // generated tokens at most
    SamplingParams sampling;
    std::vector<std::string> stop;  // generation ends before the first of these strings
    // Asked on the caller's thread while the request waits with no text to hand over (in a
    // queue, or during its prompt), about every 100 ms: false withdraws it, and generate()
    // returns FinishReason::cancelled without waiting its turn (a client that left while
    // queued). Empty: always wanted. Generators that do not queue may never ask.
    std::function<bool()> still_wanted;
};

enum class FinishReason { stop, length, cancelled };

struct GenerationResult {
    std::string text;  // everything generated, stop string excluded
    FinishReason finish = FinishReason::stop;
    int prompt_tokens = 0;
    int generated_tokens = 0;
    double first_token_ms = 0;  // from the call to the first piece of text
    double total_ms = 0;
};

// Receives each new piece of generated text, always whole UTF-8 characters, in order. Returns
// false to cancel the generation (a client went away); generate() then returns with
// FinishReason::cancelled. Called on the thread that called generate().
using TextCallback = std::function<bool(std::string_view piece)>;

class TextGenerator {
  public:
    virtual ~TextGenerator() = default;
    // A name for logs, /metrics and the answer's "model" field ("stories260K.gguf", "qwen2.5:7b").
    virtual std::string model_name() const = 0;
    // The context length in tokens (prompt and answer together).
    virtual int context_tokens() const = 0;
    // The tokens `text` takes in a prompt (an estimate where the model is remote).
    virtual int count_tokens(std::string_view text) const = 0;
    virtual GenerationResult generate(const GenerationRequest& request,
                                      const TextCallback& on_text) = 0;
};

}  // namespace deskside::llm
