// SentencePiece-style ("llama") and byte-level BPE ("gpt2") tokenizers against llama.cpp: its
// own test vectors (vocab/*.gguf.inp/.out), the reference JSONs of the vocab-only files (ids
// with and without BOS, pieces) and of the decoder models (tokenize, tokenize_special, the
// prompt ids of generate and chat, detokenized generations), plus the streaming detokenizer on
// the same generations.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "shared_tokenizers.h"
#include "test_support.h"
#include "tokenizer/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer {
namespace {

using deskside::testing::read_file;
using deskside::testing::shared_dir;
using Ids = std::vector<std::int32_t>;
using nlohmann::json;

std::filesystem::path models() {
    return shared_dir() / "models";
}

const Tokenizer& tokenizer_for(const std::filesystem::path& relative) {
    return deskside::testing::shared_tokenizer(relative);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A piece in the reference JSON: a string, or {"bytes": [...]} when not valid UTF-8 alone.
std::string piece_of(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    std::string bytes;
    for (int b : j.at("bytes")) bytes.push_back(static_cast<char>(b));
    return bytes;
}

std::vector<std::string> pieces_of(const json& list) {
    std::vector<std::string> pieces;
    for (const auto& j : list) pieces.push_back(piece_of(j));
    return pieces;
}

std::vector<std::string> pieces(const Tokenizer& t, const Ids& ids, bool special = false) {
    std::vector<std::string> out;
    for (auto id : ids) out.push_back(t.piece(id, special));
    return out;
}

// ---- llama.cpp's test-tokenizer-0 vectors ---------------------------------------------------

class LlamaCppVectors : public ::testing::TestWithParam<const char*> {};

// The .inp strings are separated by a marker line (and end with one); the .out file has one
// line per string: the ids (add_special=false, parse_special=false), each after a space.
TEST_P(LlamaCppVectors, AllFortySixCasesMatch) {
    const auto relative = std::filesystem::path("vocab") / GetParam();
    const auto base = (models() / relative).string();
    const std::string inp = read_file(base + ".inp");
    const std::string marker = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (std::size_t at = 0; at < inp.size();) {
        const std::size_t end = inp.find(marker, at);
        ASSERT_NE(end, std::string::npos) << "the .inp file must end with the marker";
        texts.push_back(inp.substr(at, end - at));
        at = end + marker.size();
    }
    const auto expected_lines = lines_of(read_file(base + ".out"));
    ASSERT_EQ(texts.size(), 46u);
    ASSERT_EQ(expected_lines.size(), texts.size());
    const Tokenizer& t = tokenizer_for(relative);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        Ids expected;
        std::istringstream ids(expected_lines[i]);
        for (std::int32_t id; ids >> id;) expected.push_back(id);
        EXPECT_EQ(t.encode(texts[i], false, false), expected) << "case " << i << ": " << texts[i];
    }
}

INSTANTIATE_TEST_SUITE_P(VocabFiles, LlamaCppVectors,
                         ::testing::Values("ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                                           "ggml-vocab-deepseek-llm.gguf",
                                           "ggml-vocab-deepseek-coder.gguf",
                                           "ggml-vocab-starcoder.gguf", "ggml-vocab-falcon.gguf"));

// ---- reference JSONs: tokenize --------------------------------------------------------------

// Checks every tokenize case of a reference JSON; returns the case count.
std::size_t check_tokenize(const Tokenizer& t, const json& ref) {
    EXPECT_EQ(t.vocabulary().size(), ref["n_vocab"].get<int>());
    EXPECT_EQ(t.vocabulary().bos, ref["bos"].get<int>());
    EXPECT_EQ(t.vocabulary().eos, ref["eos"].get<int>());
    EXPECT_EQ(t.vocabulary().add_bos, ref["add_bos"].get<bool>());
    EXPECT_EQ(t.vocabulary().add_eos, ref["add_eos"].get<bool>());
    std::size_t n = 0;
    for (const auto& c : ref["cases"]) {
        const auto text = c["text"].get<std::string>();
        EXPECT_EQ(t.encode(text, true), c["ids_add_special"].get<Ids>()) << text;
        const Ids ids = t.encode(text, false);
        EXPECT_EQ(ids, c["ids_no_special"].get<Ids>()) << text;
        EXPECT_EQ(pieces(t, ids), pieces_of(c["pieces_no_special"])) << text;
        ++n;
    }
    return n;
}

class VocabReference : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabReference, TokenizeCasesMatch) {
    const std::string name = GetParam();
    const auto ref = json::parse(read_file(models() / "reference" / ("vocab-" + name + ".json")));
    const Tokenizer& t =
        tokenizer_for(std::filesystem::path("vocab") / ("ggml-vocab-" + name + ".gguf"));
    EXPECT_EQ(check_tokenize(t, ref["tokenize"]), 24u);
}

INSTANTIATE_TEST_SUITE_P(VocabFiles, VocabReference,
                         ::testing::Values("llama-spm", "gpt-2", "deepseek-llm", "deepseek-coder",
                                           "starcoder", "falcon"));

// ---- reference JSONs of the decoder models ---------------------------------------------------

struct ModelCase {
    const char* gguf;       // under models/
    const char* reference;  // under models/reference/
};

