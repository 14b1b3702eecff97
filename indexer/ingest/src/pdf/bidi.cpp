// Visual-to-logical reordering of right-to-left lines (see bidi.h).
#include "pdf/bidi.h"

#include <algorithm>

#include "base/utf8.h"
#include "pdf/text_cleanup.h"

namespace deskside::ingest::pdf {
namespace {

enum class Direction { ltr, rtl, neutral };

bool is_ltr_letter(char32_t cp) {
    return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xC0 && cp < 0x0590 && cp != 0xD7 && cp != 0xF7) ||
           (cp >= 0x0900 && cp < 0x2000) || (cp >= 0x3040 && cp < 0xFB1D);
}

Direction direction_of(std::string_view text) {
    bool ltr = false;
    for (std::size_t pos = 0; pos < text.size();) {
        char32_t cp = utf8::decode(text, pos);
        if (is_rtl(cp)) return Direction::rtl;
        ltr = ltr || is_ltr_letter(cp);
    }
    return ltr ? Direction::ltr : Direction::neutral;
}

bool keeps_order(char32_t cp) {
    return (cp >= '0' && cp <= '9') || is_ltr_letter(cp);
}

// A right-to-left word's letters in logical order: reversed, except runs of digits and Latin
// letters, which read left to right within it ("51" stays "51").
std::string reversed(std::string_view text) {
    std::vector<std::string_view> points;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t start = pos;
        utf8::decode(text, pos);
        points.push_back(text.substr(start, pos - start));
    }
    std::reverse(points.begin(), points.end());
    for (std::size_t i = 0; i < points.size();) {
        std::size_t pos = 0;
        if (!keeps_order(utf8::decode(points[i], pos))) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < points.size()) {
            std::size_t p = 0;
            if (!keeps_order(utf8::decode(points[end], p))) break;
            ++end;
        }
        std::reverse(points.begin() + static_cast<std::ptrdiff_t>(i),
                     points.begin() + static_cast<std::ptrdiff_t>(end));
        i = end;
    }
    std::string out;
    for (std::string_view point : points) out += point;
    return out;
}

}  // namespace

bool has_rtl(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();)
        if (is_rtl(utf8::decode(text, pos))) return true;
    return false;
}

std::string logical_line(const std::vector<VisualWord>& words) {
    std::size_t n = words.size();
    std::vector<Direction> direction(n);
    int rtl = 0;
    int ltr = 0;
    for (std::size_t i = 0; i < n; ++i) {
        direction[i] = direction_of(words[i].text);
        rtl += direction[i] == Direction::rtl;
        ltr += direction[i] == Direction::ltr;
    }
    Direction base = rtl >= ltr ? Direction::rtl : Direction::ltr;
    // Neutral words (numbers, punctuation) between words of one direction take it; elsewhere
    // they take the line's.
    std::vector<Direction> resolved = direction;
    for (std::size_t i = 0; i < n; ++i) {
        if (direction[i] != Direction::neutral) continue;
        Direction before = base;
        Direction after = base;
        for (std::size_t j = i; j-- > 0;)
            if (direction[j] != Direction::neutral) {
                before = direction[j];
                break;
            }
        for (std::size_t j = i + 1; j < n; ++j)
            if (direction[j] != Direction::neutral) {
                after = direction[j];
                break;
            }
        resolved[i] = before == after ? before : base;
    }
    // Runs of one direction, in visual order.
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t i = 0; i < n;) {
        std::size_t end = i + 1;
        while (end < n && resolved[end] == resolved[i]) ++end;
        runs.emplace_back(i, end);
        i = end;
    }
    if (base == Direction::rtl) std::reverse(runs.begin(), runs.end());
    std::string out;
    for (auto [start, end] : runs) {
        if (!out.empty()) out += ' ';
        if (resolved[start] != Direction::rtl) {
            for (std::size_t i = start; i < end; ++i) {
                out += words[i].text;
                if (i + 1 < end && words[i].space_after) out += ' ';
            }
            continue;
        }
        for (std::size_t i = end; i-- > start;) {
            out += direction[i] == Direction::rtl ? reversed(words[i].text) : words[i].text;
            if (i > start && words[i - 1].space_after) out += ' ';
        }
    }
    return out;
}

}  // namespace deskside::ingest::pdf
