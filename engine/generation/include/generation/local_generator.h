// The llm::TextGenerator of a local GGUF decoder (llm.backend=local): chat template -> tokenizer
// -> a scheduler that decodes up to `parallel` sequences together, one batched forward pass per
// step (one pass over the weights for all of them) -> sampler -> streaming detokenizer -> stop
// strings -> the caller's callback.
//
// Ownership and threads: a LocalGenerator owns the DecoderModel, the tokenizer and one scheduler
// thread, which alone touches the model and the sequences. generate() may be called from any
// number of threads: it formats and tokenizes on the calling thread, queues the request and
// calls the callback on the calling thread as text arrives. Fairness: requests are admitted in
// arrival order (FIFO) into free slots; every admitted sequence advances by one token per step;
// prompts are prefilled in chunks that share a per-step token budget in turn, so a long prompt
// delays the answers already streaming by one chunk per step, not by its whole length. A callback
// returning false (or throwing) frees that sequence's slot at the next step; a request still
// waiting in the queue has no callback yet and so cannot be cancelled before it starts.
//
// Results: generated_tokens counts every sampled token, an end-of-generation token included (as
// llama-server's n_decoded); the text excludes it and any stop string. A model without a chat
// template is prompted in chatml (see chat_template.h).
//
// Errors (deskside::Error): generate() throws busy when `parallel + max_queue` requests are
// already in (the service answers 503) or when the generator is shutting down;
// invalid_argument for a request the model cannot take (no messages, an unknown role, sampling
// parameters out of range, max_tokens < 1, a stop string that is not UTF-8, a prompt that leaves
// no room in the context: the message gives both numbers); an error of the forward pass fails
// the requests of that step with the same error. Construction: see open_local_generator.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "decoder/decoder_model.h"
#include "generation/chat_template.h"
#include "llm/text_generator.h"
#include "tokenizer/tokenizer.h"

namespace deskside::generation {

struct LocalGeneratorOptions {
    std::filesystem::path model_path;  // the GGUF file (required)
    // Worker threads of the forward pass (the scheduler thread is one of them). 0 = all cores.
    int threads = 0;
    // Tokens per sequence, prompt and answer together. 0 = the model's context_length; capped by
    // it. Default 4096.
    int context = 4096;
    // Sequences decoded together (KV slots; memory is checked for all of them at full context).
    // Default 4.
    int parallel = 4;
    // Requests that may wait for a slot; one more is refused with Error(busy). Default 16.
    int max_queue = 16;
    // Tokens one step may feed (decoding sequences take one each; prompts share the rest, at
    // least 32). Bounds the latency a prompt adds to the other streams. Default 512.
    int batch_tokens = 512;
    // Refuse to open when model + KV cache exceed the memory available. Default on.
    bool check_memory = true;
};

// Counters for /metrics and tests; a consistent snapshot of each value, not of all together.
struct GeneratorStats {
    int active = 0;                       // sequences holding a slot
    int queued = 0;                       // requests waiting for a slot
    std::uint64_t steps = 0;              // forward passes run
    std::uint64_t generated_tokens = 0;   // tokens sampled, all requests
    std::uint64_t prompt_tokens = 0;      // prompt tokens prefilled, all requests
    std::uint64_t finished_requests = 0;  // requests ended (any reason, errors included)
};

class LocalGenerator final : public llm::TextGenerator {
  public:
    // Takes an opened model (DecoderOptions::max_sequences >= options.parallel) and starts the
    // scheduler. Throws Error(invalid_argument) for options out of range (parallel < 1,
    // max_queue < 0, batch_tokens < 1, parallel above the model's max_sequences) and what
    // make_tokenizer throws for the model's vocabulary.
    LocalGenerator(decoder::DecoderModel model, const LocalGeneratorOptions& options);
    // Stops the scheduler; requests still queued or running end with Error(busy). REQUIRES: no
    // generate() call is still using this object after it returns.
    ~LocalGenerator() override;

    LocalGenerator(const LocalGenerator&) = delete;
    LocalGenerator& operator=(const LocalGenerator&) = delete;

    std::string model_name() const override;  // the model file's name
    int context_tokens() const override;      // tokens per sequence after capping
    // Tokens of `text` as plain text (no BOS, special-token text not parsed).
    int count_tokens(std::string_view text) const override;
    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text) override;

    const ChatTemplate& chat_template() const;
    const tokenizer::Tokenizer& tokenizer() const;
    const decoder::DecoderConfig& config() const;
    GeneratorStats stats() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Opens options.model_path as a DecoderModel with one KV slot per parallel sequence and wraps it
// in a LocalGenerator; what the services layer calls for llm.backend=local. Throws what
// DecoderModel::open throws (not_found / io for the file, unsupported for an architecture or
// tensor type, invalid_argument for a malformed model or one that does not fit in memory),
// what make_tokenizer throws, and Error(invalid_argument) for options out of range.
std::unique_ptr<llm::TextGenerator> open_local_generator(const LocalGeneratorOptions& options);

// The same, typed, for callers that want stats() or the chat template.
std::unique_ptr<LocalGenerator> open_local_generator_typed(const LocalGeneratorOptions& options);

}  // namespace deskside::generation
