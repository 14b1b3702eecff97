// Detects what kind of file a document is, from its leading bytes first and its extension
// second (a .txt that starts with "%PDF-" is a PDF; an .html that is really UTF-16 text is
// still HTML). Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace deskside::ingest {

// Short format names used across Deskside (catalog `type`, the `type:` search field):
//   "text", "markdown", "html", "csv", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp",
//   "rtf", "email", "doc", "xls", "ppt", "zip", "ole" (another OLE2 compound file), "image",
//   "binary".
// "binary" means: not text and no known signature.
struct FileType {
    std::string format;
    std::string mime;  // "text/plain", "text/html", "application/pdf", ...
};

// The mime given to an OLE2 compound file that wraps an encrypted OOXML/ODF package.
inline constexpr std::string_view kEncryptedPackageMime = "application/x-encrypted-package";

// The usual media type of a format name ("pdf" -> "application/pdf"); "application/octet-stream"
// for "binary" and names it does not know, "image/unknown" for "image".
std::string_view mime_for(std::string_view format);

// `head` is the first bytes of the file (up to 64 KiB is plenty; fewer for short files).
FileType detect_file_type(const std::filesystem::path& path, std::string_view head);

}  // namespace deskside::ingest
