// `deskside eval`: the retrieval-quality harness on a real evaluation set, its JSON contract
// and its errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
