#include "static_files.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace deskside::http {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(const fs::path& web_dir) {
    std::error_code ec;
    fs::path root = fs::canonical(web_dir, ec);
    if (!ec && fs::is_directory(root, ec)) root_ = root;
}

StaticFile StaticFiles::resolve(std::string_view decoded_path) const {
    if (decoded_path.empty() || decoded_path.front() != '/') return {400, {}, {}};
    for (char c : decoded_path)
        if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {400, {}, {}};

    fs::path relative;
    bool hidden = false;
    std::string_view rest = decoded_path.substr(1);
    while (!rest.empty()) {
        std::size_t slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
        if (segment.empty()) continue;
        if (segment == "." || segment == "..") return {400, {}, {}};
        if (segment.front() == '.') hidden = true;
        relative /= fs::path(std::string(segment));
    }
    if (hidden || !available()) return {404, {}, {}};
    if (relative.empty()) relative = "index.html";

    // Resolve symbolic links and make sure the file is still inside the web folder.
    std::error_code ec;
    fs::path file = fs::canonical(root_ / relative, ec);
    if (ec) return {404, {}, {}};
    auto [root_end, file_it] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
    if (root_end != root_.end() || file_it == file.end()) return {404, {}, {}};
    if (!fs::is_regular_file(file, ec)) return {404, {}, {}};
    return {200, file, content_type_for(file)};
}

std::string content_type_for(const fs::path& file) {
    static const std::map<std::string, std::string, std::less<>> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = kTypes.find(extension);
    return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace deskside::http
