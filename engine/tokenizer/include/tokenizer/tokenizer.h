// Text to token ids and back, built from a GGUF vocabulary. Reproduces llama.cpp's tokenizers
// id for id (golden files in ../shared/models/vocab and ../shared/models/reference).
//
// A Tokenizer owns its Vocabulary and is immutable after construction: encode() and piece()
// are thread-safe. encode() never throws for any byte string (invalid UTF-8 is dropped, as
// llama.cpp does); construction throws Error (see make_tokenizer).
#pragma once

#include <cstdint>
#include <memory>
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
    // Token ids of `text`; add_special adds what the vocabulary adds around a text (BERT:
    // [CLS] ... [SEP]; llama: BOS) — llama_tokenize(add_special, parse_special=false).
    virtual std::vector<std::int32_t> encode(std::string_view text, bool add_special) const = 0;
    // The text of one token as llama_token_to_piece(special=false) gives it. WordPiece: a
    // word-initial token ("▁hello" in the GGUF) gives " hello", a continuation ("##lo" in
    // Hugging Face, "lo" in the GGUF) gives "lo"; control tokens ([CLS], [SEP], and [UNK] when
    // the file marks it control) give "". Out-of-range ids give "".
    virtual std::string piece(std::int32_t id) const = 0;
};

// The tokenizer the file's tokenizer.ggml.model names. WordPiece ("bert") now; the decoder
// issue adds "llama" (SentencePiece) and "gpt2" (byte-level BPE). Throws Error(unsupported)
// naming the model for others ("tokenizer model 'llama' is not supported yet (SentencePiece
// comes with the decoder)"), Error(invalid_argument) for a malformed vocabulary (from_gguf's
// checks; a "bert" vocabulary without [CLS], [SEP] or [UNK] id).
std::unique_ptr<Tokenizer> make_tokenizer(const gguf::GgufFile& file);
std::unique_ptr<Tokenizer> make_tokenizer(Vocabulary vocabulary);

}  // namespace deskside::tokenizer
