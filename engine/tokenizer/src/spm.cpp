// SentencePiece-style tokenizer; see spm.h. Comments cite the llama.cpp behaviour each step
// reproduces.
#include "spm.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <utility>

#include "base/error.h"
#include "unicode_props.h"

namespace deskside::tokenizer::detail {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581 "▁"

struct Symbol {
    std::uint32_t start, length;  // bytes of the text; length 0 once merged into the left
    std::int32_t prev, next;
};

struct Bigram {
    float score;
    std::int32_t left, right;
    std::uint32_t length;
    // priority_queue keeps the largest on top: highest score, then leftmost.
    bool operator<(const Bigram& other) const {
        return score < other.score || (score == other.score && left > other.left);
    }
};

// llama_escape_whitespace, with the leading space when asked for.
std::string escaped(std::string_view text, bool leading_space) {
    std::string out;
    out.reserve(text.size() + text.size() / 4 + kSpace.size());
    if (leading_space) out += kSpace;
    for (char c : text) {
        if (c == ' ') {
            out += kSpace;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(Vocabulary vocabulary)
    : TokenizerBase(std::move(vocabulary)) {
    // llama_vocab::byte_to_token: "<0xNN>", else the byte as a one-character token.
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        std::int32_t id = vocabulary_.find(name);
        if (id < 0) {
            const char c = static_cast<char>(byte);
            id = vocabulary_.find(std::string_view(&c, 1));
        }
        if (id < 0) {
            throw Error(ErrorCode::invalid_argument,
                        "SentencePiece vocabulary has no byte-fallback token " + std::string(name) +
                            " (tokenizer.ggml.tokens): text that needs it could not be tokenized");
        }
        byte_tokens_[static_cast<std::size_t>(byte)] = id;
    }
    if (vocabulary_.add_bos && vocabulary_.bos < 0) {
        throw Error(ErrorCode::invalid_argument,
                    "tokenizer.ggml.add_bos_token is true, but the vocabulary has no BOS id");
    }
    if (vocabulary_.add_eos && vocabulary_.eos < 0) {
        throw Error(ErrorCode::invalid_argument,
                    "tokenizer.ggml.add_eos_token is true, but the vocabulary has no EOS id");
    }
    finish();
}

std::vector<std::int32_t> SentencePieceTokenizer::do_encode(std::string_view text, bool add_special,
                                                            bool parse_special) const {
    std::vector<std::int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (add_special && vocabulary_.add_bos) out.push_back(vocabulary_.bos);
    bool previous_special = true;  // the text start counts as one: it gets the leading space
    for (const Fragment& f : partition(text, parse_special)) {
        if (f.id >= 0) {
            out.push_back(f.id);
            previous_special = true;
            continue;
        }
        encode_text(escaped(f.text, vocabulary_.add_space_prefix && previous_special), out);
        previous_special = false;
    }
    if (add_special && vocabulary_.add_eos) out.push_back(vocabulary_.eos);
    return out;
}

void SentencePieceTokenizer::encode_text(std::string_view text,
                                         std::vector<std::int32_t>& out) const {
    if (text.empty()) return;
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    for (std::size_t offset = 0; offset < text.size();) {
        const std::size_t length =
            std::min(text.size() - offset, utf8_length_of_lead(text[offset]));
        const auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length),
                           index - 1, offset + length == text.size() ? -1 : index + 1});
        offset += length;
    }
    std::priority_queue<Bigram> queue;
    const auto add_bigram = [&](std::int32_t left, std::int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<std::size_t>(left)];
        const Symbol& r = symbols[static_cast<std::size_t>(right)];
        const std::int32_t id = vocabulary_.find(text.substr(l.start, l.length + r.length));
        if (id < 0) return;
        queue.push({score(id), left, right, l.length + r.length});
    };
    for (std::size_t i = 1; i < symbols.size(); ++i) {
        add_bigram(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));
    }
    while (!queue.empty()) {
        const Bigram bigram = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(bigram.left)];
        Symbol& right = symbols[static_cast<std::size_t>(bigram.right)];
        if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
            continue;  // outdated
        }
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = bigram.left;
        add_bigram(left.prev, bigram.left);
        add_bigram(bigram.left, left.next);
    }
    // resegment: a merged symbol is always a token; a single character may not be one.
    for (std::int32_t i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
        const Symbol& symbol = symbols[static_cast<std::size_t>(i)];
        const std::string_view piece = text.substr(symbol.start, symbol.length);
        if (const std::int32_t id = vocabulary_.find(piece); id >= 0) {
            out.push_back(id);
            continue;
        }
        for (char byte : piece) out.push_back(byte_tokens_[static_cast<unsigned char>(byte)]);
    }
}

std::string SentencePieceTokenizer::normal_piece(std::int32_t id) const {
    return unescape_whitespace(token_text(id));
}

std::string SentencePieceTokenizer::byte_piece(std::int32_t id) const {
    return std::string(1, byte_of_token_text(token_text(id)));
}

}  // namespace deskside::tokenizer::detail
