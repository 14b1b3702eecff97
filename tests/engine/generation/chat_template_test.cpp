// Chat templates: the `chat` prompts llama.cpp's built-in formatter wrote for the synthetic
// qwen2/qwen3/llama3 models, the family of every real template in ../shared/models/templates,
// and each family's formatting of llama.cpp's test conversation (tests/test-chat-template.cpp).
#include "generation/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf_file.h"
#include "test_support.h"

namespace deskside::generation {
namespace {

namespace fs = std::filesystem;
using deskside::testing::read_file;
using deskside::testing::shared_dir;
using Conversation = std::vector<llm::ChatMessage>;

fs::path models() {
    return shared_dir() / "models";
}

// reference/inputs/chat_conversations.txt: conversations separated by an empty line, each line
// "role<TAB>content" with the two characters \n standing for a newline.
std::vector<Conversation> read_conversations() {
    const std::string text = read_file(models() / "reference/inputs/chat_conversations.txt");
    std::vector<Conversation> out(1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            if (!out.back().empty()) out.emplace_back();
            continue;
        }
        const std::size_t tab = line.find('\t');
        EXPECT_NE(tab, std::string::npos) << line;
        std::string content;
        for (std::size_t i = tab + 1; i < line.size(); ++i) {
            if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n') {
                content += '\n';
                ++i;
            } else {
                content += line[i];
            }
        }
        out.back().push_back({line.substr(0, tab), content});
    }
    if (out.back().empty()) out.pop_back();
    return out;
}

struct ReferenceModel {
    const char* gguf;
    const char* json;
    ChatFamily family;
};

const ReferenceModel kReferenceModels[] = {
    {"synthetic/tiny-qwen2-synthetic-Q8_0.gguf", "tiny-qwen2-synthetic-Q8_0.json",
     ChatFamily::chatml},
    {"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf", "tiny-qwen3-synthetic-Q4_K_M.json",
     ChatFamily::chatml},
    {"synthetic/tiny-llama3-synthetic-Q5_K_M.gguf", "tiny-llama3-synthetic-Q5_K_M.json",
     ChatFamily::llama3},
};

TEST(ChatTemplate, ReferencePromptsOfTheSyntheticModels) {
    const auto conversations = read_conversations();
    ASSERT_EQ(conversations.size(), 3u);
    for (const auto& model : kReferenceModels) {
        SCOPED_TRACE(model.gguf);
        const auto file = gguf::GgufFile::open(models() / model.gguf);
        const auto tmpl = ChatTemplate::from_gguf(file);
        EXPECT_EQ(tmpl.family(), model.family);
        EXPECT_FALSE(tmpl.is_fallback());
        const auto ref =
            nlohmann::json::parse(read_file(models() / "reference" / model.json)).at("chat");
        EXPECT_EQ(ref.at("builtin_template").get<std::string>(), chat_family_name(model.family));
        const auto& cases = ref.at("cases");
        ASSERT_EQ(cases.size(), conversations.size());
        for (std::size_t i = 0; i < cases.size(); ++i) {
            // The input file and the recorded messages agree.
            const auto& messages = cases[i].at("messages");
            ASSERT_EQ(messages.size(), conversations[i].size());
            for (std::size_t m = 0; m < messages.size(); ++m) {
                EXPECT_EQ(messages[m].at("role").get<std::string>(), conversations[i][m].role);
                EXPECT_EQ(messages[m].at("content").get<std::string>(),
                          conversations[i][m].content);
            }
            EXPECT_EQ(tmpl.apply(conversations[i]), cases[i].at("prompt").get<std::string>())
                << "conversation " << i;
        }
    }
}

