// The LLM answerer's prompt: a system message that holds the model to the passages and to
// [n] citations, and a user message with as many numbered passages as fit the model's context
// next to the question and the answer budget. Passages are tried in retrieval order; one that
// does not fit is skipped for a shorter one after it; when not even the first fits, it is cut.
// The documents' own reference marks ("Firefox[4]") are left out so the model cannot mistake
// them for passage numbers.
//
// Pure over its arguments (count_tokens is const): any thread. Error(invalid_argument) when
// the context cannot hold the instructions, the question and the answer budget.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "llm/text_generator.h"

namespace deskside::answer {

struct PromptPassage {
    std::string title;
    std::string path;
    int page = 0;
    std::string location;
    std::string text;
};

struct PackedPrompt {
    std::vector<llm::ChatMessage> messages;
    std::vector<std::size_t> given;  // indices of the passages given, in [n] order (n = i + 1)
    std::vector<std::string> texts;  // the text given for each (a cut passage is shorter)
    int prompt_tokens = 0;           // count_tokens over the messages plus template overhead
};

// The instructions; the phrase the model must use when the passages do not hold the answer is
// kModelNoAnswer (grounded_answerer.h).
std::string system_prompt();

PackedPrompt pack_prompt(std::string_view question, const std::vector<PromptPassage>& passages,
                         const llm::TextGenerator& generator, int max_tokens);

// True when a model's answer says the documents do not hold the answer.
bool says_not_answered(std::string_view text);

}  // namespace deskside::answer
