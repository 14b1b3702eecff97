// Stop strings over streamed pieces: what is held back, what is released, where the cut falls.
#include "generation/stop_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"

namespace deskside::generation {
namespace {

// Feeds the pieces one by one; returns what was released at each step, then the flush.
std::vector<std::string> run(StopMatcher& m, const std::vector<std::string>& pieces) {
    std::vector<std::string> out;
    for (const auto& p : pieces) out.push_back(m.feed(p));
    out.push_back(m.flush());
    return out;
}

TEST(StopMatcher, NoStopStringsReleaseEverythingAtOnce) {
    StopMatcher m({});
    EXPECT_EQ(run(m, {"Hello", ", ", "world"}),
              (std::vector<std::string>{"Hello", ", ", "world", ""}));
    EXPECT_FALSE(m.stopped());
}

TEST(StopMatcher, HoldsBackOnlyAPossibleStart) {
    StopMatcher m({"</answer>"});
    EXPECT_EQ(m.feed("The sum is 4"), "The sum is 4");
    EXPECT_EQ(m.feed(" </an"), " ");  // "</an" could begin the stop string
    EXPECT_EQ(m.feed("d"), "</and");  // it did not
    EXPECT_EQ(m.feed(" more <"), " more ");
    EXPECT_EQ(m.flush(), "<");  // generation ended: the held text goes out
    EXPECT_FALSE(m.stopped());
}

TEST(StopMatcher, CutsAtAMatchSpreadOverPieces) {
    StopMatcher m({"\n\nUser:"});
    EXPECT_EQ(run(m, {"Paris.", "\n", "\nUs", "er:", " next", "more"}),
              (std::vector<std::string>{"Paris.", "", "", "", "", "", ""}));
    EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, CutsInsideAPieceAndDropsTheRest) {
    StopMatcher m({"STOP"});
    EXPECT_EQ(m.feed("abcSTOPdef"), "abc");
    EXPECT_TRUE(m.stopped());
    EXPECT_EQ(m.feed("ghi"), "");
    EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, EarliestOfSeveralStopStringsWins) {
    StopMatcher m({"world", "lo"});
    EXPECT_EQ(m.feed("hello world"), "hel");
    StopMatcher n({"xyz", "b"});
    EXPECT_EQ(n.feed("a"), "a");
    EXPECT_EQ(n.feed("xy"), "");   // held: could become "xyz"
    EXPECT_EQ(n.feed("b"), "xy");  // "b" completes first
    EXPECT_TRUE(n.stopped());
}

TEST(StopMatcher, HoldsTheLongestCandidateAcrossStopStrings) {
    StopMatcher m({"abcd", "cde"});
    EXPECT_EQ(m.feed("xxabc"), "xx");  // "abc" (prefix of abcd) and "c" (of cde): keep "abc"
    EXPECT_EQ(m.feed("e"), "abce");    // neither can match any more
    EXPECT_FALSE(m.stopped());
    StopMatcher n({"abcd", "cde"});
    EXPECT_EQ(n.feed("xxabc"), "xx");
    EXPECT_EQ(n.feed("de"), "");  // both complete; "abcd" starts first
    EXPECT_TRUE(n.stopped());
}

TEST(StopMatcher, StopAtTheVeryStart) {
    StopMatcher m({"<|im_end|>"});
    EXPECT_EQ(m.feed("<|im"), "");
    EXPECT_EQ(m.feed("_end|>tail"), "");
    EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, MultibyteTextIsNeverSplit) {
    StopMatcher m({"日本語です"});
    EXPECT_EQ(m.feed("これは日本"), "これは");
    EXPECT_EQ(m.feed("語"), "");
    EXPECT_EQ(m.feed("だ"), "日本語だ");
    EXPECT_EQ(m.feed("日本語です!"), "");
    EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, EmptyStopStringsAreIgnoredAndInvalidUtf8IsRefused) {
    StopMatcher m({"", ""});
    EXPECT_EQ(m.feed("abc"), "abc");
    try {
        StopMatcher bad({"ok", std::string("\xff\xfe")});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("\\xFF"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace deskside::generation
