// Settings read the same way by several subcommands: how to index (index, serve's uploads and
// jobs) and which model writes answers (ask, serve).
#include <chrono>
#include <filesystem>

#include "base/error.h"
#include "cli/commands.h"

namespace deskside::cli {

ingest::IndexOptions index_options(const Settings& settings) {
    ingest::IndexOptions options;
    std::int64_t max_mb = settings.get_int("index.max_file_mb");
    if (max_mb <= 0)
        throw Error(ErrorCode::invalid_argument, "index.max_file_mb must be at least 1");
    options.max_file_bytes = max_mb << 20;
    options.threads = static_cast<int>(settings.get_int("index.threads"));
    options.walk.include_hidden = settings.get_bool("index.include_hidden");
    options.keyword.language = settings.get_string("index.language");
    options.extract.ocr = settings.get_bool("index.ocr");
    options.extract.ocr_languages = settings.get_string("index.ocr_languages");
    std::int64_t timeout = settings.get_int("index.file_timeout_s");
    if (timeout <= 0)
        throw Error(ErrorCode::invalid_argument, "index.file_timeout_s must be at least 1");
    options.file_timeout = std::chrono::seconds(timeout);
    if (settings.get_bool("index.isolate")) {
        // Workers are this same binary, so a crash in a parser costs one file, not the run.
        ingest::WorkerCommand worker;
        std::error_code ec;
        worker.program = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (ec) worker.program = "/proc/self/exe";
        worker.arguments = {std::string(kExtractWorkerCommand)};
        worker.memory_limit_mb = settings.get_int("index.worker_memory_mb");
        options.worker = std::move(worker);
    }
    options.chunk.min_words = static_cast<int>(settings.get_int("index.chunk.min_words"));
    options.chunk.target_words = static_cast<int>(settings.get_int("index.chunk.target_words"));
    options.chunk.max_words = static_cast<int>(settings.get_int("index.chunk.max_words"));
    options.chunk.overlap_words = static_cast<int>(settings.get_int("index.chunk.overlap_words"));
    if (!(0 < options.chunk.min_words && options.chunk.min_words <= options.chunk.target_words &&
          options.chunk.target_words <= options.chunk.max_words &&
          options.chunk.overlap_words < options.chunk.min_words))
        throw Error(ErrorCode::invalid_argument,
                    "passage sizes must satisfy 0 < min_words <= target_words <= max_words and "
                    "overlap_words < min_words");
    return options;
}

answer::LlmConfig llm_config(const Settings& settings) {
    auto integer = [&](const char* key) { return static_cast<int>(settings.get_int(key)); };
    answer::LlmConfig config;
    config.backend = settings.get_string("llm.backend");
    config.model = settings.get_string("llm.model");
    config.url = settings.get_string("llm.url");
    config.remote_model = settings.get_string("llm.remote_model");
    config.api_key = settings.get_string("llm.api_key");
    config.context = integer("llm.context");
    config.threads = integer("llm.threads");
    config.parallel = integer("llm.parallel");
    config.max_queue = integer("llm.max_queue");
    config.timeout_s = integer("llm.timeout_s");
    return config;
}

}  // namespace deskside::cli
