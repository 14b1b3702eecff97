#include "prompt.h"

#include <algorithm>
#include <cctype>

#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "base/utf8.h"
#include "sentences.h"

namespace deskside::answer {
namespace {

// Tokens a chat template adds around each message (role markers, separators), and a margin for
// a remote model whose count is an estimate.
constexpr int kTemplateTokensPerMessage = 8;
constexpr int kSafetyTokens = 16;

std::string passage_block(int number, const PromptPassage& passage, std::string_view text) {
    std::string block = "[";
    block += std::to_string(number);
    block += "] ";
    block += passage.title.empty() ? passage.path : passage.title;
    std::string where;
    auto add = [&where](std::string_view part) {
        if (!where.empty()) where += ", ";
        where += part;
    };
    if (!passage.title.empty() && !passage.path.empty()) add(passage.path);
    if (passage.page > 0) add("page " + std::to_string(passage.page));
    if (!passage.location.empty()) add(passage.location);
    if (!where.empty()) block += " (" + where + ")";
    block += "\n";
    block += without_reference_marks(text);
    block += "\n\n";
    return block;
}

std::string question_block(std::string_view question) {
    return "Question: " + std::string(question) +
           "\n\nAnswer from the passages above only, citing them as [n].";
}

}  // namespace

std::string system_prompt() {
    return "You answer questions about an office's documents. Use only the numbered passages "
           "the user gives you, never other knowledge. After each sentence or claim, cite the "
           "passage or passages it comes from by number in square brackets, like [2] or [1][3]. "
           "Cite only numbers of passages you were given. Be brief and exact; quote figures, "
           "names and dates as the passages write them. If the passages do not contain the "
           "answer, reply with exactly: " +
           std::string(kModelNoAnswer);
}

PackedPrompt pack_prompt(std::string_view question, const std::vector<PromptPassage>& passages,
                         const llm::TextGenerator& generator, int max_tokens) {
    PackedPrompt packed;
    std::string system = system_prompt();
    const std::string header = "Passages:\n\n";
    std::string tail = question_block(question);
    int fixed = generator.count_tokens(system) + generator.count_tokens(header) +
                generator.count_tokens(tail) + 3 * kTemplateTokensPerMessage + kSafetyTokens;
    int context = generator.context_tokens();
    int budget = context - max_tokens - fixed;
    if (budget <= 0)
        throw Error(ErrorCode::invalid_argument,
                    "the model's context (" + std::to_string(context) +
                        " tokens, llm.context) cannot hold the instructions, the question and "
                        "the answer budget (" +
                        std::to_string(max_tokens) +
                        " tokens, answer.max_tokens): raise llm.context or lower "
                        "answer.max_tokens");

    std::string body;
    int used = 0;
    for (std::size_t i = 0; i < passages.size(); ++i) {
        int number = static_cast<int>(packed.given.size()) + 1;
        std::string block = passage_block(number, passages[i], passages[i].text);
        int cost = generator.count_tokens(block);
        if (used + cost > budget) continue;
        used += cost;
        body += block;
        packed.given.push_back(i);
        packed.texts.push_back(passages[i].text);
    }
    if (packed.given.empty() && !passages.empty()) {
        // Not even the best passage fits whole: give as much of it as fits (halving the cut
        // until it does, then growing it back in smaller steps).
        const std::string& text = passages[0].text;
        std::size_t low = 0, high = text.size();
        while (low < high) {
            std::size_t mid = (low + high + 1) / 2;
            std::string_view cut = utf8::truncate(text, mid);
            if (generator.count_tokens(passage_block(1, passages[0], cut)) <= budget)
                low = mid;
            else
                high = mid - 1;
        }
        std::string_view cut = utf8::truncate(text, low);
        if (!cut.empty()) {
            body = passage_block(1, passages[0], cut);
            used = generator.count_tokens(body);
            packed.given.push_back(0);
            packed.texts.emplace_back(cut);
        }
    }
    if (packed.given.empty() && !passages.empty())
        throw Error(ErrorCode::invalid_argument,
                    "the model's context (" + std::to_string(context) +
                        " tokens, llm.context) leaves no room for a passage after the answer "
                        "budget (answer.max_tokens): raise llm.context or lower "
                        "answer.max_tokens");
    packed.messages.push_back({"system", system});
    packed.messages.push_back({"user", header + body + tail});
    packed.prompt_tokens = fixed + used;
    return packed;
}

bool says_not_answered(std::string_view text) {
    std::string lower;
    lower.reserve(text.size());
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view phrase :
         {"do not contain the answer", "does not contain the answer", "don't contain the answer",
          "doesn't contain the answer", "do not contain an answer", "does not contain an answer",
          "no answer in the passages"})
        if (lower.find(phrase) != std::string::npos) return true;
    return false;
}

}  // namespace deskside::answer
