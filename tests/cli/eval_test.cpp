// `deskside eval`: the retrieval-quality harness on a real evaluation set, its JSON contract
// and its errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "process.h"
#include "test_support.h"

namespace deskside {
namespace {

using testing::run_deskside;

TEST(EvalCommand, ScoresKeywordRetrievalOnTheAdiSet) {
    auto result = run_deskside(
        {"eval", "--set", (testing::shared_dir() / "eval" / "adi").string(), "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    ASSERT_TRUE(json.is_object()) << result.out;
    EXPECT_EQ(json["set"], "adi");
    EXPECT_EQ(json["documents"], 82);
    EXPECT_EQ(json["queries"], 35);
    const auto& keyword = json["modes"]["keyword"];
    for (const char* key : {"ndcg@10", "map", "recall@100", "mrr", "p50_ms"})
        EXPECT_TRUE(keyword.contains(key)) << key;
    // BM25 on ADI lands near 0.45 nDCG@10; a broken id mapping or parser gives near 0.
    EXPECT_GT(keyword["ndcg@10"].get<double>(), 0.35);
    EXPECT_LE(keyword["ndcg@10"].get<double>(), 1.0);
    EXPECT_GT(keyword["recall@100"].get<double>(), 0.8);
}

TEST(EvalCommand, VectorModeReportsGraphRecallAndRunFilesAreWritten) {
    testing::TempDir tmp;
    auto result =
        run_deskside({"eval", "--set", (testing::shared_dir() / "eval" / "adi").string(), "--modes",
                      "keyword,vector", "--runs", (tmp.path() / "runs").string(), "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    const auto& vector = json["modes"]["vector"];
    ASSERT_TRUE(vector.contains("hnsw_recall@10")) << result.out;
    // 82 documents: the graph search at its default beam finds the exact neighbours.
    EXPECT_GE(vector["hnsw_recall@10"].get<double>(), 0.95);
    EXPECT_FALSE(json["modes"]["keyword"].contains("hnsw_recall@10"));
    EXPECT_GT(vector["ndcg@10"].get<double>(), 0.2);
    // One TREC line per ranked document: "QID Q0 DOCID RANK SCORE TAG", 35 queries deep.
    std::string run = testing::read_file(tmp.path() / "runs" / "vector.run");
    ASSERT_FALSE(run.empty());
    std::istringstream lines(run);
    std::string qid, q0, doc, tag;
    int rank = 0;
    double score = 0;
    ASSERT_TRUE(lines >> qid >> q0 >> doc >> rank >> score >> tag);
    EXPECT_EQ(q0, "Q0");
    EXPECT_EQ(rank, 1);
    EXPECT_GT(score, 0.0);  // the cosine of the best passage
    EXPECT_LE(score, 1.0001);
    EXPECT_EQ(tag, "deskside-vector");
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / "runs" / "keyword.run"));
}

TEST(EvalCommand, BadArgumentsSayWhatToDo) {
    auto missing = run_deskside({"eval"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("--set DIR"), std::string::npos) << missing.err;
    testing::TempDir tmp;
    auto empty = run_deskside({"eval", "--set", tmp.path().string()});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("docs.jsonl"), std::string::npos) << empty.err;
    auto mode = run_deskside({"eval", "--set", (testing::shared_dir() / "eval" / "adi").string(),
                              "--modes", "telepathy"});
    EXPECT_EQ(mode.exit_code, 2);
    EXPECT_NE(mode.err.find("telepathy"), std::string::npos) << mode.err;
}

}  // namespace
}  // namespace deskside
