// Fusion of ranked lists from the retrieval arms (BM25 from the keyword index, nearest
// neighbours from the vector index) into one ranking.
//
// Reciprocal-rank fusion (the default): score(p) = sum over arms of weight / (k + rank), rank
// counted from 1, k = 60 (Cormack et al. 2009). It needs no score calibration, which matters
// because BM25 scores and cosines live on unrelated scales. Normalised-score fusion (min-max
// per arm, then a weighted sum) is the alternative for arms whose scores are comparable.
// Weights default to 1 for each arm: the principled choice when neither arm is known to be
// better on the user's collection (docs/retrieval.md explains the choice).
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

struct FusionOptions {
    FusionMethod method = FusionMethod::reciprocal_rank;
    double rrf_k = 60;
    double keyword_weight = 1;
    double vector_weight = 1;
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
