// `deskside ask` on the command line: index two real corpus files with the binary, then ask in
// text (streamed answer, then the sources) and --json (the shape /api/ask shares), and check
// the user errors (no question, no index, an incomplete llm.* configuration).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "process.h"
#include "test_support.h"

namespace deskside {
namespace {

using testing::run_deskside;

class AskCliTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        tmp_ = new testing::TempDir();
        auto corpus = testing::corpus_dir();
        auto result = run_deskside({"index", "--quiet", "--data", data(),
                                    (corpus / "pdf" / "pdfjs-pdfjs_wikipedia.pdf").string(),
                                    (corpus / "pdf" / "tika-testPDF.pdf").string()});
        ASSERT_EQ(result.exit_code, 0) << result.err;
    }
    static void TearDownTestSuite() { delete tmp_; }
    static std::string data() { return (tmp_->path() / "data").string(); }

    static inline testing::TempDir* tmp_ = nullptr;
};

TEST_F(AskCliTest, JsonAnswerHasTheSharedShape) {
    auto result = run_deskside(
        {"ask", "Since when is PDF.js included in Firefox?", "--json", "--data", data()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << result.out;
    EXPECT_EQ(json["question"], "Since when is PDF.js included in Firefox?");
    EXPECT_EQ(json["answered"], true);
    EXPECT_EQ(json["answerer"], "extractive");
    std::string answer = json["answer"];
    EXPECT_NE(answer.find("included in Firefox since 2012"), std::string::npos) << answer;
    ASSERT_TRUE(json["citations"].is_array());
    ASSERT_FALSE(json["citations"].empty());
    bool cited_wikipedia = false;
    for (const auto& c : json["citations"]) {
        for (const char* key : {"number", "document_id", "passage_id", "title", "path", "type",
                                "collection", "page", "location", "heading", "text", "char_start",
                                "char_end", "quote_start", "quote_end", "cited"})
            EXPECT_TRUE(c.contains(key)) << key;
        if (c["cited"] == true) {
            EXPECT_NE(answer.find("[" + std::to_string(c["number"].get<int>()) + "]"),
                      std::string::npos);
            if (c["path"].get<std::string>().ends_with("pdfjs-pdfjs_wikipedia.pdf")) {
                cited_wikipedia = true;
                EXPECT_EQ(c["type"], "pdf");
                EXPECT_EQ(c["page"], 1);
                EXPECT_GE(c["quote_start"].get<int>(), 0);
            }
        }
    }
    EXPECT_TRUE(cited_wikipedia) << result.out;
    EXPECT_TRUE(json["removed_citations"].is_array());
    EXPECT_GE(json["total_ms"].get<double>(), json["first_token_ms"].get<double>());
}

TEST_F(AskCliTest, TextAnswerIsFollowedByItsSources) {
    auto result = run_deskside({"ask", "What is Apache Tika?", "--data", data()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("Apache Tika is a toolkit"), std::string::npos) << result.out;
    auto sources = result.out.find("Sources:");
    ASSERT_NE(sources, std::string::npos) << result.out;
    EXPECT_NE(result.out.find("tika-testPDF.pdf", sources), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("[1] ", sources), std::string::npos) << result.out;
}

TEST_F(AskCliTest, AQuestionTheDocumentsDoNotAnswerSaysSo) {
    auto result =
        run_deskside({"ask", "What is the notice period for terminating the office lease?",
                      "--json", "--data", data()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_EQ(json["answered"], false) << result.out;
    EXPECT_EQ(json["answer"], "The indexed documents do not seem to answer this question.");
}

TEST_F(AskCliTest, UserErrorsExitWithStatusTwo) {
    auto no_question = run_deskside({"ask", "--data", data()});
    EXPECT_EQ(no_question.exit_code, 2);
    EXPECT_NE(no_question.err.find("question"), std::string::npos) << no_question.err;

    testing::TempDir empty;
    auto no_index = run_deskside({"ask", "What is Tika?", "--data", (empty / "none").string()});
    EXPECT_EQ(no_index.exit_code, 2) << no_index.err;

    auto no_model = run_deskside({"ask", "What is Tika?", "--llm", "local", "--data", data()});
    EXPECT_EQ(no_model.exit_code, 2);
    EXPECT_NE(no_model.err.find("llm.model"), std::string::npos) << no_model.err;

    auto bad_backend =
        run_deskside({"ask", "What is Tika?", "--data", data()}, {"DESKSIDE_LLM=chatbot"});
    EXPECT_EQ(bad_backend.exit_code, 2);
    EXPECT_NE(bad_backend.err.find("llm.backend"), std::string::npos) << bad_backend.err;
}

}  // namespace
}  // namespace deskside
