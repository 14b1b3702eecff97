// File names that cross the network: names of uploaded files (made safe before they touch the
// disk), the Content-Disposition of a downloaded document, and the Content-Type of a
// document's original file. Pure functions, any thread, except place_without_overwrite,
// which renames on disk (call it from the writer thread).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace deskside::http {

// A client's file name reduced to one safe path component: only the part after the last '/'
// or '\' is kept; control characters, NUL and characters that are special on common file
// systems (<>:"|?*) become '_'; invalid UTF-8 bytes become '_'; leading dots and spaces and
// trailing dots and spaces are removed (no hidden files, no "." or ".."); at most 200 bytes
// (the extension kept). Empty or nothing left: "upload". Never contains '/', "..", or a NUL.
std::string sanitize_file_name(std::string_view name);

// Moves `from` into `folder` as `name`, or "stem-2.ext", "stem-3.ext", ... when that name is
// taken: an existing file is never replaced (link(2) fails on an existing name, so there is
// no check-then-write race). Returns the new path. Throws Error(io).
std::filesystem::path place_without_overwrite(const std::filesystem::path& from,
                                              const std::filesystem::path& folder,
                                              const std::string& name);

// `attachment` or `inline`; filename="ASCII fallback"; filename*=UTF-8''percent-encoded.
std::string content_disposition(std::string_view disposition, std::string_view file_name);

// The Content-Type for a document's original bytes: its recorded MIME type when it has one,
// else one from its format ("pdf" -> application/pdf), else application/octet-stream.
std::string content_type_for_document(std::string_view mime, std::string_view format);

// Whether a browser may show the file in place (PDF, plain text, images) rather than
// download it. HTML and anything scriptable is always downloaded.
bool may_show_inline(std::string_view content_type);

}  // namespace deskside::http
