// The LLM prompt: numbered passages packed to the model's context in retrieval order, the
// instructions, the not-answered phrase; and the llm.* settings checks of open_text_generator.
#include "prompt.h"

#include <gtest/gtest.h>

#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "scripted_generator.h"
#include "test_support.h"

namespace deskside::answer {
namespace {

std::string words(int n, const std::string& word) {
    std::string text;
    for (int i = 0; i < n; ++i) text += (i ? " " : "") + word;
    return text;
}

int total_tokens(const PackedPrompt& prompt, const llm::TextGenerator& generator) {
    int n = 0;
    for (const auto& m : prompt.messages) n += generator.count_tokens(m.content);
    return n;
}

TEST(Prompt, PacksNumberedPassagesInOrderUntilTheContextIsFull) {
    testing::ScriptedGenerator generator("", 1000);
    std::vector<PromptPassage> passages;
    for (int i = 0; i < 8; ++i)
        passages.push_back({"Doc " + std::to_string(i), "/d/" + std::to_string(i) + ".pdf", i + 1,
                            "", words(150, "w" + std::to_string(i))});
    PackedPrompt prompt = pack_prompt("What is the rent?", passages, generator, 200);
    ASSERT_EQ(prompt.messages.size(), 2u);
    EXPECT_EQ(prompt.messages[0].role, "system");
    EXPECT_NE(prompt.messages[0].content.find(std::string(kModelNoAnswer)), std::string::npos);
    EXPECT_NE(prompt.messages[0].content.find("[2]"), std::string::npos);
    const std::string& user = prompt.messages[1].content;
    // 1000 - 200 for the answer - instructions leaves room for 3 passages of ~155 tokens... or 4.
    ASSERT_GE(prompt.given.size(), 3u);
    ASSERT_LT(prompt.given.size(), 8u);
    for (std::size_t i = 0; i < prompt.given.size(); ++i) {
        EXPECT_EQ(prompt.given[i], i);
        std::string header = "[" + std::to_string(i + 1) + "] Doc " + std::to_string(i) + " (/d/" +
                             std::to_string(i) + ".pdf, page " + std::to_string(i + 1) + ")";
        EXPECT_NE(user.find(header), std::string::npos) << header;
    }
    EXPECT_EQ(user.find("Doc " + std::to_string(prompt.given.size()) + " "), std::string::npos);
    EXPECT_NE(user.find("Question: What is the rent?"), std::string::npos);
    EXPECT_LE(total_tokens(prompt, generator) + 200, 1000);
    EXPECT_LE(prompt.prompt_tokens + 200, 1000);
}

TEST(Prompt, SkipsAPassageTooLongForTheRestAndTakesAShorterOne) {
    testing::ScriptedGenerator generator("", 800);
    std::vector<PromptPassage> passages = {{"A", "/a", 0, "", words(200, "a")},
                                           {"B", "/b", 0, "", words(500, "b")},
                                           {"C", "/c", 0, "", words(50, "c")}};
    PackedPrompt prompt = pack_prompt("q", passages, generator, 100);
    EXPECT_EQ(prompt.given, (std::vector<std::size_t>{0, 2}));
    EXPECT_NE(prompt.messages[1].content.find("[2] C (/c)"), std::string::npos);
}

TEST(Prompt, CutsTheBestPassageWhenNoneFitsWhole) {
    testing::ScriptedGenerator generator("", 600);
    std::vector<PromptPassage> passages = {{"Long", "/l", 0, "", words(2000, "x")}};
    PackedPrompt prompt = pack_prompt("q", passages, generator, 100);
    ASSERT_EQ(prompt.given.size(), 1u);
    EXPECT_LT(prompt.texts[0].size(), passages[0].text.size());
    EXPECT_GT(prompt.texts[0].size(), 100u);
    EXPECT_LE(total_tokens(prompt, generator) + 100, 600);
}

TEST(Prompt, AContextTooSmallForTheAnswerBudgetIsAnError) {
    testing::ScriptedGenerator generator("", 300);
    std::vector<PromptPassage> passages = {{"A", "/a", 0, "", "text"}};
    try {
        pack_prompt("q", passages, generator, 512);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("answer.max_tokens"), std::string::npos);
    }
}

TEST(Prompt, TheDocumentsOwnReferenceMarksAreLeftOut) {
    testing::ScriptedGenerator generator("", 1000);
    std::vector<PromptPassage> passages = {
        {"Wiki", "/w", 1, "", "Included in Firefox[4] since 2012.[5][6] See [note]."}};
    PackedPrompt prompt = pack_prompt("q", passages, generator, 100);
    EXPECT_NE(prompt.messages[1].content.find("Included in Firefox since 2012. See [note]."),
              std::string::npos)
        << prompt.messages[1].content;
}

TEST(Prompt, NoRoomForAnyPassageIsAnError) {
    testing::ScriptedGenerator generator("", 400);
    std::vector<PromptPassage> passages = {
        {"A very long title of many many words", "/a", 0, "", words(50, "x")}};
    // Leave 5 tokens for passages: less than the first passage's header line alone.
    int instructions = generator.count_tokens(system_prompt()) + 1 +
                       generator.count_tokens(
                           "Question: q Answer from the passages above only, "
                           "citing them as [n].") +
                       3 * 8 + 16;
    try {
        pack_prompt("q", passages, generator, 400 - instructions - 5);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("no room for a passage"), std::string::npos)
            << e.what();
    }
}

