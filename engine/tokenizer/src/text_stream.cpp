// Streaming detokenizer; see tokenizer/text_stream.h.
//
// Two holds: clean_spaces can still remove a space while the bytes after it may become one of
// its patterns (" 're" needs three more bytes, and a lone " ' " can cascade to five), so
// bytes from the first such space are held; then a UTF-8 sequence is only returned once it is
// complete.
#include "tokenizer/text_stream.h"

#include "tokenizer_base.h"

namespace deskside::tokenizer {

namespace {

constexpr std::size_t kCleanLookahead = 5;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 character at text[pos] (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF): `length` bytes, or when invalid, the maximal part to replace by one U+FFFD.
struct Scan {
    enum { valid, invalid, unfinished } status;
    std::size_t length;
};

Scan scan_character(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[pos + k]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return {Scan::valid, 1};
    std::size_t length;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return {Scan::invalid, 1};
    }
    for (std::size_t k = 1; k < length; ++k) {
        if (pos + k >= text.size()) return {Scan::unfinished, k};
        const unsigned char c = byte(k);
        if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return {Scan::invalid, k};
    }
    return {Scan::valid, length};
}

// Moves the complete characters at the front of `bytes` to `out`, each maximal invalid part as
// one U+FFFD (the Unicode standard's recommendation). An unfinished character at the end stays
// in `bytes` unless at_end.
void take_characters(std::string& bytes, std::string& out, bool at_end) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const Scan scan = scan_character(bytes, pos);
        if (scan.status == Scan::unfinished && !at_end) break;
        if (scan.status == Scan::valid) {
            out.append(bytes, pos, scan.length);
        } else {
            out += kReplacement;
        }
        pos += scan.length;
    }
    bytes.erase(0, pos);
}

// Whether clean_spaces may still remove the space at raw[j], given that more bytes can follow:
// the bytes after it are the start of a pattern that removes it (" 's", " 're", " ' ", and the
// cascade "  ' s", where a lone " ' " goes first and leaves " 's").
bool undecided_space(std::string_view raw, std::size_t j) {
    const auto at = [&](std::size_t k) { return j + k < raw.size() ? raw[j + k] : '\0'; };
    const auto known = [&](std::size_t k) { return j + k < raw.size(); };
    if (!known(1)) return true;
    if (at(1) == '\'') {
        if (!known(2)) return true;
        // " ' " removes it unless the second space goes first, before . , ! or ?
        if (at(2) == ' ') return !known(3);
        return (at(2) == 'r' || at(2) == 'v') && !known(3);
    }
    if (at(1) == ' ') {
        if (!known(2)) return true;
        if (at(2) != '\'') return false;
        if (!known(3)) return true;
        if (at(3) != ' ') return false;
        if (!known(4)) return true;
        return (at(4) == 'r' || at(4) == 'v') && !known(5);
    }
    return false;
}

}  // namespace

TextStream::TextStream(const Tokenizer& tokenizer, bool unparse_special)
    : tokenizer_(tokenizer),
      unparse_special_(unparse_special),
      clean_spaces_(tokenizer.vocabulary().clean_spaces),
      strip_first_space_(tokenizer.vocabulary().add_space_prefix) {}

std::string TextStream::push(std::int32_t id) {
    std::string piece = tokenizer_.piece(id, unparse_special_);
    if (first_ && strip_first_space_ && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
    first_ = false;
    raw_ += piece;
    return release(false);
}

std::string TextStream::finish() {
    std::string text = release(true);
    reset();
    return text;
}

void TextStream::reset() {
    first_ = true;
    raw_.clear();
    decided_ = 0;
    pending_.clear();
}

std::string TextStream::release(bool at_end) {
    std::size_t hold = raw_.size();
    if (clean_spaces_ && !at_end) {
        // A space more than kCleanLookahead bytes back is decided; hold from the first one
        // that is not.
        const std::size_t from = raw_.size() > kCleanLookahead ? raw_.size() - kCleanLookahead : 0;
        for (std::size_t j = std::max(from, decided_); j < raw_.size(); ++j) {
            if (raw_[j] == ' ' && undecided_space(raw_, j)) {
                hold = j;
                break;
            }
        }
    }
    if (hold > decided_) {
        if (clean_spaces_) {
            const std::vector<bool> keep = detail::clean_spaces_mask(raw_);
            for (std::size_t i = decided_; i < hold; ++i) {
                if (keep[i]) pending_.push_back(raw_[i]);
            }
        } else {
            pending_.append(raw_, decided_, hold - decided_);
        }
        decided_ = hold;
        // Bytes before a decided byte that is neither a space nor an apostrophe no longer
        // matter to clean_spaces (no pattern reaches across it, and the second pass's state
        // restarts there): keep only that byte as context.
        const char last = raw_[decided_ - 1];
        if (last != ' ' && last != '\'' && decided_ > 1) {
            raw_.erase(0, decided_ - 1);
            decided_ = 1;
        }
    }
    std::string out;
    take_characters(pending_, out, at_end);
    return out;
}

}  // namespace deskside::tokenizer
