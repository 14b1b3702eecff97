// Fusion of the keyword and vector arms: reciprocal-rank and normalised-score fusion, weights,
// per-document diversity, determinism.
#include "retriever/fusion.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace deskside::retriever {
namespace {

std::vector<std::int64_t> passages(const std::vector<FusedHit>& hits) {
    std::vector<std::int64_t> out;
    for (const auto& h : hits) out.push_back(h.passage_id);
    return out;
}

TEST(Fusion, ReciprocalRankRewardsAgreement) {
    // Passage 3 is second in both arms; 1 and 5 are first in one arm only.
    std::vector<ArmHit> keyword = {{1, 10, 9.0}, {3, 30, 8.0}, {4, 40, 1.0}};
    std::vector<ArmHit> vector = {{5, 50, 0.9}, {3, 30, 0.8}, {6, 60, 0.1}};
    FusionOptions options;
    options.method = FusionMethod::reciprocal_rank;
    options.keyword_weight = options.vector_weight = 1;
    options.per_document = 0;
    auto fused = fuse(keyword, vector, options);
    ASSERT_EQ(fused.size(), 5u);
    EXPECT_EQ(fused[0].passage_id, 3);
    EXPECT_NEAR(fused[0].score, 2.0 / 62, 1e-12);
    EXPECT_EQ(fused[0].keyword_rank, 2);
    EXPECT_EQ(fused[0].vector_rank, 2);
    // 1 and 5 tie on score (1/61): the tie goes to the lower passage id.
    EXPECT_EQ(passages(fused), (std::vector<std::int64_t>{3, 1, 5, 4, 6}));
}

TEST(Fusion, WeightsShiftTheBalance) {
    std::vector<ArmHit> keyword = {{1, 10, 9.0}, {2, 20, 8.0}};
    std::vector<ArmHit> vector = {{2, 20, 0.9}, {1, 10, 0.8}};
    FusionOptions options;
    options.method = FusionMethod::reciprocal_rank;
    options.keyword_weight = 2;
    EXPECT_EQ(fuse(keyword, vector, options).front().passage_id, 1);
    options.keyword_weight = 1;
    options.vector_weight = 2;
    EXPECT_EQ(fuse(keyword, vector, options).front().passage_id, 2);
}

TEST(Fusion, DefaultsAreTheEvaluatedWeightsOfNormalisedFusion) {
    FusionOptions options;
    EXPECT_EQ(options.method, FusionMethod::normalized_score);
    EXPECT_DOUBLE_EQ(options.keyword_weight, 0.6);
    EXPECT_DOUBLE_EQ(options.vector_weight, 0.4);
    // A clear keyword winner that the vector arm ranks second stays first; a passage only the
    // vector arm finds enters below both.
    std::vector<ArmHit> keyword = {{1, 10, 12.0}, {2, 20, 6.0}, {3, 30, 2.0}};
    std::vector<ArmHit> vector = {{2, 20, 0.8}, {1, 10, 0.7}, {4, 40, 0.6}, {3, 30, 0.1}};
    auto fused = fuse(keyword, vector, options);
    // 1: 0.6 + 0.4 * 6/7; 2: 0.6 * 0.4 + 0.4; 4: 0.4 * 5/7; 3: 0.
    EXPECT_EQ(passages(fused), (std::vector<std::int64_t>{1, 2, 4, 3}));
    EXPECT_NEAR(fused[0].score, 0.6 + 0.4 * 6.0 / 7.0, 1e-12);
}

TEST(Fusion, NormalisedScoresUseEachArmsRange) {
    std::vector<ArmHit> keyword = {{1, 10, 20.0}, {2, 20, 10.0}, {3, 30, 0.0}};
    std::vector<ArmHit> vector = {{3, 30, 0.9}, {2, 20, 0.85}, {1, 10, 0.0}};
    FusionOptions options;
    options.method = FusionMethod::normalized_score;
    options.keyword_weight = options.vector_weight = 1;
    auto fused = fuse(keyword, vector, options);
    // 1: 1 + 0; 2: 0.5 + 0.944; 3: 0 + 1.
    EXPECT_EQ(passages(fused), (std::vector<std::int64_t>{2, 1, 3}));
    EXPECT_NEAR(fused[0].score, 0.5 + 0.85 / 0.9, 1e-12);
}

TEST(Fusion, PerDocumentKeepsTheBestPassages) {
    std::vector<ArmHit> keyword = {{1, 10, 9}, {2, 10, 8}, {3, 10, 7}, {4, 40, 6}};
    FusionOptions options;
    EXPECT_EQ(passages(fuse(keyword, {}, options)), (std::vector<std::int64_t>{1, 4}));
    options.per_document = 2;
    EXPECT_EQ(passages(fuse(keyword, {}, options)), (std::vector<std::int64_t>{1, 2, 4}));
}

TEST(Fusion, OneEmptyArmGivesTheOtherArmsOrder) {
    std::vector<ArmHit> vector = {{7, 70, 0.9}, {8, 80, 0.5}, {9, 90, 0.1}};
    EXPECT_EQ(passages(fuse({}, vector)), (std::vector<std::int64_t>{7, 8, 9}));
    EXPECT_TRUE(fuse({}, {}).empty());
}

TEST(Fusion, MethodNames) {
    EXPECT_EQ(parse_fusion_method("rrf"), FusionMethod::reciprocal_rank);
    EXPECT_EQ(parse_fusion_method("normalized"), FusionMethod::normalized_score);
    EXPECT_EQ(fusion_method_name(FusionMethod::normalized_score), "normalized");
    EXPECT_THROW(parse_fusion_method("borda"), Error);
}

}  // namespace
}  // namespace deskside::retriever
