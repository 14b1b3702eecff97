// deskside generate --model FILE.gguf [--greedy] [--ignore-eos] [-n N] [--json] PROMPT
//
// Continues PROMPT with a llama-family decoder (engine/decoder), for debugging the engine. The
// prompt is tokenised as llama-completion does (BOS as the GGUF says, special-token text parsed),
// run through the model in one forward pass, then N tokens (default 32) are generated one at a
// time, stopping at an end-of-generation token unless --ignore-eos. --greedy takes the argmax
// (ties to the lowest id); otherwise engine/generation's sampler draws with llama.cpp's defaults
// (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, seed 0: the same text every run).
// Settings: llm.threads (0 = one per core), llm.context (capped by the model and memory).
// With --json prints exactly
//   {"prompt_ids": [...], "generated_ids": [...], "text": ..., "prefill_tok_s": ...,
//    "decode_tok_s": ...}
// (text = the generated ids detokenised; an end-of-generation token that stopped generation is
// not part of generated_ids). Any failure to read the model is the user's to fix: exit 2.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/commands.h"
#include "decoder/decoder_model.h"
#include "generation/sampler.h"
#include "tokenizer/tokenizer.h"

namespace deskside::cli {
namespace {

// Keys in the documented order; floats as the shortest text that reads back the same float.
using Json = nlohmann::basic_json<nlohmann::ordered_map, std::vector, std::string, bool,
                                  std::int64_t, std::uint64_t, double>;
using Clock = std::chrono::steady_clock;

decoder::DecoderModel open_model(const std::string& path, const Settings& settings) {
    decoder::DecoderOptions options;
    options.context = static_cast<int>(settings.get_int("llm.context"));
    options.threads = static_cast<int>(settings.get_int("llm.threads"));
    options.max_sequences = 1;
    try {
        return decoder::DecoderModel::open(path, options);
    } catch (const Error& e) {
        // An unreadable model file is the caller's to fix, like a missing one.
        if (e.code() == ErrorCode::io) throw Error(ErrorCode::invalid_argument, e.what());
        throw;
    }
}

double per_second(std::size_t tokens, Clock::duration elapsed) {
    const double s = std::chrono::duration<double>(elapsed).count();
    return s > 0 ? static_cast<double>(tokens) / s : 0.0;
}

}  // namespace

int command_generate(CommandContext& context) {
    CommandArgs args("generate", context.invocation.args);
    auto model_path = args.option("--model", "-m");
    const bool greedy = args.flag("--greedy");
    const bool ignore_eos = args.flag("--ignore-eos");
    const bool json = args.flag("--json");
    const int n_generate = args.int_option("--n-predict", "-n").value_or(32);
    std::vector<std::string> words = args.finish();
    if (!model_path || model_path->empty())
        throw Error(ErrorCode::invalid_argument,
                    "give a model: deskside generate --model FILE.gguf PROMPT (see --help)");
    if (words.size() != 1)
        throw Error(ErrorCode::invalid_argument,
                    "give the prompt as one argument: deskside generate --model FILE.gguf "
                    "\"PROMPT\"");
    if (n_generate < 0)
        throw Error(ErrorCode::invalid_argument,
                    "-n must be 0 or more, not " + std::to_string(n_generate));

    decoder::DecoderModel model = open_model(*model_path, context.invocation.settings);
    const auto tokenizer = tokenizer::make_tokenizer(model.file());
    const std::vector<std::int32_t> prompt = tokenizer->encode(words[0], true, true);
    if (prompt.empty()) throw Error(ErrorCode::invalid_argument, "the prompt has no tokens");
    const int capacity = model.options().context;
    if (static_cast<int>(prompt.size()) + n_generate > capacity)
        throw Error(ErrorCode::invalid_argument,
                    "the prompt (" + std::to_string(prompt.size()) + " tokens) and -n " +
                        std::to_string(n_generate) + " exceed the context of " +
                        std::to_string(capacity) + " tokens (llm.context)");
    context.log.debug("decoder loaded", {{"model", model.file().path().filename().string()},
                                         {"architecture", model.config().architecture},
                                         {"kernels", std::string(model.kernel_name())},
                                         {"threads", std::to_string(model.options().threads)}});

    llm::SamplingParams params;
    if (!greedy) params.temperature = 0.8f;
    generation::Sampler sampler(params);
    for (std::int32_t id : prompt) sampler.accept(id);

    decoder::Sequence sequence = model.new_sequence();
    decoder::Logits logits;
    const auto prefill_start = Clock::now();
    const decoder::SequenceBatch first{&sequence, prompt, false};
    model.forward(std::span(&first, 1), logits);
    const double prefill_tok_s = per_second(prompt.size(), Clock::now() - prefill_start);

    std::vector<std::int32_t> generated;
    std::size_t decode_steps = 0;
    const auto decode_start = Clock::now();
    for (int i = 0; i < n_generate; ++i) {
        const std::int32_t next = sampler.sample(logits.last(0));
        if (!ignore_eos && tokenizer->is_eog(next)) break;
        generated.push_back(next);
        sampler.accept(next);
        if (i + 1 == n_generate) break;  // no need to run the last token through the model
        const decoder::SequenceBatch step{&sequence, std::span(&generated.back(), 1), false};
        model.forward(std::span(&step, 1), logits);
        ++decode_steps;
    }
    const double decode_tok_s = per_second(decode_steps, Clock::now() - decode_start);
    const std::string text = tokenizer->detokenize(generated);

    if (json) {
        Json out = {{"prompt_ids", prompt},
                    {"generated_ids", generated},
                    {"text", text},
                    {"prefill_tok_s", prefill_tok_s},
                    {"decode_tok_s", decode_tok_s}};
        // Byte tokens may leave invalid UTF-8 in text: replace rather than fail.
        std::fprintf(context.out, "%s\n",
                     out.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
        return 0;
    }
    std::fprintf(context.out, "%s%s\n", words[0].c_str(), text.c_str());
    std::fprintf(stderr,
                 "prompt %zu tokens, %.1f tok/s; generated %zu tokens, %.1f tok/s (%s, %s)\n",
                 prompt.size(), prefill_tok_s, generated.size(), decode_tok_s,
                 std::string(model.kernel_name()).c_str(), greedy ? "greedy" : "sampled");
    return 0;
}

}  // namespace deskside::cli
