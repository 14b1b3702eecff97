// Raw-byte scans of PDF files (see raw_bytes.h).
#include "pdf/raw_bytes.h"

#include <cctype>

namespace deskside::ingest::pdf {
namespace {

bool is_white(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

std::size_t skip_white(std::string_view bytes, std::size_t pos) {
    while (pos < bytes.size() && is_white(bytes[pos])) ++pos;
    return pos;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A PDF string starting at bytes[pos] ('(' literal or '<' hex), as raw bytes; "" if none.
std::string read_string(std::string_view bytes, std::size_t pos) {
    std::string out;
    if (pos >= bytes.size()) return out;
    if (bytes[pos] == '(') {
        for (++pos; pos < bytes.size() && bytes[pos] != ')' && out.size() < 64; ++pos) {
            if (bytes[pos] == '\\' && pos + 1 < bytes.size()) ++pos;
            out += bytes[pos];
        }
    } else if (bytes[pos] == '<') {
        int high = -1;
        for (++pos; pos < bytes.size() && bytes[pos] != '>' && out.size() < 64; ++pos) {
            char c = bytes[pos];
            if (!std::isxdigit(static_cast<unsigned char>(c))) continue;
            int value = std::isdigit(static_cast<unsigned char>(c))
                            ? c - '0'
                            : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
            if (high < 0) {
                high = value;
            } else {
                out += static_cast<char>(high * 16 + value);
                high = -1;
            }
        }
    }
    // UTF-16BE with a byte-order mark: language tags are ASCII, so keep the low bytes.
    if (out.size() >= 2 && out[0] == '\xFE' && out[1] == '\xFF') {
        std::string ascii;
        for (std::size_t i = 3; i < out.size(); i += 2) ascii += out[i];
        return ascii;
    }
    return out;
}

bool is_language_tag(std::string_view tag) {
    std::size_t part = 0;
    std::size_t length = 0;
    for (char c : tag) {
        if (c == '-' || c == '_') {
            if (length == 0) return false;
            ++part;
            length = 0;
        } else if (std::isalpha(static_cast<unsigned char>(c)) ||
                   (part > 0 && std::isdigit(static_cast<unsigned char>(c)))) {
            if (++length > 8) return false;
        } else {
            return false;
        }
        if (part == 0 && length > 3) return false;
    }
    return length > 0 && tag.size() >= 2;
}

// The object number and generation of the object whose dictionary contains bytes[at], from the
// nearest "N G obj" before it.
std::optional<std::string> enclosing_object(std::string_view bytes, std::size_t at) {
    std::size_t obj = bytes.rfind("obj", at);
    if (obj == std::string_view::npos || obj == 0 || at - obj > 4096) return std::nullopt;
    std::size_t end = obj;
    while (end > 0 && is_white(bytes[end - 1])) --end;
    std::size_t generation = end;
    while (generation > 0 && is_digit(bytes[generation - 1])) --generation;
    if (generation == end) return std::nullopt;
    std::size_t number_end = generation;
    while (number_end > 0 && is_white(bytes[number_end - 1])) --number_end;
    std::size_t number = number_end;
    while (number > 0 && is_digit(bytes[number - 1])) --number;
    if (number == number_end || number_end == generation) return std::nullopt;
    return std::string(bytes.substr(number, number_end - number)) + " " +
           std::string(bytes.substr(generation, end - generation)) + " R";
}

std::optional<std::string> catalog_reference(std::string_view bytes) {
    for (std::size_t pos = bytes.find("/Type"); pos != std::string_view::npos;
         pos = bytes.find("/Type", pos + 5)) {
        std::size_t value = skip_white(bytes, pos + 5);
        if (bytes.substr(value, 8) != "/Catalog") continue;
        char after = value + 8 < bytes.size() ? bytes[value + 8] : ' ';
        if (std::isalnum(static_cast<unsigned char>(after))) continue;
        return enclosing_object(bytes, pos);
    }
    return std::nullopt;
}

}  // namespace

std::string declared_language(std::string_view bytes) {
    for (std::size_t pos = bytes.find("/Lang"); pos != std::string_view::npos;
         pos = bytes.find("/Lang", pos + 5)) {
        std::string tag = read_string(bytes, skip_white(bytes, pos + 5));
        if (is_language_tag(tag)) return tag;
    }
    return "";
}

std::optional<std::string> repair_root(std::string_view bytes) {
    std::optional<std::string> catalog = catalog_reference(bytes);
    if (!catalog) return std::nullopt;
    std::string out(bytes);
    for (std::size_t pos = out.find("/Root"); pos != std::string::npos;
         pos = out.find("/Root", pos + 5)) {
        std::size_t start = skip_white(out, pos + 5);
        std::size_t end = start;
        int numbers = 0;
        while (end < out.size() && numbers < 2 && is_digit(out[end])) {
            while (end < out.size() && is_digit(out[end])) ++end;
            ++numbers;
            end = skip_white(out, end);
        }
        if (numbers != 2 || end >= out.size() || out[end] != 'R') continue;
        ++end;
        std::string_view current(out.data() + start, end - start);
        if (current == *catalog || catalog->size() > current.size()) continue;
        out.replace(start, end - start,
                    *catalog + std::string(current.size() - catalog->size(), ' '));
    }
    // Short enough that an intact file's own startxref stays within the last KiB, where
    // poppler looks for it.
    out += "\ntrailer\n<< /Root " + *catalog + " >>\n";
    return out;
}

bool has_xfa_form(std::string_view bytes) {
    for (std::size_t pos = bytes.find("/XFA"); pos != std::string_view::npos;
         pos = bytes.find("/XFA", pos + 4)) {
        std::size_t value = skip_white(bytes, pos + 4);
        if (value < bytes.size() && (bytes[value] == '[' || is_digit(bytes[value]))) return true;
    }
    return false;
}

bool has_encrypted_payload(std::string_view bytes) {
    return bytes.find("/EncryptedPayload") != std::string_view::npos;
}

}  // namespace deskside::ingest::pdf
