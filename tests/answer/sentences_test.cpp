// Sentence splitting for the extractive answerer: abbreviations, initials, decimals, list items,
// paragraphs, CJK full stops and over-long unpunctuated runs.
#include "sentences.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extractive.h"

namespace deskside::answer {
namespace {

std::vector<std::string> split(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& span : split_sentences(text))
        out.emplace_back(text.substr(span.start, span.end - span.start));
    return out;
}

TEST(Sentences, SplitsAtFullStopsQuestionAndExclamationMarks) {
    EXPECT_EQ(split("The lease runs for two years. Rent is due monthly! Is parking included? Yes."),
              (std::vector<std::string>{"The lease runs for two years.", "Rent is due monthly!",
                                        "Is parking included?", "Yes."}));
}

TEST(Sentences, AbbreviationsAndInitialsDoNotEndASentence) {
    EXPECT_EQ(split("Dr. Smith met Mr. J. R. Jones at 5 p.m. on Monday. They signed it."),
              (std::vector<std::string>{"Dr. Smith met Mr. J. R. Jones at 5 p.m. on Monday.",
                                        "They signed it."}));
    EXPECT_EQ(split("Bring documents, e.g. the contract. Then sign."),
              (std::vector<std::string>{"Bring documents, e.g. the contract.", "Then sign."}));
    EXPECT_EQ(split("See Fig. 3 for details. It shows the U.S. offices."),
              (std::vector<std::string>{"See Fig. 3 for details.", "It shows the U.S. offices."}));
}

TEST(Sentences, DecimalsAndVersionNumbersStayWhole) {
    EXPECT_EQ(split("The fee rose by 3.5 percent to 1,250.75 euros. Version 4.0.379 followed."),
              (std::vector<std::string>{"The fee rose by 3.5 percent to 1,250.75 euros.",
                                        "Version 4.0.379 followed."}));
}

TEST(Sentences, ListItemsAndParagraphsAreSeparate) {
    EXPECT_EQ(split("Steps to follow:\n1. Open the form\n2. Fill it in\n- Sign\n\nNext paragraph"),
              (std::vector<std::string>{"Steps to follow:", "1. Open the form", "2. Fill it in",
                                        "- Sign", "Next paragraph"}));
    // A numbered heading followed by a capital is not cut after its number.
    EXPECT_EQ(split("1. Introduction\n\nDynamic languages are popular."),
              (std::vector<std::string>{"1. Introduction", "Dynamic languages are popular."}));
}

TEST(Sentences, LineWrapsInsideASentenceAreKept) {
    EXPECT_EQ(split("The project was created to provide\na way for viewing PDF documents."),
              (std::vector<std::string>{
                  "The project was created to provide\na way for viewing PDF documents."}));
}

TEST(Sentences, ClosingQuotesAndBracketsStayWithTheirSentence) {
    EXPECT_EQ(split("He said \"stop.\" Then he left (quietly.) Done."),
              (std::vector<std::string>{"He said \"stop.\"", "Then he left (quietly.)", "Done."}));
}

TEST(Sentences, ReferenceMarksAfterAFullStopStayWithTheSentence) {
    EXPECT_EQ(split("It is sandboxed in a browser.[9] Its implementation uses the Canvas.[9][10]"),
              (std::vector<std::string>{"It is sandboxed in a browser.[9]",
                                        "Its implementation uses the Canvas.[9][10]"}));
}

TEST(Sentences, CjkFullStopsEndSentencesWithoutSpaces) {
    EXPECT_EQ(split("今日は晴れです。明日は雨です。"),
              (std::vector<std::string>{"今日は晴れです。", "明日は雨です。"}));
}

TEST(Sentences, LongUnpunctuatedRunsAreCutAtLineEnds) {
    std::string table;
    for (int i = 0; i < 30; ++i) table += "cell value " + std::to_string(i) + " here\n";
    auto parts = split(table);
    EXPECT_EQ(parts.size(), 30u);
    EXPECT_EQ(parts[0], "cell value 0 here");
}

TEST(Sentences, EmptyAndPunctuationOnlyTextGivesNothing) {
    EXPECT_TRUE(split("").empty());
    EXPECT_TRUE(split("  \n\n ... --- \n").empty());
}

TEST(Sentences, OffsetsAreBytesIntoTheText) {
    std::string text = "  Première phrase. Deuxième phrase.";
    auto spans = split_sentences(text);
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].start, 2u);
    EXPECT_EQ(text.substr(spans[1].start, spans[1].end - spans[1].start), "Deuxième phrase.");
    EXPECT_EQ(spans[1].end, text.size());
}

TEST(RenderedSentence, CitationGoesBeforeTheFullStop) {
    EXPECT_EQ(render_cited_sentence("The rent is\n 900 euros.", 2), "The rent is 900 euros [2].");
    EXPECT_EQ(render_cited_sentence("Is it due?", 1), "Is it due [1]?");
    EXPECT_EQ(render_cited_sentence("- Sign the form", 3), "Sign the form [3].");
    EXPECT_EQ(render_cited_sentence("Steps to follow:", 1), "Steps to follow [1].");
    EXPECT_EQ(render_cited_sentence("It went on and on...", 1), "It went on and on... [1].");
    EXPECT_EQ(render_cited_sentence("今日は晴れです。", 4), "今日は晴れです [4]。");
}

TEST(RenderedSentence, TheDocumentsOwnReferenceMarksAreDropped) {
    EXPECT_EQ(render_cited_sentence("Used in Firefox,[14] Pale Moon[16][17] and SeaMonkey.[18]", 1),
              "Used in Firefox, Pale Moon and SeaMonkey [1].");
    EXPECT_EQ(render_cited_sentence("See [note] and array[i].", 1), "See [note] and array[i] [1].");
}

}  // namespace
}  // namespace deskside::answer
