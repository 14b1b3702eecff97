// The TF-IDF passage-term matrix an LSA fit starts from: vocabulary selection by document
// frequency, idf, and L2-normalised sublinear-tf rows. Private to deskside_lsa. Any thread may
// call build_term_matrix; it parallelises inside and its result does not depend on the thread
// count (the vocabulary is chosen by (df, term), never by arrival order).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lsa/term_tokenizer.h"
#include "sparse_matrix.h"

namespace deskside::lsa::detail {

// Sublinear term frequency times idf: the weight of a term in a passage or a query.
inline float term_weight(std::uint32_t tf, float idf) {
    return (1.0f + std::log(static_cast<float>(tf))) * idf;
}

// Smoothed idf, always > 0: ln((1 + N) / (1 + df)) + 1.
inline float inverse_document_frequency(std::uint64_t passages, std::uint64_t df) {
    return static_cast<float>(
        std::log((1.0 + static_cast<double>(passages)) / (1.0 + static_cast<double>(df))) + 1.0);
}

struct TermMatrix {
    std::vector<std::string> terms;  // ascending
    std::vector<float> idf;          // per term
    CsrMatrix passages;              // passages x terms; rows L2-normalised (empty rows stay empty)
};

// Keeps the terms found in at least `min_df` passages, at most `max_terms` of them (highest df
// first, ties by term), so the vocabulary may be empty.
TermMatrix build_term_matrix(std::span<const std::string> passages, const TermOptions& options,
                             std::uint32_t min_df, std::size_t max_terms, int threads);

}  // namespace deskside::lsa::detail
