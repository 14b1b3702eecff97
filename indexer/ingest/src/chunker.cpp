#include "ingest/chunker.h"

#include <algorithm>

#include "base/utf8.h"

namespace deskside::ingest {
namespace {

bool is_space(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B);
}

bool ends_sentence(char32_t cp) {
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F;
}

// A span of the document text that the chunker never splits further.
struct Unit {
    std::size_t byte_start = 0, byte_end = 0;
    std::int64_t cp_start = 0, cp_end = 0;
    int words = 0;
    std::size_t block = 0;
};

// Byte offsets where sentences start within text[begin, end), the first being `begin`.
std::vector<std::size_t> sentence_starts(std::string_view text, std::size_t begin,
                                         std::size_t end) {
    std::vector<std::size_t> starts{begin};
    bool after_end_mark = false;
    for (std::size_t pos = begin; pos < end;) {
        std::size_t here = pos;
        char32_t cp = utf8::decode(text, pos);
        if (cp == '\n') {
            after_end_mark = true;
            continue;
        }
        if (is_space(cp)) continue;
        if (after_end_mark && here != starts.back()) starts.push_back(here);
        after_end_mark = ends_sentence(cp);
        // CJK full stops need no following space.
        if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F) after_end_mark = true;
    }
    return starts;
}

// The end of the last word/character that precedes `end` (trims trailing whitespace).
std::size_t trim_end(std::string_view text, std::size_t begin, std::size_t end) {
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\t'))
        --end;
    return end;
}

class UnitBuilder {
  public:
    UnitBuilder(std::string_view text, const ChunkOptions& options)
        : text_(text), options_(options) {}

    // Appends the units of one block, splitting it at sentences (then words) if it is too long.
    void add_block(std::size_t block, std::size_t byte_start, std::size_t byte_end,
                   std::vector<Unit>& units) {
        int words = count_words(text_.substr(byte_start, byte_end - byte_start));
        if (words <= options_.max_words) {
            push(block, byte_start, byte_end, words, units);
            return;
        }
        auto starts = sentence_starts(text_, byte_start, byte_end);
        starts.push_back(byte_end);
        std::size_t piece_start = byte_start;
        int piece_words = 0;
        for (std::size_t i = 0; i + 1 < starts.size(); ++i) {
            std::size_t s_begin = starts[i], s_end = starts[i + 1];
            int s_words = count_words(text_.substr(s_begin, s_end - s_begin));
            if (piece_words > 0 && piece_words + s_words > options_.target_words) {
                push(block, piece_start, trim_end(text_, piece_start, s_begin), piece_words, units);
                piece_start = s_begin;
                piece_words = 0;
            }
            if (s_words > options_.max_words) {  // one enormous "sentence": cut by words
                split_by_words(block, s_begin, s_end, units);
                piece_start = s_end;
                continue;
            }
            piece_words += s_words;
        }
        if (piece_start < byte_end && piece_words > 0)
            push(block, piece_start, trim_end(text_, piece_start, byte_end), piece_words, units);
    }

  private:
    void split_by_words(std::size_t block, std::size_t begin, std::size_t end,
                        std::vector<Unit>& units) {
        std::size_t piece_start = begin;
        int words = 0;
        bool in_word = false;
        for (std::size_t pos = begin; pos < end;) {
            std::size_t here = pos;
            char32_t cp = utf8::decode(text_, pos);
            bool starts_word = utf8::is_cjk(cp) || (!is_space(cp) && !in_word);
            in_word = !is_space(cp) && !utf8::is_cjk(cp);
            if (!starts_word) continue;
            if (words == options_.target_words) {
                push(block, piece_start, trim_end(text_, piece_start, here), words, units);
                piece_start = here;
                words = 0;
            }
            ++words;
        }
        if (words > 0) push(block, piece_start, trim_end(text_, piece_start, end), words, units);
    }

    void push(std::size_t block, std::size_t begin, std::size_t end, int words,
              std::vector<Unit>& units) {
        if (end <= begin) return;
        Unit unit;
        unit.block = block;
        unit.byte_start = begin;
        unit.byte_end = end;
        unit.cp_start = cp_at(begin);
        unit.cp_end = cp_at(end);
        unit.words = words;
        units.push_back(unit);
    }

    // Code-point offset of a byte offset; calls come in increasing order.
    std::int64_t cp_at(std::size_t byte) {
        if (byte < cursor_byte_) cursor_byte_ = 0, cursor_cp_ = 0;
        cursor_cp_ += static_cast<std::int64_t>(
            utf8::length(text_.substr(cursor_byte_, byte - cursor_byte_)));
        cursor_byte_ = byte;
        return cursor_cp_;
    }

    std::string_view text_;
    const ChunkOptions& options_;
    std::size_t cursor_byte_ = 0;
    std::int64_t cursor_cp_ = 0;
};

}  // namespace

int count_words(std::string_view text) {
    int words = 0;
    bool in_word = false;
    for (std::size_t pos = 0; pos < text.size();) {
        char32_t cp = utf8::decode(text, pos);
        if (utf8::is_cjk(cp)) {
            ++words;
            in_word = false;
        } else if (is_space(cp)) {
            in_word = false;
        } else if (!in_word) {
            ++words;
            in_word = true;
        }
    }
    return words;
}

