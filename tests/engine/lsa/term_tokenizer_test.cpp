// The LSA term tokenizer, table-driven: ASCII words, stopwords, stemming, non-ASCII letters,
// CJK bigrams, separators and invalid UTF-8.
#include "lsa/term_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deskside::lsa {
namespace {

using Terms = std::vector<std::string>;

struct Case {
    const char* name;
    std::string text;
    Terms expected;
};

TEST(TermTokenizer, CutsTextIntoTerms) {
    const std::vector<Case> cases = {
        {"ascii words, stopwords and stems",
         "The Quick brown fox, jumps over the DOGS!",
         {"quick", "brown", "fox", "jump", "dog"}},
        {"Harman stemmer rules",
         "studies boxes cases analysis basis gas glass status",
         {"study", "boxe", "case", "analysis", "basis", "gas", "glass", "status"}},
        {"short words kept unstemmed",
         "was has bus its",
         {"bus"}},  // was/has/its are stopwords; "bus" is under 4 letters
        {"digits are word characters; one-letter ASCII words dropped",
         "x y 3 42 a1 mach 2.5",
         {"42", "a1", "mach"}},
        {"Latin-1 letters join words and fold case",
         "Überprüfung der FLÜGEL",
         {"überprüfung", "der", "flügel"}},
        {"Greek and Cyrillic fold case", "ΑΕΡΟ Крыло", {"αερο", "крыло"}},
        {"CJK runs become overlapping bigrams", "東京大学", {"東京", "京大", "大学"}},
        {"a lone CJK character is a term", "猫", {"猫"}},
        {"CJK next to ASCII", "abc東京def", {"abc", "東京", "def"}},
        {"full-width ASCII folds to ASCII", "ＡＢＣ１２", {"abc12"}},
        {"typographic punctuation separates",
         "flow\u2014field \u201Cwing\u201D tip\u00B7root",
         {"flow", "field", "wing", "tip", "root"}},
        {"CJK punctuation separates bigram runs", "東京、大阪", {"東京", "大阪"}},
        {"invalid UTF-8 separates", std::string("ab\xFF") + "cd", {"ab", "cd"}},
        {"over-long words are dropped", std::string(65, 'q') + " ok", {"ok"}},
        {"empty text", "", {}},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(terms(c.text), c.expected) << c.name;
    }
}

TEST(TermTokenizer, StemmingCanBeTurnedOff) {
    EXPECT_EQ(terms("wings studies", TermOptions{false}), (Terms{"wings", "studies"}));
    EXPECT_EQ(terms("wings studies", TermOptions{true}), (Terms{"wing", "study"}));
}

TEST(TermTokenizer, StopwordListIsLowerCaseEnglish) {
    EXPECT_TRUE(is_stopword("the"));
    EXPECT_TRUE(is_stopword("which"));
    EXPECT_FALSE(is_stopword("flow"));
    EXPECT_FALSE(is_stopword("The"));  // callers pass lower-cased words
}

}  // namespace
}  // namespace deskside::lsa
