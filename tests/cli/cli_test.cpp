// The deskside binary as a user and a script see it: exit statuses, messages, JSON contracts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "process.h"
#include "store/data_dir.h"
#include "test_support.h"

namespace deskside {
namespace {

namespace fs = std::filesystem;
using testing::run_deskside;

class CliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* name : {"html/tika-testHTML.html", "md/tika-testMARKDOWN.md",
                                 "txt/chardet-SHIFT_JIS-_ude_1.txt", "txt/tika-multi-language.txt"})
            testing::write_file(docs() / fs::path(name).filename(),
                                testing::read_file(testing::corpus_dir() / name));
    }
    fs::path docs() const { return tmp_ / "docs"; }
    std::string data() const { return (tmp_ / "data").string(); }
    testing::TempDir tmp_;
};

TEST_F(CliTest, HelpAndUsageErrors) {
    auto help = run_deskside({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("index PATH..."), std::string::npos);
    auto search_help = run_deskside({"search", "--help"});
    EXPECT_NE(search_help.out.find("NEAR"), std::string::npos);
    auto unknown = run_deskside({"frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
    auto no_paths = run_deskside({"index", "--data", data()});
    EXPECT_EQ(no_paths.exit_code, 2);
    EXPECT_NE(no_paths.err.find("give the folders"), std::string::npos);
    auto bad_flag = run_deskside({"search", "x", "--colection", "a", "--data", data()});
    EXPECT_EQ(bad_flag.exit_code, 2);
    EXPECT_NE(bad_flag.err.find("--colection"), std::string::npos);
    auto no_index = run_deskside({"search", "anything", "--data", data()});
    EXPECT_EQ(no_index.exit_code, 2);
    EXPECT_NE(no_index.err.find("deskside index"), std::string::npos);
}

TEST_F(CliTest, IndexThenSearchAndStatusWithDataAnywhereOnTheLine) {
    auto indexed = run_deskside({"--data", data(), "index", docs().string()});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
    EXPECT_NE(indexed.out.find("indexed 4, unchanged 0, failed 0, removed 0"), std::string::npos)
        << indexed.out;
    auto again = run_deskside({"index", docs().string(), "--data=" + data()});
    EXPECT_NE(again.out.find("indexed 0, unchanged 4"), std::string::npos) << again.out;

    auto found = run_deskside({"search", "Rashomon", "AKUTAGAWA", "--data", data()});
    EXPECT_EQ(found.exit_code, 0);
    EXPECT_NE(found.out.find("chardet-SHIFT_JIS-_ude_1.txt"), std::string::npos);
    EXPECT_NE(found.out.find("**Rashomon**"), std::string::npos) << found.out;

    auto status = run_deskside({"status", "--json"}, {"DESKSIDE_DATA=" + data()});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    auto json = nlohmann::json::parse(status.out);
    EXPECT_TRUE(json["documents"].is_number_integer());
    EXPECT_EQ(json["documents"].get<int>(), 4);
    EXPECT_GT(json["passages"].get<int>(), 4);
    EXPECT_EQ(json["failed"].get<int>(), 0);
    EXPECT_TRUE(json["last_run"]["completed"].get<bool>());
}

TEST_F(CliTest, SearchJsonFollowsTheDocumentedSchema) {
    ASSERT_EQ(run_deskside({"index", docs().string(), "--data", data()}).exit_code, 0);
    auto result =
        run_deskside({"search", "\"Project Gutenberg\"", "-n", "3", "--json", "--data", data()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["query"], "\"Project Gutenberg\"");
    EXPECT_TRUE(json["estimated_matches"].is_number());
    ASSERT_GE(json["results"].size(), 1u);
    const auto& hit = json["results"][0];
    for (const char* field :
         {"rank", "score", "document_id", "passage_id", "title", "path", "type", "collection",
          "date", "page", "location", "heading", "char_start", "char_end", "snippet", "highlights"})
        EXPECT_TRUE(hit.contains(field)) << field;
    EXPECT_EQ(hit["rank"], 1);
    EXPECT_EQ(hit["type"], "text");
    EXPECT_TRUE(hit["page"].is_null());  // plain text has no pages
    ASSERT_FALSE(hit["highlights"].empty());
    // The highlight spans the marked word in the snippet (code points; ASCII here).
    std::string snippet = hit["snippet"];
    auto span = hit["highlights"][0];
    std::u32string cps;
    for (char c : snippet)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) cps += U'x';
    EXPECT_LE(span[1].get<std::size_t>(), cps.size());
}

TEST_F(CliTest, QuerySyntaxErrorIsExplained) {
    ASSERT_EQ(run_deskside({"index", docs().string(), "--data", data()}).exit_code, 0);
    auto result = run_deskside({"search", "budget AND (", "--data", data()});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("cannot parse the query"), std::string::npos) << result.err;
}

TEST_F(CliTest, FailedFilesGiveExitOneAndAreListed) {
    testing::write_file(docs() / "empty.txt", "");
    auto result = run_deskside({"index", docs().string(), "--data", data()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.out.find("failed 1"), std::string::npos);
    auto errors = run_deskside({"status", "--errors", "--data", data()});
    EXPECT_NE(errors.out.find("empty.txt"), std::string::npos);
    EXPECT_NE(errors.out.find("empty: zero-byte file"), std::string::npos) << errors.out;
    auto json =
        nlohmann::json::parse(run_deskside({"status", "--errors", "--json", "--data", data()}).out);
    ASSERT_EQ(json["errors"].size(), 1u);
    EXPECT_NE(json["errors"][0]["path"].get<std::string>().find("empty.txt"), std::string::npos);
}

TEST_F(CliTest, TooLargeFilesRespectTheConfiguredLimit) {
    testing::write_file(docs() / "large.txt", std::string(3 << 20, 'x'));
    auto result = run_deskside({"index", docs().string(), "--max-file-mb", "1", "--data", data()});
    EXPECT_EQ(result.exit_code, 1);
    auto errors = run_deskside({"status", "--errors", "--data", data()});
    EXPECT_NE(errors.out.find("over the 1.0 MB limit"), std::string::npos) << errors.out;
}

TEST_F(CliTest, ASecondIndexRunOnTheSameDataIsRefused) {
    store::DataDir dir{fs::path(data())};
    store::WriterLock held(dir);  // as a running `deskside index` holds it
    auto result = run_deskside({"index", docs().string(), "--data", data()});
    EXPECT_EQ(result.exit_code, 4);
    EXPECT_NE(result.err.find("another deskside process"), std::string::npos) << result.err;
}

TEST_F(CliTest, ConfigFileSetsTheDataDirectory) {
    testing::write_file(tmp_ / "deskside.json", "{\"data\": \"" + data() + "\"}");
    auto result =
        run_deskside({"index", docs().string(), "--config", (tmp_ / "deskside.json").string()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(fs::exists(fs::path(data()) / "catalog.sqlite"));
    testing::write_file(tmp_ / "bad.json", "{\"dta\": 1}");
    auto bad = run_deskside({"status", "--config", (tmp_ / "bad.json").string()});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("unknown setting 'dta'"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace deskside
