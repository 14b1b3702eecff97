// LsaEmbedder: fit (TF-IDF matrix -> randomized SVD -> scaled projection), fold-in embedding,
// identity and the refit rule.
#include "lsa/lsa_embedder.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "base/error.h"
#include "parallel.h"
#include "randomized_svd.h"
#include "term_matrix.h"

namespace deskside::lsa {

namespace {

// Refit once the corpus has moved this far (as a fraction of the passages fitted on).
constexpr double kRefitFraction = 0.20;

// Below this many texts per thread, spawning threads costs more than it saves.
constexpr std::size_t kTextsPerThread = 16;

void check_options(const FitOptions& o) {
    auto bad = [](const std::string& what) {
        throw Error(ErrorCode::invalid_argument, "LSA fit: " + what);
    };
    if (o.dimension < 1 || o.dimension > kMaxDimension) {
        bad("dimension " + std::to_string(o.dimension) + " is outside 1.." +
            std::to_string(kMaxDimension));
    }
    if (o.max_terms < 1 || o.max_terms > kMaxTerms) {
        bad("max_terms " + std::to_string(o.max_terms) + " is outside 1.." +
            std::to_string(kMaxTerms));
    }
    if (o.oversampling < 0 || o.oversampling > 1000) bad("oversampling is outside 0..1000");
    if (o.power_iterations < 0 || o.power_iterations > 20) bad("power_iterations is outside 0..20");
    if (!std::isfinite(o.sigma_exponent) || std::fabs(o.sigma_exponent) > 4) {
        bad("sigma_exponent is outside -4..4");
    }
}

}  // namespace

LsaEmbedder LsaEmbedder::fit(std::span<const std::string> passages, const FitOptions& options) {
    check_options(options);
    const std::uint32_t min_df = std::max<std::uint32_t>(options.min_df, 1);
    detail::TermMatrix matrix = detail::build_term_matrix(passages, options.terms, min_df,
                                                          options.max_terms, options.threads);
    if (matrix.terms.empty()) {
        throw Error(ErrorCode::invalid_argument,
                    "LSA fit: no term occurs in " + std::to_string(min_df) + " of the " +
                        std::to_string(passages.size()) + " passages; the corpus is too small");
    }
    const detail::CsrMatrix transposed = matrix.passages.transposed();
    detail::SvdOptions svd_options;
    svd_options.rank = options.dimension;
    svd_options.oversampling = options.oversampling;
    svd_options.power_iterations = options.power_iterations;
    svd_options.seed = options.seed;
    svd_options.threads = options.threads;
    detail::TruncatedSvd svd = detail::randomized_svd(matrix.passages, transposed, svd_options);
    if (svd.rank == 0) {
        throw Error(ErrorCode::internal, "LSA fit: the TF-IDF matrix has rank 0");
    }

    LsaModelData model;
    model.flags = options.terms.stem ? kFlagStem : 0;
    model.dimension = svd.rank;
    model.passages = passages.size();
    model.seed = options.seed;
    model.min_df = min_df;
    model.power_iterations = static_cast<std::uint32_t>(options.power_iterations);
    model.sigma_exponent = options.sigma_exponent;
    model.singular_values = std::move(svd.singular_values);
    model.terms = std::move(matrix.terms);
    model.idf = std::move(matrix.idf);
    // Scale once here so fold-in is a plain sum of rows.
    const auto k = static_cast<std::size_t>(svd.rank);
    std::vector<float> scale(k);
    for (std::size_t c = 0; c < k; ++c) {
        scale[c] = static_cast<float>(
            std::pow(static_cast<double>(model.singular_values[c]), options.sigma_exponent));
    }
    model.projection = std::move(svd.right_vectors);
    for (std::size_t i = 0; i < model.projection.size(); ++i) model.projection[i] *= scale[i % k];
    return LsaEmbedder(std::move(model));
}

LsaEmbedder LsaEmbedder::load(const std::filesystem::path& path) {
    return LsaEmbedder(read_model_file(path));
}

LsaEmbedder::LsaEmbedder(LsaModelData model) : model_(std::move(model)) {
    const std::string encoded = encode_model(model_);  // validates
    identity_ = embed::EmbedderIdentity{"lsa", "lsa", model_digest(encoded), model_.dimension};
    index_.reserve(model_.terms.size());
    for (std::size_t t = 0; t < model_.terms.size(); ++t) {
        index_.emplace(model_.terms[t], static_cast<std::uint32_t>(t));
    }
}

void LsaEmbedder::save(const std::filesystem::path& path) const {
    write_model_file(path, model_);
}

void LsaEmbedder::embed_one(std::string_view text, std::vector<std::uint32_t>& ids,
                            float* out) const {
    const auto k = static_cast<std::size_t>(model_.dimension);
    std::fill(out, out + k, 0.0f);
    ids.clear();
    for_each_term(text, term_options(), [&](std::string_view term) {
        if (auto it = index_.find(term); it != index_.end()) ids.push_back(it->second);
    });
    std::sort(ids.begin(), ids.end());
    for (std::size_t i = 0; i < ids.size();) {
        std::size_t j = i;
        while (j < ids.size() && ids[j] == ids[i]) ++j;
        const float w = detail::term_weight(static_cast<std::uint32_t>(j - i), model_.idf[ids[i]]);
        const float* row = model_.projection.data() + std::size_t{ids[i]} * k;
        for (std::size_t c = 0; c < k; ++c) out[c] += w * row[c];
        i = j;
    }
    double norm = 0;
    for (std::size_t c = 0; c < k; ++c) norm += double{out[c]} * out[c];
    if (norm > 0) {
        const auto inv = static_cast<float>(1.0 / std::sqrt(norm));
        for (std::size_t c = 0; c < k; ++c) out[c] *= inv;
    }
}

std::vector<float> LsaEmbedder::embed(std::span<const std::string> texts) const {
    const auto k = static_cast<std::size_t>(model_.dimension);
    std::vector<float> out(texts.size() * k);
    const int threads = detail::thread_count(0, texts.size() / kTextsPerThread);
    detail::parallel_blocks(texts.size(), threads, [&](std::size_t begin, std::size_t end, int) {
        std::vector<std::uint32_t> ids;
        for (std::size_t i = begin; i < end; ++i) embed_one(texts[i], ids, out.data() + i * k);
    });
    return out;
}

bool LsaEmbedder::needs_refit(std::size_t new_passages, std::size_t total_passages) const {
    const double fitted = static_cast<double>(model_.passages);
    const double limit = kRefitFraction * fitted;
    return static_cast<double>(new_passages) > limit ||
           std::fabs(static_cast<double>(total_passages) - fitted) > limit;
}

}  // namespace deskside::lsa