std::string document_text(const ExtractedDocument& document) {
    std::string text;
    for (const auto& block : document.blocks) {
        if (block.text.empty()) continue;
        if (!text.empty()) text += "\n\n";
        text += block.text;
    }
    return text;
}

std::vector<Passage> chunk_document(const ExtractedDocument& document,
                                    const ChunkOptions& options) {
    const std::string text = document_text(document);
    std::vector<const Block*> blocks;
    for (const auto& block : document.blocks)
        if (!block.text.empty()) blocks.push_back(&block);

    std::vector<Unit> units;
    UnitBuilder builder(text, options);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        builder.add_block(i, offset, offset + blocks[i]->text.size(), units);
        offset += blocks[i]->text.size() + 2;
    }

    std::vector<Passage> passages;
    std::string current_heading;                   // nearest heading before the unit being placed
    std::size_t begin = 0;                         // first unit of the open passage
    std::size_t overlap_byte = std::string::npos;  // passage starts inside units[begin-1]
    std::int64_t overlap_cp = 0;
    std::string passage_heading;
    int words = 0;

    auto flush = [&](std::size_t end) {  // units [begin, end)
        if (end <= begin) return;
        const Unit& first = units[begin];
        const Unit& last = units[end - 1];
        Passage p;
        p.ordinal = static_cast<int>(passages.size());
        std::size_t start_byte =
            overlap_byte != std::string::npos ? overlap_byte : first.byte_start;
        p.char_start = overlap_byte != std::string::npos ? overlap_cp : first.cp_start;
        p.char_end = last.cp_end;
        p.text = text.substr(start_byte, last.byte_end - start_byte);
        const Block& start_block =
            *blocks[overlap_byte != std::string::npos ? units[begin - 1].block : first.block];
        p.page = start_block.page;
        p.location = start_block.location;
        p.heading = passage_heading;
        for (std::size_t i = begin; i < end; ++i) p.ocr = p.ocr || blocks[units[i].block]->ocr;
        passages.push_back(std::move(p));

        // Overlap: repeat the last sentences of the closed passage — never a heading, and never
        // across a page break, so that a passage's page is where all of its text starts.
        overlap_byte = std::string::npos;
        if (options.overlap_words > 0 && end < units.size() &&
            blocks[units[end].block]->kind != BlockKind::heading &&
            blocks[last.block]->kind != BlockKind::heading &&
            blocks[units[end].block]->page == blocks[last.block]->page) {
            auto starts = sentence_starts(text, last.byte_start, last.byte_end);
            for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
                if (*it == last.byte_start) break;  // whole unit: too much
                int tail = count_words(std::string_view(text).substr(*it, last.byte_end - *it));
                if (tail > options.overlap_words) break;
                overlap_byte = *it;
            }
            if (overlap_byte != std::string::npos)
                overlap_cp = last.cp_start +
                             static_cast<std::int64_t>(utf8::length(std::string_view(text).substr(
                                 last.byte_start, overlap_byte - last.byte_start)));
        }
        begin = end;
        words = overlap_byte != std::string::npos ? count_words(std::string_view(text).substr(
                                                        overlap_byte, last.byte_end - overlap_byte))
                                                  : 0;
    };

    for (std::size_t i = 0; i < units.size(); ++i) {
        const Unit& unit = units[i];
        const Block& block = *blocks[unit.block];
        bool is_heading = block.kind == BlockKind::heading;
        bool new_page =
            i > begin && block.page != 0 && block.page != blocks[units[begin].block]->page;
        bool boundary = is_heading || new_page;
        if (i > begin &&
            ((boundary && words >= options.min_words) || words + unit.words > options.max_words)) {
            flush(i);
        }
        if (i == begin) passage_heading = is_heading ? block.text : current_heading;
        if (is_heading) current_heading = block.text;
        words += unit.words;
        if (words >= options.target_words && !is_heading) flush(i + 1);
    }
    flush(units.size());

    // A short tail reads better merged into the passage before it. Passages are contiguous
    // spans of the document text, so the merged passage is the span from one to the other.
    if (passages.size() >= 2) {
        Passage& tail = passages.back();
        Passage& prev = passages[passages.size() - 2];
        int tail_words = count_words(tail.text);
        if (tail_words < options.min_words / 3 && tail.page == prev.page &&
            count_words(prev.text) + tail_words <= options.max_words + options.min_words / 3) {
            std::string_view all(text);
            auto byte_of = [&](std::int64_t target) {
                std::size_t pos = 0;
                for (std::int64_t cp = 0; cp < target && pos < all.size(); ++cp)
                    utf8::decode(all, pos);
                return pos;
            };
            std::size_t from = byte_of(prev.char_start), to = byte_of(tail.char_end);
            prev.text = std::string(all.substr(from, to - from));
            prev.char_end = tail.char_end;
            prev.ocr = prev.ocr || tail.ocr;
            passages.pop_back();
        }
    }
    return passages;
}

}  // namespace deskside::ingest
