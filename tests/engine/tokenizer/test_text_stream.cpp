// TextStream: byte tokens held until their character is complete, invalid bytes as U+FFFD,
// the first piece's space for SentencePiece, clean_spaces held back until it is decided, and
// the stream equal to detokenize() (made valid UTF-8) on random id sequences.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "shared_tokenizers.h"
#include "test_support.h"
#include "tokenizer/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer {
namespace {

using deskside::testing::shared_dir;
using Ids = std::vector<std::int32_t>;

const Tokenizer& stories() {
    return deskside::testing::shared_tokenizer("stories260K.gguf");
}
const Tokenizer& gpt2() {
    return deskside::testing::shared_tokenizer("vocab/ggml-vocab-gpt-2.gguf");
}

std::int32_t byte_token(int byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    return stories().vocabulary().find(name);
}

// What the stream should return for `bytes`: each maximal invalid UTF-8 part as one U+FFFD
// (written independently of the library: a plain decoder).
std::string valid_utf8(const std::string& bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size();) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
        const unsigned char c = b(i);
        std::size_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            out.push_back(bytes[i++]);
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        }
        std::size_t ok = 0;  // continuation bytes that fit
        while (ok < need && i + 1 + ok < bytes.size()) {
            const unsigned char n = b(i + 1 + ok);
            if (ok == 0 ? (n < lo || n > hi) : (n < 0x80 || n > 0xBF)) break;
            ++ok;
        }
        if (need > 0 && ok == need) {
            out.append(bytes, i, need + 1);
        } else {
            out += "\uFFFD";
        }
        i += need > 0 && ok == need ? need + 1 : 1 + ok;
    }
    return out;
}

TEST(TextStream, HoldsAByteSequenceUntilTheCharacterIsComplete) {
    TextStream stream(stories());
    const Ids ids = stories().encode("\U0001F642!", false);  // "▁", F0 9F 99 82, "!"
    ASSERT_EQ(ids.size(), 6u);
    EXPECT_EQ(stream.push(ids[0]), "");  // the first piece's leading space is dropped
    EXPECT_EQ(stream.push(ids[1]), "");
    EXPECT_EQ(stream.push(ids[2]), "");
    EXPECT_EQ(stream.push(ids[3]), "");
    EXPECT_EQ(stream.push(ids[4]), "\U0001F642");
    EXPECT_EQ(stream.push(ids[5]), "!");
    EXPECT_EQ(stream.finish(), "");
}

TEST(TextStream, InvalidBytesBecomeReplacementCharacters) {
    TextStream stream(stories());
    EXPECT_EQ(stream.push(byte_token(0x80)), "\uFFFD");  // a stray continuation byte
    EXPECT_EQ(stream.push(byte_token('a')), "a");
    EXPECT_EQ(stream.push(byte_token(0xE6)), "");
    EXPECT_EQ(stream.push(byte_token('b')), "\uFFFDb");  // E6 cannot go on with 'b'
    EXPECT_EQ(stream.push(byte_token(0xF0)), "");
    EXPECT_EQ(stream.push(byte_token(0x9F)), "");
    EXPECT_EQ(stream.finish(), "\uFFFD");  // cut off by the end: one U+FFFD for F0 9F
}

TEST(TextStream, FinishStartsANewSequence) {
    TextStream stream(stories());
    const Ids hi = stories().encode("Hi", false);
    std::string first;
    for (auto id : hi) first += stream.push(id);
    first += stream.finish();
    EXPECT_EQ(first, "Hi");
    std::string second;
    for (auto id : hi) second += stream.push(id);
    EXPECT_EQ(second + stream.finish(), "Hi");  // the first piece loses its space again
    for (auto id : hi) stream.push(id);
    stream.reset();
    EXPECT_EQ(stream.push(hi.front()), stories().piece(hi.front()).substr(1));
}

TEST(TextStream, SpecialTokensFollowUnparseSpecial) {
    TextStream hidden(stories());
    EXPECT_EQ(hidden.push(2), "");  // </s>
    EXPECT_EQ(hidden.finish(), "");
    TextStream shown(stories(), true);
    EXPECT_EQ(shown.push(2), "</s>");
    EXPECT_EQ(shown.push(-5), "");  // out of range: nothing
    EXPECT_EQ(shown.push(99999), "");
}

TEST(TextStream, BpeKeepsTheFirstSpaceAndHoldsCleanSpaces) {
    const Tokenizer& t = gpt2();
    const Ids ids = t.encode(" Hello , world", false);  // " Hello", " ,", " world"
    ASSERT_EQ(ids.size(), 3u);
    TextStream stream(t);
    EXPECT_EQ(stream.push(ids[0]), " Hello");
    EXPECT_EQ(stream.push(ids[1]), ",");  // " ," is cleaned to ","
    EXPECT_EQ(stream.push(ids[2]), " world");
    EXPECT_EQ(stream.finish(), "");

    // A trailing space waits for the next byte: "." removes it, "s" after " '" too.
    const Ids space = t.encode("Hello ", false);  // "Hello", " "
    ASSERT_EQ(space.size(), 2u);
    EXPECT_EQ(stream.push(space[0]), "Hello");
    EXPECT_EQ(stream.push(space[1]), "");
    EXPECT_EQ(stream.push(t.encode(".", false).front()), ".");
    const Ids quote = t.encode(" 'x", false);  // " '", "x"
    ASSERT_EQ(quote.size(), 2u);
    EXPECT_EQ(stream.push(quote[0]), "");
    EXPECT_EQ(stream.push(t.encode("s", false).front()), "'s");
    EXPECT_EQ(stream.finish(), "");
    EXPECT_EQ(t.detokenize(Ids{space[0], space[1], t.encode(".", false).front(), quote[0],
                               t.encode("s", false).front()}),
              "Hello.'s");
}

// Random sequences of tokens chosen to meet clean_spaces' patterns and UTF-8 boundaries.
void check_random_sequences(const Tokenizer& t, const std::vector<std::string>& texts) {
    Ids pool;
    for (const auto& text : texts) {
        for (auto id : t.encode(text, false)) pool.push_back(id);
    }
    std::mt19937 random(99);
    for (int round = 0; round < 3000; ++round) {
        Ids ids;
        const std::size_t n = random() % 40;
        for (std::size_t i = 0; i < n; ++i) ids.push_back(pool[random() % pool.size()]);
        TextStream stream(t);
        std::string streamed;
        for (auto id : ids) streamed += stream.push(id);
        streamed += stream.finish();
        ASSERT_EQ(streamed, valid_utf8(t.detokenize(ids))) << "round " << round;
    }
}

TEST(TextStream, EqualsDetokenizeOnRandomSequences) {
    const std::vector<std::string> texts = {
        " ' s", "'",  " '", " 's", " 'm", " 're", " 've",   " 'll",       " 't",   " 'd",
        "re",   "ve", "s",  "m",   "e",   "r",    "v",      " .",         " ,",    " !",
        " ?",   ".",  " ",  "  ",  "a",   " b",   "\u00e9", "\U0001F642", "\u65E5"};
    check_random_sequences(gpt2(), texts);     // clean_spaces on, partial UTF-8 pieces
    check_random_sequences(stories(), texts);  // byte tokens, leading space dropped
}

}  // namespace
}  // namespace deskside::tokenizer
