// The byte-level BPE ("gpt2") tokenizer, a port of llama.cpp's llm_tokenizer_bpe_session:
//   1. special tokens are cut out first (special_split.h);
//   2. each remaining fragment is split by the pre-tokenizer tokenizer.ggml.pre names
//      (pre_tokenizer.h) into words spelled with GPT-2's byte-to-unicode mapping;
//   3. a word that is itself a token is kept whole when the vocabulary ignores merges
//      (llama-bpe); otherwise its characters are merged pair by pair, lowest merge rank
//      first (leftmost on a tie), as tokenizer.ggml.merges ranks them;
//   4. a final symbol that is not a token falls back to the tokens of its single bytes, and
//      is dropped where there are none (as llama.cpp does).
// No space is added in front of the text. Private to deskside_tokenizer; immutable after
// construction, encode() is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pre_tokenizer.h"
#include "tokenizer_base.h"

namespace deskside::tokenizer::detail {

class BpeTokenizer final : public TokenizerBase {
  public:
    // Throws Error(unsupported) for an unknown tokenizer.ggml.pre and Error(invalid_argument)
    // for a vocabulary without merges or with a merge that is not "left right" with both
    // halves in the vocabulary.
    explicit BpeTokenizer(Vocabulary vocabulary);

  private:
    std::vector<std::int32_t> do_encode(std::string_view text, bool add_special,
                                        bool parse_special) const override;
    std::string normal_piece(std::int32_t id) const override;
    std::string byte_piece(std::int32_t id) const override;

    void encode_word(std::string_view word, std::vector<std::int32_t>& out) const;

    struct Merge {
        std::int32_t rank;
        std::int32_t result;  // the id of left+right, or -1 when that is not a token
    };
    static std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
               static_cast<std::uint32_t>(right);
    }

    PreTokenizer pre_;
    std::unordered_map<std::uint64_t, Merge> merges_;  // (left id, right id) -> merge
};

}  // namespace deskside::tokenizer::detail