TEST(ChatTemplate, EveryRealTemplateIsDetected) {
    const std::map<std::string, ChatFamily> expected = {
        {"HuggingFaceTB-SmolLM3-3B.jinja", ChatFamily::chatml},
        {"Mistral-Small-3.2-24B-Instruct-2506.jinja", ChatFamily::mistral_v7},
        {"Qwen-QwQ-32B.jinja", ChatFamily::chatml},
        {"Qwen-Qwen2.5-7B-Instruct.jinja", ChatFamily::chatml},
        {"Qwen-Qwen3-0.6B.jinja", ChatFamily::chatml},
        {"Qwen3.5-4B.jinja", ChatFamily::chatml},
        {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", ChatFamily::deepseek3},
        {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", ChatFamily::deepseek3},
        {"google-gemma-2-2b-it.jinja", ChatFamily::gemma},
        {"google-gemma-4-31B-it.jinja", ChatFamily::gemma4},
        {"meta-llama-Llama-3.1-8B-Instruct.jinja", ChatFamily::llama3},
        {"meta-llama-Llama-3.2-3B-Instruct.jinja", ChatFamily::llama3},
        {"microsoft-Phi-3.5-mini-instruct.jinja", ChatFamily::phi3},
        {"mistralai-Ministral-3-14B-Reasoning-2512.jinja", ChatFamily::mistral_v7},
        {"mistralai-Mistral-Nemo-Instruct-2407.jinja", ChatFamily::mistral_v3_tekken},
    };
    std::set<std::string> seen;
    for (const auto& entry : fs::directory_iterator(models() / "templates")) {
        const std::string name = entry.path().filename().string();
        SCOPED_TRACE(name);
        seen.insert(name);
        auto it = expected.find(name);
        ASSERT_NE(it, expected.end()) << "a template this test does not know: add it";
        const auto family = detect_chat_family(read_file(entry.path()));
        ASSERT_TRUE(family.has_value());
        EXPECT_EQ(chat_family_name(*family), chat_family_name(it->second));
        const auto tmpl = ChatTemplate::from_source(read_file(entry.path()));
        EXPECT_EQ(tmpl.family(), it->second);
        EXPECT_FALSE(tmpl.is_fallback());
    }
    EXPECT_EQ(seen.size(), expected.size());
}

// llama.cpp's test conversation (tests/test-chat-template.cpp) and the built-in formatter's
// expected output for each family, copied from that test.
const Conversation kLlamaCppConversation = {
    {"system", "You are a helpful assistant"},
    {"user", "Hello"},
    {"assistant", "Hi there"},
    {"user", "Who are you"},
    {"assistant", "   I am an assistant   "},
    {"user", "Another question"},
};

TEST(ChatTemplate, FormatsLikeLlamaCppBuiltIns) {
    const std::map<ChatFamily, std::string> expected = {
        {ChatFamily::chatml,
         "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|"
         "im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are "
         "you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   "
         "<|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
        {ChatFamily::llama2,
         "[INST] You are a helpful assistant\nHello [/INST]Hi there</s>[INST] Who are you "
         "[/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
        {ChatFamily::llama2_sys_bos,
         "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi "
         "there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another "
         "question [/INST]"},
        {ChatFamily::llama2_sys_strip,
         "[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi "
         "there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question "
         "[/INST]"},
        {ChatFamily::gemma,
         "<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_"
         "turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are "
         "you<end_of_turn>\n<start_of_turn>model\nI am an "
         "assistant<end_of_turn>\n<start_of_turn>user\nAnother "
         "question<end_of_turn>\n<start_of_turn>model\n"},
        {ChatFamily::deepseek,
         "You are a helpful assistant### Instruction:\nHello\n### Response:\nHi "
         "there\n<|EOT|>\n### Instruction:\nWho are you\n### Response:\n   I am an assistant   "
         "\n<|EOT|>\n### Instruction:\nAnother question\n### Response:\n"},
        {ChatFamily::command_r,
         "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are a helpful "
         "assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Hello<|END_OF_"
         "TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Hi "
         "there<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Who are "
         "you<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>I am an "
         "assistant<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|USER_TOKEN|>Another "
         "question<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
        {ChatFamily::llama3,
         "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful "
         "assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|"
         "start_header_id|>assistant<|end_header_id|>\n\nHi "
         "there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are "
         "you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an "
         "assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother "
         "question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
        {ChatFamily::phi3,
         "<|system|>\nYou are a helpful "
         "assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi "
         "there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   "
         "<|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
        {ChatFamily::deepseek2,
         "You are a helpful assistant\n\nUser: Hello\n\nAssistant: Hi "
         "there<｜end▁of▁sentence｜>User: Who are you\n\nAssistant:    I am an assistant   "
         "<｜end▁of▁sentence｜>User: Another question\n\nAssistant:"},
        {ChatFamily::mistral_v1,
         " [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you "
         "[/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
        {ChatFamily::mistral_v3,
         "[INST] You are a helpful assistant\n\nHello[/INST] Hi there</s>[INST] Who are "
         "you[/INST] I am an assistant</s>[INST] Another question[/INST]"},
        {ChatFamily::mistral_v3_tekken,
         "[INST]You are a helpful assistant\n\nHello[/INST]Hi there</s>[INST]Who are "
         "you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
        {ChatFamily::mistral_v7,
         "[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi "
         "there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another "
         "question[/INST]"},
        {ChatFamily::phi4,
         "<|im_start|>system<|im_sep|>You are a helpful "
         "assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|"
         "im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are "
         "you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   "
         "<|im_end|><|im_start|>user<|im_sep|>Another "
         "question<|im_end|><|im_start|>assistant<|im_sep|>"},
    };
    for (const auto& [family, text] : expected) {
        EXPECT_EQ(ChatTemplate(family).apply(kLlamaCppConversation), text)
            << chat_family_name(family);
    }
}

TEST(ChatTemplate, OurOwnFamiliesFollowTheirRealTemplates) {
    const Conversation conv = {{"system", " Be brief. "}, {"user", "Hi\n"}};
    EXPECT_EQ(ChatTemplate(ChatFamily::deepseek3).apply(conv),
              " Be brief. \n\n<｜User｜>Hi\n<｜Assistant｜>");
    EXPECT_EQ(ChatTemplate(ChatFamily::gemma4).apply(conv),
              "<|turn>system\nBe brief.<turn|>\n<|turn>user\nHi<turn|>\n"
              "<|turn>model\n<|channel>thought\n<channel|>");
    EXPECT_EQ(ChatTemplate(ChatFamily::mistral_v7_tekken).apply(conv),
              "[SYSTEM_PROMPT] Be brief. [/SYSTEM_PROMPT][INST]Hi\n[/INST]");
    EXPECT_EQ(ChatTemplate(ChatFamily::llama4).apply(conv),
              "<|header_start|>system<|header_end|>\n\nBe "
              "brief.<|eot|><|header_start|>user<|header_end|>\n\nHi<|eot|>"
              "<|header_start|>assistant<|header_end|>\n\n");
}

TEST(ChatTemplate, AddAssistantOnlyOpensTheReplyWhenAsked) {
    const Conversation conv = {{"user", "Hi"}};
    EXPECT_EQ(ChatTemplate(ChatFamily::chatml).apply(conv, false),
              "<|im_start|>user\nHi<|im_end|>\n");
    EXPECT_EQ(ChatTemplate(ChatFamily::llama3).apply(conv, false),
              "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
}

TEST(ChatTemplate, MissingOrUnknownTemplatesFallBackToChatml) {
    for (const auto& source : std::vector<std::optional<std::string_view>>{
             std::nullopt, "", "{{ messages }}", "USER: {{ x }} ASSISTANT: {{ y }}",
             "{{'<|im_start|>'}}<end_of_utterance>"}) {
        const auto tmpl = ChatTemplate::from_source(source);
        EXPECT_EQ(tmpl.family(), ChatFamily::chatml);
        EXPECT_TRUE(tmpl.is_fallback());
    }
    // stories260K has no tokenizer.chat_template.
    const auto file = gguf::GgufFile::open(models() / "stories260K.gguf");
    const auto tmpl = ChatTemplate::from_gguf(file);
    EXPECT_TRUE(tmpl.is_fallback());
    EXPECT_EQ(tmpl.apply(Conversation{{"user", "Hi"}}),
              "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, AFamilyNameSelectsThatFamily) {
    for (std::string_view name : {"chatml", "llama3", "mistral-v7-tekken", "gemma", "phi3"}) {
        const auto tmpl = ChatTemplate::from_source(name);
        EXPECT_EQ(chat_family_name(tmpl.family()), name);
        EXPECT_FALSE(tmpl.is_fallback());
    }
    EXPECT_FALSE(chat_family_from_name("nonsense").has_value());
}

TEST(ChatTemplate, UnknownRolesAreRefused) {
    try {
        ChatTemplate(ChatFamily::chatml).apply(Conversation{{"tool", "x"}});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("'tool'"), std::string::npos);
    }
}

}  // namespace
}  // namespace deskside::generation
