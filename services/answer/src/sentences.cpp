#include "sentences.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "base/utf8.h"

namespace deskside::answer {
namespace {

// Words that end with a full stop without ending the sentence ("Dr. Smith", "e.g. this").
constexpr std::array<std::string_view, 48> kAbbreviations = {
    "mr",  "mrs", "ms",  "dr",  "prof", "sr",  "jr",     "st",  "vs",   "etc", "e.g",  "i.e",
    "eg",  "ie",  "cf",  "inc", "ltd",  "co",  "corp",   "no",  "nos",  "fig", "figs", "eq",
    "eqs", "sec", "vol", "pp",  "p",    "al",  "approx", "ca",  "dept", "est", "jan",  "feb",
    "mar", "apr", "jun", "jul", "aug",  "sep", "sept",   "oct", "nov",  "dec", "u.s",  "ref"};

// A sentence longer than this (in words) without punctuation is cut at line ends.
constexpr int kLongSentenceWords = 60;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_closing(char32_t cp) {
    return cp == U'"' || cp == U'\'' || cp == U')' || cp == U']' || cp == U'\u201d' ||
           cp == U'\u2019' || cp == U'\u00bb' || cp == U'\u300d' || cp == U'\u300f';
}

bool is_lower_letter(char32_t cp) {
    if (cp < 0x80) return cp >= 'a' && cp <= 'z';
    // Non-ASCII: Latin-1 supplement and Latin Extended lower-case letters are the common case;
    // treat other scripts as "may start a sentence".
    return (cp >= 0xDF && cp <= 0xFF && cp != 0xF7);
}

// Length of a reference mark like "[12]" or "[3, 4]" at text[pos], or 0.
std::size_t reference_mark_length(std::string_view text, std::size_t pos) {
    if (pos >= text.size() || text[pos] != '[') return 0;
    std::size_t end = pos + 1;
    while (end < text.size() && end - pos < 12 &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == ',' ||
            text[end] == ' ' || text[end] == '-'))
        ++end;
    bool digits = end > pos + 1 && std::isdigit(static_cast<unsigned char>(text[pos + 1]));
    return digits && end < text.size() && text[end] == ']' ? end + 1 - pos : 0;
}

// The word (letters, dots inside it) that ends just before `dot`, lower-cased.
std::string word_before(std::string_view text, std::size_t dot) {
    std::size_t begin = dot;
    while (begin > 0 && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) ||
                         (text[begin - 1] == '.' && begin >= 2 &&
                          std::isalpha(static_cast<unsigned char>(text[begin - 2])))))
        --begin;
    std::string word(text.substr(begin, dot - begin));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
}

// True when the text from `pos` (at the start of a line, after spaces) is a list item marker.
bool starts_list_item(std::string_view text, std::size_t pos) {
    if (pos >= text.size()) return false;
    auto rest = text.substr(pos);
    for (std::string_view bullet : {"- ", "* ", "\u2022", "\u2023", "\u25e6", "\u25aa", "\u2013 "})
        if (rest.starts_with(bullet)) return true;
    std::size_t digits = 0;
    while (digits < rest.size() && digits < 3 &&
           std::isdigit(static_cast<unsigned char>(rest[digits])))
        ++digits;
    if (digits > 0 && digits + 1 < rest.size() && (rest[digits] == '.' || rest[digits] == ')') &&
        is_space(rest[digits + 1]))
        return true;
    // "a) item"
    return rest.size() > 2 && std::isalpha(static_cast<unsigned char>(rest[0])) && rest[1] == ')' &&
           rest[2] == ' ';
}

// True when `dot` ends a list number at the start of a line ("\n 2. Item").
bool is_list_number(std::string_view text, std::size_t dot) {
    std::size_t begin = dot;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(text[begin - 1]))) --begin;
    if (begin == dot || dot - begin > 3) return false;
    while (begin > 0 && (text[begin - 1] == ' ' || text[begin - 1] == '\t')) --begin;
    return begin == 0 || text[begin - 1] == '\n';
}

