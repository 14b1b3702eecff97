// open_text_generator: llm.* settings -> the TextGenerator that writes answers. Kept apart so
// the local decoder (engine/generation) and the OpenAI-compatible client (engine/openai_client)
// can be wired in here as their libraries land, without touching the answerer.
#include <string>

#include "answer/grounded_answerer.h"
#include "base/error.h"

namespace deskside::answer {

std::shared_ptr<llm::TextGenerator> open_text_generator(const LlmConfig& config) {
    if (config.backend.empty() || config.backend == "extractive") return nullptr;
    auto require_positive = [](int value, const char* name) {
        if (value < 1)
            throw Error(ErrorCode::invalid_argument,
                        std::string(name) + " must be at least 1, not " + std::to_string(value));
    };
    if (config.backend == "local") {
        if (config.model.empty())
            throw Error(ErrorCode::invalid_argument,
                        "llm.backend=local needs llm.model: the path of a GGUF decoder file "
                        "(llama, qwen2, qwen3)");
        require_positive(config.context, "llm.context");
        require_positive(config.parallel, "llm.parallel");
        if (config.threads < 0)
            throw Error(ErrorCode::invalid_argument, "llm.threads must not be negative");
        throw Error(ErrorCode::unsupported,
                    "llm.backend=local needs the decoder (not built yet); use "
                    "llm.backend=extractive for now");
    }
    if (config.backend == "openai") {
        if (config.url.empty())
            throw Error(ErrorCode::invalid_argument,
                        "llm.backend=openai needs llm.url: the server's base URL, e.g. "
                        "http://gpu-box:8000/v1");
        if (config.remote_model.empty())
            throw Error(ErrorCode::invalid_argument,
                        "llm.backend=openai needs llm.remote_model: the model name the server "
                        "serves");
        require_positive(config.timeout_s, "llm.timeout_s");
        require_positive(config.parallel, "llm.parallel");
        throw Error(ErrorCode::unsupported,
                    "llm.backend=openai needs the OpenAI-compatible client (not built yet); use "
                    "llm.backend=extractive for now");
    }
    throw Error(ErrorCode::invalid_argument,
                "llm.backend must be extractive, local or openai, not '" + config.backend + "'");
}

}  // namespace deskside::answer
