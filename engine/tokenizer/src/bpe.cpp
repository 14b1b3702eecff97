// Byte-level BPE; see bpe.h. Comments cite the llama.cpp behaviour each step reproduces.
#include "bpe.h"

#include <queue>
#include <utility>

#include "base/error.h"
#include "byte_encoding.h"
#include "unicode_props.h"

namespace deskside::tokenizer::detail {

namespace {

constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

[[noreturn]] void bad_merge(std::size_t rank, std::string_view merge, const std::string& why) {
    throw Error(ErrorCode::invalid_argument, std::string(kMergesKey) + ": merge " +
                                                 std::to_string(rank) + " '" + std::string(merge) +
                                                 "' " + why);
}

struct Symbol {
    std::uint32_t start;   // byte offset in the word
    std::uint32_t length;  // 0 once merged into its left neighbour
    std::int32_t id;       // the token of the symbol's text, or -1
    std::int32_t prev, next;
};

struct Bigram {
    std::int32_t rank;
    std::int32_t left, right;
    std::uint32_t length;  // left + right length when queued
    std::int32_t result;   // the merged token, or -1
    // priority_queue keeps the largest on top: invert, lowest rank then leftmost first.
    bool operator<(const Bigram& other) const {
        return rank > other.rank || (rank == other.rank && left > other.left);
    }
};

}  // namespace

BpeTokenizer::BpeTokenizer(Vocabulary vocabulary)
    : TokenizerBase(std::move(vocabulary)), pre_(pre_tokenizer_kind(vocabulary_.pre)) {
    if (vocabulary_.merges.empty()) {
        throw Error(ErrorCode::invalid_argument,
                    std::string(kMergesKey) + ": missing: a 'gpt2' (BPE) vocabulary needs merges");
    }
    if (vocabulary_.add_bos && vocabulary_.bos < 0) {
        throw Error(ErrorCode::invalid_argument,
                    "tokenizer.ggml.add_bos_token is true, but the vocabulary has no BOS id");
    }
    if (vocabulary_.add_eos && vocabulary_.eos < 0) {
        throw Error(ErrorCode::invalid_argument,
                    "tokenizer.ggml.add_eos_token is true, but the vocabulary has no EOS id");
    }
    merges_.reserve(vocabulary_.merges.size());
    std::string joined;
    for (std::size_t rank = 0; rank < vocabulary_.merges.size(); ++rank) {
        const std::string& merge = vocabulary_.merges[rank];
        // llama.cpp splits at the first space after the first character.
        const std::size_t space = merge.find(' ', 1);
        if (space == std::string::npos) bad_merge(rank, merge, "has no space between two tokens");
        const std::string_view left = std::string_view(merge).substr(0, space);
        const std::string_view right = std::string_view(merge).substr(space + 1);
        const std::int32_t left_id = vocabulary_.find(left);
        const std::int32_t right_id = vocabulary_.find(right);
        if (left_id < 0 || right_id < 0) {
            bad_merge(
                rank, merge,
                "names '" + std::string(left_id < 0 ? left : right) + "', which is not a token");
        }
        joined.assign(left).append(right);
        // A later duplicate of a pair keeps the first rank (llama.cpp's emplace).
        merges_.try_emplace(pair_key(left_id, right_id),
                            Merge{static_cast<std::int32_t>(rank), vocabulary_.find(joined)});
    }
    finish();
}

std::vector<std::int32_t> BpeTokenizer::do_encode(std::string_view text, bool add_special,
                                                  bool parse_special) const {
    std::vector<std::int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (add_special && vocabulary_.add_bos) out.push_back(vocabulary_.bos);
    std::vector<std::string> words;
    for (const Fragment& f : partition(text, parse_special)) {
        if (f.id >= 0) {
            out.push_back(f.id);
            continue;
        }
        words.clear();
        pre_.split(f.text, words);
        for (const std::string& word : words) encode_word(word, out);
    }
    if (add_special && vocabulary_.add_eos) out.push_back(vocabulary_.eos);
    return out;
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
    if (word.empty()) return;
    if (vocabulary_.ignore_merges) {
        if (const std::int32_t id = vocabulary_.find(word); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    // One symbol per (byte-encoded) character.
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (std::size_t offset = 0; offset < word.size();) {
        const std::size_t length =
            std::min(word.size() - offset, utf8_length_of_lead(word[offset]));
        const auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length),
                           vocabulary_.find(word.substr(offset, length)), index - 1,
                           offset + length == word.size() ? -1 : index + 1});
        offset += length;
    }
    std::priority_queue<Bigram> queue;
    const auto add_bigram = [&](std::int32_t left, std::int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<std::size_t>(left)];
        const Symbol& r = symbols[static_cast<std::size_t>(right)];
        if (l.id < 0 || r.id < 0) return;  // every merge names two tokens
        const auto it = merges_.find(pair_key(l.id, r.id));
        if (it == merges_.end()) return;
        queue.push({it->second.rank, left, right, l.length + r.length, it->second.result});
    };
    for (std::size_t i = 1; i < symbols.size(); ++i) {
        add_bigram(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));
    }
    while (!queue.empty()) {
        const Bigram bigram = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(bigram.left)];
        Symbol& right = symbols[static_cast<std::size_t>(bigram.right)];
        // Outdated: one side was merged away or grew since it was queued.
        if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
            continue;
        }
        left.id = bigram.result;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = bigram.left;
        add_bigram(left.prev, bigram.left);
        add_bigram(bigram.left, left.next);
    }
    for (std::int32_t i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
        const Symbol& symbol = symbols[static_cast<std::size_t>(i)];
        if (symbol.id >= 0) {
            out.push_back(symbol.id);
            continue;
        }
        // Not a token: the tokens of its single bytes, where there are any.
        for (char byte : word.substr(symbol.start, symbol.length)) {
            const std::int32_t id = vocabulary_.find(std::string_view(&byte, 1));
            if (id >= 0) out.push_back(id);
        }
    }
}

std::string BpeTokenizer::normal_piece(std::int32_t id) const {
    // llama_decode_text: every code point back to its byte; one that spells none is written
    // "[UNK_BYTE_0x<its UTF-8 in hex><the whole token>]".
    const std::string& text = token_text(id);
    std::string bytes;
    bytes.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const char32_t cp = next_codepoint(text, pos);
        const int byte = codepoint_to_byte(cp);
        if (byte >= 0) {
            bytes.push_back(static_cast<char>(byte));
            continue;
        }
        std::string utf8;
        append_utf8(utf8, cp);
        static constexpr char kHex[] = "0123456789abcdef";
        bytes += "[UNK_BYTE_0x";
        for (char c : utf8) {
            bytes.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
            bytes.push_back(kHex[static_cast<unsigned char>(c) & 15]);
        }
        bytes += text + "]";
    }
    return bytes;
}

std::string BpeTokenizer::byte_piece(std::int32_t id) const {
    return std::string(1, byte_of_token_text(token_text(id)));
}

}  // namespace deskside::tokenizer::detail
