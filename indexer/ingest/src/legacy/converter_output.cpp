// Parsing of antiword/catdoc text and xls2csv CSV for converter_output.h; pure functions.
#include "legacy/converter_output.h"

#include <cctype>

namespace deskside::ingest::legacy {
namespace {

// antiword's rule before footnotes, endnotes and text boxes.
constexpr std::string_view kNoteRule = "-----------------------";

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

// "|a |b |" -> {"a", "b"}; empty when the line is not a table row.
std::vector<std::string> table_cells(std::string_view line) {
    std::vector<std::string> cells;
    if (line.size() < 2 || line.front() != '|' || line.back() != '|') return cells;
    line = line.substr(1, line.size() - 2);
    while (true) {
        std::size_t bar = line.find('|');
        cells.emplace_back(trim(line.substr(0, bar)));
        if (bar == std::string_view::npos) break;
        line.remove_prefix(bar + 1);
    }
    return cells;
}

bool is_note(std::string_view line) {
    if (line.size() < 3 || line[0] != '[') return false;
    std::size_t i = 1;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
    return i > 1 && i < line.size() && line[i] == ']';
}

}  // namespace

void add_word_text(std::string_view text, BlockWriter& writer, std::vector<Block>& out) {
    bool after_rule = false;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = trim(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line == "[pic]") continue;
        if (line == kNoteRule) {
            after_rule = true;
            continue;
        }
        if (std::vector<std::string> cells = table_cells(line); !cells.empty()) {
            writer.add(out, BlockKind::table_row, join_cells(cells));
            continue;
        }
        bool note = after_rule && is_note(line);
        writer.add(out, BlockKind::paragraph, line, 0, 0, note ? "footnotes" : "");
    }
}

std::vector<CsvSheet> parse_sheets_csv(std::string_view text) {
    std::vector<CsvSheet> sheets(1);
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, row_started = false;
    auto end_row = [&] {
        if (row_started) {
            row.push_back(std::move(cell));
            sheets.back().push_back(std::move(row));
        }
        row.clear();
        cell.clear();
        row_started = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
            continue;
        }
        switch (c) {
            case '"':
                quoted = true;
                row_started = true;
                break;
            case ',':
                row.push_back(std::move(cell));
                cell.clear();
                row_started = true;
                break;
            case '\r':
                break;
            case '\n':
                end_row();
                break;
            case '\f':
                end_row();
                sheets.emplace_back();
                break;
            default:
                cell += c;
                row_started = true;
        }
    }
    end_row();
    // Each sheet ends with a form feed, which opened one sheet too many.
    std::size_t last = text.find_last_not_of(" \r\n");
    if (sheets.back().empty() && (last == std::string_view::npos || text[last] == '\f'))
        sheets.pop_back();
    return sheets;
}

}  // namespace deskside::ingest::legacy
