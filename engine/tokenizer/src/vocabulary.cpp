// Vocabulary::from_gguf: tokenizer.ggml.* -> Vocabulary, with llama.cpp's defaults and checks
// stricter than llama.cpp's where it would only log a warning (see vocabulary.h).
#include "tokenizer/vocabulary.h"

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "base/error.h"

namespace deskside::tokenizer {

namespace {

using gguf::GgufFile;
using gguf::Value;

constexpr std::string_view kModel = "tokenizer.ggml.model";
constexpr std::string_view kPre = "tokenizer.ggml.pre";
constexpr std::string_view kTokens = "tokenizer.ggml.tokens";
constexpr std::string_view kScores = "tokenizer.ggml.scores";
constexpr std::string_view kTokenType = "tokenizer.ggml.token_type";
constexpr std::string_view kMerges = "tokenizer.ggml.merges";
constexpr std::string_view kAddBos = "tokenizer.ggml.add_bos_token";
constexpr std::string_view kAddEos = "tokenizer.ggml.add_eos_token";
constexpr std::string_view kLowercase = "tokenizer.ggml.normalizer.lowercase";
constexpr std::string_view kStripAccents = "tokenizer.ggml.normalizer.strip_accents";
constexpr std::string_view kBosId = "tokenizer.ggml.bos_token_id";
constexpr std::string_view kClsId = "tokenizer.ggml.cls_token_id";

class Reader {
  public:
    explicit Reader(const GgufFile& file) : file_(file), path_(file.path().string()) {}

    [[noreturn]] void fail(std::string_view key, const std::string& message) const {
        throw Error(ErrorCode::invalid_argument, path_ + ": " + std::string(key) + ": " + message);
    }

    const Value* find(std::string_view key) const { return file_.find(key); }

    std::string string(std::string_view key, bool required) const {
        const Value* v = find(key);
        if (v == nullptr) {
            if (required) fail(key, "missing (the file has no tokenizer vocabulary)");
            return {};
        }
        const std::string* s = v->as_string();
        if (s == nullptr) fail(key, "expected a string");
        return *s;
    }

    std::optional<bool> boolean(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr) return std::nullopt;
        auto b = v->as_bool();
        if (!b) fail(key, "expected a boolean");
        return b;
    }

    // Elements of an array value, or nullptr when the key is absent.
    const Value::Array* array(std::string_view key) const {
        const Value* v = find(key);
        if (v == nullptr) return nullptr;
        const Value::Array* a = v->as_array();
        if (a == nullptr) fail(key, "expected an array");
        return a;
    }

    std::vector<std::string> strings(std::string_view key, const Value::Array& array) const {
        std::vector<std::string> out;
        out.reserve(array.size());
        for (std::size_t i = 0; i < array.size(); ++i) {
            const std::string* s = array[i].as_string();
            if (s == nullptr) fail(key, "element " + std::to_string(i) + " is not a string");
            out.push_back(*s);
        }
        return out;
    }

