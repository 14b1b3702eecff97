// The SentencePiece-style ("llama") tokenizer, a port of llama.cpp's llm_tokenizer_spm_session:
//   1. special tokens are cut out first (special_split.h);
//   2. a raw fragment gets llama.cpp's leading space when it starts the text or follows a
//      special token (tokenizer.ggml.add_space_prefix), and every space becomes "▁";
//   3. the fragment is cut into UTF-8 characters (by lead byte, so invalid bytes are single
//      symbols) and adjacent symbols whose concatenation is a token are merged, highest
//      tokenizer.ggml.scores first (leftmost on a tie), until no pair is a token;
//   4. a final symbol that is not a token becomes the byte-fallback tokens <0xNN> of its bytes
//      (or the one-character token of the byte, where the vocabulary spells it so).
// Private to deskside_tokenizer; immutable after construction, encode() is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer_base.h"

namespace deskside::tokenizer::detail {

class SentencePieceTokenizer final : public TokenizerBase {
  public:
    // Throws Error(invalid_argument) when some byte has no fallback token (neither "<0xNN>" nor
    // the one-byte text), where llama.cpp would fail on the first text that needs it, and when
    // add_bos/add_eos is set without the id.
    explicit SentencePieceTokenizer(Vocabulary vocabulary);

  private:
    std::vector<std::int32_t> do_encode(std::string_view text, bool add_special,
                                        bool parse_special) const override;
    std::string normal_piece(std::int32_t id) const override;
    std::string byte_piece(std::int32_t id) const override;

    // `text` is already escaped ("▁" for spaces).
    void encode_text(std::string_view text, std::vector<std::int32_t>& out) const;
    float score(std::int32_t id) const {
        return vocabulary_.scores.empty() ? 0.0f : vocabulary_.scores[static_cast<std::size_t>(id)];
    }

    std::array<std::int32_t, 256> byte_tokens_{};
};

}  // namespace deskside::tokenizer::detail
