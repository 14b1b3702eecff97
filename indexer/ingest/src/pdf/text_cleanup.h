// Clean-up of text as poppler and Tesseract hand it over, before it becomes a Block: PDF fonts
// map glyphs to shaped presentation forms, ligatures, private-use code points and invisible
// controls that would break search, so they are normalised or dropped here.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace deskside::ingest::pdf {

// `text` with: presentation forms and ligatures replaced by their NFKC form ("\uFB01" -> "fi"),
// soft hyphens, bidi controls, byte-order marks, U+FFFD and private-use code points dropped,
// tabs, no-break and other Unicode spaces turned into ' ', other control characters dropped
// (newlines are kept, but not at either end), runs of spaces collapsed, and spaces trimmed at
// both ends of each line.
// Invalid UTF-8 is dropped.
std::string clean_text(std::string_view text);

// True for a code point of a right-to-left script (Hebrew, Arabic, Syriac, Thaana, NKo and
// their presentation forms).
bool is_rtl(char32_t cp);

// True for code points after which a line break needs no space when lines are joined (CJK).
bool joins_without_space(char32_t cp);

}  // namespace deskside::ingest::pdf
