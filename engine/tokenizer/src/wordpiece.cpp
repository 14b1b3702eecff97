// WordPiece; see wordpiece.h. Comments cite the llama.cpp behaviour each step reproduces.
#include "wordpiece.h"

#include <algorithm>
#include <utility>

#include "base/error.h"

namespace deskside::tokenizer::detail {

namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581 "▁", the GGUF word marker

void require_id(std::int32_t id, std::string_view what, std::string_view key) {
    if (id < 0) {
        throw Error(
            ErrorCode::invalid_argument,
            "WordPiece vocabulary has no " + std::string(what) + " id (" + std::string(key) + ")");
    }
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(Vocabulary vocabulary)
    : TokenizerBase(std::move(vocabulary)) {
    require_id(vocabulary_.bos, "[CLS]", "tokenizer.ggml.cls_token_id");
    require_id(vocabulary_.sep, "[SEP]", "tokenizer.ggml.seperator_token_id");
    require_id(vocabulary_.unk, "[UNK]", "tokenizer.ggml.unknown_token_id");
    for (const auto& token : vocabulary_.tokens) {
        max_token_bytes_ = std::max(max_token_bytes_, token.size());
    }
    finish();
}

std::vector<std::int32_t> WordPieceTokenizer::do_encode(std::string_view text, bool add_special,
                                                        bool parse_special) const {
    std::vector<std::int32_t> out;
    out.reserve(text.size() / 4 + 2);
    // llama.cpp pushes BOS ([CLS]) and SEP whenever add_special is set, whatever add_bos says.
    if (add_special) out.push_back(vocabulary_.bos);
    for (const Fragment& f : partition(text, parse_special)) {
        if (f.id >= 0) {
            out.push_back(f.id);
        } else {
            encode_text(f.text, out);
        }
    }
    if (add_special) out.push_back(vocabulary_.sep);
    return out;
}

void WordPieceTokenizer::encode_text(std::string_view text, std::vector<std::int32_t>& out) const {
    // llm_tokenizer_wpm_session::preprocess, with each word tokenized as soon as it ends.
    std::string word(kWordStart);
    const auto finish_word = [&] {
        if (word.size() > kWordStart.size()) encode_word(word, out);
        word.resize(kWordStart.size());
    };
    for (std::size_t pos = 0; pos < text.size();) {
        char32_t cp = next_codepoint(text, pos);
        if (vocabulary_.strip_accents) cp = unicode_.nfd_first(cp);
        const CodepointClass c = unicode_.classify(cp);
        if (c.whitespace) {
            finish_word();
            continue;
        }
        if (cp == 0 || cp == 0xFFFD || c.control) continue;
        if (vocabulary_.strip_accents && c.mark) continue;
        const char32_t shown = vocabulary_.lowercase ? unicode_.to_lower(cp) : cp;
        if (c.punctuation || (cp < 0x7F && c.symbol) || is_chinese_char(cp)) {
            finish_word();
            append_utf8(word, shown);
            finish_word();
        } else {
            append_utf8(word, shown);
        }
    }
    finish_word();
}

void WordPieceTokenizer::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
    // Greedy longest match from each position. Offsets are bytes, as in llama.cpp; a piece
    // cut inside a character cannot equal a (valid UTF-8) token, so only whole characters match.
    const std::size_t first_token = out.size();
    for (std::size_t i = 0; i < word.size();) {
        std::size_t length = std::min(word.size() - i, max_token_bytes_);
        for (; length > 0; --length) {
            const std::int32_t id = vocabulary_.find(word.substr(i, length));
            if (id >= 0) {
                out.push_back(id);
                break;
            }
        }
        if (length == 0) {  // a part matches nothing: the whole word is unknown
            out.resize(first_token);
            break;
        }
        i += length;
    }
    if (out.size() == first_token) out.push_back(vocabulary_.unk);
}

std::string WordPieceTokenizer::normal_piece(std::int32_t id) const {
    return unescape_whitespace(token_text(id));
}

std::string WordPieceTokenizer::byte_piece(std::int32_t id) const {
    return token_text(id);  // llama.cpp aborts on byte tokens in WordPiece; the text will do
}

}  // namespace deskside::tokenizer::detail
