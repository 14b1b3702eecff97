#include "generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"

namespace deskside::generation {
namespace {

void require(bool ok, const std::string& what) {
    if (!ok) throw Error(ErrorCode::invalid_argument, "sampling parameters: " + what);
}

// Highest logit first; equal logits by lowest id, so every step is deterministic.
struct Better {
    template <typename C>
    bool operator()(const C& a, const C& b) const {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    }
};

std::int32_t argmax(std::span<const float> logits) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < logits.size(); ++i) {
        if (logits[i] > logits[best]) best = i;  // strict: ties keep the lower id
    }
    return static_cast<std::int32_t>(best);
}

}  // namespace

Sampler::Sampler(const llm::SamplingParams& params) : params_(params), rng_(params.seed) {
    require(std::isfinite(params.temperature) && params.temperature >= 0,
            "temperature must be >= 0, got " + std::to_string(params.temperature));
    require(params.top_k >= 0, "top_k must be >= 0, got " + std::to_string(params.top_k));
    require(std::isfinite(params.top_p) && params.top_p >= 0 && params.top_p <= 1,
            "top_p must be in [0, 1], got " + std::to_string(params.top_p));
    require(std::isfinite(params.min_p) && params.min_p >= 0 && params.min_p <= 1,
            "min_p must be in [0, 1], got " + std::to_string(params.min_p));
    require(std::isfinite(params.repeat_penalty) && params.repeat_penalty > 0,
            "repeat_penalty must be > 0, got " + std::to_string(params.repeat_penalty));
    require(params.repeat_last_n >= 0,
            "repeat_last_n must be >= 0, got " + std::to_string(params.repeat_last_n));
    history_.reserve(static_cast<std::size_t>(params.repeat_last_n));
}

void Sampler::accept(std::int32_t token) {
    const auto window = static_cast<std::size_t>(params_.repeat_last_n);
    if (window == 0) return;
    if (history_.size() < window) {
        history_.push_back(token);
    } else {
        history_[history_next_] = token;
        history_next_ = (history_next_ + 1) % window;
    }
}

void Sampler::apply_penalty(std::vector<float>& logits) const {
    // Each distinct token in the window is penalised once, however often it occurs (llama.cpp's
    // repeat penalty; frequency and presence penalties are not offered).
    std::vector<std::int32_t> seen(history_);
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    const float penalty = params_.repeat_penalty;
    for (std::int32_t id : seen) {
        if (id < 0 || static_cast<std::size_t>(id) >= logits.size()) continue;
        float& logit = logits[static_cast<std::size_t>(id)];
        // Dividing a negative logit would raise it; multiplying lowers it, as intended.
        logit = logit > 0 ? logit / penalty : logit * penalty;
    }
}

double Sampler::next_uniform() {
    return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

std::span<const float> Sampler::penalised(std::span<const float> logits) {
    if (logits.empty()) throw Error(ErrorCode::invalid_argument, "sampler: empty logits row");
    if (params_.repeat_penalty == 1.0f || history_.empty()) return logits;
    scratch_.assign(logits.begin(), logits.end());
    apply_penalty(scratch_);
    return scratch_;
}

double Sampler::filter(std::span<const float> row) {
    // top-k: the k best, by a partial selection rather than a sort of the whole vocabulary.
    candidates_.resize(row.size());
    for (std::size_t i = 0; i < row.size(); ++i) {
        candidates_[i] = {static_cast<std::int32_t>(i), row[i]};
    }
    const auto k = static_cast<std::size_t>(params_.top_k);
    if (k > 0 && k < candidates_.size()) {
        std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k),
                         candidates_.end(), Better{});
        candidates_.resize(k);
    }
    float max_logit = candidates_.front().logit;
    for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);

    // top-p and min-p both keep a best-first prefix of the candidates and min-p's cut depends on
    // the best logit alone, which top-p always keeps; so filtering by min-p first, then sorting
    // only the survivors, gives the same set as the chain order while sorting far fewer
    // candidates. top-p's probabilities are still normalised over the whole top-k set.
    double norm = 0;
    for (const Candidate& c : candidates_) norm += std::exp(double(c.logit) - max_logit);
    if (params_.min_p > 0) {
        // p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p)
        const double floor = max_logit + std::log(double(params_.min_p));
        std::erase_if(candidates_, [&](const Candidate& c) { return c.logit < floor; });
    }
    std::sort(candidates_.begin(), candidates_.end(), Better{});
    if (params_.top_p < 1) {
        double cumulative = 0;
        std::size_t keep = candidates_.size();
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            cumulative += std::exp(double(candidates_[i].logit) - max_logit) / norm;
            if (cumulative >= params_.top_p) {  // the smallest prefix reaching p, at least 1
                keep = i + 1;
                break;
            }
        }
        candidates_.resize(keep);
    }

    // Temperature scales what is left; the draw is from its softmax.
    const double inv_t = 1.0 / params_.temperature;
    double total = 0;
    weights_.resize(candidates_.size());
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        weights_[i] = std::exp((double(candidates_[i].logit) - max_logit) * inv_t);
        total += weights_[i];
    }
    return total;
}

std::int32_t Sampler::sample(std::span<const float> logits) {
    const std::span<const float> row = penalised(logits);
    if (params_.temperature == 0.0f) return argmax(row);
    const double total = filter(row);
    if (!(total > 0)) return candidates_.front().id;  // every logit -inf: nothing to weigh
    const double target = next_uniform() * total;
    double cumulative = 0;
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        cumulative += weights_[i];
        if (target < cumulative) return candidates_[i].id;
    }
    return candidates_.back().id;  // rounding at the very top of the range
}

std::vector<Sampler::TokenProb> Sampler::distribution(std::span<const float> logits) {
    const std::span<const float> row = penalised(logits);
    if (params_.temperature == 0.0f) return {{argmax(row), 1.0}};
    const double total = filter(row);
    std::vector<TokenProb> out;
    out.reserve(candidates_.size());
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        out.push_back({candidates_[i].id, weights_[i] / total});
    }
    return out;
}

}  // namespace deskside::generation
