// Words of questions and passages: tokenizing, stop-words, stemming like the index, and the
// question turned into a match-any query of its content words.
#include "terms.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace deskside::answer {
namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& t : tokenize(text)) out.push_back(t.word);
    return out;
}

TEST(Terms, TokenizesLowerCasedWordsNumbersAndContractions) {
    EXPECT_EQ(words("The Tenant's NOTICE: 3.5% of 1,000 EUR (don't)."),
              (std::vector<std::string>{"the", "tenant's", "notice", "3.5", "of", "1,000", "eur",
                                        "don't"}));
    EXPECT_EQ(words("Größe café"), (std::vector<std::string>{"größe", "café"}));
}

TEST(Terms, TokenOffsetsAreBytes) {
    auto tokens = tokenize("ab  café x");
    ASSERT_EQ(tokens.size(), 3u);
    EXPECT_EQ(tokens[1].byte_start, 4u);
    EXPECT_EQ(tokens[1].byte_end, 9u);  // "café" is 5 bytes
}

TEST(Terms, CjkRunsBecomeBigrams) {
    auto tokens = tokenize("東京都 x");
    ASSERT_EQ(tokens.size(), 3u);
    EXPECT_EQ(tokens[0].word, "東京");
    EXPECT_EQ(tokens[1].word, "京都");
    EXPECT_TRUE(tokens[0].cjk);
    EXPECT_EQ(tokens[2].word, "x");
}

TEST(Terms, QuestionWordsAndStopWordsAreDropped) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("What is the notice period in the lease?", stemmer);
    ASSERT_EQ(q.terms.size(), 3u);
    EXPECT_EQ(q.terms[0].word, "notice");
    EXPECT_EQ(q.terms[1].word, "period");
    EXPECT_EQ(q.terms[2].word, "lease");
    EXPECT_EQ(q.query, "notice period lease");
    EXPECT_EQ(q.terms[1].stem, "period");
}

TEST(Terms, StemsMatchInflectedForms) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("Which leases were terminated?", stemmer);
    ASSERT_EQ(q.terms.size(), 2u);
    EXPECT_EQ(q.terms[0].stem, stemmer.stem(tokenize("lease")[0]));
    EXPECT_EQ(q.terms[1].stem, stemmer.stem(tokenize("terminate")[0]));
}

TEST(Terms, OperatorsInTheQuestionCannotBecomeQuerySyntax) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("Is \"NEAR\" title:budget AND (cost OR price)?", stemmer);
    // Lower-case words only: no field, phrase or boolean operator reaches the parser.
    EXPECT_EQ(q.query, "near title budget cost price");
}

TEST(Terms, AQuestionOfOnlyStopWordsKeepsItsWords) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("What is this?", stemmer);
    EXPECT_EQ(q.query, "what is this");
    EXPECT_FALSE(q.content);
    EXPECT_TRUE(question_query("What is a lease?", stemmer).content);
}

TEST(Terms, AQuestionWithoutWordsIsRejected) {
    Stemmer stemmer("english");
    try {
        question_query(" ?!  ", stemmer);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
}

TEST(Terms, RepeatedWordsCountOnce) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("invoice invoices INVOICE date", stemmer);
    EXPECT_EQ(q.terms.size(), 2u);
}

TEST(Terms, CjkQuestionsKeepTheirTextForTheParser) {
    Stemmer stemmer("english");
    QuestionQuery q = question_query("東京都の人口", stemmer);
    EXPECT_EQ(q.query, "東京都の人口");
    EXPECT_GE(q.terms.size(), 4u);
}

}  // namespace
}  // namespace deskside::answer
