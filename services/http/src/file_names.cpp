#include "file_names.h"

#include <unistd.h>

#include <cerrno>
#include <map>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/file_type.h"

namespace deskside::http {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxNameBytes = 200;

bool is_special(unsigned char c) {
    return c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == ':' || c == '"' || c == '|' ||
           c == '?' || c == '*' || c == '/' || c == '\\';
}

// The length of the valid UTF-8 sequence at text[i], or 0.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80    ? 1
                         : lead >= 0xf0 ? 4
                         : lead >= 0xe0 ? 3
                         : lead >= 0xc2 ? 2
                                        : 0;
    if (length == 0 || lead > 0xf4 || i + length > text.size()) return 0;
    if (!utf8::is_valid(text.substr(i, length))) return 0;
    return length;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(const std::string& text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    return text.substr(0, end);
}

void trim_dots_and_spaces(std::string& name) {
    std::size_t start = name.find_first_not_of(". ");
    if (start == std::string::npos) {
        name.clear();
        return;
    }
    name.erase(0, start);
    while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
}

}  // namespace

std::string sanitize_file_name(std::string_view name) {
    std::size_t slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        std::size_t length = utf8_sequence(name, i);
        if (length == 0) {
            out += '_';
            ++i;
            continue;
        }
        if (length == 1 && is_special(static_cast<unsigned char>(name[i])))
            out += '_';
        else
            out.append(name.substr(i, length));
        i += length;
    }
    trim_dots_and_spaces(out);
    if (out.size() > kMaxNameBytes) {
        std::size_t dot = out.rfind('.');
        std::string extension =
            dot != std::string::npos && out.size() - dot <= 16 ? out.substr(dot) : std::string();
        out = cut_utf8(out.substr(0, out.size() - extension.size()),
                       kMaxNameBytes - extension.size()) +
              extension;
        trim_dots_and_spaces(out);
    }
    if (out.empty()) out = "upload";
    return out;
}

fs::path place_without_overwrite(const fs::path& from, const fs::path& folder,
                                 const std::string& name) {
    fs::path as_given(name);
    std::string stem = as_given.stem().string();
    std::string extension = as_given.extension().string();
    if (stem.empty()) {  // ".txt" cannot happen after sanitising, but be safe
        stem = name;
        extension.clear();
    }
    for (int n = 1; n < 10000; ++n) {
        fs::path target = folder / (n == 1 ? name : stem + "-" + std::to_string(n) + extension);
        if (::link(from.c_str(), target.c_str()) == 0) {
            ::unlink(from.c_str());
            return target;
        }
        if (errno != EEXIST)
            throw_io_error("cannot store the uploaded file", target.string(), errno);
    }
    throw Error(ErrorCode::io, "too many uploaded files named " + name + " in " + folder.string());
}

std::string content_disposition(std::string_view disposition, std::string_view file_name) {
    std::string ascii, encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : file_name) {
        auto c = static_cast<unsigned char>(ch);
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-' || c == '_';
        if (plain) {
            encoded += ch;
        } else {
            encoded += '%';
            encoded += kHex[c >> 4];
            encoded += kHex[c & 15];
        }
        // The quoted fallback keeps printable ASCII apart from quote and backslash.
        ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? ch : '_';
    }
    if (ascii.empty()) ascii = "document";
    return std::string(disposition) + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

std::string content_type_for_document(std::string_view mime, std::string_view format) {
    // A recorded type is used when it is a plain "type/subtype" (it came from our own
    // detector, but a header value must never carry a line break).
    bool usable =
        !mime.empty() && mime.find('/') != std::string_view::npos && mime != "image/unknown";
    for (char c : mime)
        if (static_cast<unsigned char>(c) <= 0x20 || c == ';' || c == ',') usable = false;
    if (usable) return std::string(mime);
    std::string_view by_format = ingest::mime_for(format);
    // Types of our own naming ("image/unknown", "application/x-ole-storage") mean nothing to a
    // browser: send those as plain bytes.
    if (by_format == "image/unknown" || by_format.find("/x-") != std::string_view::npos)
        return "application/octet-stream";
    return std::string(by_format);
}

bool may_show_inline(std::string_view content_type) {
    return content_type.rfind("application/pdf", 0) == 0 ||
           content_type.rfind("text/plain", 0) == 0 || content_type.rfind("text/csv", 0) == 0 ||
           content_type.rfind("text/markdown", 0) == 0 || content_type.rfind("image/png", 0) == 0 ||
           content_type.rfind("image/jpeg", 0) == 0 || content_type.rfind("image/gif", 0) == 0;
}

}  // namespace deskside::http
