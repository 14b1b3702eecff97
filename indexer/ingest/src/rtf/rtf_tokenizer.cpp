// The RTF tokenizer of rtf_tokenizer.h; one instance per document and thread.
#include "rtf/rtf_tokenizer.h"

#include <algorithm>
#include <limits>

namespace deskside::ingest::rtf {
namespace {

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Token Tokenizer::next() {
    Token token;
    if (pending_binary_ > 0) {
        std::size_t left = input_.size() - pos_;
        std::size_t take = static_cast<std::size_t>(
            std::min<std::int64_t>(pending_binary_, static_cast<std::int64_t>(left)));
        binary_cut_short_ = binary_cut_short_ || take < static_cast<std::size_t>(pending_binary_);
        pending_binary_ = 0;
        token.kind = TokenKind::binary;
        token.text = input_.substr(pos_, take);
        pos_ += take;
        return token;
    }
    while (pos_ < input_.size() && (input_[pos_] == '\r' || input_[pos_] == '\n')) ++pos_;
    if (pos_ >= input_.size()) return token;
    char c = input_[pos_];
    if (c == '{' || c == '}') {
        ++pos_;
        token.kind = c == '{' ? TokenKind::group_start : TokenKind::group_end;
        return token;
    }
    if (c == '\\') return control();
    std::size_t start = pos_;
    while (pos_ < input_.size()) {
        char d = input_[pos_];
        if (d == '\\' || d == '{' || d == '}' || d == '\r' || d == '\n') break;
        ++pos_;
    }
    token.kind = TokenKind::text;
    token.text = input_.substr(start, pos_ - start);
    return token;
}

Token Tokenizer::control() {
    Token token;
    ++pos_;                                   // the backslash
    if (pos_ >= input_.size()) return token;  // a lone backslash at the end
    char c = input_[pos_];
    if (!is_letter(c)) {
        ++pos_;
        if (c == '\'') {
            int high = pos_ < input_.size() ? hex_value(input_[pos_]) : -1;
            int low = pos_ + 1 < input_.size() ? hex_value(input_[pos_ + 1]) : -1;
            token.kind = TokenKind::hex_byte;
            token.has_parameter = high >= 0 && low >= 0;
            if (token.has_parameter) {
                token.parameter = high * 16 + low;
                pos_ += 2;
            } else if (high >= 0) {
                ++pos_;  // half an escape (cut off, or a stray digit): dropped with it
            }
            return token;
        }
        if (c == '\r' || c == '\n') {  // a backslash before a line break is \par
            token.kind = TokenKind::control_word;
            token.name = "par";
            return token;
        }
        token.kind = TokenKind::control_symbol;
        token.name = input_.substr(pos_ - 1, 1);
        return token;
    }
    std::size_t start = pos_;
    while (pos_ < input_.size() && is_letter(input_[pos_])) ++pos_;
    token.kind = TokenKind::control_word;
    token.name = input_.substr(start, pos_ - start);
    bool negative = pos_ < input_.size() && input_[pos_] == '-' && pos_ + 1 < input_.size() &&
                    is_digit(input_[pos_ + 1]);
    if (negative) ++pos_;
    if (pos_ < input_.size() && is_digit(input_[pos_])) {
        std::int64_t value = 0;
        while (pos_ < input_.size() && is_digit(input_[pos_])) {
            if (value < std::numeric_limits<std::int32_t>::max())
                value = value * 10 + (input_[pos_] - '0');
            ++pos_;
        }
        value = std::min<std::int64_t>(value, std::numeric_limits<std::int32_t>::max());
        token.has_parameter = true;
        token.parameter = static_cast<std::int32_t>(negative ? -value : value);
    }
    if (pos_ < input_.size() && input_[pos_] == ' ') ++pos_;  // the delimiting space
    if (token.name == "bin" && token.parameter > 0) pending_binary_ = token.parameter;
    return token;
}

}  // namespace deskside::ingest::rtf
