// A scripted TextGenerator for tests: counts one token per whitespace-separated word (plus one
// per message), streams a fixed answer in small pieces, records the request it was given and
// stops when the callback says so. Test-only; one thread.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "llm/text_generator.h"

namespace deskside::testing {

class ScriptedGenerator : public llm::TextGenerator {
  public:
    ScriptedGenerator(std::string answer, int context, std::size_t piece_bytes = 5)
        : answer_(std::move(answer)), context_(context), piece_bytes_(piece_bytes) {}

    std::string model_name() const override { return "scripted-test-model"; }
    int context_tokens() const override { return context_; }
    int count_tokens(std::string_view text) const override {
        std::istringstream in{std::string(text)};
        std::string word;
        int n = 0;
        while (in >> word) ++n;
        return n;
    }
    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text) override {
        requests.push_back(request);
        llm::GenerationResult result;
        for (std::size_t i = 0; i < answer_.size(); i += piece_bytes_) {
            ++pieces_sent;
            result.text += answer_.substr(i, piece_bytes_);
            if (on_text && !on_text(answer_.substr(i, piece_bytes_))) {
                result.finish = llm::FinishReason::cancelled;
                return result;
            }
        }
        return result;
    }

    // Tokens of the whole prompt as this generator counts them.
    int prompt_tokens(const llm::GenerationRequest& request) const {
        int n = 0;
        for (const auto& m : request.messages) n += count_tokens(m.content) + 1;
        return n;
    }

    std::vector<llm::GenerationRequest> requests;
    int pieces_sent = 0;

  private:
    std::string answer_;
    int context_;
    std::size_t piece_bytes_;
};

}  // namespace deskside::testing
