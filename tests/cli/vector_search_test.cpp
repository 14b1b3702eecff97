// Embeddings through the command line: `deskside index` embeds passages (LSA by default, a GGUF
// model with --embed-model), `deskside search --mode vector|hybrid` uses them, a change of
// model is detected and --reembed rebuilds, and status names the embedder.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.h"
#include "test_support.h"

namespace deskside {
namespace {

namespace fs = std::filesystem;
using testing::run_deskside;

class VectorSearchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The MED set's abstracts: enough text for the LSA embedder to learn from.
        std::ifstream in(testing::shared_dir() / "eval" / "med" / "docs.jsonl");
        std::string line;
        for (int i = 0; i < 300 && std::getline(in, line); ++i) {
            auto json = nlohmann::json::parse(line);
            testing::write_file(docs() / ("med-" + json["id"].get<std::string>() + ".txt"),
                                json["text"].get<std::string>());
        }
    }
    fs::path docs() const { return tmp_ / "docs"; }
    std::string data() const { return (tmp_ / "data").string(); }
    nlohmann::json search(std::vector<std::string> args) {
        args.insert(args.begin(), "search");
        args.insert(args.end(), {"--json", "--data", data()});
        auto result = run_deskside(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return nlohmann::json::parse(result.out, nullptr, false);
    }
    testing::TempDir tmp_;
};

TEST_F(VectorSearchTest, IndexEmbedsWithLsaAndAllModesSearch) {
    auto indexed = run_deskside({"index", docs().string(), "--data", data()});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
    EXPECT_NE(indexed.out.find("vectors: lsa ("), std::string::npos) << indexed.out;
    auto status = nlohmann::json::parse(run_deskside({"status", "--json", "--data", data()}).out,
                                        nullptr, false);
    EXPECT_TRUE(status["embedder"].get<std::string>().starts_with("lsa ("));
    EXPECT_EQ(status["vectors"], status["passages"]);

    for (const char* mode : {"keyword", "vector", "hybrid"}) {
        auto results = search({"crystalline lens", "--mode", mode, "-n", "5"});
        ASSERT_TRUE(results.contains("results")) << mode;
        ASSERT_FALSE(results["results"].empty()) << mode;
        // Every result of every mode is about the lens of the eye.
        std::string first = results["results"][0]["snippet"];
        for (auto& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_NE(first.find("lens"), std::string::npos) << mode << ": " << first;
    }
    // A second run has nothing new to embed.
    auto again = run_deskside({"index", docs().string(), "--data", data()});
    EXPECT_NE(again.out.find(", 0 embedded, 0 removed"), std::string::npos) << again.out;
    // Filters apply inside the vector arm too.
    auto filtered = search({"crystalline lens", "--mode", "vector", "--type", "html"});
    EXPECT_TRUE(filtered["results"].empty());
}

TEST_F(VectorSearchTest, DateFiltersApplyInsideTheVectorArm) {
    // A third of the abstracts carry a file date in 2001; the rest are dated today.
    int dated = 0;
    for (const auto& entry : fs::directory_iterator(docs()))
        if (dated++ % 3 == 0)
            fs::last_write_time(
                entry.path(), fs::file_time_type::clock::now() - std::chrono::hours(24 * 365 * 25));
    auto indexed = run_deskside({"index", docs().string(), "--data", data()});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
    for (const char* mode : {"vector", "hybrid"}) {
        auto old =
            search({"crystalline lens date:1990-01-01..2005-12-31", "--mode", mode, "-n", "20"});
        ASSERT_FALSE(old["results"].empty()) << mode;
        for (const auto& hit : old["results"])
            EXPECT_LT(hit["date"].get<std::string>(), "2006") << mode;
        auto recent = search({"crystalline lens date:2010-01-01..", "--mode", mode, "-n", "20"});
        ASSERT_FALSE(recent["results"].empty()) << mode;
        for (const auto& hit : recent["results"])
            EXPECT_GT(hit["date"].get<std::string>(), "2010") << mode;
        EXPECT_TRUE(
            search({"crystalline lens date:..1980-12-31", "--mode", mode})["results"].empty())
            << mode;
    }
}

TEST_F(VectorSearchTest, AChangeOfModelIsDetectedAndReembedRebuilds) {
    ASSERT_EQ(run_deskside({"index", docs().string(), "--data", data()}).exit_code, 0);
    std::string model =
        (testing::shared_dir() / "models" / "synthetic" / "tiny-bert-synthetic-F16.gguf").string();
    auto mismatch = run_deskside(
        {"search", "lens", "--mode", "vector", "--embed-model", model, "--data", data()});
    EXPECT_EQ(mismatch.exit_code, 2);
    EXPECT_NE(mismatch.err.find("--reembed"), std::string::npos) << mismatch.err;
    auto refused =
        run_deskside({"index", docs().string(), "--embed-model", model, "--data", data()});
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find("--reembed"), std::string::npos) << refused.err;

    auto reembedded = run_deskside(
        {"index", docs().string(), "--embed-model", model, "--reembed", "--data", data()});
    ASSERT_EQ(reembedded.exit_code, 0) << reembedded.err;
    EXPECT_NE(reembedded.out.find("vectors: gguf tiny-bert-synthetic-F16.gguf (128-d)"),
              std::string::npos)
        << reembedded.out;
    auto results = search({"lens", "--mode", "vector", "--embed-model", model});
    EXPECT_FALSE(results["results"].empty());
}

TEST_F(VectorSearchTest, WithoutVectorsVectorModeSaysHowToGetThem) {
    auto indexed =
        run_deskside({"index", docs().string(), "--data", data()}, {"DESKSIDE_EMBED=false"});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
    auto vector = run_deskside({"search", "lens", "--mode", "vector", "--data", data()});
    EXPECT_EQ(vector.exit_code, 2);
    EXPECT_NE(vector.err.find("needs vectors"), std::string::npos) << vector.err;
    auto bad = run_deskside({"search", "lens", "--mode", "psychic", "--data", data()});
    EXPECT_EQ(bad.exit_code, 2);
    // Keyword search (the default without vectors) still works.
    EXPECT_EQ(run_deskside({"search", "lens", "--data", data()}).exit_code, 0);
}

}  // namespace
}  // namespace deskside
