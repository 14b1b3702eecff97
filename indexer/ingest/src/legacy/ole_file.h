// Read-only access to an OLE2 compound file (the container of .doc, .xls, .ppt and of objects
// embedded in RTF) through libgsf: its streams by path and the title, author and dates of its
// "\005SummaryInformation" property set. libgsf stays behind this header.
//
// An OleFile reads the caller's bytes in place: they must outlive it. One OleFile belongs to
// one thread; separate OleFiles may be used on separate threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"

namespace deskside::ingest::legacy {

inline constexpr std::string_view kOleSignature = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

class OleFile {
  public:
    // Opens `bytes` as a compound file; nullopt when they are not one (or its directory is
    // unreadable).
    static std::optional<OleFile> open(std::string_view bytes);

    OleFile(OleFile&&) noexcept;
    OleFile& operator=(OleFile&&) noexcept;
    ~OleFile();

    // True if the stream or storage at `path` ("WordDocument", "ObjectPool/_123/Ole") exists.
    bool has(std::string_view path) const;

    // The whole stream at `path`; nullopt when it does not exist, is a storage, or is longer
    // than `max_bytes` (then *too_long is set when given).
    std::optional<std::string> read(std::string_view path, std::int64_t max_bytes,
                                    bool* too_long = nullptr) const;

    // Names of the entries directly under the storage at `path` ("" for the root).
    std::vector<std::string> children(std::string_view path = {}) const;

    // Title, author, created and modified from the summary property set; fields the file
    // lacks stay empty.
    DocumentMetadata summary() const;

  private:
    struct Handles;
    explicit OleFile(std::unique_ptr<Handles> handles);
    std::unique_ptr<Handles> handles_;
};

}  // namespace deskside::ingest::legacy
