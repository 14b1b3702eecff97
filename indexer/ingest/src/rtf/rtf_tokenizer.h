// Splits RTF into tokens: group braces, control words (letters and an optional signed
// parameter; one space after them is part of the word), control symbols (a backslash and one
// other character; \'hh carries its byte as the parameter), literal text runs and \bin
// payloads. CR and LF in text are not content in RTF and are dropped here. The tokenizer knows
// nothing of destinations; rtf_reader decides what tokens mean.
//
// Views into the caller's bytes, which must outlive the tokenizer. One tokenizer per document
// and thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace deskside::ingest::rtf {

enum class TokenKind {
    group_start,     // {
    group_end,       // }
    control_word,    // \name or \nameN
    control_symbol,  // \X for a non-letter X; name is X
    hex_byte,        // \'hh; parameter is the byte (0..255)
    text,            // literal bytes
    binary,          // the N bytes after \binN
    end,             // end of input
};

struct Token {
    TokenKind kind = TokenKind::end;
    std::string_view name;  // control word or symbol
    bool has_parameter = false;
    std::int32_t parameter = 0;
    std::string_view text;  // text run or binary payload
};

class Tokenizer {
  public:
    explicit Tokenizer(std::string_view input) : input_(input) {}

    Token next();

    std::size_t position() const { return pos_; }
    // True once a \bin claimed more bytes than the file has left (the payload is cut short).
    bool binary_cut_short() const { return binary_cut_short_; }

  private:
    Token control();

    std::string_view input_;
    std::size_t pos_ = 0;
    std::int64_t pending_binary_ = 0;  // \binN seen: the next N bytes are a payload
    bool binary_cut_short_ = false;
};

}  // namespace deskside::ingest::rtf
