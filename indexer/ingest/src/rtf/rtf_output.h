// Where the text of an RTF document goes while it is read: five separate streams (the body,
// headers, footers, footnotes and annotations), each with its own paragraph and table row
// under construction. Notes sit in the middle of body paragraphs in RTF — an annotation may
// even split a word — so each stream gathers its own paragraph and the body one is never
// interrupted. Blocks come out body first, then the page furniture and notes with their
// locations ("header", "footer", "footnotes", "comments").
//
// One RtfOutput per document; not shared between threads.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/extracted_document.h"
#include "legacy/block_writer.h"

namespace deskside::ingest::rtf {

enum class Sink { body, header, footer, footnotes, comments };

struct ParagraphStyle {
    int heading_level = 0;  // 1..6 for a heading paragraph
    bool in_table = false;  // \intbl: the paragraph is part of a table cell
};

class RtfOutput {
  public:
    explicit RtfOutput(legacy::BlockWriter& writer) : writer_(writer) {}

    void text(Sink sink, std::string_view utf8);
    void line_break(Sink sink);
    void end_paragraph(Sink sink, const ParagraphStyle& style);
    // \cell (depth 1) and \nestcell (depth 2+) end a cell; \row and \nestrow a row.
    void end_cell(Sink sink, int depth);
    void end_row(Sink sink, int depth);

    // Flushes what is pending and returns the blocks in reading order.
    std::vector<Block> finish();

  private:
    static constexpr int kMaxTableDepth = 8;
    struct Stream {
        std::string paragraph;
        std::string cell;  // earlier paragraphs of the cell being read (of any depth)
        std::array<std::vector<std::string>, kMaxTableDepth> row;
        std::vector<Block> blocks;
    };

    Stream& stream(Sink sink) { return streams_[static_cast<int>(sink)]; }
    void flush_rows(Sink sink);

    legacy::BlockWriter& writer_;
    std::array<Stream, 5> streams_;
};

}  // namespace deskside::ingest::rtf
