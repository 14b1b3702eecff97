// Text to token ids and back, built from a GGUF vocabulary. Reproduces llama.cpp's tokenizers
// id for id (golden files in ../shared/models/vocab and ../shared/models/reference): WordPiece
// ("bert"), SentencePiece-style ("llama": llm_tokenizer_spm) and byte-level BPE ("gpt2":
// llm_tokenizer_bpe with the pre-tokenizer that tokenizer.ggml.pre names).
//
// A Tokenizer owns its Vocabulary and is kept apart from any model object. It is immutable after
// construction: every member function is thread-safe. encode() never throws for any byte string
// (invalid UTF-8 is handled as llama.cpp does); construction throws Error (see make_tokenizer).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/vocabulary.h"

namespace deskside::tokenizer {

class Tokenizer {
  public:
    virtual ~Tokenizer() = default;
    virtual const Vocabulary& vocabulary() const = 0;

    // llama_tokenize(text, add_special, parse_special).
    //   add_special: add what the vocabulary adds around a text: BOS when vocabulary().add_bos,
    //     EOS when add_eos ("llama", "gpt2"); always [CLS] ... [SEP] for "bert".
    //   parse_special: the text of CONTROL (and UNKNOWN) tokens, e.g. "<|im_start|>", becomes
    //     their id; with false it is tokenized as ordinary text. USER_DEFINED tokens (Qwen's
    //     "<tool_call>", "<think>") are matched whatever parse_special says, as in llama.cpp.
    // "llama" puts llama.cpp's leading space ("▁") before the text and after each special token
    // (tokenizer.ggml.add_space_prefix). Returns ids in [0, vocabulary().size()).
    std::vector<std::int32_t> encode(std::string_view text, bool add_special,
                                     bool parse_special = false) const {
        return do_encode(text, add_special, parse_special);
    }

    // llama_token_to_piece(id, lstrip=0, special): the bytes of one token.
    //   - a normal token: its text with the model's escapes undone ("▁" -> " " for "llama" and
    //     "bert"; GPT-2's byte-to-unicode mapping reversed for "gpt2"), which may be a partial
    //     UTF-8 sequence for "gpt2";
    //   - a byte token <0xNN>: the single raw byte (not valid UTF-8 on its own for NN >= 0x80);
    //   - a CONTROL or UNKNOWN token: "" when special is false, its text when true;
    //   - a USER_DEFINED token: its text; an UNUSED/UNDEFINED token and an out-of-range id: "".
    // WordPiece: a word-initial token ("▁hello" in the GGUF) gives " hello", a continuation
    // ("##lo" in Hugging Face, "lo" in the GGUF) gives "lo".
    std::string piece(std::int32_t id, bool special = false) const { return do_piece(id, special); }

    // llama_detokenize(ids, remove_special, unparse_special): the pieces joined, with
    //   - remove_special: a leading BOS dropped when the vocabulary adds BOS, a trailing EOS
    //     dropped when it adds EOS;
    //   - unparse_special: CONTROL tokens written as their text (piece(id, true));
    //   - "llama" (add_space_prefix): one leading space of the first piece dropped (unless a
    //     BOS was removed first);
    //   - "bert" and most "gpt2" pre-tokenizers (llama.cpp's clean_spaces): " ?", " !", " .",
    //     " ," lose the space, " ' " loses both spaces, " 's", " 'm", " 're", " 've" lose it.
    // The result is bytes, not necessarily valid UTF-8 (byte tokens can leave a sequence open).
    std::string detokenize(std::span<const std::int32_t> ids, bool remove_special = false,
                           bool unparse_special = false) const {
        return do_detokenize(ids, remove_special, unparse_special);
    }

    // End-of-generation tokens, as llama_vocab_is_eog: EOS, EOT/EOM (keys or text such as
    // "<|im_end|>", "<|eot_id|>", "<|endoftext|>"), FIM pad/repo/file-separator tokens.
    bool is_eog(std::int32_t id) const { return do_is_eog(id); }
    std::vector<std::int32_t> eog_ids() const { return do_eog_ids(); }  // ascending

    // True for a token llama.cpp treats as CONTROL (from the file, or forced by its text, as
    // "<|endoftext|>"): what parse_special matches and what piece(id, false) hides. False for
    // out-of-range ids.
    bool is_control(std::int32_t id) const { return do_is_control(id); }

  private:
    // Implemented in the library (src/tokenizer_base.h); not meant to be derived elsewhere.
    virtual std::vector<std::int32_t> do_encode(std::string_view text, bool add_special,
                                                bool parse_special) const = 0;
    virtual std::string do_piece(std::int32_t id, bool special) const = 0;
    virtual std::string do_detokenize(std::span<const std::int32_t> ids, bool remove_special,
                                      bool unparse_special) const = 0;
    virtual bool do_is_eog(std::int32_t id) const = 0;
    virtual std::vector<std::int32_t> do_eog_ids() const = 0;
    virtual bool do_is_control(std::int32_t id) const = 0;
};

// The tokenizer the file's tokenizer.ggml.model names: "bert" (WordPiece), "llama"
// (SentencePiece-style), "gpt2" (byte-level BPE). Throws
//   - Error(unsupported) naming the model for any other model ("t5", "rwkv", ...), and naming
//     the pre-tokenizer for a "gpt2" vocabulary whose tokenizer.ggml.pre this build does not
//     know (a missing pre falls back to "default", as llama.cpp does);
//   - Error(invalid_argument) for a malformed vocabulary: from_gguf's checks; a "bert"
//     vocabulary without [CLS], [SEP] or [UNK] id; a "llama" vocabulary without the <0xNN>
//     byte-fallback token of some byte; a "gpt2" vocabulary without merges or with a merge
//     that is not two tokens separated by a space (the merge's rank and text are named).
std::unique_ptr<Tokenizer> make_tokenizer(const gguf::GgufFile& file);
std::unique_ptr<Tokenizer> make_tokenizer(Vocabulary vocabulary);

}  // namespace deskside::tokenizer
