#include "base/utf8.h"

namespace deskside::utf8 {
namespace {

// Length of the well-formed sequence at text[pos], or 0 if it is not well-formed.
std::size_t sequence_length(std::string_view text, std::size_t pos) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char b0 = byte(pos);
    if (b0 < 0x80) return 1;
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        need = 2;
    else if (b0 == 0xE0)
        need = 3, lo = 0xA0;
    else if (b0 == 0xED)
        need = 3, hi = 0x9F;  // no UTF-16 surrogates
    else if (b0 >= 0xE1 && b0 <= 0xEF)
        need = 3;
    else if (b0 == 0xF0)
        need = 4, lo = 0x90;
    else if (b0 == 0xF4)
        need = 4, hi = 0x8F;
    else if (b0 >= 0xF1 && b0 <= 0xF3)
        need = 4;
    else
        return 0;
    if (pos + need > text.size()) return 0;
    if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
    for (std::size_t i = 2; i < need; ++i)
        if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 0;
    return need;
}

}  // namespace

bool is_valid(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t n = sequence_length(text, pos);
        if (n == 0) return false;
        pos += n;
    }
    return true;
}

std::string escape_invalid(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t n = sequence_length(text, pos);
        if (n == 0) {
            auto b = static_cast<unsigned char>(text[pos]);
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 15];
            ++pos;
        } else {
            out.append(text.substr(pos, n));
            pos += n;
        }
    }
    return out;
}

std::size_t length(std::string_view text) {
    std::size_t count = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++count;
    return count;
}

char32_t decode(std::string_view text, std::size_t& pos) {
    std::size_t n = sequence_length(text, pos);
    if (n == 0) {
        ++pos;
        return 0xFFFD;
    }
    auto b = [&](std::size_t i) {
        return static_cast<char32_t>(static_cast<unsigned char>(text[pos + i]));
    };
    char32_t cp;
    switch (n) {
        case 1:
            cp = b(0);
            break;
        case 2:
            cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
            break;
        case 3:
            cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
            break;
        default:
            cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                 (b(3) & 0x3F);
    }
    pos += n;
    return cp;
}

void append(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool is_cjk(char32_t cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
           (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK Extension A
           (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK Unified Ideographs
           (cp >= 0xAC00 && cp <= 0xD7AF) ||  // Hangul syllables
           (cp >= 0x1100 && cp <= 0x11FF) ||  // Hangul Jamo
           (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK Compatibility Ideographs
           (cp >= 0x20000 && cp <= 0x2FA1F);  // Extensions B..F, compatibility supplement
}

std::string_view truncate(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

}  // namespace deskside::utf8
