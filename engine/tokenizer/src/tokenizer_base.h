// What every tokenizer model shares, ported from llama.cpp's llama_vocab: the per-token
// attributes (the file's token types, plus the CONTROL flag llama.cpp forces on tokens it
// recognises by text, such as "<|im_end|>"), the end-of-generation set, the special-token
// partition, token_to_piece with its cache, and detokenize with clean_spaces.
//
// A model class derives from TokenizerBase, checks its vocabulary, then calls finish() at the
// end of its constructor (finish() calls model_piece, so it cannot run in this constructor).
// Private to deskside_tokenizer; immutable after construction, all reads are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "special_split.h"
#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer::detail {

// llama_token_attr bits: a token can carry several (NORMAL and a forced CONTROL).
enum Attr : std::uint32_t {
    attr_undefined = 0,
    attr_unknown = 1u << 0,
    attr_unused = 1u << 1,
    attr_normal = 1u << 2,
    attr_control = 1u << 3,
    attr_user_defined = 1u << 4,
    attr_byte = 1u << 5,
};

class TokenizerBase : public Tokenizer {
  public:
    TokenizerBase(const TokenizerBase&) = delete;  // splitter_ points into vocabulary_
    TokenizerBase& operator=(const TokenizerBase&) = delete;

    const Vocabulary& vocabulary() const final { return vocabulary_; }

  protected:
    explicit TokenizerBase(Vocabulary vocabulary);

    // Computes the attributes, the EOG set, the splitter and the piece cache.
    void finish();

    std::uint32_t attr(std::int32_t id) const { return attrs_[static_cast<std::size_t>(id)]; }
    std::vector<Fragment> partition(std::string_view text, bool parse_special) const {
        return splitter_->split(text, parse_special);
    }
    const std::string& token_text(std::int32_t id) const {
        return vocabulary_.tokens[static_cast<std::size_t>(id)];
    }

    // The piece of a NORMAL token (escapes undone) and of a BYTE token, per model.
    virtual std::string normal_piece(std::int32_t id) const = 0;
    virtual std::string byte_piece(std::int32_t id) const = 0;

    Vocabulary vocabulary_;

  private:
    std::string do_piece(std::int32_t id, bool special) const final;
    std::string do_detokenize(std::span<const std::int32_t> ids, bool remove_special,
                              bool unparse_special) const final;
    bool do_is_eog(std::int32_t id) const final;
    std::vector<std::int32_t> do_eog_ids() const final { return eog_; }
    bool do_is_control(std::int32_t id) const final;

    void detect_special_tokens();

    std::vector<std::uint32_t> attrs_;
    std::vector<std::string> pieces_;  // piece(id, special=true)
    std::vector<std::int32_t> eog_;    // ascending
    std::unique_ptr<SpecialSplitter> splitter_;
};

// llama.cpp's SPM/UGM token_to_byte: the two hex digits of "<0xNN>" (lenient, as strtol).
char byte_of_token_text(std::string_view text);

// llama.cpp's clean_spaces passes of detokenize, as a mask: keep[i] is false for the bytes of
// `text` they remove (only spaces are ever removed). Removing a byte depends on at most the
// five bytes after it.
std::vector<bool> clean_spaces_mask(std::string_view text);

// llama_unescape_whitespace: every "▁" (U+2581) becomes a space.
std::string unescape_whitespace(std::string_view text);

}  // namespace deskside::tokenizer::detail