    // A special-token id key. nullopt when absent or when it holds the "none" value
    // (0xFFFFFFFF as written by some converters, or -1): the default then stays, as in llama.cpp.
    std::optional<std::int32_t> token_id(std::string_view key, std::int32_t n_tokens) const {
        const Value* v = find(key);
        if (v == nullptr) return std::nullopt;
        auto id = v->as_int();
        if (!id) fail(key, "expected an integer token id");
        if (*id == -1 || *id == std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
        if (*id < 0 || *id >= n_tokens) {
            fail(key, "token id " + std::to_string(*id) + " is outside the vocabulary of " +
                          std::to_string(n_tokens) + " tokens");
        }
        return static_cast<std::int32_t>(*id);
    }

  private:
    const GgufFile& file_;
    std::string path_;
};

// llama.cpp's default special ids per tokenizer model (llama_vocab::impl::load).
void set_model_defaults(Vocabulary& v) {
    if (v.model == "llama") {
        v.bos = 1, v.eos = 2, v.unk = 0;
        v.add_bos = true;
        v.add_space_prefix = true;
    } else if (v.model == "bert") {
        v.bos = 101, v.cls = 101, v.unk = 100, v.sep = 102, v.pad = 0, v.mask = 103;
        v.add_bos = true;
        v.clean_spaces = true;
    } else if (v.model == "gpt2" || v.model == "hybriddna" || v.model == "whitespace") {
        v.bos = 11, v.eos = 11;
        // llama.cpp cleans spaces in detokenize for every BPE pre-tokenizer but these.
        static constexpr std::string_view kKeepsSpaces[] = {"deepseek-llm",
                                                            "deepseek-coder",
                                                            "deepseek-v3",
                                                            "spark2_5",
                                                            "youtu",
                                                            "command-r",
                                                            "qwen2",
                                                            "deepseek-r1-qwen",
                                                            "kormo",
                                                            "f2llmv2",
                                                            "qwen35",
                                                            "poro-chat",
                                                            "viking",
                                                            "tekken",
                                                            "smollm",
                                                            "chameleon",
                                                            "gpt-4o",
                                                            "llama4",
                                                            "kanana2",
                                                            "talkie",
                                                            "granite-embed-multi-97m",
                                                            "tiny_aya",
                                                            "cohere2moe",
                                                            "superbpe",
                                                            "trillion",
                                                            "granite-docling",
                                                            "bailingmoe",
                                                            "bailingmoe2",
                                                            "llada-moe",
                                                            "seed-coder",
                                                            "hunyuan",
                                                            "hunyuan-dense",
                                                            "hy_v4",
                                                            "joyai-llm",
                                                            "kimi-k2",
                                                            "ufakzeka",
                                                            "grok-2",
                                                            "afmoe",
                                                            "laguna",
                                                            "minimax-m2",
                                                            "solar-open",
                                                            "sarvam-moe"};
        v.clean_spaces = true;
        for (auto pre : kKeepsSpaces) v.clean_spaces = v.clean_spaces && v.pre != pre;
        // ... and emits a pre-token that is already a token whole for these.
        static constexpr std::string_view kIgnoresMerges[] = {"llama3",
                                                              "llama-v3",
                                                              "llama-bpe",
                                                              "falcon3",
                                                              "falcon-h1",
                                                              "pixtral",
                                                              "midm-2.0",
                                                              "lfm2",
                                                              "jina-v5-nano",
                                                              "minicpm5",
                                                              "youtu",
                                                              "tekken",
                                                              "granite-embed-multi-97m"};
        for (auto pre : kIgnoresMerges) v.ignore_merges = v.ignore_merges || v.pre == pre;
        // Pre-tokenizers whose models expect BOS although the file may not say so.
        static constexpr std::array<std::string_view, 11> kAddsBos = {
            "llama3",   "llama-v3", "llama-bpe",    "falcon3", "falcon-h1", "pixtral",
            "midm-2.0", "lfm2",     "jina-v5-nano", "tekken",  "chameleon"};
        for (auto pre : kAddsBos) v.add_bos = v.add_bos || v.pre == pre;
        if (v.pre == "glm4" || v.pre == "chatglm-bpe") v.bos = -1;
    } else if (v.model == "t5") {
        v.eos = 1, v.unk = 2, v.pad = 0;
        v.add_eos = true;
    } else if (v.model == "plamo2") {
        v.bos = 1, v.eos = 2, v.unk = 0, v.pad = 3;
    }
    // "rwkv", "gemma4", "none" and models llama.cpp does not know: no defaults.
}

}  // namespace

std::int32_t Vocabulary::find(std::string_view text) const {
    auto it = ids.find(text);
    return it == ids.end() ? -1 : it->second;
}

Vocabulary Vocabulary::from_gguf(const gguf::GgufFile& file) {
    const Reader r(file);
    Vocabulary v;
    v.model = r.string(kModel, true);
    v.pre = r.string(kPre, false);
    if (v.pre.empty()) v.pre = "default";

    // Tokens: the only array every model needs ("none"/"no_vocab" files may lack it).
    const Value::Array* tokens = r.array(kTokens);
    const bool vocab_free = v.model == "none" || v.model == "no_vocab";
    if (tokens == nullptr && !vocab_free) r.fail(kTokens, "missing (a vocabulary needs tokens)");
    if (tokens != nullptr) v.tokens = r.strings(kTokens, *tokens);
    if (v.tokens.empty() && !vocab_free) r.fail(kTokens, "the token list is empty");
    if (v.tokens.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        r.fail(kTokens, "too many tokens");
    }
    const auto n = static_cast<std::int32_t>(v.tokens.size());

    v.ids.reserve(v.tokens.size());
    for (std::int32_t id = 0; id < n; ++id) {
        auto& text = v.tokens[static_cast<std::size_t>(id)];
        if (text.empty()) text = "[EMPTY_" + std::to_string(id) + "]";  // as llama.cpp
        auto [it, inserted] = v.ids.emplace(text, id);
        if (!inserted) {
            r.fail(kTokens, "duplicate token '" + text + "' at ids " + std::to_string(it->second) +
                                " and " + std::to_string(id));
        }
    }

    if (const Value::Array* scores = r.array(kScores)) {
        if (scores->size() < v.tokens.size()) {
            r.fail(kScores,
                   std::to_string(scores->size()) + " scores for " + std::to_string(n) + " tokens");
        }
        v.scores.reserve(v.tokens.size());
        for (std::int32_t i = 0; i < n; ++i) {
            auto f = (*scores)[static_cast<std::size_t>(i)].as_float();
            if (!f) r.fail(kScores, "element " + std::to_string(i) + " is not a number");
            v.scores.push_back(static_cast<float>(*f));
        }
    }

    v.types.assign(v.tokens.size(), TokenType::normal);
    if (const Value::Array* types = r.array(kTokenType)) {
        if (types->size() < v.tokens.size()) {
            r.fail(kTokenType, std::to_string(types->size()) + " token types for " +
                                   std::to_string(n) + " tokens");
        }
        for (std::int32_t i = 0; i < n; ++i) {
            auto t = (*types)[static_cast<std::size_t>(i)].as_int();
            if (!t || *t < 0 || *t > static_cast<std::int64_t>(TokenType::byte)) {
                r.fail(kTokenType,
                       "element " + std::to_string(i) + " is not a token type (an integer 0..6)");
            }
            v.types[static_cast<std::size_t>(i)] = static_cast<TokenType>(*t);
        }
    }

    if (const Value::Array* merges = r.array(kMerges)) v.merges = r.strings(kMerges, *merges);
    const bool bpe = v.model == "gpt2" || v.model == "hybriddna" || v.model == "whitespace";
    if (bpe && v.merges.empty() && v.pre != "kimi-k2") {
        r.fail(kMerges, "missing: a '" + v.model + "' (BPE) vocabulary needs its merges");
    }

    set_model_defaults(v);
    for (std::int32_t* id : {&v.bos, &v.eos, &v.unk, &v.sep, &v.pad, &v.cls, &v.mask}) {
        if (*id >= n) *id = -1;  // a default beyond a small vocabulary means "none"
    }

    const auto bos_key = r.token_id(kBosId, n);
    const auto cls_key = r.token_id(kClsId, n);
    const std::pair<std::string_view, std::int32_t*> keyed[] = {
        {"tokenizer.ggml.eos_token_id", &v.eos},
        {"tokenizer.ggml.unknown_token_id", &v.unk},
        {"tokenizer.ggml.seperator_token_id", &v.sep},  // sic: llama.cpp's spelling
        {"tokenizer.ggml.padding_token_id", &v.pad},
        {"tokenizer.ggml.mask_token_id", &v.mask},
        {"tokenizer.ggml.eot_token_id", &v.eot},
        {"tokenizer.ggml.eom_token_id", &v.eom},
        {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre},
        {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
        {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid},
        {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
        {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep},
        {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
        // the older names of the first three FIM keys, read last as llama.cpp does
        {"tokenizer.ggml.prefix_token_id", &v.fim_pre},
        {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
        {"tokenizer.ggml.middle_token_id", &v.fim_mid},
    };
    for (const auto& [key, id] : keyed) {
        if (auto given = r.token_id(key, n)) *id = *given;
    }
    if (bos_key) v.bos = *bos_key;
    if (cls_key) v.cls = *cls_key;
    if (v.model == "bert") {
        // BERT's sequence start is [CLS]; llama.cpp calls it BOS. Keep the two in step.
        if (!bos_key && cls_key) v.bos = *cls_key;
        if (!cls_key) v.cls = v.bos;
    }

    if (auto b = r.boolean("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;
    if (auto b = r.boolean(kAddBos)) v.add_bos = *b;
    if (auto b = r.boolean(kAddEos)) v.add_eos = *b;
    // As llama.cpp, refuse to add an id that does not exist; name the key that is missing.
    const auto missing = [&](std::string_view what) {
        return "missing, and the '" + v.model + "' default " + std::string(what) +
               " is not in this vocabulary of " + std::to_string(n) + " tokens";
    };
    if (v.add_bos && v.bos < 0) {
        if (r.find(kAddBos) != nullptr)
            r.fail(kAddBos, "is true, but the vocabulary has no BOS id");
        r.fail(v.model == "bert" ? kClsId : kBosId, missing(v.model == "bert" ? "[CLS]" : "BOS"));
    }
    if (v.add_eos && v.eos < 0) {
        if (r.find(kAddEos) != nullptr)
            r.fail(kAddEos, "is true, but the vocabulary has no EOS id");
        r.fail("tokenizer.ggml.eos_token_id", missing("EOS"));
    }

    if (auto b = r.boolean(kLowercase)) v.lowercase = *b;
    v.strip_accents = v.lowercase;
    if (auto b = r.boolean(kStripAccents)) v.strip_accents = *b;
    return v;
}

}  // namespace deskside::tokenizer
