// Helpers shared by the ingest tests: read a corpus file, detect and extract it the way the
// pipeline does, and look at the result. Test-only; single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "ingest/extractor.h"
#include "ingest/file_type.h"
#include "test_support.h"

namespace deskside::ingest::testing {

inline std::filesystem::path corpus(const std::string& relative) {
    return deskside::testing::corpus_dir() / relative;
}

// The corpus file's bytes; fails the test (not silently empty) when the file is missing.
inline std::string corpus_bytes(const std::string& relative) {
    std::filesystem::path path = corpus(relative);
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
    return deskside::testing::read_file(path);
}

inline FileType detect(const std::filesystem::path& path, std::string_view bytes) {
    return detect_file_type(path, bytes.substr(0, 64 * 1024));
}

// Detects the type (unless `type` is given) and runs the registered extractor.
inline ExtractedDocument extract_bytes(const std::filesystem::path& path, std::string_view bytes,
                                       const FileType* type = nullptr,
                                       const ExtractOptions& options = {}) {
    static const ExtractorRegistry registry = ExtractorRegistry::with_builtin_extractors();
    FileType detected = type ? *type : detect(path, bytes);
    const Extractor* extractor = registry.find(detected);
    if (!extractor) {
        ADD_FAILURE() << "no extractor for " << path << " (" << detected.format << ")";
        return {};
    }
    return extractor->extract(SourceFile{path, bytes, detected}, options);
}

inline ExtractedDocument extract_corpus(const std::string& relative,
                                        const FileType* type = nullptr) {
    std::string bytes = corpus_bytes(relative);
    return extract_bytes(corpus(relative), bytes, type);
}

inline std::vector<std::string> texts(const ExtractedDocument& document) {
    std::vector<std::string> out;
    for (const Block& block : document.blocks) out.push_back(block.text);
    return out;
}

inline std::string joined(const ExtractedDocument& document) {
    std::string out;
    for (const Block& block : document.blocks) out += block.text + "\n\n";
    return out;
}

template <typename Predicate>
std::size_t count_code_points(std::string_view text, Predicate predicate) {
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < text.size();)
        count += predicate(utf8::decode(text, pos)) ? 1 : 0;
    return count;
}

inline bool is_hangul(char32_t cp) {
    return cp >= 0xAC00 && cp <= 0xD7A3;
}
inline bool is_han(char32_t cp) {
    return cp >= 0x4E00 && cp <= 0x9FFF;
}
inline bool is_kana(char32_t cp) {
    return cp >= 0x3040 && cp <= 0x30FF;
}
inline bool is_cyrillic(char32_t cp) {
    return cp >= 0x0400 && cp <= 0x04FF;
}
inline bool is_arabic(char32_t cp) {
    return cp >= 0x0600 && cp <= 0x06FF;
}

}  // namespace deskside::ingest::testing
