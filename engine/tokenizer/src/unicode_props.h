// Code-point decoding and character properties exactly as llama.cpp's tokenizers see them
// (src/unicode.cpp there), with ICU (libicuuc) standing in for llama.cpp's generated tables:
//   - decoding is llama.cpp's lenient one: a bad byte becomes U+FFFD and decoding goes on with
//     the next byte; overlong forms are accepted (C1 81 decodes to 'A'), as there;
//   - "NFD" is llama.cpp's one-code-point mapping: the FIRST code point of the canonical
//     decomposition ("é" -> "e", a Hangul syllable -> its leading jamo), not full NFD;
//   - categories are the Unicode general categories (llama.cpp's flags come from the same
//     UnicodeData.txt; ICU 72 is Unicode 15.0, so only characters newer than that may differ):
//     CodepointClass for WordPiece, CptFlags (llama.cpp's unicode_cpt_flags) for BPE.
// Private to deskside_tokenizer. UnicodeProps is immutable; all calls are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct UNormalizer2;

namespace deskside::tokenizer::detail {

// Decodes the code point at text[pos] and advances pos (by one byte on bad input, returning
// U+FFFD). Values above U+10FFFF (F4 90.. and F5..F7 leads) also come back as U+FFFD: llama.cpp
// would throw on them later, we drop them like any other bad byte. REQUIRES: pos < size.
char32_t next_codepoint(std::string_view text, std::size_t& pos);

// unicode_len_utf8: the length a lead byte announces (1 for a continuation byte), which is how
// SentencePiece and BPE cut text into symbols.
std::size_t utf8_length_of_lead(char lead);

// Appends the UTF-8 form of cp (REQUIRES: cp <= U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

// The code-point classes the WordPiece pre-tokenizer asks about (llama.cpp's flags).
struct CodepointClass {
    bool whitespace = false;   // Unicode White_Space (llama.cpp's fixed list)
    bool control = false;      // Cc, Cf, Co, Cs (not Cn: unassigned code points are letters here)
    bool mark = false;         // Mn, Mc, Me
    bool punctuation = false;  // P*
    bool symbol = false;       // S*
};

// CJK ideographs as llama.cpp's llm_tokenizer_wpm_session::is_chinese_char has them (the
// Hugging Face ranges, including its 0x2B920 start of extension E).
bool is_chinese_char(char32_t cp);

// llama.cpp's unicode_cpt_flags: one general-category class per code point (from its
// UnicodeData tables; ICU's here) plus the White_Space list. `category` is 0 only for the
// "outside the text" sentinel the pre-tokenizers use; unassigned code points are `undefined`.
struct CptFlags {
    enum : std::uint8_t {
        undefined = 1,     // Cn
        number = 2,        // N*
        letter = 4,        // L*
        separator = 8,     // Z*
        mark = 16,         // M*
        punctuation = 32,  // P*
        symbol = 64,       // S*
        control = 128,     // Cc, Cf, Co, Cs
    };
    std::uint8_t category = 0;
    bool whitespace = false;

    bool is_letter() const { return category == letter; }
    bool is_number() const { return category == number; }
    bool is_punctuation() const { return category == punctuation; }
    bool any() const { return category != 0 || whitespace; }  // flags.as_uint() != 0
};

// The flags of cp; code points above U+10FFFF are `undefined`, as in llama.cpp.
CptFlags cpt_flags(char32_t cp);

// True for the code points of llama.cpp's unicode_set_whitespace.
bool is_unicode_whitespace(char32_t cp);

class UnicodeProps {
  public:
    // Throws Error(internal) when ICU's normalisation data cannot be loaded.
    UnicodeProps();

    char32_t nfd_first(char32_t cp) const;
    char32_t to_lower(char32_t cp) const;  // simple (one-to-one) lower-case mapping
    CodepointClass classify(char32_t cp) const;

  private:
    const UNormalizer2* nfd_;  // ICU's process-wide singleton: not owned, never closed
};

}  // namespace deskside::tokenizer::detail
