#include "base/utf8.h"

#include <gtest/gtest.h>

namespace deskside {
namespace {

TEST(Utf8, ValidatesWellFormedTextAndRejectsMalformed) {
    EXPECT_TRUE(utf8::is_valid("plain ASCII"));
    EXPECT_TRUE(utf8::is_valid("Grüße, 日本語, 😀"));
    EXPECT_FALSE(utf8::is_valid("\xC3"));          // truncated
    EXPECT_FALSE(utf8::is_valid("\xC0\xAF"));      // overlong '/'
    EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));  // UTF-16 surrogate
    EXPECT_FALSE(utf8::is_valid("caf\xE9"));       // Latin-1 é
}

TEST(Utf8, EscapesInvalidBytesForDisplay) {
    EXPECT_EQ(utf8::escape_invalid("caf\xE9.txt"), "caf\\xE9.txt");
    EXPECT_EQ(utf8::escape_invalid("ok ü"), "ok ü");
}

TEST(Utf8, CountsAndDecodesCodePoints) {
    std::string text = "aü日😀";
    EXPECT_EQ(utf8::length(text), 4u);
    std::size_t pos = 0;
    EXPECT_EQ(utf8::decode(text, pos), U'a');
    EXPECT_EQ(utf8::decode(text, pos), U'ü');
    EXPECT_EQ(utf8::decode(text, pos), U'日');
    EXPECT_EQ(utf8::decode(text, pos), U'😀');
    std::string round;
    for (char32_t cp : {U'a', U'ü', U'日', U'😀'}) utf8::append(round, cp);
    EXPECT_EQ(round, text);
    EXPECT_TRUE(utf8::is_cjk(U'日'));
    EXPECT_TRUE(utf8::is_cjk(U'한'));
    EXPECT_FALSE(utf8::is_cjk(U'ü'));
    EXPECT_EQ(utf8::truncate("日本", 4), "日");
}

}  // namespace
}  // namespace deskside
