// Turns the words of one PDF page, as poppler lists them in its reading order, into paragraphs:
// words -> lines (right-to-left ones put in logical order, bidi.h) -> blocks by geometry (line
// gaps, indents, short last lines, font size), then blocks that poppler interleaved across columns
// are put back in column order (when the content stream agrees), and large type becomes headings.
// Pure geometry and text: no poppler types here, so it is tested with hand-made pages.
//
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace deskside::ingest::pdf {

// One word as poppler's page::text_list() gives it.
struct Word {
    std::string text;  // UTF-8, as poppler gives it (cleaned later, per paragraph)
    // Bounding box in points, origin at the top-left corner of the page.
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int rotation = 0;  // quarter turns of the writing direction: 0 left-to-right, 1 downwards...
    bool space_after = false;
};

struct Paragraph {
    std::string text;       // cleaned (text_cleanup.h); never empty
    int heading_level = 0;  // 1..3 for large type, 0 for running text
};

// The page's text in content-stream order (poppler's raw_order_layout). Consulted only on
// the rare page where geometry cannot tell side-by-side columns from the cells of a table.
using RawOrderText = std::function<std::string()>;

// The lines of one paragraph as one text: hyphens at line ends removed where a word was
// broken ("compi-" "lation"), no space between CJK characters, a space elsewhere.
std::string join_lines(const std::vector<std::string>& lines);

// Paragraphs of a page from its words in poppler's reading order.
std::vector<Paragraph> lay_out_words(const std::vector<Word>& words,
                                     const RawOrderText& raw_order_text);

}  // namespace deskside::ingest::pdf
