// The parser interface: one Extractor per family of formats, chosen by detected FileType.
// Adding a format means adding an Extractor and registering it in ExtractorRegistry
// (docs/howto-add-format.md).
//
// Extractors are stateless after construction and must be safe to call from several threads
// at once. They throw Error(bad_document) for a file they cannot read (the message is the
// one-line reason recorded in the catalog) and Error(unsupported) for a format they refuse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"
#include "ingest/file_type.h"

namespace deskside::ingest {

struct ExtractOptions {
    std::int64_t max_output_bytes = 256ll << 20;  // cap on extracted text (bomb defence)
};

struct SourceFile {
    std::filesystem::path path;  // for messages and extension hints only
    std::string_view bytes;      // the whole file; owned by the caller for the call's duration
    FileType type;               // from detect_file_type
};

class Extractor {
  public:
    virtual ~Extractor() = default;
    virtual std::string_view name() const = 0;
    virtual bool accepts(const FileType& type) const = 0;
    virtual ExtractedDocument extract(const SourceFile& file,
                                      const ExtractOptions& options) const = 0;
};

// Owns the extractors. Built once, then read-only: thread-safe for lookups.
class ExtractorRegistry {
  public:
    // Every extractor built into this binary.
    static ExtractorRegistry with_builtin_extractors();

    void add(std::unique_ptr<Extractor> extractor);
    // The first extractor that accepts `type`, or nullptr.
    const Extractor* find(const FileType& type) const;

  private:
    std::vector<std::unique_ptr<Extractor>> extractors_;
};

// Built-in extractors (each in its own source file).
std::unique_ptr<Extractor> make_plain_text_extractor();  // "text", "csv"
std::unique_ptr<Extractor> make_markdown_extractor();    // "markdown"
std::unique_ptr<Extractor> make_html_extractor();        // "html"

}  // namespace deskside::ingest
