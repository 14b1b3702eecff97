// WordPiece against llama.cpp: its own test vectors (vocab/*.gguf.inp/.out), the reference
// JSONs (ids with and without [CLS]/[SEP], pieces), the token count of passages_1000.txt, and
// hand-made vocabularies for the rules the golden files do not reach.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer {
namespace {

using deskside::testing::read_file;
using deskside::testing::shared_dir;
using Ids = std::vector<std::int32_t>;

std::filesystem::path models() {
    return shared_dir() / "models";
}

std::unique_ptr<Tokenizer> open_tokenizer(const std::filesystem::path& path) {
    return make_tokenizer(gguf::GgufFile::open(path));
}

const Tokenizer& bert_bge() {
    static const auto tokenizer = open_tokenizer(models() / "vocab" / "ggml-vocab-bert-bge.gguf");
    return *tokenizer;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// llama.cpp's test-tokenizer-0 format: the .inp strings are separated by a marker line (and
// end with one); the .out file has one line per string: the ids, each after a space.
TEST(WordPieceGolden, LlamaCppTestVectors) {
    const auto base = models() / "vocab" / "ggml-vocab-bert-bge.gguf";
    const std::string inp = read_file(base.string() + ".inp");
    const std::string marker = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (std::size_t at = 0; at < inp.size();) {
        const std::size_t end = inp.find(marker, at);
        ASSERT_NE(end, std::string::npos) << "the .inp file must end with the marker";
        texts.push_back(inp.substr(at, end - at));
        at = end + marker.size();
    }
    const auto expected_lines = lines_of(read_file(base.string() + ".out"));
    ASSERT_EQ(texts.size(), 46u);
    ASSERT_EQ(expected_lines.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        Ids expected;
        std::istringstream ids(expected_lines[i]);
        for (std::int32_t id; ids >> id;) expected.push_back(id);
        EXPECT_EQ(bert_bge().encode(texts[i], false), expected) << "case " << i << ": " << texts[i];
    }
}

// Checks every tokenize case of a reference JSON against `tokenizer`; returns the case count.
std::size_t check_reference(const Tokenizer& tokenizer, const std::string& file) {
    const auto ref = nlohmann::json::parse(read_file(models() / "reference" / file))["tokenize"];
    EXPECT_EQ(tokenizer.vocabulary().size(), ref["n_vocab"].get<int>());
    EXPECT_EQ(tokenizer.vocabulary().bos, ref["bos"].get<int>());
    std::size_t n = 0;
    for (const auto& c : ref["cases"]) {
        const auto text = c["text"].get<std::string>();
        EXPECT_EQ(tokenizer.encode(text, true), c["ids_add_special"].get<Ids>()) << text;
        const Ids ids = tokenizer.encode(text, false);
        EXPECT_EQ(ids, c["ids_no_special"].get<Ids>()) << text;
        std::vector<std::string> pieces;
        for (auto id : ids) pieces.push_back(tokenizer.piece(id));
        EXPECT_EQ(pieces, c["pieces_no_special"].get<std::vector<std::string>>()) << text;
        ++n;
    }
    return n;
}

TEST(WordPieceGolden, ReferenceVocabBertBge) {
    EXPECT_EQ(check_reference(bert_bge(), "vocab-bert-bge.json"), 24u);
}

TEST(WordPieceGolden, ReferenceTinyBertModels) {
    for (const char* name : {"tiny-bert-synthetic-F16", "tiny-bert-synthetic-Q8_0"}) {
        SCOPED_TRACE(name);
        const auto tokenizer =
            open_tokenizer(models() / "synthetic" / (std::string(name) + ".gguf"));
        EXPECT_EQ(check_reference(*tokenizer, std::string(name) + ".json"), 13u);
        // The embed section's ids are the [CLS] ... [SEP] ids the model was run on.
        const auto ref = nlohmann::json::parse(
            read_file(models() / "reference" / (std::string(name) + ".json")));
        std::size_t n = 0;
        for (const auto& c : ref["embed"]["cases"]) {
            EXPECT_EQ(tokenizer->encode(c["text"].get<std::string>(), true), c["ids"].get<Ids>());
            ++n;
        }
        EXPECT_EQ(n, 11u);
    }
}

// The reference cases are the input files, line by line ("\n" written as two characters).
TEST(WordPieceGolden, ReferenceCasesAreTheInputFiles) {
    std::vector<std::string> inputs;
    for (const char* file : {"tok_strings.txt", "embed_sentences.txt"}) {
        for (std::string line : lines_of(read_file(models() / "reference" / "inputs" / file))) {
            std::string text;
            for (std::size_t i = 0; i < line.size(); ++i) {
                const bool escape = line[i] == '\\' && i + 1 < line.size() && line[i + 1] == 'n';
                text.push_back(escape ? '\n' : line[i]);
                i += escape ? 1 : 0;
            }
            inputs.push_back(text);
        }
    }
    const auto ref =
        nlohmann::json::parse(read_file(models() / "reference" / "vocab-bert-bge.json"));
    std::vector<std::string> texts;
    for (const auto& c : ref["tokenize"]["cases"]) texts.push_back(c["text"].get<std::string>());
    EXPECT_EQ(texts, inputs);
}

// reference/README.md: passages_1000.txt is 117,654 WordPiece tokens with [CLS]/[SEP].
TEST(WordPieceGolden, PassagesTokenCountMatchesLlamaEmbedding) {
    const auto passages =
        lines_of(read_file(models() / "reference" / "inputs" / "passages_1000.txt"));
    ASSERT_EQ(passages.size(), 1000u);
    std::size_t bytes = 0, tokens = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& p : passages) {
        tokens += bert_bge().encode(p, true).size();
        bytes += p.size();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(tokens, 117654u);
    // A figure for the log, not an assertion.
    std::printf(
        "[ figures  ] %zu passages, %zu bytes, %zu tokens in %.4f s: %.1f MB/s, %.0f tokens/s\n",
        passages.size(), bytes, tokens, seconds, bytes / seconds / 1e6, tokens / seconds);
}

// ---- rules the golden files leave open ----------------------------------------------------

TEST(WordPieceRules, EmptyAndBlankTexts) {
    EXPECT_EQ(bert_bge().encode("", false), Ids{});
    EXPECT_EQ(bert_bge().encode("", true), (Ids{101, 102}));
    EXPECT_EQ(bert_bge().encode(" \t\n\r\f\v\u00a0\u3000", true), (Ids{101, 102}));
}

TEST(WordPieceRules, InvalidUtf8AndControlCharactersAreDropped) {
    const Ids hello_world{7592, 2088};
    EXPECT_EQ(bert_bge().encode("hello world", false), hello_world);
    EXPECT_EQ(bert_bge().encode("hel\xFFlo wor\x80ld", false), hello_world);  // bad bytes
    EXPECT_EQ(bert_bge().encode(std::string("hel\0lo", 6) + " world", false), hello_world);
    EXPECT_EQ(bert_bge().encode("hel\x01lo wo\u200drld\xEF\xBF\xBD", false), hello_world);
    EXPECT_EQ(bert_bge().encode("hello world\xE2\x82", false), hello_world);          // cut off
    EXPECT_EQ(bert_bge().encode("hello world\xF7\xBF\xBF\xBF", false), hello_world);  // > U+10FFFF
    // llama.cpp's decoder takes overlong forms at face value: C1 81 is 'A'.
    EXPECT_EQ(bert_bge().encode("\xC1\x81", false), bert_bge().encode("a", false));
}

TEST(WordPieceRules, DecompositionKeepsOnlyTheFirstCodePoint) {
    // llama.cpp maps each code point to the first of its NFD: accents go, and a Hangul
    // syllable becomes its leading consonant alone (not the full jamo sequence).
    EXPECT_EQ(bert_bge().encode("\u00C9T\u00C9", false), bert_bge().encode("ete", false));
    EXPECT_EQ(bert_bge().encode("e\u0301te\u0301", false), bert_bge().encode("ete", false));
    EXPECT_EQ(bert_bge().encode("\uD55C\uAD6D", false), bert_bge().encode("\u1112\u1100", false));
    EXPECT_NE(bert_bge().encode("\uD55C\uAD6D", false),
              bert_bge().encode("\u1112\u1161\u11AB\u1100\u116E\u11A8", false));
}

TEST(WordPieceRules, PunctuationSymbolsAndIdeographsStandAlone) {
    const auto& t = bert_bge();
    // ASCII symbols split; a non-ASCII symbol (€, Sc) stays inside its word.
    EXPECT_EQ(t.encode("a$b", false), t.encode("a $ b", false));
    EXPECT_EQ(t.encode("a~b|c", false), t.encode("a ~ b | c", false));
    EXPECT_NE(t.encode("5\u20AC", false), t.encode("5 \u20AC", false));
    // Non-ASCII punctuation splits; so does each CJK ideograph, but not kana.
    EXPECT_EQ(t.encode("a\u2014b", false), t.encode("a \u2014 b", false));
    EXPECT_EQ(t.encode("\u65E5\u672C", false), t.encode("\u65E5 \u672C", false));
    EXPECT_NE(t.encode("\u306E\u30C6", false), t.encode("\u306E \u30C6", false));
}

TEST(WordPieceRules, PiecesOfSpecialAndOutOfRangeIds) {
    const auto& t = bert_bge();
    EXPECT_EQ(t.piece(101), "");  // control tokens print nothing (special=false)
    EXPECT_EQ(t.piece(100), "");
    EXPECT_EQ(t.piece(7592), " hello");
    EXPECT_EQ(t.piece(12735), "lines");
    EXPECT_EQ(t.piece(1), "[unused0]");  // a normal token without the word marker
    EXPECT_EQ(t.piece(-1), "");
    EXPECT_EQ(t.piece(30522), "");
}

TEST(WordPieceRules, ConcurrentEncodesAgree) {
    const std::string text = "The quick brown fox jumps over the lazy dog; caf\u00e9 \u65E5\u672C!";
    const Ids expected = bert_bge().encode(text, true);
    std::vector<Ids> results(4);
    std::vector<std::thread> threads;
    for (auto& r : results) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) r = bert_bge().encode(text, true);
        });
    }
    for (auto& th : threads) th.join();
    for (const auto& r : results) EXPECT_EQ(r, expected);
}

