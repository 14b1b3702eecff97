// Retrieval measures against hand-computed values, and loading the shared evaluation sets.
#include "retriever/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "test_support.h"

namespace deskside::retriever {
namespace {

TEST(Evaluation, MeasuresOfOneRanking) {
    // Relevant: a (grade 2), c (grade 1); b is judged not relevant, x is unjudged.
    std::map<std::string, int> judged = {{"a", 2}, {"b", 0}, {"c", 1}};
    QueryScores s = score_ranking({"x", "a", "b", "c"}, judged);
    EXPECT_DOUBLE_EQ(s.reciprocal_rank, 0.5);
    EXPECT_DOUBLE_EQ(s.average_precision, (1.0 / 2 + 2.0 / 4) / 2);
    EXPECT_DOUBLE_EQ(s.recall_at_100, 1.0);
    double dcg = 2 / std::log2(3.0) + 1 / std::log2(5.0);
    double ideal = 2 / std::log2(2.0) + 1 / std::log2(3.0);
    EXPECT_NEAR(s.ndcg_at_10, dcg / ideal, 1e-12);

    QueryScores perfect = score_ranking({"a", "c"}, judged);
    EXPECT_DOUBLE_EQ(perfect.ndcg_at_10, 1.0);
    EXPECT_DOUBLE_EQ(perfect.average_precision, 1.0);
    QueryScores none = score_ranking({"x", "b"}, judged);
    EXPECT_EQ(none.ndcg_at_10, 0);
    EXPECT_EQ(none.reciprocal_rank, 0);
}

TEST(Evaluation, RelevantDocumentsPastTenOnlyCountForRecallAndMap) {
    std::map<std::string, int> judged = {{"r", 1}};
    std::vector<std::string> ranking;
    for (int i = 0; i < 20; ++i) ranking.push_back("n" + std::to_string(i));
    ranking.push_back("r");
    QueryScores s = score_ranking(ranking, judged);
    EXPECT_EQ(s.ndcg_at_10, 0);
    EXPECT_DOUBLE_EQ(s.recall_at_100, 1.0);
    EXPECT_DOUBLE_EQ(s.reciprocal_rank, 1.0 / 21);
}

TEST(Evaluation, LoadsTheSharedSets) {
    EvalSet cranfield = load_eval_set(deskside::testing::shared_dir() / "eval" / "cranfield");
    EXPECT_EQ(cranfield.name, "cranfield");
    EXPECT_EQ(cranfield.documents.size(), 1400u);
    EXPECT_EQ(cranfield.queries.size(), 225u);
    EXPECT_EQ(cranfield.judgments.size(), 225u);
    EXPECT_FALSE(cranfield.documents.front().title.empty());
    EXPECT_EQ(cranfield.judgments.at("1").at("184"), 3);

    // A ranking that puts every query's judged documents first, best grade first, is perfect.
    std::map<std::string, std::vector<std::string>> ideal;
    for (const auto& [query, docs] : cranfield.judgments) {
        std::vector<std::pair<int, std::string>> by_grade;
        for (const auto& [doc, grade] : docs) by_grade.emplace_back(-grade, doc);
        std::sort(by_grade.begin(), by_grade.end());
        for (const auto& [grade, doc] : by_grade) ideal[query].push_back(doc);
    }
    SetScores perfect = score_set(cranfield, ideal);
    EXPECT_EQ(perfect.queries, 225);
    EXPECT_DOUBLE_EQ(perfect.ndcg_at_10, 1.0);
    EXPECT_DOUBLE_EQ(perfect.mrr, 1.0);
    SetScores empty = score_set(cranfield, {});
    EXPECT_EQ(empty.map, 0);
}

TEST(Evaluation, BadSetsAreNamed) {
    deskside::testing::TempDir tmp;
    try {
        load_eval_set(tmp.path());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
        EXPECT_NE(std::string(e.what()).find("docs.jsonl"), std::string::npos);
    }
    deskside::testing::write_file(tmp / "docs.jsonl",
                                  "{\"id\": \"1\", \"text\": \"x\"}\nnot json\n");
    deskside::testing::write_file(tmp / "queries.jsonl", "");
    deskside::testing::write_file(tmp / "qrels.tsv", "");
    try {
        load_eval_set(tmp.path());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace deskside::retriever
