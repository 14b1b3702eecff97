// SseParser: the event-stream format's line endings, fields and comments, whatever the network
// pieces, and llama-server's "error:" lines.
#include "sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace deskside::openai_client::detail {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view stream, std::size_t piece) {
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t at = 0; at < stream.size(); at += piece)
        parser.feed(stream.substr(at, piece), events);
    SseEvent last;
    if (parser.finish(last)) events.push_back(last);
    return events;
}

TEST(SseParser, SplitsEventsWhateverTheNetworkPieces) {
    const std::string stream =
        ": keep-alive comment\n"
        "data: {\"a\":1}\n\n"
        "event: message\r\n"
        "data:{\"b\":\"Gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC\"}\r\n\r\n"
        "id: 7\rretry: 10\rdata: first\rdata: second\r\r"
        "data: [DONE]\n\n";
    for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 1000u}) {
        SCOPED_TRACE("piece " + std::to_string(piece));
        auto events = parse_in_pieces(stream, piece);
        ASSERT_EQ(events.size(), 4u);
        EXPECT_EQ(events[0].data, "{\"a\":1}");
        EXPECT_EQ(events[0].event, "");
        EXPECT_EQ(events[1].event, "message");
        EXPECT_EQ(events[1].data, "{\"b\":\"Gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC\"}");
        EXPECT_EQ(events[2].data, "first\nsecond");
        EXPECT_EQ(events[3].data, "[DONE]");
    }
}

TEST(SseParser, KeepsLlamaServerErrorLines) {
    auto events =
        parse_in_pieces("data: {\"x\":1}\n\nerror: {\"code\":500,\"message\":\"boom\"}\n\n", 4);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].data, "");
    EXPECT_EQ(events[1].error, "{\"code\":500,\"message\":\"boom\"}");
}

TEST(SseParser, BlankLinesAloneMakeNoEvent) {
    EXPECT_TRUE(parse_in_pieces("\n\n\r\n: only a comment\n\nevent: ping\n\n", 3).empty());
}

TEST(SseParser, FinishReturnsAnEventWithoutItsBlankLine) {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed("data: a\n\ndata: tail", events);
    ASSERT_EQ(events.size(), 1u);
    SseEvent last;
    ASSERT_TRUE(parser.finish(last));
    EXPECT_EQ(last.data, "tail");
    EXPECT_FALSE(parser.finish(last));  // nothing left
}

TEST(SseParser, OnlyOneSpaceAfterTheColonIsDropped) {
    auto events = parse_in_pieces("data:  two spaces\ndata\n\n", 100);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, " two spaces\n");  // a field name alone is an empty value
}

TEST(SseParser, ReportsAnOverlongLine) {
    SseParser parser(12);
    std::vector<SseEvent> events;
    parser.feed("data: 123", events);
    EXPECT_FALSE(parser.overflowed());
    parser.feed("456789\n\n", events);
    EXPECT_TRUE(parser.overflowed());
}

}  // namespace
}  // namespace deskside::openai_client::detail
