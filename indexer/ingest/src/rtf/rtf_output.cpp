// The five text streams of rtf_output.h; one instance per document and thread.
#include "rtf/rtf_output.h"

#include <algorithm>
#include <utility>

namespace deskside::ingest::rtf {
namespace {

constexpr std::string_view kLocations[] = {"", "header", "footer", "footnotes", "comments"};

bool blank(std::string_view text) {
    return text.find_first_not_of(" \t\n") == std::string_view::npos;
}

int clamp_depth(int depth, int max) {
    return std::clamp(depth, 1, max) - 1;
}

}  // namespace

void RtfOutput::text(Sink sink, std::string_view utf8) {
    std::string& paragraph = stream(sink).paragraph;
    paragraph += utf8;
    writer_.check(paragraph.size());
}

void RtfOutput::line_break(Sink sink) {
    stream(sink).paragraph += '\n';
}

void RtfOutput::end_paragraph(Sink sink, const ParagraphStyle& style) {
    Stream& s = stream(sink);
    if (style.in_table) {  // a paragraph inside a cell: the cell goes on
        if (!blank(s.paragraph)) {
            std::string& cell = s.cell;
            if (!cell.empty()) cell += ' ';
            cell += s.paragraph;
        }
        s.paragraph.clear();
        return;
    }
    flush_rows(sink);  // cells without a \row: a broken table, keep its text
    std::string_view location = kLocations[static_cast<int>(sink)];
    if (style.heading_level > 0)
        writer_.add(s.blocks, BlockKind::heading, s.paragraph, style.heading_level, 0, location);
    else
        writer_.add(s.blocks, BlockKind::paragraph, s.paragraph, 0, 0, location);
    s.paragraph.clear();
}

void RtfOutput::end_cell(Sink sink, int depth) {
    Stream& s = stream(sink);
    int d = clamp_depth(depth, kMaxTableDepth);
    std::string text = std::move(s.cell);
    s.cell.clear();
    if (!blank(s.paragraph)) {
        if (!text.empty()) text += ' ';
        text += s.paragraph;
    }
    s.paragraph.clear();
    s.row[d].push_back(std::move(text));
}

void RtfOutput::end_row(Sink sink, int depth) {
    Stream& s = stream(sink);
    int d = clamp_depth(depth, kMaxTableDepth);
    if (!blank(s.paragraph) || !s.cell.empty()) end_cell(sink, depth);
    std::string row = legacy::join_cells(s.row[d]);
    s.row[d].clear();
    writer_.add(s.blocks, BlockKind::table_row, row, 0, 0, kLocations[static_cast<int>(sink)]);
}

void RtfOutput::flush_rows(Sink sink) {
    Stream& s = stream(sink);
    for (int d = kMaxTableDepth; d >= 1; --d)
        if (!s.row[d - 1].empty()) end_row(sink, d);
    if (!s.cell.empty()) {
        std::string text = std::move(s.cell);
        s.cell.clear();
        writer_.add(s.blocks, BlockKind::paragraph, text, 0, 0, kLocations[static_cast<int>(sink)]);
    }
}

std::vector<Block> RtfOutput::finish() {
    std::vector<Block> blocks;
    for (int i = 0; i < static_cast<int>(streams_.size()); ++i) {
        Sink sink = static_cast<Sink>(i);
        end_paragraph(sink, {});
        Stream& s = stream(sink);
        std::move(s.blocks.begin(), s.blocks.end(), std::back_inserter(blocks));
        s.blocks.clear();
    }
    return blocks;
}

}  // namespace deskside::ingest::rtf
