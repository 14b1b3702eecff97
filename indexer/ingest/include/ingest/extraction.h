// Extraction of one file and of everything inside it: the file's own document first, then each
// attachment (e-mail attachments, a PDF's embedded files, objects embedded in Office files),
// detected and extracted in turn, recursively up to a depth and a count. One bad attachment
// fails alone; a bad file fails whole.
//
// An item's path inside its file is "<n>-<name>" (n counts from 1), nested items join with
// "//": "/mail/a.eml//2-inner.msg//1-report.pdf". "//" never occurs in a normalised file path,
// so these names cannot collide with real files.
//
// Pure functions of their inputs (the registry is read-only); thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extractor.h"

namespace deskside::ingest {

struct TreeLimits {
    int max_depth = 4;    // attachments of attachments of ... (the file itself is depth 0)
    int max_items = 500;  // documents out of one file, the file included
};

struct ExtractedItem {
    std::string inner_path;  // "" for the file itself
    std::string name;        // the attachment's name ("" for the file itself)
    FileType type;
    std::int64_t size = 0;
    std::string content_hash;                   // of the item's bytes
    std::optional<ExtractedDocument> document;  // on success (attachments already taken out)
    std::string failure;                        // otherwise: "<kind>: <detail>"
};

// The file first, then its attachments depth-first. If the file itself fails, the result is
// that one failed item. Never throws for a problem of the file (those become failures).
std::vector<ExtractedItem> extract_tree(const ExtractorRegistry& registry,
                                        const std::filesystem::path& path, std::string_view bytes,
                                        const ExtractOptions& options,
                                        const TreeLimits& limits = {});

// Extracts one file's bytes (no attachments followed); throws Error for a bad file.
ExtractedDocument extract_one(const ExtractorRegistry& registry, const std::filesystem::path& path,
                              std::string_view bytes, const FileType& type,
                              const ExtractOptions& options);

}  // namespace deskside::ingest