class ModelReference : public ::testing::TestWithParam<ModelCase> {
  protected:
    const Tokenizer& tokenizer() const { return tokenizer_for(GetParam().gguf); }
    json reference() const {
        return json::parse(read_file(models() / "reference" / GetParam().reference));
    }
};

TEST_P(ModelReference, Tokenize) {
    EXPECT_EQ(check_tokenize(tokenizer(), reference()["tokenize"]), 13u);
}

// The BPE decoders' files also have tokenize_special and chat sections.
class ChatModelReference : public ModelReference {};

TEST_P(ChatModelReference, TokenizeSpecial) {
    const auto ref = reference();
    const Tokenizer& t = tokenizer();
    std::size_t n = 0;
    for (const auto& c : ref["tokenize_special"]["cases"]) {
        const auto text = c["text"].get<std::string>();
        const Ids parsed = t.encode(text, false, true);
        EXPECT_EQ(parsed, c["ids_parse_special"].get<Ids>()) << text;
        EXPECT_EQ(pieces(t, parsed), pieces_of(c["pieces_parse_special"])) << text;
        EXPECT_EQ(t.encode(text, false, false), c["ids_no_parse_special"].get<Ids>()) << text;
        EXPECT_EQ(t.encode(text, true, true), c["ids_add_special_parse_special"].get<Ids>())
            << text;
        ++n;
    }
    EXPECT_EQ(n, 6u);
}

// The concatenated stream equals detokenize() where that is valid UTF-8.
std::string streamed(const Tokenizer& t, const Ids& ids) {
    TextStream stream(t);
    std::string text;
    for (auto id : ids) text += stream.push(id);
    return text + stream.finish();
}

TEST_P(ModelReference, GeneratePromptsAndDetokenize) {
    const auto ref = reference();
    const Tokenizer& t = tokenizer();
    const auto prompts = lines_of(read_file(models() / "reference" / "inputs" / "gen_prompts.txt"));
    std::size_t n = 0;
    for (const auto& c : ref["generate"]["cases"]) {
        const auto prompt = c["prompt"].get<std::string>();
        ASSERT_LT(n, prompts.size());
        EXPECT_EQ(prompt, prompts[n]);
        EXPECT_EQ(t.encode(prompt, true), c["prompt_ids"].get<Ids>()) << prompt;
        const Ids generated = c["generated_ids"].get<Ids>();
        const auto text = piece_of(c["generated_text"]);
        EXPECT_EQ(t.detokenize(generated), text) << prompt;
        std::string concat;
        for (auto id : generated) concat += t.piece(id);
        EXPECT_EQ(concat, piece_of(c["generated_pieces_concat"])) << prompt;
        if (c["generated_text"].is_string()) {
            EXPECT_EQ(streamed(t, generated), text) << prompt;
        }
        ++n;
    }
    EXPECT_EQ(n, 5u);
}

TEST_P(ChatModelReference, ChatPrompts) {
    const auto ref = reference();
    const Tokenizer& t = tokenizer();
    std::size_t n = 0;
    for (const auto& c : ref["chat"]["cases"]) {
        const auto prompt = c["prompt"].get<std::string>();
        const Ids ids = t.encode(prompt, true, true);
        EXPECT_EQ(ids, c["prompt_ids"].get<Ids>()) << prompt;
        EXPECT_EQ(pieces(t, ids), pieces_of(c["prompt_pieces"])) << prompt;
        EXPECT_EQ(t.encode(prompt, true, false), c["prompt_ids_no_parse_special"].get<Ids>())
            << prompt;
        const Ids generated = c["generated_ids"].get<Ids>();
        const auto text = piece_of(c["generated_text"]);
        EXPECT_EQ(t.detokenize(generated), text) << prompt;
        if (c["generated_text"].is_string()) {
            EXPECT_EQ(streamed(t, generated), text) << prompt;
        }
        ++n;
    }
    EXPECT_EQ(n, 3u);
}

std::string case_name(const ::testing::TestParamInfo<ModelCase>& info) {
    std::string name = info.param.reference;
    name = name.substr(0, name.find(".json"));
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

const ModelCase kQwen2{"synthetic/tiny-qwen2-synthetic-Q8_0.gguf",
                       "tiny-qwen2-synthetic-Q8_0.json"};
const ModelCase kQwen3{"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf",
                       "tiny-qwen3-synthetic-Q4_K_M.json"};
const ModelCase kLlama3{"synthetic/tiny-llama3-synthetic-Q5_K_M.gguf",
                        "tiny-llama3-synthetic-Q5_K_M.json"};

INSTANTIATE_TEST_SUITE_P(
    Models, ModelReference,
    ::testing::Values(ModelCase{"stories260K.gguf", "stories260K.json"},
                      ModelCase{"derived/stories260K-F16.gguf", "stories260K-F16.json"},
                      ModelCase{"derived/stories260K-Q8_0.gguf", "stories260K-Q8_0.json"},
                      ModelCase{"derived/stories260K-Q4_0.gguf", "stories260K-Q4_0.json"},
                      ModelCase{"synthetic/tiny-llama-synthetic-256-Q4_K_M.gguf",
                                "tiny-llama-synthetic-256-Q4_K_M.json"},
                      kQwen2, kQwen3, kLlama3),
    case_name);

INSTANTIATE_TEST_SUITE_P(Models, ChatModelReference, ::testing::Values(kQwen2, kQwen3, kLlama3),
                         case_name);

}  // namespace
}  // namespace deskside::tokenizer
