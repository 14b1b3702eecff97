// Words of questions and passages as the answerer compares them: lower-cased, stemmed with the
// index's stemmer, CJK runs as character bigrams (as the keyword index n-grams them), plus the
// question's content words (stop-words and question words dropped) and their IDF weights from
// the keyword index. Private to deskside_answer.
//
// Tokenizers are pure functions (any thread). A TermWeights holds a Xapian reader: one thread.
// Errors: Error(io) when the keyword index cannot be read.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/data_dir.h"

namespace deskside::answer {

struct Token {
    std::string word;  // lower-cased, not stemmed; a CJK bigram (or lone character)
    std::size_t byte_start = 0;
    std::size_t byte_end = 0;
    bool cjk = false;
};

// Words of `text` in order: letters and digits (Unicode), with an apostrophe between letters
// and '.' or ',' between digits kept inside a word ("don't", "3.5", "1,000").
std::vector<Token> tokenize(std::string_view text);

// True for English function words and question words ("what", "is", "the", "does", "please").
bool is_question_stopword(std::string_view lower_word);

// Stems words the way the keyword index does (Xapian::Stem of the index language; "none" =
// identity). CJK words are returned unchanged.
class Stemmer {
  public:
    explicit Stemmer(const std::string& language);
    ~Stemmer();
    Stemmer(Stemmer&&) noexcept;
    std::string stem(const Token& token) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

struct QuestionTerm {
    std::string word;   // as written (lower-cased)
    std::string stem;   // what passages are compared on
    double weight = 1;  // IDF in the index (rare words weigh more)
};

struct QuestionQuery {
    std::vector<QuestionTerm> terms;  // distinct content words, in question order
    std::string query;    // for the keyword parser: the content words (plain, match any)
    bool content = true;  // false: only stop-words, kept as the terms for want of others
};

// The question's content words, as a query that does not require every word. Falls back to
// every word when all are stop-words. Error(invalid_argument) when the question has no words.
QuestionQuery question_query(std::string_view question, const Stemmer& stemmer);

// IDF weights of question terms from the keyword index's term frequencies:
// log(1 + (N - df + 0.5) / (df + 0.5)), so a word found nowhere weighs most.
class TermWeights {
  public:
    explicit TermWeights(const store::DataDir& dir);
    ~TermWeights();
    TermWeights(TermWeights&&) noexcept;
    // Fills in each term's weight (reopening the index at its latest revision first).
    void weigh(std::vector<QuestionTerm>& terms);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace deskside::answer
