// open_text_generator: llm.* settings -> the TextGenerator that writes answers: the local
// decoder (engine/generation) or the OpenAI-compatible client (engine/openai_client).
#include <string>

#include "answer/grounded_answerer.h"
#include "base/error.h"
#include "generation/local_generator.h"
#include "openai_client/openai_client.h"

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
        generation::LocalGeneratorOptions options;
        options.model_path = config.model;
        options.threads = config.threads;
        options.context = config.context;
        options.parallel = config.parallel;
        options.max_queue = config.max_queue;
        return generation::open_local_generator(options);
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
        openai_client::OpenAiClientOptions options;
        options.server.base_url = config.url;
        options.server.model = config.remote_model;
        options.server.api_key = config.api_key;
        options.server.timeout = std::chrono::seconds(config.timeout_s);
        options.server.max_concurrent = config.parallel;
        options.server.max_queue = config.max_queue;
        options.context_tokens = config.context;
        return std::make_shared<openai_client::OpenAiClient>(options);
    }
    throw Error(ErrorCode::invalid_argument,
                "llm.backend must be extractive, local or openai, not '" + config.backend + "'");
}

}  // namespace deskside::answer
