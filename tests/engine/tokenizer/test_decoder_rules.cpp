// The rules of the "llama" and "gpt2" tokenizers that the golden files leave open: hand-made bad
// vocabularies (each a clear Error), special-token parsing, the leading space, byte fallback,
// merges and ignore_merges, detokenize's flags, the end-of-generation set, round trips on
// arbitrary input, concurrent use, and a speed figure for passages_1000.txt (printed only).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "gguf/gguf_file.h"
#include "gguf_builder.h"
#include "shared_tokenizers.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer {
namespace {

using deskside::testing::GgufBuilder;
using deskside::testing::read_file;
using deskside::testing::shared_dir;
using deskside::testing::TempDir;
using Ids = std::vector<std::int32_t>;

std::filesystem::path models() {
    return shared_dir() / "models";
}

const Tokenizer& stories() {
    return deskside::testing::shared_tokenizer("stories260K.gguf");
}
const Tokenizer& gpt2() {
    return deskside::testing::shared_tokenizer("vocab/ggml-vocab-gpt-2.gguf");
}
const Tokenizer& qwen2() {
    return deskside::testing::shared_tokenizer("synthetic/tiny-qwen2-synthetic-Q8_0.gguf");
}
const Tokenizer& llama3() {
    return deskside::testing::shared_tokenizer("synthetic/tiny-llama3-synthetic-Q5_K_M.gguf");
}

// Runs `make` and returns the Error it throws (failing the test when there is none).
template <typename F>
Error error_of(F make) {
    try {
        make();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no Error thrown";
    return Error(ErrorCode::internal, "none");
}

::testing::AssertionResult Names(const Error& e, std::string_view what) {
    if (std::string_view(e.what()).find(what) != std::string_view::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "'" << e.what() << "' does not name '" << what << "'";
}

// ---- bad vocabularies -----------------------------------------------------------------------

GgufBuilder bpe_file(const std::vector<std::string>& merges, std::string_view pre = "gpt-2") {
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "gpt2")
        .string("tokenizer.ggml.pre", pre)
        .strings("tokenizer.ggml.tokens", {"a", "b", "c", "ab", "<|endoftext|>"})
        .u32("tokenizer.ggml.bos_token_id", 4)
        .u32("tokenizer.ggml.eos_token_id", 4);
    if (!merges.empty()) b.strings("tokenizer.ggml.merges", merges);
    return b;
}

std::unique_ptr<Tokenizer> from_builder(const GgufBuilder& builder) {
    TempDir dir;
    return make_tokenizer(gguf::GgufFile::open(builder.write(dir / "vocab.gguf")));
}

TEST(DecoderVocabularyErrors, Gpt2WithoutMerges) {
    const Error e = error_of([] { from_builder(bpe_file({})); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(Names(e, "tokenizer.ggml.merges"));
    // The same vocabulary built by hand, past from_gguf's check.
    Vocabulary v;
    v.model = "gpt2";
    v.pre = "gpt-2";
    v.tokens = {"a", "b"};
    const Error hand = error_of([&] { make_tokenizer(v); });
    EXPECT_EQ(hand.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(Names(hand, "merges"));
}

TEST(DecoderVocabularyErrors, MergeNamingAnUnknownToken) {
    const Error e = error_of([] { from_builder(bpe_file({"a b", "a z"})); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(Names(e, "tokenizer.ggml.merges"));
    EXPECT_TRUE(Names(e, "merge 1 'a z'"));
    EXPECT_TRUE(Names(e, "'z'"));
    const Error no_space = error_of([] { from_builder(bpe_file({"ab"})); });
    EXPECT_EQ(no_space.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(Names(no_space, "merge 0 'ab'"));
    EXPECT_NO_THROW(from_builder(bpe_file({"a b"})));
}

TEST(DecoderVocabularyErrors, UnknownPreTokenizerIsNamed) {
    const Error e = error_of([] { from_builder(bpe_file({"a b"}, "mystery-pre")); });
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_TRUE(Names(e, "'mystery-pre'"));
    EXPECT_TRUE(Names(e, "tokenizer.ggml.pre"));
}

TEST(DecoderVocabularyErrors, MissingPreFallsBackToDefault) {
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "gpt2")
        .strings("tokenizer.ggml.tokens", {"a", "b", "ab", "1", "2", "3", "12", "123"})
        .strings("tokenizer.ggml.merges", {"a b", "1 2", "12 3"});
    const auto t = from_builder(b);
    EXPECT_EQ(t->vocabulary().pre, "default");
    EXPECT_EQ(t->encode("ab", false), (Ids{2}));
    // The default set cuts digit runs in threes: "1231" is "123" + "1".
    EXPECT_EQ(t->encode("1231", false), (Ids{7, 3}));
}

GgufBuilder spm_file(bool with_all_bytes) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "\u2581a"};
    std::vector<std::int32_t> types = {2, 3, 3, 1};
    for (int byte = 0; byte < 256; ++byte) {
        if (!with_all_bytes && byte == 0x80) continue;
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        tokens.push_back(name);
        types.push_back(6);
    }
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "llama")
        .strings("tokenizer.ggml.tokens", tokens)
        .i32s("tokenizer.ggml.token_type", types);
    return b;
}

TEST(DecoderVocabularyErrors, ByteFallbackTokensMustAllExist) {
    const Error e = error_of([] { from_builder(spm_file(false)); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(Names(e, "<0x80>"));
    const auto t = from_builder(spm_file(true));
    // "a" is a token, "é" (C3 A9) is not: its bytes come out as <0xC3> <0xA9>.
    EXPECT_EQ(t->encode("a\u00e9", false), (Ids{3, 4 + 0xC3, 4 + 0xA9}));
    EXPECT_EQ(t->detokenize(t->encode("a\u00e9", true)), " a\u00e9");
}

TEST(DecoderVocabularyErrors, OtherModelsAreRefusedByName) {
    Vocabulary v;
    v.model = "t5";
    v.tokens = {"a"};
    const Error e = error_of([&] { make_tokenizer(v); });
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_STREQ(e.what(), "tokenizer model 't5' is not supported");
}

// ---- SentencePiece-style --------------------------------------------------------------------

TEST(SentencePieceRules, LeadingSpaceBeforeTextAndAfterSpecialTokens) {
    const auto& t = stories();
    const Ids hello = t.encode("Hello", false);
    EXPECT_EQ(t.piece(hello.front()), " He");  // "▁He": the space llama.cpp adds
    EXPECT_EQ(t.encode("Hello", true), [&] {
        Ids ids{1};
        ids.insert(ids.end(), hello.begin(), hello.end());
        return ids;
    }());
    // parse_special: "<s>" is BOS, and the text after it gets the leading space again.
    Ids parsed{1};
    parsed.insert(parsed.end(), hello.begin(), hello.end());
    EXPECT_EQ(t.encode("<s>Hello", false, true), parsed);
    EXPECT_NE(t.encode("<s>Hello", false, false), parsed);  // "<s>" is plain text here
    // <unk> is an UNKNOWN token: matched only with parse_special; SentencePiece never emits it.
    EXPECT_EQ(t.encode("<unk>", false, true), (Ids{0}));
    EXPECT_EQ(t.encode("<unk>", false, false), t.encode("<unk>", false));
    EXPECT_EQ(t.encode("", true), (Ids{1}));
    EXPECT_EQ(t.encode("", false), Ids{});
}

TEST(SentencePieceRules, AddSpacePrefixCanBeTurnedOff) {
    Vocabulary v = stories().vocabulary();
    v.add_space_prefix = false;
    const auto t = make_tokenizer(std::move(v));
    const Ids ids = t->encode("Hello", false);
    EXPECT_NE(t->piece(ids.front()).front(), ' ');
    EXPECT_EQ(t->detokenize(ids), "Hello");
}

TEST(SentencePieceRules, ByteTokensAndDetokenize) {
    const auto& t = stories();
    const Ids ids = t.encode("\U0001F642", false);  // no token: four byte tokens after "▁"
    ASSERT_EQ(ids.size(), 5u);
    EXPECT_EQ(t.piece(ids[1]), "\xF0");
    EXPECT_EQ(t.piece(ids[4]), "\x82");
    EXPECT_EQ(t.detokenize(ids), "\U0001F642");  // the leading space is dropped
    const Ids with_bos = t.encode("Hi", true);
    // Dropping BOS keeps the space; keeping it drops the space of the BOS piece (none).
    EXPECT_EQ(t.detokenize(with_bos, true), " Hi");
    EXPECT_EQ(t.detokenize(with_bos, false), " Hi");
    EXPECT_EQ(t.detokenize(with_bos, false, true), "<s> Hi");
    EXPECT_EQ(t.piece(1), "");
    EXPECT_EQ(t.piece(1, true), "<s>");
    EXPECT_EQ(t.piece(0), "");  // UNKNOWN prints nothing without special
    EXPECT_EQ(t.piece(0, true), "<unk>");
    EXPECT_EQ(t.piece(512), "");
}

// ---- byte-level BPE -------------------------------------------------------------------------

TEST(BpeRules, NoLeadingSpaceAndLosslessBytes) {
    const auto& t = gpt2();
    EXPECT_EQ(t.piece(t.encode(" Hello", false).front()), " Hello");
    EXPECT_EQ(t.piece(t.encode("Hello", false).front()), "Hello");
    const Ids ids = t.encode("\U0001F642", false);
    EXPECT_GT(ids.size(), 1u);
    std::string joined;
    for (auto id : ids) joined += t.piece(id);
    EXPECT_EQ(joined, "\U0001F642");
    // Invalid UTF-8 is U+FFFD, as llama.cpp decodes it.
    EXPECT_EQ(t.detokenize(t.encode("a\xFF", false)), "a\uFFFD");
}

TEST(BpeRules, CleanSpacesFollowsThePreTokenizer) {
    const std::string text = "Hello , world ! It 's a ' quote ' .";
    // " ," " !" " ." lose the space, so does a lone " ' " (both), and " 's"; " '." stays.
    EXPECT_EQ(gpt2().detokenize(gpt2().encode(text, false)), "Hello, world! It's a'quote '.");
    EXPECT_EQ(qwen2().detokenize(qwen2().encode(text, false)), text);  // qwen2 keeps spaces
}

Vocabulary tiny_bpe(bool ignore_merges) {
    Vocabulary v;
    v.model = "gpt2";
    v.pre = ignore_merges ? "llama-bpe" : "gpt-2";
    v.tokens = {"a", "b", "c", "abc", "<eos>"};
    v.merges = {"a b"};  // "ab" is not a token: the merge leads nowhere
    v.types = {TokenType::normal, TokenType::normal, TokenType::normal, TokenType::normal,
               TokenType::control};
    v.eos = 4;
    v.add_eos = true;
    v.ignore_merges = ignore_merges;
    return v;
}

TEST(BpeRules, MergesIgnoreMergesAndByteFallback) {
    // "ab" is merged but is no token, so its bytes come back one by one; "z" has no token.
    EXPECT_EQ(make_tokenizer(tiny_bpe(false))->encode("abcz", false), (Ids{0, 1, 2}));
    // llama-bpe keeps a word that is a token whole, whatever the merges say.
    EXPECT_EQ(make_tokenizer(tiny_bpe(true))->encode("abc", true), (Ids{3, 4}));
}

TEST(BpeRules, EndOfGenerationSetsAsLlamaCpp) {
    EXPECT_EQ(qwen2().eog_ids(), (Ids{24576, 24578}));
    EXPECT_EQ(
        deskside::testing::shared_tokenizer("synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf").eog_ids(),
        (Ids{24576, 24578}));
    EXPECT_EQ(llama3().eog_ids(), (Ids{24577, 24584, 24585}));
    EXPECT_EQ(stories().eog_ids(), (Ids{2}));
    EXPECT_EQ(gpt2().eog_ids(), (Ids{50256}));
    EXPECT_TRUE(qwen2().is_eog(24578));
    EXPECT_FALSE(qwen2().is_eog(24577));
    EXPECT_FALSE(qwen2().is_eog(-1));
    EXPECT_TRUE(qwen2().is_control(24577));   // <|im_start|>
    EXPECT_FALSE(qwen2().is_control(24579));  // <tool_call> is USER_DEFINED
    EXPECT_FALSE(qwen2().is_control(99999));
}

TEST(BpeRules, TextDetectedEndTokensBecomeControl) {
    // "<|im_end|>" typed NORMAL in the file: llama.cpp forces it to CONTROL and EOG.
    Vocabulary v = tiny_bpe(false);
    v.tokens.push_back("<|im_end|>");
    v.types.push_back(TokenType::normal);
    const auto t = make_tokenizer(std::move(v));
    EXPECT_TRUE(t->is_control(5));
    EXPECT_EQ(t->eog_ids(), (Ids{4, 5}));
    EXPECT_EQ(t->encode("a<|im_end|>", false, true), (Ids{0, 5}));
    EXPECT_EQ(t->piece(5), "");
    EXPECT_EQ(t->piece(5, true), "<|im_end|>");
}

// ---- every tokenizer ------------------------------------------------------------------------

std::string random_bytes(std::mt19937& random, bool valid_utf8) {
    static const std::vector<std::string> alphabet = {
        "a",          "Z",      "9",      " ",      "  ",           "\t",          "\n",
        "\r\n",       ".",      ",",      "'",      "'s",           "\u00e9",      "\u2581",
        "\U0001F642", "\u65E5", "\u00a0", "\u3000", "<|im_start|>", "<tool_call>", "<s>",
        "123456"};
    std::string text;
    const int length = static_cast<int>(random() % 30);
    for (int i = 0; i < length; ++i) {
        if (!valid_utf8 && random() % 5 == 0) {
            text.push_back(static_cast<char>(random() % 256));
        } else {
            const std::string& piece = alphabet[random() % alphabet.size()];
            // A literal "▁" would come back as a space from a SentencePiece vocabulary, so the
            // valid texts (used for round trips) leave it out.
            if (!valid_utf8 || piece != "\u2581") text += piece;
        }
    }
    return text;
}

class AnyDecoderVocabulary : public ::testing::TestWithParam<const char*> {};

TEST_P(AnyDecoderVocabulary, ArbitraryBytesNeverThrowAndGiveValidIds) {
    const Tokenizer* t = &deskside::testing::shared_tokenizer(GetParam());
    std::mt19937 random(20240817);
    for (int round = 0; round < 500; ++round) {
        const std::string text = random_bytes(random, false);
        for (bool parse : {false, true}) {
            const Ids ids = t->encode(text, true, parse);
            for (auto id : ids) ASSERT_TRUE(id >= 0 && id < t->vocabulary().size()) << id;
            EXPECT_NO_THROW(t->detokenize(ids, true, true));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, AnyDecoderVocabulary,
                         ::testing::Values("stories260K.gguf", "vocab/ggml-vocab-llama-spm.gguf",
                                           "vocab/ggml-vocab-gpt-2.gguf",
                                           "vocab/ggml-vocab-deepseek-llm.gguf",
                                           "vocab/ggml-vocab-deepseek-coder.gguf",
                                           "vocab/ggml-vocab-starcoder.gguf",
                                           "vocab/ggml-vocab-falcon.gguf",
                                           "synthetic/tiny-llama3-synthetic-Q5_K_M.gguf"));

TEST(DecoderRoundTrip, ValidUtf8ComesBackFromTheIds) {
    // Byte fallback (SPM) and byte-level BPE lose nothing; qwen2 does not clean spaces, and
    // every text the SPM tokenizer sees gets one leading space that detokenize drops again.
    std::mt19937 random(7);
    for (int round = 0; round < 500; ++round) {
        const std::string text = random_bytes(random, true);
        EXPECT_EQ(qwen2().detokenize(qwen2().encode(text, false, true), false, true), text);
        EXPECT_EQ(stories().detokenize(stories().encode(text, false)), text);
    }
}

TEST(DecoderConcurrency, ConcurrentEncodesAgree) {
    const std::string text =
        "The quick brown fox's 123 jumps\n\n<|im_start|> caf\u00e9 \u65E5\u672C!";
    for (const Tokenizer* t : {&stories(), &gpt2(), &qwen2()}) {
        const Ids expected = t->encode(text, true, true);
        std::vector<Ids> results(4);
        std::vector<std::thread> threads;
        for (auto& r : results) {
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i) r = t->encode(text, true, true);
            });
        }
        for (auto& th : threads) th.join();
        for (const auto& r : results) EXPECT_EQ(r, expected);
    }
}

TEST(DecoderSpeed, PassagesFigures) {
    std::vector<std::string> passages;
    std::istringstream in(read_file(models() / "reference" / "inputs" / "passages_1000.txt"));
    for (std::string line; std::getline(in, line);) passages.push_back(line);
    ASSERT_EQ(passages.size(), 1000u);
    const Tokenizer& llama_spm =
        deskside::testing::shared_tokenizer("vocab/ggml-vocab-llama-spm.gguf");
    for (const Tokenizer* t : {&gpt2(), &llama_spm}) {
        const auto start = std::chrono::steady_clock::now();
        std::size_t tokens = 0, bytes = 0;
        for (const auto& p : passages) {
            tokens += t->encode(p, true).size();
            bytes += p.size();
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_GT(tokens, passages.size());
        // A figure for the log, not an assertion.
        std::printf("[ figures  ] %s/%s: %zu bytes, %zu tokens in %.4f s (%.1f MB/s)\n",
                    t->vocabulary().model.c_str(), t->vocabulary().pre.c_str(), bytes, tokens,
                    seconds, bytes / seconds / 1e6);
    }
}

}  // namespace
}  // namespace deskside::tokenizer
