#include "retriever/snippet.h"

#include <gtest/gtest.h>

namespace deskside::retriever {
namespace {

TEST(Snippet, UnescapesEntitiesAndReportsHighlightsInCodePoints) {
    auto plain = unmark_snippet("caf\xC3\xA9 &amp; \x01tea\x02 &lt;b&gt;");
    EXPECT_EQ(plain.text, "café & tea <b>");
    ASSERT_EQ(plain.highlights.size(), 1u);
    EXPECT_EQ(plain.highlights[0].start, 7);  // c a f é ␠ & ␠ -> 7 code points before "tea"
    EXPECT_EQ(plain.highlights[0].end, 10);
}

TEST(Snippet, MergesAdjacentHighlights) {
    auto plain = unmark_snippet("\x01日\x02\x01本\x02 x \x01y\x02");
    ASSERT_EQ(plain.highlights.size(), 2u);
    EXPECT_EQ(plain.highlights[0].start, 0);
    EXPECT_EQ(plain.highlights[0].end, 2);
    EXPECT_EQ(render_highlights(plain.text, plain.highlights, "[", "]"), "[日本] x [y]");
}

}  // namespace
}  // namespace deskside::retriever
