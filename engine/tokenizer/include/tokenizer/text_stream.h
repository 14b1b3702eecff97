// Streaming detokenizer: the generator feeds the ids it samples one at a time and gets back the
// text that is final so far, always as valid UTF-8. A byte token that starts a multi-byte
// character (<0xE6> of "日") is held until the character is complete; so are the few characters
// that llama.cpp's clean_spaces step could still change (a space before "." or "'s").
//
// The concatenation of every push() and the final finish() equals
// tokenizer.detokenize(ids, /*remove_special=*/false, unparse_special) whenever that is valid
// UTF-8; bytes that can never form a character (a stray continuation byte, a sequence cut off
// by finish()) come out as U+FFFD instead. The first piece loses its leading space for "llama"
// vocabularies, as in detokenize.
//
// One TextStream per generated sequence; not thread-safe. It keeps a reference to the
// tokenizer, which must outlive it. Never throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.h"

namespace deskside::tokenizer {

class TextStream {
  public:
    // unparse_special: write CONTROL tokens as their text (as detokenize's flag); by default
    // they add nothing, so an EOS that ends the answer prints nothing.
    explicit TextStream(const Tokenizer& tokenizer, bool unparse_special = false);

    // Appends token `id` (any id: out-of-range ids add nothing) and returns the text that has
    // become final, possibly "".
    std::string push(std::int32_t id);

    // The text still held back, then starts a new sequence (as reset()).
    std::string finish();

    // Forgets everything held and starts a new sequence; the next push() is a first piece.
    void reset();

  private:
    // Moves what is final from raw_ through pending_ to the returned text.
    std::string release(bool at_end);

    const Tokenizer& tokenizer_;
    bool unparse_special_;
    bool clean_spaces_;
    bool strip_first_space_;
    bool first_ = true;
    std::string raw_;  // pieces joined; raw_[0, decided_) is context already handled
    std::size_t decided_ = 0;
    std::string pending_;  // cleaned bytes that do not yet end on a character boundary
};

}  // namespace deskside::tokenizer
