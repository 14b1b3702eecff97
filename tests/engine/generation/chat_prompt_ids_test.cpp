// The `chat` references end to end through our tokenizer: the formatted prompt of each
// conversation tokenizes (add_special, parse_special) to exactly llama.cpp's prompt_ids, and
// without parse_special to prompt_ids_no_parse_special.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "generation/chat_template.h"
#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace deskside::generation {
namespace {

using deskside::testing::read_file;
using deskside::testing::shared_dir;

TEST(ChatPromptIds, MatchLlamaCpp) {
    const auto models = shared_dir() / "models";
    for (const char* name : {"tiny-qwen2-synthetic-Q8_0", "tiny-qwen3-synthetic-Q4_K_M",
                             "tiny-llama3-synthetic-Q5_K_M"}) {
        SCOPED_TRACE(name);
        const auto file =
            gguf::GgufFile::open(models / "synthetic" / (std::string(name) + ".gguf"));
        const auto tok = tokenizer::make_tokenizer(file);
        const auto chat = ChatTemplate::from_gguf(file);
        const auto cases = nlohmann::json::parse(
            read_file(models / "reference" / (std::string(name) + ".json")))["chat"]["cases"];
        ASSERT_EQ(cases.size(), 3u);
        for (const auto& c : cases) {
            std::vector<llm::ChatMessage> messages;
            for (const auto& m : c["messages"]) {
                messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
            }
            const std::string prompt = chat.apply(messages);
            ASSERT_EQ(prompt, c["prompt"].get<std::string>());
            EXPECT_EQ(tok->encode(prompt, true, true),
                      c["prompt_ids"].get<std::vector<std::int32_t>>());
            EXPECT_EQ(tok->encode(prompt, true, false),
                      c["prompt_ids_no_parse_special"].get<std::vector<std::int32_t>>());
        }
    }
}

}  // namespace
}  // namespace deskside::generation
