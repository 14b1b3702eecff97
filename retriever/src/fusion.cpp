#include "retriever/fusion.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "base/error.h"

namespace deskside::retriever {
namespace {

// Min-max normalised scores of one arm (all 1 when the arm's scores are all equal).
std::vector<double> normalized(const std::vector<ArmHit>& hits) {
    std::vector<double> out(hits.size(), 1.0);
    if (hits.empty()) return out;
    auto [low, high] = std::minmax_element(
        hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.score < b.score; });
    double span = high->score - low->score;
    if (span <= 0) return out;
    for (std::size_t i = 0; i < hits.size(); ++i) out[i] = (hits[i].score - low->score) / span;
    return out;
}

}  // namespace

std::vector<FusedHit> fuse(const std::vector<ArmHit>& keyword, const std::vector<ArmHit>& vector,
                           const FusionOptions& options) {
    std::unordered_map<std::int64_t, FusedHit> by_passage;
    auto add_arm = [&](const std::vector<ArmHit>& hits, double weight, bool is_keyword) {
        std::vector<double> norm;
        if (options.method == FusionMethod::normalized_score) norm = normalized(hits);
        for (std::size_t i = 0; i < hits.size(); ++i) {
            FusedHit& fused = by_passage[hits[i].passage_id];
            fused.passage_id = hits[i].passage_id;
            fused.document_id = hits[i].document_id;
            int rank = static_cast<int>(i) + 1;
            int& arm_rank = is_keyword ? fused.keyword_rank : fused.vector_rank;
            if (arm_rank != 0) continue;  // a passage listed twice by one arm counts once
            arm_rank = rank;
            fused.score += options.method == FusionMethod::reciprocal_rank
                               ? weight / (options.rrf_k + rank)
                               : weight * norm[i];
        }
    };
    add_arm(keyword, options.keyword_weight, true);
    add_arm(vector, options.vector_weight, false);

    std::vector<FusedHit> fused;
    fused.reserve(by_passage.size());
    for (auto& [id, hit] : by_passage) fused.push_back(hit);
    auto best_rank = [](const FusedHit& h) {
        int a = h.keyword_rank ? h.keyword_rank : std::numeric_limits<int>::max();
        int b = h.vector_rank ? h.vector_rank : std::numeric_limits<int>::max();
        return std::min(a, b);
    };
    std::sort(fused.begin(), fused.end(), [&](const FusedHit& a, const FusedHit& b) {
        if (a.score != b.score) return a.score > b.score;
        if (best_rank(a) != best_rank(b)) return best_rank(a) < best_rank(b);
        return a.passage_id < b.passage_id;
    });
    if (options.per_document <= 0) return fused;
    std::unordered_map<std::int64_t, int> kept;
    std::vector<FusedHit> diverse;
    for (const FusedHit& hit : fused)
        if (++kept[hit.document_id] <= options.per_document) diverse.push_back(hit);
    return diverse;
}

FusionMethod parse_fusion_method(std::string_view name) {
    if (name == "rrf") return FusionMethod::reciprocal_rank;
    if (name == "normalized") return FusionMethod::normalized_score;
    throw Error(ErrorCode::invalid_argument,
                "fusion method '" + std::string(name) + "' is not known: use rrf or normalized");
}

std::string_view fusion_method_name(FusionMethod method) {
    return method == FusionMethod::reciprocal_rank ? "rrf" : "normalized";
}

}  // namespace deskside::retriever
