// llama.cpp-compatible code-point handling over ICU; see unicode_props.h.
#include "unicode_props.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include <string>

#include "base/error.h"

namespace deskside::tokenizer::detail {

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kMaxCodepoint = 0x10FFFF;

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

}  // namespace

char32_t next_codepoint(std::string_view text, std::size_t& pos) {
    // Same tests, in the same order, as llama.cpp's unicode_cpt_from_utf8.
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[pos + k]); };
    const unsigned char lead = at(0);
    const std::size_t left = text.size() - pos;
    if ((lead & 0x80) == 0) {
        pos += 1;
        return lead;
    }
    char32_t cp = kReplacement;
    std::size_t length = 1;
    if ((lead & 0x40) == 0) {
        // a continuation byte where a character should start
    } else if ((lead & 0x20) == 0) {
        if (left >= 2 && is_continuation(at(1))) {
            cp = (char32_t{lead & 0x1Fu} << 6) | (at(1) & 0x3Fu);
            length = 2;
        }
    } else if ((lead & 0x10) == 0) {
        if (left >= 3 && is_continuation(at(1)) && is_continuation(at(2))) {
            cp = (char32_t{lead & 0x0Fu} << 12) | (char32_t{at(1) & 0x3Fu} << 6) | (at(2) & 0x3Fu);
            length = 3;
        }
    } else if ((lead & 0x08) == 0) {
        if (left >= 4 && is_continuation(at(1)) && is_continuation(at(2)) &&
            is_continuation(at(3))) {
            cp = (char32_t{lead & 0x07u} << 18) | (char32_t{at(1) & 0x3Fu} << 12) |
                 (char32_t{at(2) & 0x3Fu} << 6) | (at(3) & 0x3Fu);
            length = 4;
        }
    }
    pos += length;
    return cp > kMaxCodepoint ? kReplacement : cp;
}

std::size_t utf8_length_of_lead(char lead) {
    static constexpr std::size_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLengths[static_cast<unsigned char>(lead) >> 4];
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp <= 0x7F) {
        out.push_back(static_cast<char>(cp));
    } else if (cp <= 0x7FF) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp <= 0xFFFF) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool is_chinese_char(char32_t cp) {
    return (cp >= 0x04E00 && cp <= 0x09FFF) || (cp >= 0x03400 && cp <= 0x04DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0x0F900 && cp <= 0x0FAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

UnicodeProps::UnicodeProps() {
    UErrorCode status = U_ZERO_ERROR;
    nfd_ = unorm2_getNFDInstance(&status);
    if (U_FAILURE(status) || nfd_ == nullptr) {
        throw Error(ErrorCode::internal,
                    std::string("ICU: cannot load the NFD normaliser: ") + u_errorName(status));
    }
}

char32_t UnicodeProps::nfd_first(char32_t cp) const {
    if (cp < 0xC0) return cp;  // nothing below U+00C0 has a canonical decomposition
    UChar buffer[32];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length =
        unorm2_getDecomposition(nfd_, static_cast<UChar32>(cp), buffer, 32, &status);
    if (U_FAILURE(status) || length <= 0) return cp;
    UChar32 first = 0;
    int32_t i = 0;
    U16_NEXT(buffer, i, length, first);
    return static_cast<char32_t>(first);
}

char32_t UnicodeProps::to_lower(char32_t cp) const {
    return static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)));
}

bool is_unicode_whitespace(char32_t cp) {
    switch (cp) {  // Unicode's White_Space list, as llama.cpp's unicode_set_whitespace
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

CptFlags cpt_flags(char32_t cp) {
    CptFlags f;
    f.whitespace = is_unicode_whitespace(cp);
    if (cp > kMaxCodepoint) {
        f.category = CptFlags::undefined;
        return f;
    }
    const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
    if (mask & U_GC_L_MASK) {
        f.category = CptFlags::letter;
    } else if (mask & U_GC_N_MASK) {
        f.category = CptFlags::number;
    } else if (mask & U_GC_P_MASK) {
        f.category = CptFlags::punctuation;
    } else if (mask & U_GC_M_MASK) {
        f.category = CptFlags::mark;
    } else if (mask & U_GC_S_MASK) {
        f.category = CptFlags::symbol;
    } else if (mask & U_GC_Z_MASK) {
        f.category = CptFlags::separator;
    } else if (mask & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CO_MASK | U_GC_CS_MASK)) {
        f.category = CptFlags::control;
    } else {
        f.category = CptFlags::undefined;  // Cn
    }
    return f;
}

CodepointClass UnicodeProps::classify(char32_t cp) const {
    CodepointClass c;
    c.whitespace = is_unicode_whitespace(cp);
    const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
    c.control = (mask & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CO_MASK | U_GC_CS_MASK)) != 0;
    c.mark = (mask & U_GC_M_MASK) != 0;
    c.punctuation = (mask & U_GC_P_MASK) != 0;
    c.symbol = (mask & U_GC_S_MASK) != 0;
    return c;
}

}  // namespace deskside::tokenizer::detail
