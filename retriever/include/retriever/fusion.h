// Fusion of ranked lists from the retrieval arms (BM25 from the keyword index, nearest
// neighbours from the vector index) into one ranking.
//
// Normalised-score fusion (the default): each arm's scores are min-max normalised over its
// candidate list, then summed with the arm weights — a convex combination, which keeps how much
// better one candidate is than the next (Bruch et al. 2023 found it ahead of RRF when the
// weight is chosen on held-out data). Reciprocal-rank fusion is the alternative: score(p) = sum
// over arms of weight / (k + rank), rank counted from 1, k = 60 (Cormack et al. 2009), which
// needs no scores at all but lets a weak arm's ranks count as much as a strong arm's.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace deskside::retriever {

// One candidate from one arm, best first.
struct ArmHit {
    std::int64_t passage_id = 0;
    std::int64_t document_id = 0;
    double score = 0;  // the arm's own score (BM25, cosine)
};

enum class FusionMethod { reciprocal_rank, normalized_score };

// Defaults: normalised-score fusion, keyword 0.6, vector 0.4 — the weights a leave-one-set-out
// evaluation over the shared evaluation sets chose (docs/retrieval.md).
struct FusionOptions {
    FusionMethod method = FusionMethod::normalized_score;
    double rrf_k = 60;
    double keyword_weight = 0.6;
    double vector_weight = 0.4;
    int per_document = 1;  // best passages kept per document; 0 = no limit
};

struct FusedHit {
    std::int64_t passage_id = 0;
    std::int64_t document_id = 0;
    double score = 0;
    int keyword_rank = 0;  // 1-based rank in each arm; 0 = not returned by that arm
    int vector_rank = 0;
};

// Fuses the two arms' lists (each best first, each already filtered) and applies the
// per-document limit. Ties are broken by the better rank in either arm, then passage id, so
// the order is deterministic.
std::vector<FusedHit> fuse(const std::vector<ArmHit>& keyword, const std::vector<ArmHit>& vector,
                           const FusionOptions& options = {});

FusionMethod parse_fusion_method(std::string_view name);  // "rrf" | "normalized"; invalid_argument
std::string_view fusion_method_name(FusionMethod method);

}  // namespace deskside::retriever
