// The WordPiece (BERT) tokenizer, a port of llama.cpp's llm_tokenizer_wpm_session:
//   1. special tokens are cut out first (special_split.h: user-defined ones always, control
//      ones with parse_special);
//   2. the rest is normalised code point by code point: llama.cpp's one-code-point "NFD",
//      combining marks dropped, control characters, NUL and U+FFFD dropped, lower-cased
//      (tokenizer.ggml.normalizer.* can turn the first and last off);
//   3. words end at whitespace; punctuation (P*), ASCII symbols (S* below U+007F, such as $ + <
//      = > ^ ` | ~) and CJK ideographs are one-character words;
//   4. each word is matched greedily, longest piece first, against "▁" + word: the GGUF writes
//      word-initial pieces as "▁piece" and Hugging Face's "##piece" continuations as "piece";
//      a word with any part left unmatched becomes one [UNK].
// Private to deskside_tokenizer; immutable after construction, encode() is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer_base.h"
#include "unicode_props.h"

namespace deskside::tokenizer::detail {

class WordPieceTokenizer final : public TokenizerBase {
  public:
    // Throws Error(invalid_argument) when the vocabulary has no [CLS]/BOS, [SEP] or [UNK] id.
    explicit WordPieceTokenizer(Vocabulary vocabulary);

  private:
    std::vector<std::int32_t> do_encode(std::string_view text, bool add_special,
                                        bool parse_special) const override;
    std::string normal_piece(std::int32_t id) const override;
    std::string byte_piece(std::int32_t id) const override;

    void encode_text(std::string_view text, std::vector<std::int32_t>& out) const;
    // `word` is "▁" + the normalised word; it is used as scratch space.
    void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

    UnicodeProps unicode_;
    std::size_t max_token_bytes_ = 0;
};

}  // namespace deskside::tokenizer::detail
