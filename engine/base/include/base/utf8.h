// UTF-8 helpers shared by every module: validation, repair for display, code-point counting,
// and conversions between byte and code-point offsets. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace deskside::utf8 {

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool is_valid(std::string_view text);

// Copy of `text` with every byte that is not part of a well-formed sequence written as "\xNN".
// Used to show and record file names that are not UTF-8.
std::string escape_invalid(std::string_view text);

// Number of code points in valid UTF-8 text.
std::size_t length(std::string_view text);

// Decodes the code point starting at text[pos] and advances pos; returns U+FFFD on bad input.
char32_t decode(std::string_view text, std::size_t& pos);

// Appends the UTF-8 encoding of `cp`.
void append(std::string& out, char32_t cp);

// True for code points of the CJK scripts (Han, Hiragana, Katakana, Hangul, CJK punctuation
// excluded), which are written without spaces between words.
bool is_cjk(char32_t cp);

// Truncates to at most `max_bytes` without splitting a code point.
std::string_view truncate(std::string_view text, std::size_t max_bytes);

}  // namespace deskside::utf8
