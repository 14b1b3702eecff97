// Text tidying and the capped block writer of block_writer.h; one writer per extraction.
#include "legacy/block_writer.h"

#include <algorithm>

#include "base/utf8.h"
#include "ingest/extract_failure.h"

namespace deskside::ingest::legacy {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string tidy_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t line_start = 0;  // where the current output line begins
    bool pending_space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        // U+00A0 (no-break space) counts as a space.
        if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') {
            ++i;
            c = ' ';
        }
        if (c == '\n') {
            if (out.size() > line_start) {
                out += '\n';
                line_start = out.size();
            }
            pending_space = false;
        } else if (is_blank(c)) {
            pending_space = out.size() > line_start;
        } else {
            if (pending_space) out += ' ';
            pending_space = false;
            out += c;
        }
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string join_cells(const std::vector<std::string>& cells) {
    std::vector<std::string> tidy;
    tidy.reserve(cells.size());
    for (const std::string& cell : cells) {
        std::string text = tidy_text(cell);
        std::replace(text.begin(), text.end(), '\n', ' ');
        tidy.push_back(std::move(text));
    }
    std::size_t first = 0, last = tidy.size();
    while (last > 0 && tidy[last - 1].empty()) --last;
    while (first < last && tidy[first].empty()) ++first;
    std::string out;
    for (std::size_t i = first; i < last; ++i) {
        if (i > first) out += " | ";
        out += tidy[i];
    }
    return out;
}

std::string repair_utf8(std::string_view text) {
    if (utf8::is_valid(text)) return std::string(text);
    std::string out;
    out.reserve(text.size());
    auto surrogate_at = [&](std::size_t at) -> char32_t {  // a 3-byte encoded surrogate, or 0
        if (at + 3 > text.size() || static_cast<unsigned char>(text[at]) != 0xED) return 0;
        unsigned char b1 = static_cast<unsigned char>(text[at + 1]);
        unsigned char b2 = static_cast<unsigned char>(text[at + 2]);
        if (b1 < 0xA0 || b1 > 0xBF || (b2 & 0xC0) != 0x80) return 0;
        return 0xD000 | (static_cast<char32_t>(b1 & 0x3F) << 6) | (b2 & 0x3F);
    };
    for (std::size_t pos = 0; pos < text.size();) {
        char32_t high = surrogate_at(pos);
        if (high != 0) {
            char32_t low = surrogate_at(pos + 3);
            if (high < 0xDC00 && low >= 0xDC00) {
                utf8::append(out, 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00));
                pos += 6;
            } else {
                out += "\uFFFD";
                pos += 3;
            }
            continue;
        }
        utf8::append(out, utf8::decode(text, pos));  // U+FFFD for ill-formed bytes
    }
    return out;
}

BlockWriter::BlockWriter(std::int64_t max_output_bytes, std::string what)
    : max_bytes_(max_output_bytes), what_(std::move(what)) {}

bool BlockWriter::add(std::vector<Block>& out, BlockKind kind, std::string_view text, int level,
                      int page, std::string_view location) {
    std::string tidy = tidy_text(text);
    if (tidy.empty()) return false;
    used_ += static_cast<std::int64_t>(tidy.size());
    if (used_ > max_bytes_) overflow();
    Block block;
    block.kind = kind;
    block.text = std::move(tidy);
    block.level = kind == BlockKind::heading ? std::clamp(level, 1, 6) : 0;
    block.page = page;
    block.location = std::string(location);
    out.push_back(std::move(block));
    return true;
}

void BlockWriter::check(std::size_t pending) const {
    if (used_ + static_cast<std::int64_t>(pending) > max_bytes_) overflow();
}

void BlockWriter::overflow() const {
    fail(FailureKind::too_large, what_ + " holds more than " + std::to_string(max_bytes_) +
                                     " bytes of text (max_output_bytes); split the document or "
                                     "raise the limit");
}

}  // namespace deskside::ingest::legacy
