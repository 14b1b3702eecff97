// Splits passage text into sentences for the extractive answerer: at ., ! and ? followed by
// space and a capital (not after an abbreviation, an initial or a list number, and never
// inside a decimal), at CJK full stops, at blank lines and before list items on a new line.
// Over-long runs without punctuation (PDF tables, lists) are cut at line ends.
// Pure functions; any thread; they do not fail.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::answer {

// A sentence as byte offsets [start, end) into the text, trimmed of surrounding space.
struct SentenceSpan {
    std::size_t start = 0;
    std::size_t end = 0;
};

std::vector<SentenceSpan> split_sentences(std::string_view text);

// The text without the document's own reference marks ("Firefox[4]", "[12][13]", "[3-5]"):
// in an answer or a prompt they would read as citations of passages 4, 12...
std::string without_reference_marks(std::string_view text);

}  // namespace deskside::answer