TEST(WordPieceRules, ArbitraryBytesNeverThrowAndGiveValidIds) {
    std::mt19937 random(20240817);  // fixed seed: the same inputs on every run
    const std::string alphabet =
        "aZ9 .,\t\n\xC3\xA9\xE2\x96\x81\xF0\x9F\x99\x82\xE6\x97\xA5\x80\xFF";
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const int length = static_cast<int>(random() % 40);
        for (int i = 0; i < length; ++i) {
            text.push_back(random() % 4 == 0 ? static_cast<char>(random() % 256)
                                             : alphabet[random() % alphabet.size()]);
        }
        const Ids ids = bert_bge().encode(text, true);
        ASSERT_GE(ids.size(), 2u);
        for (auto id : ids) ASSERT_TRUE(id >= 0 && id < 30522) << id;
    }
}

// A hand-made vocabulary: ids are positions in this list.
Vocabulary tiny_vocabulary() {
    Vocabulary v;
    v.model = "bert";
    v.tokens = {"[PAD]",       "[UNK]",        "[CLS]",   "[SEP]", "\u2581hel", "lo",
                "\u2581Hello", "\u2581\u00e9", "\u2581e", "<x>",   "\u2581a",   "[MASK]"};
    v.types.assign(v.tokens.size(), TokenType::normal);
    for (int id : {0, 1, 2, 3, 11}) v.types[static_cast<std::size_t>(id)] = TokenType::control;
    v.types[9] = TokenType::user_defined;
    for (std::int32_t id = 0; id < v.size(); ++id) v.ids.emplace(v.tokens[id], id);
    v.pad = 0, v.unk = 1, v.bos = v.cls = 2, v.sep = 3, v.mask = 11;
    v.add_bos = true;
    return v;
}

