// Chooses the next token from a row of logits: llama.cpp's default sampler chain, in its order,
// repetition penalty -> top-k -> top-p -> min-p -> temperature -> seeded draw; temperature 0 is
// greedy (argmax after the penalty, ties to the lowest id).
//
// One Sampler belongs to one sequence (it holds that sequence's token history and random
// generator) and is used by one thread at a time. The constructor throws Error(invalid_argument)
// for parameters out of range; sample() throws Error(invalid_argument) for an empty row.
//
// Reproducibility: the generator is std::mt19937_64 seeded with SamplingParams::seed and turned
// into a uniform double with our own arithmetic (not std::uniform_real_distribution, whose
// algorithm differs between standard libraries), so the same seed and the same logits give the
// same token on every run and every platform.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "llm/text_generator.h"

namespace deskside::generation {

class Sampler {
  public:
    // REQUIRES: temperature >= 0, top_k >= 0, 0 < top_p <= 1, 0 <= min_p <= 1,
    // repeat_penalty > 0, repeat_last_n >= 0 (all finite); otherwise Error(invalid_argument).
    explicit Sampler(const llm::SamplingParams& params);

    // Records a token of the sequence (prompt tokens too, as llama-server does) for the
    // repetition penalty, which looks at the last repeat_last_n recorded tokens.
    void accept(std::int32_t token);

    // The next token for this row of logits (one per vocabulary id). Advances the generator
    // when temperature > 0. Does not record the token: call accept() with it.
    std::int32_t sample(std::span<const float> logits);

    // What sample() draws from: the tokens the filters keep, best first (ties by lowest id),
    // with their probabilities after temperature (summing to 1). Greedy: the argmax alone.
    // Does not touch the generator.
    struct TokenProb {
        std::int32_t id;
        double p;
    };
    std::vector<TokenProb> distribution(std::span<const float> logits);

    const llm::SamplingParams& params() const { return params_; }

  private:
    struct Candidate {
        std::int32_t id;
        float logit;
    };

    // Applies the penalty of every token seen in the window to `logits` (a copy of the row).
    void apply_penalty(std::vector<float>& logits) const;
    // The row after the penalty (the input itself when there is nothing to penalise).
    std::span<const float> penalised(std::span<const float> logits);
    // Fills candidates_ (kept tokens, best first) and weights_ (their unnormalised weights
    // after temperature); returns the sum of the weights. REQUIRES temperature > 0.
    double filter(std::span<const float> row);
    double next_uniform();  // in [0, 1)

    llm::SamplingParams params_;
    std::vector<std::int32_t> history_;  // ring buffer of the last repeat_last_n tokens
    std::size_t history_next_ = 0;
    std::mt19937_64 rng_;
    std::vector<float> scratch_;  // penalised logits, reused between calls
    std::vector<Candidate> candidates_;
    std::vector<double> weights_;
};

}  // namespace deskside::generation
