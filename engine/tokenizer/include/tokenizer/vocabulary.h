// A tokenizer's vocabulary as a GGUF file describes it (tokenizer.ggml.*): tokens, scores,
// token types, merges, special ids and the BOS/EOS rules, with the tokenizer flags llama.cpp
// derives from the model and pre-tokenizer names. Kept apart from any model object so that
// every tokenizer (WordPiece, SentencePiece-style, byte-level BPE) shares one loader. Plain
// value type; thread-safe to read.
//
// Defaults follow llama.cpp's llama_vocab::load: a key that is missing takes the default of
// the tokenizer model ("bert": [CLS]=101, [SEP]=102, [UNK]=100, [PAD]=0, [MASK]=103; "llama":
// BOS 1, EOS 2, UNK 0; "gpt2": BOS = EOS = 11), a default beyond the vocabulary becomes -1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/gguf_file.h"

namespace deskside::tokenizer {

// tokenizer.ggml.token_type values.
enum class TokenType : std::int32_t {
    undefined = 0,
    normal = 1,
    unknown = 2,
    control = 3,
    user_defined = 4,
    unused = 5,
    byte = 6,
};

// Hash for string-keyed maps that can be searched with a string_view (no temporary string).
struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
        return std::hash<std::string_view>{}(text);
    }
};

struct Vocabulary {
    std::string model;  // tokenizer.ggml.model: "bert", "llama", "gpt2", ...
    std::string pre;    // tokenizer.ggml.pre: "bert-bge", "qwen2", "llama-bpe", ... ("default")
    std::vector<std::string> tokens;  // an empty token becomes "[EMPTY_<id>]", as in llama.cpp
    std::vector<float> scores;        // empty when the file has none
    std::vector<TokenType> types;     // normal for all when the file has none
    std::vector<std::string> merges;  // BPE only: "a b" pairs in rank order
    // -1 = none. For "bert", bos is the [CLS] id (llama.cpp uses BOS for it): cls_token_id fills
    // bos when the file has no bos_token_id, and bos fills cls the other way round.
    std::int32_t bos = -1, eos = -1, unk = -1, sep = -1, pad = -1, cls = -1, mask = -1;
    // Ids given by tokenizer.ggml.{eot,eom,fim_*}_token_id (-1 when absent). The tokenizer also
    // detects them by text, as llama.cpp does, for its end-of-generation set.
    std::int32_t eot = -1, eom = -1;
    std::int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;
    bool add_bos = false, add_eos = false;
    // llama.cpp's tokenizer flags, defaulted per model and pre-tokenizer as llama_vocab::load:
    //   add_space_prefix: "llama" puts a space before the text (tokenizer.ggml.add_space_prefix
    //     overrides); detokenize drops it again;
    //   clean_spaces: detokenize removes the space before . , ! ? and some contractions ("bert",
    //     and "gpt2" except pre-tokenizers such as qwen2, deepseek-*, smollm, command-r);
    //   ignore_merges: a BPE pre-token that is itself a token is emitted whole (llama-bpe).
    bool add_space_prefix = false, clean_spaces = false, ignore_merges = false;
    // WordPiece normaliser (tokenizer.ggml.normalizer.lowercase / .strip_accents); strip_accents
    // follows lowercase when only that key is given, as in Hugging Face's BertNormalizer.
    bool lowercase = true, strip_accents = true;
    std::unordered_map<std::string, std::int32_t, TextHash, std::equal_to<>> ids;  // text -> id

    std::int32_t size() const { return static_cast<std::int32_t>(tokens.size()); }
    // The id of `text`, or -1.
    std::int32_t find(std::string_view text) const;
    // The type of token `id` (which must be in range).
    TokenType type(std::int32_t id) const { return types[static_cast<std::size_t>(id)]; }

    // Reads tokenizer.ggml.* from the file. Throws Error(invalid_argument) naming the file and
    // the key for a missing or malformed vocabulary: no tokenizer.ggml.model or .tokens, a value
    // of the wrong type, arrays shorter than the token list, a token type outside 0..6, a
    // duplicate token, a special id outside the vocabulary (0xFFFFFFFF and -1 mean "none"),
    // add_bos_token/add_eos_token set without the id, a "gpt2" vocabulary without merges.
    // Any tokenizer model name loads; make_tokenizer decides which ones can be run.
    static Vocabulary from_gguf(const gguf::GgufFile& file);
};

}  // namespace deskside::tokenizer
