// The intranet page's files: maps a decoded URL path to a regular file inside the web folder,
// or refuses. "/" is index.html; there is no directory listing. A path with a ".." or "."
// segment, a backslash or a control character is refused as a bad request (400); hidden names
// (".git"), folders, missing files and anything that resolves outside the folder (symbolic
// links included) are not found (404).
//
// StaticFiles is immutable after construction; resolve() may be called from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace deskside::http {

struct StaticFile {
    int status = 404;            // 200, 400 or 404
    std::filesystem::path file;  // when 200
    std::string content_type;    // when 200
};

class StaticFiles {
  public:
    // A missing web folder is allowed: every path is then 404.
    explicit StaticFiles(const std::filesystem::path& web_dir);

    bool available() const { return !root_.empty(); }
    StaticFile resolve(std::string_view decoded_path) const;

  private:
    std::filesystem::path root_;  // canonical; empty when the folder does not exist
};

// "text/html; charset=utf-8" for .html, ..., "application/octet-stream" when unknown.
std::string content_type_for(const std::filesystem::path& file);

}  // namespace deskside::http
