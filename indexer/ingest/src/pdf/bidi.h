// Right-to-left lines from positioned words. Poppler's word list is in visual order: words
// left to right, and the letters of a Hebrew or Arabic word reversed. This puts a line back in
// logical (reading) order with a small subset of the Unicode bidi algorithm: runs of one
// direction, neutral words taking their neighbours' direction, digits and Latin kept
// left-to-right inside right-to-left words.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deskside::ingest::pdf {

struct VisualWord {
    std::string text;          // letters in visual order, as poppler gives them
    bool space_after = false;  // a space separates it from the next word to its right
};

// Whether `text` holds a letter of a right-to-left script.
bool has_rtl(std::string_view text);

// The line's text in logical order. `words` are left to right.
std::string logical_line(const std::vector<VisualWord>& words);

}  // namespace deskside::ingest::pdf
