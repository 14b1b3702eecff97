// Shared by the tests of the OpenAI-compatible endpoints (/v1/): a scripted llm::TextGenerator
// test double (streams known pieces, can be made busy, slow or failing, records every request
// it got) and a reader of OpenAI's event streams ("data: JSON" lines, then "data: [DONE]").
// Test-only; the double may be called from the server's worker threads at once.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "llm/text_generator.h"

namespace deskside::testing {

class ScriptedGenerator : public llm::TextGenerator {
  public:
    enum class Mode {
        normal,        // streams `pieces`, finishing with `finish`
        busy,          // throws Error(busy) before any text, as a full queue does
        too_long,      // throws Error(invalid_argument), as a prompt over the context does
        fails_midway,  // one piece, then Error(io)
        slow,          // 400 pieces 25 ms apart: long enough to hang up in the middle
        queued,        // waits up to 10 s "in a queue", asking still_wanted every 10 ms, then
                       // streams `pieces`; withdrawn (cancelled, no text) when it says false
    };

    explicit ScriptedGenerator(Mode mode = Mode::normal) : mode_(mode) {}

    std::vector<std::string> pieces = {"Hello", ", ", "w\xC3\xB6rld", "!"};
    llm::FinishReason finish = llm::FinishReason::stop;

    std::string model_name() const override { return "scripted-test-model"; }
    int context_tokens() const override { return 4096; }
    int count_tokens(std::string_view text) const override {
        return static_cast<int>(text.size() / 4 + 1);
    }

    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text) override {
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
        }
        ++started;
        if (mode_ == Mode::busy) throw Error(ErrorCode::busy, "the model's queue is full (test)");
        if (mode_ == Mode::too_long)
            throw Error(ErrorCode::invalid_argument, "the prompt is 5000 tokens (test)");
        llm::GenerationResult result;
        result.prompt_tokens = 11;
        if (mode_ == Mode::queued) {
            for (int i = 0; i < 1000; ++i) {
                if (request.still_wanted && !request.still_wanted()) {
                    result.finish = llm::FinishReason::cancelled;
                    ++withdrawn;
                    return result;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        if (mode_ == Mode::fails_midway) {
            on_text("Half");
            throw Error(ErrorCode::io, "the model server went away (test)");
        }
        const int count = mode_ == Mode::slow ? 400 : static_cast<int>(pieces.size());
        for (int i = 0; i < count; ++i) {
            std::string piece = mode_ == Mode::slow ? " word" : pieces[i];
            result.text += piece;
            ++result.generated_tokens;
            if (on_text && !on_text(piece)) {
                result.finish = llm::FinishReason::cancelled;
                ++cancelled;
                return result;
            }
            if (mode_ == Mode::slow) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        result.finish = finish;
        return result;
    }

    std::vector<llm::GenerationRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    llm::GenerationRequest last_request() const {
        std::lock_guard lock(mutex_);
        return requests_.empty() ? llm::GenerationRequest{} : requests_.back();
    }

    std::atomic<int> started{0}, cancelled{0}, withdrawn{0};

  private:
    Mode mode_;
    mutable std::mutex mutex_;
    std::vector<llm::GenerationRequest> requests_;
};

// The payloads of a complete OpenAI event stream, in order ("[DONE]" as it is). Fails the test
// on anything but "data: " lines and the blank lines that end events.
inline std::vector<std::string> sse_data(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    bool open = false;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty()) {
            EXPECT_TRUE(open) << "a blank line with no event before it";
            open = false;
        } else {
            EXPECT_EQ(line.rfind("data: ", 0), 0u) << "not a data line: " << line;
            EXPECT_FALSE(open) << "two data lines in one event";
            out.push_back(line.substr(6));
            open = true;
        }
    }
    EXPECT_FALSE(open) << "the stream ended inside an event";
    return out;
}

inline std::vector<nlohmann::json> sse_chunks(const std::string& text, bool* done = nullptr) {
    std::vector<nlohmann::json> chunks;
    auto data = sse_data(text);
    if (done) *done = !data.empty() && data.back() == "[DONE]";
    for (const auto& item : data)
        if (item != "[DONE]") chunks.push_back(nlohmann::json::parse(item));
    return chunks;
}

}  // namespace deskside::testing
