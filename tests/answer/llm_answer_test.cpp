// The LLM answerer with a scripted TextGenerator over the real corpus index: the prompt holds
// the numbered passages and fits the context, an invented [9] is removed and flagged, the
// not-answered phrase gives answered=false, and a client that goes away cancels generation.
#include <gtest/gtest.h>

#include <regex>

#include "answer/answer_json.h"
#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "citation_filter.h"
#include "corpus_index.h"
#include "scripted_generator.h"

namespace deskside::answer {
namespace {

using testing::ScriptedGenerator;

GroundedAnswerer make_answerer(std::shared_ptr<ScriptedGenerator> generator,
                               retriever::SearchMode mode = retriever::SearchMode::hybrid) {
    AnswerOptions options;
    options.max_tokens = 256;
    options.mode = mode;
    return GroundedAnswerer(testing::answer_corpus(), vectors::EmbeddingConfig{},
                            retriever::HybridOptions{}, std::move(generator), options);
}

AskRequest question(const std::string& text) {
    AskRequest request;
    request.question = text;
    return request;
}

TEST(LlmAnswer, PromptHoldsNumberedPassagesAndInventedCitationsAreRemoved) {
    auto generator = std::make_shared<ScriptedGenerator>(
        "PDF.js is part of Firefox since 2012 [1]. Mozilla leads it [2]. It also runs on the "
        "Moon [9].",
        4096);
    GroundedAnswerer answerer = make_answerer(generator);
    std::string streamed;
    Answer a = answerer.ask(question("Since when is PDF.js included in Firefox?"),
                            [&](std::string_view piece) {
                                streamed += piece;
                                return true;
                            });
    ASSERT_EQ(generator->requests.size(), 1u);
    const llm::GenerationRequest& request = generator->requests[0];
    ASSERT_EQ(request.messages.size(), 2u);
    EXPECT_EQ(request.max_tokens, 256);
    const std::string& user = request.messages[1].content;
    EXPECT_NE(user.find("Since when is PDF.js included in Firefox?"), std::string::npos);
    // Every passage listed as given is in the prompt under its number, with its text.
    ASSERT_GE(a.citations.size(), 2u);
    for (const auto& c : a.citations) {
        std::string header = "[" + std::to_string(c.number) + "] " + c.title;
        EXPECT_NE(user.find(header), std::string::npos) << header;
        // The document's own reference marks ("Firefox[4]") are left out of the prompt.
        static const std::regex marks(R"(\[[0-9][0-9, -]*\])");
        EXPECT_NE(user.find(std::regex_replace(c.text, marks, "")), std::string::npos) << c.number;
    }
    EXPECT_EQ(user.find("[" + std::to_string(a.citations.size() + 1) + "] "), std::string::npos);
    EXPECT_NE(user.find("included in Firefox since 2012"), std::string::npos);
    EXPECT_LE(generator->prompt_tokens(request) + request.max_tokens, 4096);

    EXPECT_EQ(a.text,
              "PDF.js is part of Firefox since 2012 [1]. Mozilla leads it [2]. It also "
              "runs on the Moon.");
    EXPECT_EQ(streamed, a.text);
    EXPECT_EQ(a.removed_citations, std::vector<int>{9});
    EXPECT_TRUE(a.answered);
    EXPECT_EQ(a.answerer, "scripted-test-model");
    EXPECT_TRUE(a.citations[0].cited);
    EXPECT_TRUE(a.citations[1].cited);
    for (std::size_t i = 2; i < a.citations.size(); ++i) EXPECT_FALSE(a.citations[i].cited);
    auto json = answer_json(a);
    EXPECT_EQ(json["removed_citations"], nlohmann::json::array({9}));
    EXPECT_EQ(json["answerer"], "scripted-test-model");
}

TEST(LlmAnswer, ASmallContextGetsFewerPassagesAndStillFits) {
    auto wide = std::make_shared<ScriptedGenerator>("Yes [1].", 8192);
    Answer all = make_answerer(wide).ask(question("How does trace-based compilation work?"));
    auto narrow = std::make_shared<ScriptedGenerator>("Yes [1].", 900);
    Answer few = make_answerer(narrow).ask(question("How does trace-based compilation work?"));
    ASSERT_EQ(narrow->requests.size(), 1u);
    EXPECT_EQ(all.citations.size(), 8u);
    EXPECT_LT(few.citations.size(), all.citations.size());
    ASSERT_GE(few.citations.size(), 1u);
    EXPECT_LE(narrow->prompt_tokens(narrow->requests[0]) + 256, 900);
    // The passages given are the best ones, in retrieval order.
    EXPECT_EQ(few.citations[0].passage_id, all.citations[0].passage_id);
}

TEST(LlmAnswer, TheNotAnsweredPhraseMeansNotAnswered) {
    auto generator = std::make_shared<ScriptedGenerator>(std::string(kModelNoAnswer), 4096);
    Answer a = make_answerer(generator).ask(question("What is Apache Tika's office lease?"));
    EXPECT_FALSE(a.answered);
    EXPECT_EQ(a.text, kModelNoAnswer);
    for (const auto& c : a.citations) EXPECT_FALSE(c.cited);
    EXPECT_FALSE(a.citations.empty());
}

TEST(LlmAnswer, NoMatchingPassageMeansTheModelIsNotAsked) {
    auto generator = std::make_shared<ScriptedGenerator>("Invented [1].", 4096);
    // Keyword retrieval: the vector arm would return the nearest passages of any question.
    Answer a =
        make_answerer(generator, retriever::SearchMode::keyword).ask(question("qwxzvbn plmokijn"));
    EXPECT_TRUE(generator->requests.empty());
    EXPECT_FALSE(a.answered);
    EXPECT_EQ(a.text, kModelNoAnswer);
    EXPECT_TRUE(a.citations.empty());
}

TEST(LlmAnswer, AClientThatGoesAwayCancelsGeneration) {
    std::string long_answer;
    for (int i = 0; i < 50; ++i) long_answer += "Sentence " + std::to_string(i) + " [1]. ";
    auto generator = std::make_shared<ScriptedGenerator>(long_answer, 4096, 4);
    GroundedAnswerer answerer = make_answerer(generator);
    std::string seen;
    int calls = 0;
    Answer a = answerer.ask(question("What does a trace-based compiler record?"),
                            [&](std::string_view piece) {
                                seen += piece;
                                return ++calls < 3;
                            });
    EXPECT_TRUE(a.cancelled);
    EXPECT_EQ(calls, 3);
    EXPECT_LT(generator->pieces_sent, 20);  // the generator stopped, not just the stream
    EXPECT_EQ(a.text, seen);
    EXPECT_LT(a.text.size(), long_answer.size() / 10);
}

TEST(LlmAnswer, ErrorsOfTheModelReachTheCaller) {
    class BusyGenerator : public ScriptedGenerator {
      public:
        BusyGenerator() : ScriptedGenerator("", 4096) {}
        llm::GenerationResult generate(const llm::GenerationRequest&,
                                       const llm::TextCallback&) override {
            throw Error(ErrorCode::busy, "the model's queue is full");
        }
    };
    AnswerOptions options;
    GroundedAnswerer answerer(testing::answer_corpus(), vectors::EmbeddingConfig{},
                              retriever::HybridOptions{}, std::make_shared<BusyGenerator>(),
                              options);
    try {
        answerer.ask(question("What is Apache Tika?"));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::busy);
    }
}

}  // namespace
}  // namespace deskside::answer
