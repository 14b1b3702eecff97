// A read-only ZIP archive held in memory (libzip), with the caps that defend against zip
// bombs: a limit on the number of entries, and a budget of uncompressed bytes shared by every
// read from the archive (checked against the declared size before reading and against the
// bytes actually inflated while reading, since a hostile archive can lie about sizes).
//
// Owns its libzip handle; the archive bytes are borrowed and must outlive it. One thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extractor.h"

namespace deskside::ingest::office {

class ZipArchive {
  public:
    // Fails (ingest/extract_failure.h) with corrupt for bytes that are not a readable ZIP (bad
    // central directory, truncated), too_large for more than options.max_archive_entries
    // entries. `what` names the file in messages ("docx package").
    ZipArchive(std::string_view bytes, const ExtractOptions& options, std::string what);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    // Entry names in archive order.
    const std::vector<std::string>& names() const { return names_; }
    bool contains(std::string_view name) const;
    // The entry's uncompressed content, or nullopt when there is no such entry. Counts against
    // the unpacked-bytes budget (too_large when over); an encrypted entry fails encrypted, a
    // damaged one corrupt. Entry names are matched exactly, then case-insensitively.
    std::optional<std::string> read(std::string_view name);
    std::int64_t unpacked_bytes() const { return unpacked_; }

  private:
    struct Handle;
    std::unique_ptr<Handle> handle_;
    std::vector<std::string> names_;
    const ExtractOptions& options_;
    std::string what_;
    std::int64_t unpacked_ = 0;
};

// Resolves a relationship target ("../media/x.png", "/word/document.xml") against the folder
// of the part that holds the relationship ("word/document.xml"): OPC part names, no leading '/'.
std::string resolve_part_name(std::string_view source_part, std::string_view target);

}  // namespace deskside::ingest::office
