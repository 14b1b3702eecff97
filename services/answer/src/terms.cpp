#include "terms.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "base/error.h"
#include "base/utf8.h"
#include "store/keyword_index.h"

namespace deskside::answer {
namespace {

// Function words and the words questions are made of. They carry no topic, so dropping them
// lets "What is the notice period in the lease?" match passages about notice periods.
constexpr std::string_view kStopwords[] = {
    "a",      "about", "above",  "after",  "again",   "all",      "also",    "am",     "an",
    "and",    "any",   "are",    "as",     "at",      "be",       "been",    "being",  "between",
    "both",   "but",   "by",     "can",    "could",   "describe", "did",     "do",     "does",
    "doing",  "don't", "during", "each",   "explain", "find",     "for",     "from",   "give",
    "had",    "has",   "have",   "having", "he",      "her",      "here",    "hers",   "him",
    "his",    "how",   "i",      "if",     "in",      "into",     "is",      "it",     "it's",
    "its",    "just",  "know",   "let",    "list",    "many",     "may",     "me",     "might",
    "more",   "most",  "much",   "must",   "my",      "name",     "no",      "nor",    "not",
    "of",     "off",   "on",     "once",   "only",    "or",       "other",   "our",    "ours",
    "out",    "over",  "please", "same",   "shall",   "she",      "should",  "show",   "so",
    "some",   "such",  "tell",   "than",   "that",    "the",      "their",   "theirs", "them",
    "then",   "there", "these",  "they",   "this",    "those",    "through", "to",     "too",
    "under",  "until", "up",     "us",     "very",    "was",      "we",      "were",   "what",
    "what's", "when",  "where",  "which",  "while",   "who",      "who's",   "whom",   "whose",
    "why",    "will",  "with",   "would",  "you",     "your",     "yours"};

bool is_word_char(char32_t cp) {
    return Xapian::Unicode::is_wordchar(static_cast<unsigned>(cp));
}

bool is_digit(char32_t cp) {
    return cp >= U'0' && cp <= U'9';
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t pos = 0;
    // The current CJK run, as (byte offset, code point), cut into bigrams when it ends.
    std::vector<std::pair<std::size_t, char32_t>> cjk_run;
    auto flush_cjk = [&](std::size_t end) {
        if (cjk_run.empty()) return;
        auto char_end = [&](std::size_t i) {
            return i + 1 < cjk_run.size() ? cjk_run[i + 1].first : end;
        };
        if (cjk_run.size() == 1) {
            Token t;
            utf8::append(t.word, cjk_run[0].second);
            t.byte_start = cjk_run[0].first;
            t.byte_end = end;
            t.cjk = true;
            tokens.push_back(std::move(t));
        }
        for (std::size_t i = 0; i + 1 < cjk_run.size(); ++i) {
            Token t;
            utf8::append(t.word, cjk_run[i].second);
            utf8::append(t.word, cjk_run[i + 1].second);
            t.byte_start = cjk_run[i].first;
            t.byte_end = char_end(i + 1);
            t.cjk = true;
            tokens.push_back(std::move(t));
        }
        cjk_run.clear();
    };
    while (pos < text.size()) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(text, pos);
        if (utf8::is_cjk(cp)) {
            cjk_run.emplace_back(start, cp);
            continue;
        }
        flush_cjk(start);
        if (!is_word_char(cp)) continue;
        Token token;
        token.byte_start = start;
        utf8::append(token.word, static_cast<char32_t>(Xapian::Unicode::tolower(cp)));
        char32_t previous = cp;
        std::size_t end = pos;
        while (pos < text.size()) {
            std::size_t here = pos;
            char32_t next = utf8::decode(text, pos);
            if (is_word_char(next) && !utf8::is_cjk(next)) {
                utf8::append(token.word, static_cast<char32_t>(Xapian::Unicode::tolower(next)));
                previous = next;
                end = pos;
                continue;
            }
            // A joiner counts only between two word characters of the right kind.
            bool joiner = ((next == U'\'' || next == U'\u2019') && !is_digit(previous)) ||
                          ((next == U'.' || next == U',') && is_digit(previous));
            if (joiner && pos < text.size()) {
                std::size_t after = pos;
                char32_t following = utf8::decode(text, after);
                bool joins = (next == U'.' || next == U',')
                                 ? is_digit(following)
                                 : is_word_char(following) && !utf8::is_cjk(following);
                if (joins) {
                    token.word += (next == U'\u2019') ? '\'' : static_cast<char>(next);
                    continue;  // the following character is taken by the next iteration
                }
            }
            pos = here;
            break;
        }
        token.byte_end = end;
        tokens.push_back(std::move(token));
    }
    flush_cjk(text.size());
    return tokens;
}

bool is_question_stopword(std::string_view lower_word) {
    return std::find(std::begin(kStopwords), std::end(kStopwords), lower_word) !=
           std::end(kStopwords);
}

struct Stemmer::State {
    Xapian::Stem stem;
};

Stemmer::Stemmer(const std::string& language) {
    try {
        state_ = std::make_unique<State>(
            State{Xapian::Stem(store::KeywordSchema::stem_language(language))});
    } catch (const Xapian::Error&) {
        // An index language Xapian does not know cannot have been indexed with stemming.
        state_ = std::make_unique<State>(State{Xapian::Stem("none")});
    }
}
Stemmer::~Stemmer() = default;
Stemmer::Stemmer(Stemmer&&) noexcept = default;

std::string Stemmer::stem(const Token& token) const {
    if (token.cjk) return token.word;
    return state_->stem(token.word);
}

QuestionQuery question_query(std::string_view question, const Stemmer& stemmer) {
    std::vector<Token> tokens = tokenize(question);
    if (tokens.empty())
        throw Error(ErrorCode::invalid_argument, "the question has no words to search for");
    bool any_content = std::any_of(tokens.begin(), tokens.end(), [](const Token& t) {
        return t.cjk || !is_question_stopword(t.word);
    });
    QuestionQuery result;
    result.content = any_content;
    std::set<std::string> seen;
    for (const auto& token : tokens) {
        if (any_content && !token.cjk && is_question_stopword(token.word)) continue;
        QuestionTerm term{token.word, stemmer.stem(token), 1.0};
        if (!seen.insert(term.stem).second) continue;
        // CJK bigrams overlap: the query gets the run's text once, Xapian n-grams it itself.
        result.terms.push_back(std::move(term));
    }
    // The query is the content words as plain words: no operators or fields can sneak in
    // because tokens hold only letters and digits, and lower case is never an operator.
    std::size_t cjk_covered = 0;
    for (const auto& token : tokens) {
        if (any_content && !token.cjk && is_question_stopword(token.word)) continue;
        if (token.cjk) {
            if (token.byte_start < cjk_covered) {
                // Overlapping bigram: append only its last character.
                result.query.append(question.substr(cjk_covered, token.byte_end - cjk_covered));
            } else {
                if (!result.query.empty()) result.query += ' ';
                result.query.append(
                    question.substr(token.byte_start, token.byte_end - token.byte_start));
            }
            cjk_covered = token.byte_end;
            continue;
        }
        if (!result.query.empty()) result.query += ' ';
        result.query += token.word;
    }
    return result;
}

struct TermWeights::State {
    explicit State(const store::DataDir& dir) : index(dir.keyword_index_path()) {}
    store::KeywordIndexReader index;
};

TermWeights::TermWeights(const store::DataDir& dir) : state_(std::make_unique<State>(dir)) {}
TermWeights::~TermWeights() = default;
TermWeights::TermWeights(TermWeights&&) noexcept = default;

void TermWeights::weigh(std::vector<QuestionTerm>& terms) {
    try {
        state_->index.reopen();
        const Xapian::Database& db = state_->index.database();
        double n = static_cast<double>(db.get_doccount());
        for (auto& term : terms) {
            // Stemmed forms are indexed under "Z"; numbers and CJK n-grams are not stemmed.
            double df = db.get_termfreq("Z" + term.stem);
            if (df == 0) df = db.get_termfreq(term.word);
            df = std::min(df, n);
            term.weight = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
        }
    } catch (const Xapian::Error& e) {
        throw Error(ErrorCode::io, "cannot read the keyword index: " + e.get_description());
    }
}

}  // namespace deskside::answer
