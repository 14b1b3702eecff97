// Turning the text gathered from office XML into Blocks: tidying a paragraph's whitespace,
// assembling table rows from cells that may be repeated (OpenDocument's
// number-columns-repeated) without materialising the repeats, and a sink that enforces
// ExtractOptions::max_output_bytes over a whole document.
//
// Header-only value types; each instance belongs to one extraction on one thread.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/extract_failure.h"
#include "ingest/extracted_document.h"
#include "ingest/extractor.h"

namespace deskside::ingest::office {

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Length of the Unicode space (no-break, em, ideographic, zero-width...) starting at `at`.
inline std::size_t unicode_space_at(std::string_view text, std::size_t at) {
    std::string_view rest = text.substr(at);
    if (rest.starts_with("\xC2\xA0")) return 2;  // U+00A0
    if (rest.size() >= 3 && rest[0] == '\xE2' && rest[1] == '\x80') {
        auto third = static_cast<unsigned char>(rest[2]);
        if ((third >= 0x80 && third <= 0x8B) || third == 0xAF) return 3;  // U+2000..U+200B, U+202F
    }
    if (rest.starts_with("\xE2\x81\x9F") || rest.starts_with("\xE3\x80\x80") ||
        rest.starts_with("\xEF\xBB\xBF"))
        return 3;  // U+205F, U+3000, U+FEFF
    return 0;
}

// Without leading and trailing white space, ASCII or Unicode.
inline std::string_view trim(std::string_view text) {
    for (;;) {
        if (!text.empty() && is_space(text.front()))
            text.remove_prefix(1);
        else if (std::size_t n = unicode_space_at(text, 0))
            text.remove_prefix(n);
        else
            break;
    }
    for (;;) {
        if (!text.empty() && is_space(text.back()))
            text.remove_suffix(1);
        else if (text.size() >= 2 && unicode_space_at(text, text.size() - 2) == 2)
            text.remove_suffix(2);
        else if (text.size() >= 3 && unicode_space_at(text, text.size() - 3) == 3)
            text.remove_suffix(3);
        else
            break;
    }
    return text;
}

// Block text from raw paragraph text: each line trimmed at its end, blank lines dropped,
// the whole trimmed (Unicode spaces included). Tabs and runs of spaces inside a line are the
// author's and stay.
inline std::string tidy(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        std::size_t eol = text.find_first_of("\n\r\f\v");
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        std::string_view trimmed = trim(line);
        if (trimmed.empty()) continue;
        line =
            line.substr(0, static_cast<std::size_t>(trimmed.data() - line.data()) + trimmed.size());
        if (!out.empty()) out += '\n';
        out += out.empty() ? trimmed : line;
    }
    return out;
}

// Words that hold a letter or digit (any non-ASCII character counts as one): "Page /" is one.
inline int count_words(std::string_view text) {
    int words = 0;
    bool in_word = false, counted = false;
    for (char c : text) {
        if (is_space(c)) {
            in_word = false;
            continue;
        }
        if (!in_word) counted = false;
        in_word = true;
        unsigned char u = static_cast<unsigned char>(c);
        if (!counted && (u >= 0x80 || std::isalnum(u))) {
            ++words;
            counted = true;
        }
    }
    return words;
}

// Collects a document's blocks and counts their bytes against max_output_bytes; over the
// cap it fails too_large, since a document whose text outgrows the cap is a bomb or an
// export nobody will search.
class BlockSink {
  public:
    BlockSink(const ExtractOptions& options, std::string what)
        : max_bytes_(options.max_output_bytes), what_(std::move(what)) {}

    // Appends a block to `out` unless its tidied text is empty.
    void add(std::vector<Block>& out, BlockKind kind, std::string_view raw, int level = 0,
             int page = 0, std::string_view location = {}) {
        std::string text = tidy(raw);
        if (text.empty()) return;
        used_ += static_cast<std::int64_t>(text.size());
        if (used_ > max_bytes_) overflow();
        Block block;
        block.kind = kind;
        block.text = std::move(text);
        block.level = kind == BlockKind::heading ? std::clamp(level, 1, 6) : 0;
        block.page = page;
        block.location = std::string(location);
        out.push_back(std::move(block));
    }

    // Fails too_large when `pending` more bytes (a paragraph or cell still being gathered)
    // would overflow the cap, so one huge paragraph is refused before it is complete.
    void check(std::size_t pending) const {
        if (used_ + static_cast<std::int64_t>(pending) > max_bytes_) overflow();
    }

  private:
    [[noreturn]] void overflow() const {
        fail(FailureKind::too_large,
             what_ + " holds more than " + std::to_string(max_bytes_) +
                 " bytes of text (max_output_bytes); split the document or raise the limit");
    }

    std::int64_t max_bytes_;
    std::string what_;
    std::int64_t used_ = 0;
};

// One table row under construction. Cells are kept as (text, repeat count) runs; join()
// drops leading and trailing empty cells (spreadsheet padding, often thousands of them) and
// writes at most `max_repeat` copies of any run.
class RowBuilder {
  public:
    void add_cell(std::string_view text, std::int64_t repeat = 1) {
        std::string cell = tidy(text);
        std::replace(cell.begin(), cell.end(), '\n', ' ');
        if (repeat < 1) repeat = 1;
        if (!cells_.empty() && cells_.back().first == cell)
            cells_.back().second += repeat;
        else
            cells_.emplace_back(std::move(cell), repeat);
    }
    bool has_text() const {
        return std::any_of(cells_.begin(), cells_.end(),
                           [](const auto& run) { return !run.first.empty(); });
    }
    std::string join(std::int64_t max_repeat) const {
        std::size_t first_cell = 0, last = cells_.size();
        while (last > 0 && cells_[last - 1].first.empty()) --last;
        while (first_cell < last && cells_[first_cell].first.empty()) ++first_cell;
        std::string out;
        bool first = true;
        for (std::size_t i = first_cell; i < last; ++i)
            for (std::int64_t n = 0; n < std::min(cells_[i].second, max_repeat); ++n) {
                if (!first) out += " | ";
                out += cells_[i].first;
                first = false;
            }
        return out;
    }
    void clear() { cells_.clear(); }

  private:
    std::vector<std::pair<std::string, std::int64_t>> cells_;
};

}  // namespace deskside::ingest::office
