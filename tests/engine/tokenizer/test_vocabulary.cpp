// Vocabulary::from_gguf on the real vocab files (counts and special ids checked against the
// headers llama.cpp wrote into reference/vocab-*.json) and on hand-made malformed files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "gguf/gguf_file.h"
#include "gguf_builder.h"
#include "shared_tokenizers.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocabulary.h"

namespace deskside::tokenizer {
namespace {

using deskside::testing::GgufBuilder;
using deskside::testing::shared_dir;
using deskside::testing::TempDir;

std::filesystem::path models() {
    return shared_dir() / "models";
}

// Passes when `message` names `key`; prints the message otherwise.
::testing::AssertionResult Names(const std::string& message, std::string_view key) {
    if (message.find(key) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << message << "' does not name '" << key << "'";
}

Vocabulary load(const std::filesystem::path& path) {
    return Vocabulary::from_gguf(gguf::GgufFile::open(path));
}

TEST(Vocabulary, BertBgeHasTheBertBaseUncasedVocabulary) {
    const Vocabulary v = load(models() / "vocab" / "ggml-vocab-bert-bge.gguf");
    EXPECT_EQ(v.model, "bert");
    EXPECT_EQ(v.pre, "bert-bge");
    ASSERT_EQ(v.size(), 30522);
    EXPECT_EQ(v.tokens.size(), v.types.size());
    EXPECT_TRUE(v.scores.empty());  // the file has no scores
    EXPECT_TRUE(v.merges.empty());
    // The file gives cls/sep/unk/pad/mask, no BOS or EOS: BOS is [CLS], as in llama.cpp.
    EXPECT_EQ(v.cls, 101);
    EXPECT_EQ(v.bos, 101);
    EXPECT_EQ(v.sep, 102);
    EXPECT_EQ(v.unk, 100);
    EXPECT_EQ(v.pad, 0);
    EXPECT_EQ(v.mask, 103);
    EXPECT_EQ(v.eos, -1);
    EXPECT_TRUE(v.add_bos);
    EXPECT_FALSE(v.add_eos);
    EXPECT_TRUE(v.lowercase);
    EXPECT_TRUE(v.strip_accents);
    EXPECT_EQ(v.tokens[101], "[CLS]");
    EXPECT_EQ(v.type(101), TokenType::control);
    EXPECT_EQ(v.type(100), TokenType::control);  // this file marks [UNK] control, not unknown
    EXPECT_EQ(v.type(7592), TokenType::normal);
    EXPECT_EQ(v.find("\xE2\x96\x81hello"), 7592);  // "▁hello": word-initial pieces carry ▁
    EXPECT_EQ(v.find("lines"), 12735);             // "##lines" is stored as "lines"
    EXPECT_EQ(v.find("##lines"), -1);
    EXPECT_EQ(v.find(""), -1);
}

struct VocabCase {
    const char* file;
    const char* reference;
    const char* model;
    const char* pre;
    std::size_t merges;
    bool has_scores;
    bool add_space_prefix;
    bool clean_spaces;
};

class OtherVocabularies : public ::testing::TestWithParam<VocabCase> {};

TEST_P(OtherVocabularies, LoadWithLlamaCppsIdsAndFlags) {
    const VocabCase& c = GetParam();
    const auto file = gguf::GgufFile::open(models() / "vocab" / c.file);
    const Vocabulary v = Vocabulary::from_gguf(file);
    const auto ref = nlohmann::json::parse(
        deskside::testing::read_file(models() / "reference" / c.reference))["tokenize"];
    EXPECT_EQ(v.model, c.model);
    EXPECT_EQ(v.pre, c.pre);
    EXPECT_EQ(v.size(), ref["n_vocab"].get<int>());
    EXPECT_EQ(v.bos, ref["bos"].get<int>());
    EXPECT_EQ(v.eos, ref["eos"].get<int>());
    EXPECT_EQ(v.add_bos, ref["add_bos"].get<bool>());
    EXPECT_EQ(v.add_eos, ref["add_eos"].get<bool>());
    EXPECT_EQ(v.merges.size(), c.merges);
    EXPECT_EQ(v.scores.size(), c.has_scores ? v.tokens.size() : 0u);
    EXPECT_EQ(v.ids.size(), v.tokens.size());
    EXPECT_EQ(v.add_space_prefix, c.add_space_prefix);
    EXPECT_EQ(v.clean_spaces, c.clean_spaces);
    EXPECT_FALSE(v.ignore_merges);
    EXPECT_EQ(deskside::testing::shared_tokenizer(std::filesystem::path("vocab") / c.file)
                  .vocabulary()
                  .size(),
              v.size());
}

INSTANTIATE_TEST_SUITE_P(
    VocabFiles, OtherVocabularies,
    ::testing::Values(VocabCase{"ggml-vocab-llama-spm.gguf", "vocab-llama-spm.json", "llama",
                                "default", 0, true, true, false},
                      VocabCase{"ggml-vocab-gpt-2.gguf", "vocab-gpt-2.json", "gpt2", "gpt-2", 50000,
                                false, false, true},
                      VocabCase{"ggml-vocab-deepseek-llm.gguf", "vocab-deepseek-llm.json", "gpt2",
                                "deepseek-llm", 99757, false, false, false},
                      VocabCase{"ggml-vocab-deepseek-coder.gguf", "vocab-deepseek-coder.json",
                                "gpt2", "deepseek-coder", 31757, false, false, false},
                      VocabCase{"ggml-vocab-starcoder.gguf", "vocab-starcoder.json", "gpt2",
                                "starcoder", 48872, false, false, true},
                      VocabCase{"ggml-vocab-falcon.gguf", "vocab-falcon.json", "gpt2", "falcon",
                                64784, false, false, true}));

TEST(Vocabulary, Llama3PreTokenizerIgnoresMergesAndAddsBos) {
    const Vocabulary v = load(models() / "synthetic" / "tiny-llama3-synthetic-Q5_K_M.gguf");
    EXPECT_EQ(v.pre, "llama-bpe");
    EXPECT_TRUE(v.ignore_merges);
    EXPECT_TRUE(v.clean_spaces);
    EXPECT_TRUE(v.add_bos);
    const Vocabulary qwen = load(models() / "synthetic" / "tiny-qwen2-synthetic-Q8_0.gguf");
    EXPECT_FALSE(qwen.ignore_merges);
    EXPECT_FALSE(qwen.clean_spaces);
    EXPECT_FALSE(qwen.add_bos);
}

TEST(Vocabulary, AllOnesSpecialIdMeansNoneAsInLlamaCpp) {
    // stories260K writes seperator/padding ids as 0xFFFFFFFF; llama.cpp keeps its default (none).
    const Vocabulary v = load(models() / "stories260K.gguf");
    EXPECT_EQ(v.model, "llama");
    EXPECT_EQ(v.size(), 512);
    EXPECT_EQ(v.sep, -1);
    EXPECT_EQ(v.pad, -1);
    EXPECT_EQ(v.bos, 1);
    EXPECT_EQ(v.eos, 2);
    EXPECT_EQ(v.unk, 0);
    EXPECT_EQ(v.type(0), TokenType::unknown);
    EXPECT_EQ(v.type(3), TokenType::byte);
}

// ---- hand-made files ------------------------------------------------------------------------

std::vector<std::string> bert_tokens(int n) {
    std::vector<std::string> t;
    for (int i = 0; i < n; ++i) t.push_back("\xE2\x96\x81t" + std::to_string(i));
    return t;
}

// A BERT vocabulary of n tokens; with_cls gives it a [CLS] id (0) so that it loads when n is
// too small for llama.cpp's default of 101.
GgufBuilder small_bert(int n = 4, bool with_cls = true) {
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "bert").strings("tokenizer.ggml.tokens", bert_tokens(n));
    if (with_cls) b.u32("tokenizer.ggml.cls_token_id", 0);
    return b;
}

// Loads the built file and returns the invalid_argument message (or fails the test).
std::string rejection(const GgufBuilder& builder) {
    TempDir dir;
    const auto path = builder.write(dir / "vocab.gguf");
    try {
        load(path);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
        EXPECT_NE(std::string(e.what()).find("vocab.gguf"), std::string::npos) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "the vocabulary was accepted";
    return {};
}

TEST(VocabularyErrors, MissingOrMistypedKeysAreNamed) {
    EXPECT_TRUE(Names(rejection(GgufBuilder().strings("tokenizer.ggml.tokens", bert_tokens(2))),
                      "tokenizer.ggml.model"));
    EXPECT_TRUE(
        Names(rejection(GgufBuilder().u32("tokenizer.ggml.model", 1)), "tokenizer.ggml.model"));
    EXPECT_TRUE(Names(rejection(GgufBuilder().string("tokenizer.ggml.model", "bert")),
                      "tokenizer.ggml.tokens"));
    EXPECT_TRUE(Names(rejection(GgufBuilder()
                                    .string("tokenizer.ggml.model", "bert")
                                    .string("tokenizer.ggml.tokens", "[PAD]")),
                      "tokenizer.ggml.tokens"));
    EXPECT_TRUE(Names(rejection(GgufBuilder()
                                    .string("tokenizer.ggml.model", "bert")
                                    .i32s("tokenizer.ggml.tokens", {1, 2})),
                      "tokenizer.ggml.tokens"));
    EXPECT_TRUE(Names(rejection(GgufBuilder()
                                    .string("tokenizer.ggml.model", "bert")
                                    .strings("tokenizer.ggml.tokens", {})),
                      "tokenizer.ggml.tokens"));
    EXPECT_TRUE(Names(rejection(small_bert().u32("tokenizer.ggml.pre", 7)), "tokenizer.ggml.pre"));
}

TEST(VocabularyErrors, MalformedArraysAreNamed) {
    EXPECT_TRUE(Names(rejection(GgufBuilder()
                                    .string("tokenizer.ggml.model", "bert")
                                    .strings("tokenizer.ggml.tokens", {"a", "b", "a"})),
                      "duplicate token 'a' at ids 0 and 2"));
    EXPECT_TRUE(Names(rejection(small_bert().floats("tokenizer.ggml.scores", {0.f, 1.f})),
                      "tokenizer.ggml.scores"));
    EXPECT_TRUE(
        Names(rejection(small_bert().strings("tokenizer.ggml.scores", {"a", "b", "c", "d"})),
              "tokenizer.ggml.scores"));
    EXPECT_TRUE(Names(rejection(small_bert().i32s("tokenizer.ggml.token_type", {1, 1, 1})),
                      "tokenizer.ggml.token_type"));
    EXPECT_TRUE(Names(rejection(small_bert().i32s("tokenizer.ggml.token_type", {1, 1, 9, 1})),
                      "tokenizer.ggml.token_type"));
    EXPECT_TRUE(Names(rejection(small_bert().i32s("tokenizer.ggml.token_type", {1, -1, 1, 1})),
                      "tokenizer.ggml.token_type"));
    EXPECT_TRUE(Names(rejection(GgufBuilder()
                                    .string("tokenizer.ggml.model", "gpt2")
                                    .strings("tokenizer.ggml.tokens", {"a", "b"})),
                      "tokenizer.ggml.merges"));
    EXPECT_TRUE(
        Names(rejection(small_bert().u32("tokenizer.ggml.merges", 3)), "tokenizer.ggml.merges"));
}

TEST(VocabularyErrors, BadSpecialIdsAndFlagsAreNamed) {
    EXPECT_TRUE(Names(rejection(small_bert().u32("tokenizer.ggml.unknown_token_id", 4)),
                      "tokenizer.ggml.unknown_token_id: token id 4 is outside the vocabulary"));
    EXPECT_TRUE(Names(rejection(small_bert().i32("tokenizer.ggml.seperator_token_id", -7)),
                      "tokenizer.ggml.seperator_token_id"));
    EXPECT_TRUE(Names(rejection(small_bert(4, false).string("tokenizer.ggml.cls_token_id", "x")),
                      "tokenizer.ggml.cls_token_id: expected an integer"));
    // Too small for the default [CLS] of 101, and no id given: llama.cpp refuses it too.
    EXPECT_TRUE(Names(rejection(small_bert(4, false)),
                      "tokenizer.ggml.cls_token_id: missing, and the 'bert' default [CLS]"));
    EXPECT_TRUE(Names(rejection(small_bert(4, false).boolean("tokenizer.ggml.add_bos_token", true)),
                      "tokenizer.ggml.add_bos_token: is true, but the vocabulary has no BOS id"));
    EXPECT_TRUE(Names(rejection(small_bert().u32("tokenizer.ggml.add_bos_token", 1)),
                      "tokenizer.ggml.add_bos_token"));
    // BERT has no EOS: asking for one to be added is a contradiction llama.cpp refuses too.
    EXPECT_TRUE(Names(rejection(small_bert().boolean("tokenizer.ggml.add_eos_token", true)),
                      "tokenizer.ggml.add_eos_token"));
    EXPECT_TRUE(Names(rejection(small_bert().string("tokenizer.ggml.normalizer.lowercase", "no")),
                      "tokenizer.ggml.normalizer.lowercase"));
}

TEST(VocabularyDefaults, BertDefaultsApplyWithinTheVocabulary) {
    TempDir dir;
    // 200 tokens: llama.cpp's BERT defaults (100, 101, 102, 0, 103) are all inside.
    const Vocabulary big = load(small_bert(200, false).write(dir / "big.gguf"));
    EXPECT_EQ(big.unk, 100);
    EXPECT_EQ(big.bos, 101);
    EXPECT_EQ(big.cls, 101);
    EXPECT_EQ(big.sep, 102);
    EXPECT_EQ(big.pad, 0);
    EXPECT_EQ(big.mask, 103);
    EXPECT_EQ(big.pre, "default");
    EXPECT_NO_THROW(make_tokenizer(big));

    // 4 tokens: the defaults fall outside and become "none" (add_bos off so that it loads).
    const Vocabulary small = load(small_bert(4, false)
                                      .boolean("tokenizer.ggml.add_bos_token", false)
                                      .write(dir / "small.gguf"));
    EXPECT_EQ(small.unk, -1);
    EXPECT_EQ(small.bos, -1);
    EXPECT_EQ(small.cls, -1);
    EXPECT_EQ(small.sep, -1);
    EXPECT_EQ(small.pad, 0);
    EXPECT_FALSE(small.add_bos);
    // WordPiece needs [CLS], [SEP] and [UNK] whatever add_bos says.
    for (auto [field, name] :
         {std::pair{&Vocabulary::bos, "[CLS]"}, std::pair{&Vocabulary::sep, "[SEP]"},
          std::pair{&Vocabulary::unk, "[UNK]"}}) {
        Vocabulary v = big;
        v.*field = -1;
        try {
            make_tokenizer(std::move(v));
            ADD_FAILURE() << name;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            EXPECT_TRUE(Names(e.what(), name));
        }
    }

    // Given ids win; a lone cls_token_id also sets BOS, and -1 / 0xFFFFFFFF keep the default.
    const Vocabulary given = load(small_bert(4, false)
                                      .u32("tokenizer.ggml.cls_token_id", 1)
                                      .u32("tokenizer.ggml.seperator_token_id", 2)
                                      .i32("tokenizer.ggml.unknown_token_id", 3)
                                      .u32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu)
                                      .i32("tokenizer.ggml.mask_token_id", -1)
                                      .boolean("tokenizer.ggml.normalizer.lowercase", false)
                                      .write(dir / "given.gguf"));
    EXPECT_EQ(given.cls, 1);
    EXPECT_EQ(given.bos, 1);
    EXPECT_EQ(given.sep, 2);
    EXPECT_EQ(given.unk, 3);
    EXPECT_EQ(given.pad, 0);
    EXPECT_EQ(given.mask, -1);
    EXPECT_FALSE(given.lowercase);
    EXPECT_FALSE(given.strip_accents);  // follows lowercase unless given
    EXPECT_NO_THROW(make_tokenizer(given));
}

TEST(VocabularyDefaults, EmptyTokenTextIsRenamedAsInLlamaCpp) {
    TempDir dir;
    const Vocabulary v = load(GgufBuilder()
                                  .string("tokenizer.ggml.model", "llama")
                                  .strings("tokenizer.ggml.tokens", {"<unk>", "", "b"})
                                  .write(dir / "empty.gguf"));
    EXPECT_EQ(v.tokens[1], "[EMPTY_1]");
    EXPECT_EQ(v.find("[EMPTY_1]"), 1);
    EXPECT_EQ(v.bos, 1);  // llama default, in range
    EXPECT_EQ(v.eos, 2);
    EXPECT_TRUE(v.add_bos);
}

TEST(VocabularyDefaults, UnknownModelsLoadButAreNotRun) {
    TempDir dir;
    const Vocabulary v = load(GgufBuilder()
                                  .string("tokenizer.ggml.model", "mystery")
                                  .strings("tokenizer.ggml.tokens", {"a", "b"})
                                  .write(dir / "mystery.gguf"));
    EXPECT_EQ(v.bos, -1);
    try {
        make_tokenizer(v);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_STREQ(e.what(), "tokenizer model 'mystery' is not supported");
    }
}

}  // namespace
}  // namespace deskside::tokenizer
