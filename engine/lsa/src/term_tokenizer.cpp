// The LSA term tokenizer: one pass over the code points with a word buffer and a CJK run state.
#include "lsa/term_tokenizer.h"

#include <algorithm>
#include <array>

#include "base/utf8.h"

namespace deskside::lsa {

namespace {

constexpr std::size_t kMaxTermBytes = 64;

// A small English stopword list (function words only: content words such as "flow" or "high"
// carry meaning in technical text). Sorted, for binary search.
constexpr std::array<std::string_view, 127> kStopwords = {
    "about",   "above", "after",   "again",  "against", "all",   "also",    "am",    "an",
    "and",     "any",   "are",     "as",     "at",      "be",    "because", "been",  "before",
    "being",   "below", "between", "both",   "but",     "by",    "can",     "could", "did",
    "do",      "does",  "doing",   "down",   "during",  "each",  "few",     "for",   "from",
    "further", "had",   "has",     "have",   "having",  "he",    "her",     "here",  "hers",
    "herself", "him",   "himself", "his",    "how",     "if",    "in",      "into",  "is",
    "it",      "its",   "itself",  "just",   "may",     "me",    "might",   "more",  "most",
    "must",    "my",    "myself",  "no",     "nor",     "not",   "now",     "of",    "off",
    "on",      "once",  "only",    "or",     "other",   "our",   "ours",    "out",   "over",
    "own",     "same",  "shall",   "she",    "should",  "so",    "some",    "such",  "than",
    "that",    "the",   "their",   "theirs", "them",    "then",  "there",   "these", "they",
    "this",    "those", "through", "to",     "too",     "under", "until",   "up",    "upon",
    "us",      "very",  "was",     "we",     "were",    "what",  "when",    "where", "which",
    "while",   "who",   "whom",    "why",    "will",    "with",  "would",   "you",   "your",
    "yours",
};

enum class CharClass { separator, word, cjk };

bool is_ascii_alnum(char32_t cp) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

// Non-ASCII code points that separate words: controls, Latin-1 punctuation and symbols, the
// general punctuation, currency, arrow/math/box/shape/dingbat blocks, CJK and full-width
// punctuation, specials (U+FFFD stands for an invalid byte) and emoji.
bool is_non_ascii_separator(char32_t cp) {
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
           (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFEFF || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF;
}

// Simple lower-casing for the scripts most often met in European documents; full-width ASCII
// letters and digits fold to ASCII so CJK-context text matches ASCII text.
char32_t fold_case(char32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
    if (cp >= 0xFF10 && cp <= 0xFF19) return cp - 0xFF10 + '0';
    if (cp >= 0xFF21 && cp <= 0xFF3A) return cp - 0xFF21 + 'a';
    if (cp >= 0xFF41 && cp <= 0xFF5A) return cp - 0xFF41 + 'a';
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) return cp | 1;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
        return (cp & 1) ? cp + 1 : cp;
    }
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    return cp;
}

CharClass classify(char32_t cp) {
    if (cp < 0x80) return is_ascii_alnum(cp) ? CharClass::word : CharClass::separator;
    if (utf8::is_cjk(cp)) return CharClass::cjk;
    if (cp >= 0xFF10 && cp <= 0xFF5A && is_ascii_alnum(cp - 0xFF10 + '0')) return CharClass::word;
    return is_non_ascii_separator(cp) ? CharClass::separator : CharClass::word;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

class Cutter {
  public:
    Cutter(const TermOptions& options, const std::function<void(std::string_view)>& sink)
        : options_(options), sink_(sink) {}

    void run(std::string_view text) {
        std::size_t pos = 0;
        while (pos < text.size()) {
            const char32_t cp = utf8::decode(text, pos);
            switch (classify(cp)) {
                case CharClass::word:
                    end_cjk_run();
                    utf8::append(word_, fold_case(cp));
                    if (cp >= 0x80) word_is_ascii_ = false;
                    break;
                case CharClass::cjk:
                    end_word();
                    if (cjk_run_ > 0) {
                        bigram_.clear();
                        utf8::append(bigram_, previous_cjk_);
                        utf8::append(bigram_, cp);
                        sink_(bigram_);
                    }
                    previous_cjk_ = cp;
                    ++cjk_run_;
                    break;
                case CharClass::separator:
                    end_word();
                    end_cjk_run();
                    break;
            }
        }
        end_word();
        end_cjk_run();
    }

  private:
    void end_word() {
        if (word_.empty()) return;
        const bool keep = word_.size() <= kMaxTermBytes && !(word_is_ascii_ && word_.size() < 2) &&
                          !is_stopword(word_);
        if (keep) sink_(options_.stem ? stem_plural(word_, scratch_) : std::string_view(word_));
        word_.clear();
        word_is_ascii_ = true;
    }

    void end_cjk_run() {
        if (cjk_run_ == 1) {  // a lone character has no bigram: it stands for itself
            bigram_.clear();
            utf8::append(bigram_, previous_cjk_);
            sink_(bigram_);
        }
        cjk_run_ = 0;
    }

    const TermOptions& options_;
    const std::function<void(std::string_view)>& sink_;
    std::string word_;
    bool word_is_ascii_ = true;
    std::string scratch_;
    std::string bigram_;
    char32_t previous_cjk_ = 0;
    std::size_t cjk_run_ = 0;
};

}  // namespace

bool is_stopword(std::string_view word) {
    return std::binary_search(kStopwords.begin(), kStopwords.end(), word);
}

std::string_view stem_plural(std::string_view word, std::string& scratch) {
    if (word.size() < 4) return word;
    for (char c : word) {
        if (static_cast<unsigned char>(c) >= 0x80) return word;
    }
    if (ends_with(word, "ies") && !ends_with(word, "eies") && !ends_with(word, "aies")) {
        scratch.assign(word.substr(0, word.size() - 3));
        scratch += 'y';
        return scratch;
    }
    if (ends_with(word, "es") && !ends_with(word, "aes") && !ends_with(word, "ees") &&
        !ends_with(word, "oes")) {
        return word.substr(0, word.size() - 1);
    }
    // "is" guards analysis/axis/basis, which are singular.
    if (ends_with(word, "s") && !ends_with(word, "us") && !ends_with(word, "ss") &&
        !ends_with(word, "is")) {
        return word.substr(0, word.size() - 1);
    }
    return word;
}

void for_each_term(std::string_view text, const TermOptions& options,
                   const std::function<void(std::string_view)>& sink) {
    Cutter(options, sink).run(text);
}

std::vector<std::string> terms(std::string_view text, const TermOptions& options) {
    std::vector<std::string> out;
    for_each_term(text, options, [&](std::string_view term) { out.emplace_back(term); });
    return out;
}

}  // namespace deskside::lsa