TEST(Prompt, RecognisesTheNotAnsweredPhrase) {
    EXPECT_TRUE(says_not_answered(kModelNoAnswer));
    EXPECT_TRUE(says_not_answered("Sorry: the passages DO NOT CONTAIN THE ANSWER."));
    EXPECT_FALSE(says_not_answered("The rent is 900 euros [1]."));
}

ErrorCode code_of(const LlmConfig& config) {
    try {
        open_text_generator(config);
    } catch (const Error& e) {
        return e.code();
    }
    return ErrorCode::internal;
}

std::string message_of(const LlmConfig& config) {
    try {
        open_text_generator(config);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(OpenTextGenerator, ExtractiveMeansNoModel) {
    LlmConfig config;
    EXPECT_EQ(open_text_generator(config), nullptr);
    config.backend = "";
    EXPECT_EQ(open_text_generator(config), nullptr);
}

TEST(OpenTextGenerator, IncompleteSettingsAreNamed) {
    LlmConfig local;
    local.backend = "local";
    EXPECT_EQ(code_of(local), ErrorCode::invalid_argument);
    EXPECT_NE(message_of(local).find("llm.model"), std::string::npos);
    LlmConfig openai;
    openai.backend = "openai";
    EXPECT_NE(message_of(openai).find("llm.url"), std::string::npos);
    openai.url = "http://gpu:8000/v1";
    EXPECT_NE(message_of(openai).find("llm.remote_model"), std::string::npos);
    LlmConfig other;
    other.backend = "gpt";
    EXPECT_EQ(code_of(other), ErrorCode::invalid_argument);
    EXPECT_NE(message_of(other).find("llm.backend"), std::string::npos);
}

TEST(OpenTextGenerator, LocalOpensTheGgufDecoderAndRefusesAMissingFile) {
    LlmConfig local;
    local.backend = "local";
    local.model = "/nonexistent/qwen.gguf";
    local.context = 512;
    local.parallel = 1;
    local.max_queue = 2;
    EXPECT_EQ(code_of(local), ErrorCode::not_found);
    EXPECT_NE(message_of(local).find("/nonexistent/qwen.gguf"), std::string::npos);
    local.model = (testing::shared_dir() / "models" / "stories260K.gguf").string();
    auto generator = open_text_generator(local);
    ASSERT_NE(generator, nullptr);
    EXPECT_NE(generator->model_name().find("stories260K"), std::string::npos);
    EXPECT_EQ(generator->context_tokens(), 512);
}

TEST(OpenTextGenerator, OpenAiBuildsAClientForTheServer) {
    LlmConfig openai;
    openai.backend = "openai";
    openai.url = "http://127.0.0.1:9/v1";  // nothing listens: the context probe gives up
    openai.remote_model = "qwen2.5:7b";
    openai.context = 8192;
    openai.timeout_s = 5;
    openai.parallel = 2;
    openai.max_queue = 4;
    auto generator = open_text_generator(openai);
    ASSERT_NE(generator, nullptr);
    EXPECT_EQ(generator->model_name(), "qwen2.5:7b");
    EXPECT_EQ(generator->context_tokens(), 8192);
}

}  // namespace
}  // namespace deskside::answer
