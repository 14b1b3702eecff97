// One tokenizer per model file for the whole test binary: loading the larger vocabularies
// (deepseek-llm's 102,400 tokens and 99,757 merges) is most of the tests' time otherwise.
// Tokenizers are immutable, so sharing them is safe; the cache itself is guarded by a mutex.
// Test-only.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace deskside::testing {

// The tokenizer of models/<relative> under the shared directory.
inline const tokenizer::Tokenizer& shared_tokenizer(const std::filesystem::path& relative) {
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::unique_ptr<tokenizer::Tokenizer>> cache;
    const std::lock_guard lock(mutex);
    auto& slot = cache[relative];
    if (!slot) {
        slot = tokenizer::make_tokenizer(gguf::GgufFile::open(shared_dir() / "models" / relative));
    }
    return *slot;
}

}  // namespace deskside::testing