TEST(WordPieceRules, GreedyLongestMatchAndWholeWordUnknown) {
    const auto t = make_tokenizer(tiny_vocabulary());
    EXPECT_EQ(t->encode("hello", false), (Ids{4, 5}));    // ▁hel + lo
    EXPECT_EQ(t->encode("helx a", false), (Ids{1, 10}));  // x matches nothing: one [UNK]
    EXPECT_EQ(t->encode("hello", true), (Ids{2, 4, 5, 3}));
    EXPECT_EQ(t->piece(4), " hel");
    EXPECT_EQ(t->piece(9), "<x>");  // user-defined tokens print as they are
}

TEST(WordPieceRules, UserDefinedTokensAreCutOutFirst) {
    const auto t = make_tokenizer(tiny_vocabulary());
    // '<' and '>' are punctuation, so without the cut "<x>" would be three unknown words.
    EXPECT_EQ(t->encode("hello<x>hello", false), (Ids{4, 5, 9, 4, 5}));
    EXPECT_EQ(t->encode("<x><x>", true), (Ids{2, 9, 9, 3}));
    EXPECT_EQ(t->encode("[CLS]", false), (Ids{1, 1, 1}));  // control text stays text
}

TEST(WordPieceRules, HandBuiltVocabulariesAreCompletedOrRefused) {
    Vocabulary bare = tiny_vocabulary();
    bare.ids.clear();  // rebuilt from the tokens
    EXPECT_EQ(make_tokenizer(std::move(bare))->encode("hello", true), (Ids{2, 4, 5, 3}));
    Vocabulary short_types = tiny_vocabulary();
    short_types.types.pop_back();
    EXPECT_THROW(make_tokenizer(std::move(short_types)), Error);
    Vocabulary bad_id = tiny_vocabulary();
    bad_id.sep = 12;
    EXPECT_THROW(make_tokenizer(std::move(bad_id)), Error);
}

TEST(WordPieceRules, NormaliserFlags) {
    EXPECT_EQ(make_tokenizer(tiny_vocabulary())->encode("\u00e9", false), (Ids{8}));
    Vocabulary cased = tiny_vocabulary();
    cased.lowercase = false;
    cased.strip_accents = false;
    const auto t = make_tokenizer(std::move(cased));
    EXPECT_EQ(t->encode("Hello", false), (Ids{6}));
    EXPECT_EQ(t->encode("\u00e9", false), (Ids{7}));
    EXPECT_EQ(t->encode("e\u0301", false), (Ids{1}));  // a kept combining mark: no such token
}

}  // namespace
}  // namespace deskside::tokenizer
