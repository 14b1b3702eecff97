// Checking a model's [n] citations while the answer streams: invented numbers are removed from
// the text and recorded, valid ones kept in every written form, and what streams equals the
// final text however the model's pieces are cut.
#include "citation_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deskside::answer {
namespace {

struct Filtered {
    std::string streamed;
    std::string text;
    std::set<int> cited, removed;
};

// Feeds `text` in pieces of `piece` bytes (0 = whole).
Filtered run(std::string_view text, int given, std::size_t piece = 0) {
    Filtered r;
    CitationFilter filter(given, [&r](std::string_view p) {
        r.streamed += p;
        return true;
    });
    if (piece == 0) piece = text.size() + 1;
    for (std::size_t i = 0; i < text.size(); i += piece) filter.feed(text.substr(i, piece));
    filter.finish();
    r.text = filter.text();
    r.cited = filter.cited();
    r.removed = filter.removed();
    return r;
}

TEST(CitationFilter, KeepsValidCitationsAndRemovesInventedOnes) {
    Filtered r = run("Rent is 900 euros [1]. Notice is 3 months [2][9]. Pets are allowed [9].", 3);
    EXPECT_EQ(r.text, "Rent is 900 euros [1]. Notice is 3 months [2]. Pets are allowed.");
    EXPECT_EQ(r.cited, (std::set<int>{1, 2}));
    EXPECT_EQ(r.removed, (std::set<int>{9}));
    EXPECT_EQ(r.streamed, r.text);
}

TEST(CitationFilter, ListsAndRangesAreParsed) {
    Filtered r = run("A [1, 3]. B [2-4]. C [1;7]. D [0].", 4);
    EXPECT_EQ(r.text, "A [1, 3]. B [2-4]. C [1]. D.");
    EXPECT_EQ(r.cited, (std::set<int>{1, 2, 3, 4}));
    EXPECT_EQ(r.removed, (std::set<int>{0, 7}));
}

TEST(CitationFilter, StreamedTextEqualsTheFinalTextForEveryCut) {
    const std::string answer =
        "  The term is two years [1][12]. It renews [2, 5] unless cancelled [note] [3].  ";
    Filtered whole = run(answer, 3);
    EXPECT_EQ(whole.text, "The term is two years [1]. It renews [2] unless cancelled [note] [3].");
    for (std::size_t piece = 1; piece <= 7; ++piece) {
        Filtered r = run(answer, 3, piece);
        EXPECT_EQ(r.text, whole.text) << "pieces of " << piece;
        EXPECT_EQ(r.streamed, whole.text) << "pieces of " << piece;
        EXPECT_EQ(r.removed, (std::set<int>{5, 12})) << "pieces of " << piece;
    }
}

TEST(CitationFilter, OtherBracketsPassThrough) {
    Filtered r = run("See [the manual](http://x/) and [ ] and a[1b] and [12", 2);
    EXPECT_EQ(r.text, "See [the manual](http://x/) and [ ] and a[1b] and [12");
    EXPECT_TRUE(r.cited.empty());
    EXPECT_TRUE(r.removed.empty());
}

TEST(CitationFilter, StopsWhenTheSinkSaysSo) {
    int calls = 0;
    CitationFilter filter(2, [&calls](std::string_view) { return ++calls < 2; });
    EXPECT_TRUE(filter.feed("First part. "));
    EXPECT_FALSE(filter.feed("Second part [1]. Third."));
    EXPECT_FALSE(filter.feed("More."));
    EXPECT_EQ(calls, 2);
}

TEST(CitationFilter, FindCitationsReadsEveryForm) {
    EXPECT_EQ(find_citations("a [1] b [2, 3] c [4][5] d [6-7] e [x] f [ 8 ]"),
              (std::set<int>{1, 2, 3, 4, 5, 6, 7, 8}));
}

}  // namespace
}  // namespace deskside::answer
