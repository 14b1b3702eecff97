// The corpus-trained LSA embedder: the dense retrieval arm when no embedding model is configured.
// fit() learns a rank-k latent semantic space from the passages (TF-IDF, randomized truncated
// SVD); embed() folds any text into it, so passages indexed between refits need no refit.
// An LsaEmbedder owns its model and is immutable: embed() and the accessors may be called from
// any thread at once. fit/load/save throw deskside::Error (see each function).
//
// Fold-in: v = L2-normalise( sum_t w_t * U_k[t] * Sigma_k^e ), w_t = (1 + ln tf_t) * idf_t over
// the text's known terms, for documents and queries alike (U_k: the term vectors of the SVD of
// the passage-term matrix). e = sigma_exponent is stored in the model. Default 0: v is the tf-idf
// vector projected on the k leading concepts (U_k^T x, as sklearn's TruncatedSVD and gensim
// do), so cosine compares the texts' rank-k reconstructions. Sigma^-1 (a fitted passage's row of
// V) weighs every concept alike and lets the noisy tail dominate: on Cranfield at k = 256,
// nDCG@10 is 0.329 with e = -1, 0.357 with e = -1/2 and 0.377 with e = 0, and the gap grows with
// k (lsa_retrieval_test.cpp keeps the ordering honest).
//
// Refit rule (needs_refit): refit when the passages added since the fit exceed 20% of the
// passages fitted on, or the corpus grew or shrank by more than 20%: past that, the vocabulary
// and idf no longer describe the corpus (new terms are invisible to fold-in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/embedder.h"
#include "lsa/lsa_file.h"
#include "lsa/term_tokenizer.h"

namespace deskside::lsa {

struct FitOptions {
    // k, the embedding dimension. Capped by the corpus: at most min(passages, terms), and
    // directions with a singular value below 1e-4 of the largest (rank deficiency) are dropped.
    int dimension = 256;
    // Terms must occur in at least this many passages (rarer ones cannot be related to others).
    std::uint32_t min_df = 2;
    // Vocabulary cap: the terms with the highest document frequency are kept.
    std::size_t max_terms = 100'000;
    // Randomized SVD: extra test vectors and power iterations (Halko et al.).
    int oversampling = 10;
    int power_iterations = 2;
    std::uint64_t seed = 0x15A;
    float sigma_exponent = 0.0f;  // see "Fold-in" above
    TermOptions terms;
    int threads = 0;  // 0 = one per hardware thread
};

class LsaEmbedder final : public embed::Embedder {
  public:
    // Fits a model on `passages`. Throws Error(invalid_argument) when no term occurs in
    // min_df passages (an empty or too small corpus: there is nothing to learn) or an option is
    // out of range.
    static LsaEmbedder fit(std::span<const std::string> passages, const FitOptions& options = {});

    // Throws Error(not_found / io) when the file cannot be read, Error(invalid_argument) when it
    // is corrupt or truncated, Error(unsupported) for another format version.
    static LsaEmbedder load(const std::filesystem::path& path);

    // Takes a model (from a fit or decode_model). Throws Error(invalid_argument) if it breaks the
    // model invariants of lsa_file.h.
    explicit LsaEmbedder(LsaModelData model);

    // Writes the model file atomically (lsa_file.h). Throws Error(io).
    void save(const std::filesystem::path& path) const;

    // kind "lsa", name "lsa", hash = model_digest of the model file bytes, dimension = k.
    const embed::EmbedderIdentity& identity() const override { return identity_; }
    std::vector<float> embed(std::span<const std::string> texts) const override;

    // True when the model should be refitted: `new_passages` were folded in since the fit and
    // the corpus now holds `total_passages` (rule in the header comment).
    bool needs_refit(std::size_t new_passages, std::size_t total_passages) const;

    const LsaModelData& model() const { return model_; }
    // Tokenizer options the model was fitted with.
    TermOptions term_options() const { return TermOptions{(model_.flags & kFlagStem) != 0}; }

  private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };

    void embed_one(std::string_view text, std::vector<std::uint32_t>& ids, float* out) const;

    LsaModelData model_;
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> index_;
    embed::EmbedderIdentity identity_;
};

}  // namespace deskside::lsa