void push_trimmed(std::string_view text, std::size_t start, std::size_t end,
                  std::vector<SentenceSpan>& out) {
    while (start < end && is_space(text[start])) ++start;
    while (end > start && is_space(text[end - 1])) --end;
    if (start >= end) return;
    // Keep only spans that hold a letter or digit (not a lone bullet or a rule of dashes).
    bool has_word = false;
    for (std::size_t i = start; i < end && !has_word; ++i)
        has_word = std::isalnum(static_cast<unsigned char>(text[i])) ||
                   static_cast<unsigned char>(text[i]) >= 0x80;
    if (has_word) out.push_back({start, end});
}

int count_words(std::string_view text) {
    int words = 0;
    bool in_word = false;
    for (char c : text) {
        bool space = is_space(c);
        if (!space && !in_word) ++words;
        in_word = !space;
    }
    return words;
}

// Cuts an over-long sentence at its line ends.
void push_sentence(std::string_view text, std::size_t start, std::size_t end,
                   std::vector<SentenceSpan>& out) {
    if (count_words(text.substr(start, end - start)) <= kLongSentenceWords) {
        push_trimmed(text, start, end, out);
        return;
    }
    std::size_t line_start = start;
    for (std::size_t i = start; i < end; ++i) {
        if (text[i] != '\n') continue;
        push_trimmed(text, line_start, i, out);
        line_start = i + 1;
    }
    push_trimmed(text, line_start, end, out);
}

}  // namespace

std::string without_reference_marks(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (std::size_t mark = reference_mark_length(text, i)) {
            i += mark - 1;
            continue;
        }
        out += text[i];
    }
    return out;
}

std::vector<SentenceSpan> split_sentences(std::string_view text) {
    std::vector<SentenceSpan> out;
    std::size_t start = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t here = pos;
        char32_t cp = utf8::decode(text, pos);

        if (cp == U'\n') {
            // Blank line: a paragraph ends. New line starting a list item: the item starts.
            std::size_t next = pos;
            while (next < text.size() &&
                   (text[next] == ' ' || text[next] == '\t' || text[next] == '\r'))
                ++next;
            if ((next < text.size() && text[next] == '\n') || starts_list_item(text, next)) {
                push_sentence(text, start, here, out);
                start = next;
                pos = next;
            }
            continue;
        }

        bool cjk_stop = cp == U'\u3002' || cp == U'\uff01' || cp == U'\uff1f';
        bool stop = cp == U'.' || cp == U'!' || cp == U'?' || cp == U'\u2026';
        if (!cjk_stop && !stop) continue;

        // Take the rest of the punctuation run ("?!", "...") and closing quotes/brackets.
        std::size_t end = pos;
        while (end < text.size()) {
            if (std::size_t mark = reference_mark_length(text, end)) {
                end += mark;  // "... SeaMonkey.[17][18] Next" ends after the marks
                continue;
            }
            std::size_t probe = end;
            char32_t next = utf8::decode(text, probe);
            if (next == U'.' || next == U'!' || next == U'?' || next == U'\u2026' ||
                next == U'\u3002' || next == U'\uff01' || next == U'\uff1f' || is_closing(next))
                end = probe;
            else
                break;
        }
        if (cjk_stop) {
            push_sentence(text, start, end, out);
            start = pos = end;
            continue;
        }
        // Latin punctuation ends a sentence only before space and then something that is not
        // a lower-case letter (the text goes on mid-sentence after "e.g." or "approx.").
        if (end < text.size() && !is_space(text[end])) continue;
        std::size_t next = end;
        while (next < text.size() && is_space(text[next])) ++next;
        if (next < text.size()) {
            std::size_t probe = next;
            if (is_lower_letter(utf8::decode(text, probe))) continue;
        }
        if (cp == U'.' && end == pos) {
            std::string word = word_before(text, here);
            bool abbreviation =
                std::find(kAbbreviations.begin(), kAbbreviations.end(), word) !=
                    kAbbreviations.end() ||
                (word.size() == 1 && std::isalpha(static_cast<unsigned char>(word[0])) &&
                 here > 0 && std::isupper(static_cast<unsigned char>(text[here - 1])));
            if (abbreviation || is_list_number(text, here)) continue;
        }
        push_sentence(text, start, end, out);
        start = end;
        pos = end;
    }
    push_sentence(text, start, text.size(), out);
    return out;
}

}  // namespace deskside::answer
