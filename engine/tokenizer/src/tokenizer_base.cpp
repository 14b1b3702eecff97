// The parts of llama_vocab every tokenizer model shares; see tokenizer_base.h. Comments cite
// the llama.cpp step each part reproduces.
#include "tokenizer_base.h"

#include <algorithm>
#include <utility>

namespace deskside::tokenizer::detail {

namespace {

using Texts = std::span<const std::string_view>;

// The texts llama_vocab::impl::load recognises special tokens by, group by group.
constexpr std::string_view kEotTexts[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "<|end_of_text|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "[EOT]",
                                          "<\uFF5Cend\u2581of\u2581sentence\uFF5C>",
                                          "<end_of_utterance>"};
constexpr std::string_view kEomTexts[] = {"<|eom_id|>"};
constexpr std::string_view kFimPreTexts[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",    "<\uFF5Cfim\u2581begin\uFF5C>",
    "<PRE>",          "\u2581<PRE>",  "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufTexts[] = {
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",    "<\uFF5Cfim\u2581hole\uFF5C>",
    "<SUF>",          "\u2581<SUF>",  "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidTexts[] = {
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>",    "<\uFF5Cfim\u2581end\uFF5C>",
    "<MID>",          "\u2581<MID>",  "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
                                             "[PAD]"};
constexpr std::string_view kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                                             "<REPO>", "<reponame>"};
constexpr std::string_view kFimSepTexts[] = {"<|file_sep|>"};
constexpr std::string_view kEogTexts[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<|return|>",
                                          "<|call|>",
                                          "<|flush|>",
                                          "<|calls|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "</s>",
                                          "<|eom_id|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "[EOT]",
                                          "[EOS]",
                                          "<|end_of_text|>",
                                          "<end_of_utterance>",
                                          "<eos>",
                                          "<turn|>",
                                          "<|tool_response>",
                                          "<\uFF5Cend\u2581of\u2581sentence\uFF5C>",
                                          "[e~["};
// gpt-oss: llama.cpp always renders these, whatever the file says.
constexpr std::string_view kAlwaysRendered[] = {"<|channel|>", "<|message|>", "<|start|>",
                                                "<|constrain|>"};

std::uint32_t attr_of(TokenType type) {
    switch (type) {
        case TokenType::unknown:
            return attr_unknown;
        case TokenType::unused:
            return attr_unused;
        case TokenType::normal:
            return attr_normal;
        case TokenType::control:
            return attr_control;
        case TokenType::user_defined:
            return attr_user_defined;
        case TokenType::byte:
            return attr_byte;
        case TokenType::undefined:
            return attr_undefined;
    }
    return attr_undefined;
}

}  // namespace

char byte_of_token_text(std::string_view text) {
    // strtol(text.substr(3, 2), 16): as many hex digits as there are, 0 when none.
    int value = 0;
    for (std::size_t i = 3; i < std::min<std::size_t>(text.size(), 5); ++i) {
        const char c = text[i];
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else {
            break;
        }
        value = value * 16 + digit;
    }
    return static_cast<char>(value);
}

std::vector<bool> clean_spaces_mask(std::string_view text) {
    // Each pass of llama_vocab::impl::detokenize runs over the previous pass's output; here a
    // pass reads (byte index, byte) pairs and keeps the survivors.
    struct Byte {
        std::size_t index;
        char c;
    };
    std::vector<Byte> in, out;  // each pass reads `in` (the last output) and fills `out`
    in.reserve(text.size());
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) out.push_back({i, text[i]});
    const auto next_pass = [&] {
        in.swap(out);
        out.clear();
        if (!in.empty()) out.push_back(in[0]);
    };
    // 1: " ?", " !", " .", " ," lose the space.
    next_pass();
    for (std::size_t i = 1; i < in.size(); ++i) {
        const char x = in[i].c;
        if (in[i - 1].c == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) out.pop_back();
        out.push_back(in[i]);
    }
    // 2: a lone apostrophe " ' " loses both spaces (llama.cpp blanks the second in place, so
    // the byte after it sees no space before it).
    next_pass();
    for (std::size_t i = 1; i < in.size(); ++i) {
        const Byte x = in[i];
        if (x.c == '\'' && i + 1 < in.size() && in[i - 1].c == ' ' && in[i + 1].c == ' ') {
            out.pop_back();
            in[++i].c = '\0';
        }
        out.push_back(x);
    }
    // 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
    next_pass();
    const std::size_t n = in.size();
    for (std::size_t i = 1; i < n; ++i) {
        if (in[i - 1].c == ' ' && in[i].c == '\'' && i + 1 < n) {
            const char x1 = in[i + 1].c;
            if (x1 == 's' || x1 == 'm') {
                out.pop_back();
            } else if (x1 != 't' && x1 != 'd' && i + 2 < n) {
                const char x2 = in[i + 2].c;
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) out.pop_back();
            }
        }
        out.push_back(in[i]);
    }
    std::vector<bool> keep(text.size(), false);
    for (const Byte& b : out) keep[b.index] = true;
    return keep;
}

std::string unescape_whitespace(std::string_view text) {
    static constexpr std::string_view kMarker = "\xE2\x96\x81";  // U+2581 "▁"
    std::string result;
    result.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, kMarker.size(), kMarker) == 0) {
            result.push_back(' ');
            i += kMarker.size();
        } else {
            result.push_back(text[i++]);
        }
    }
    return result;
}

TokenizerBase::TokenizerBase(Vocabulary vocabulary) : vocabulary_(std::move(vocabulary)) {}

void TokenizerBase::finish() {
    attrs_.resize(vocabulary_.tokens.size());
    for (std::size_t id = 0; id < attrs_.size(); ++id) attrs_[id] = attr_of(vocabulary_.types[id]);
    detect_special_tokens();

    // llama.cpp's cache_special_tokens: CONTROL, USER_DEFINED and UNKNOWN tokens.
    std::vector<bool> special(attrs_.size()), always(attrs_.size());
    for (std::size_t id = 0; id < attrs_.size(); ++id) {
        special[id] = (attrs_[id] & (attr_control | attr_user_defined | attr_unknown)) != 0;
        always[id] = (attrs_[id] & (attr_control | attr_unknown)) == 0;
    }
    splitter_ = std::make_unique<SpecialSplitter>(vocabulary_, special, always);

    // llama.cpp's cache_token_to_piece: token_to_piece(id, special=true) for every id.
    pieces_.resize(attrs_.size());
    for (std::int32_t id = 0; id < vocabulary_.size(); ++id) {
        const std::uint32_t a = attr(id);
        std::string& piece = pieces_[static_cast<std::size_t>(id)];
        if (a & (attr_unknown | attr_control | attr_user_defined)) {
            piece = token_text(id);
        } else if (a & attr_normal) {
            piece = normal_piece(id);
        } else if (a & attr_byte) {
            piece = byte_piece(id);
        }  // UNUSED and UNDEFINED tokens print nothing
    }
}

void TokenizerBase::detect_special_tokens() {
    const Vocabulary& v = vocabulary_;
    // llama.cpp walks its hash map and takes the first token of a group it meets; we take the
    // lowest id, so that the choice does not depend on a hash order.
    const auto detect = [&](std::int32_t keyed, Texts texts) {
        if (keyed >= 0) return keyed;
        std::int32_t found = -1;
        for (std::string_view text : texts) {
            const std::int32_t id = v.find(text);
            if (id >= 0 && (found < 0 || id < found)) found = id;
        }
        if (found >= 0) attrs_[static_cast<std::size_t>(found)] |= attr_control;
        return found;
    };
    const std::int32_t eot = detect(v.eot, kEotTexts);
    const std::int32_t eom = detect(v.eom, kEomTexts);
    detect(v.fim_pre, kFimPreTexts);
    detect(v.fim_suf, kFimSufTexts);
    detect(v.fim_mid, kFimMidTexts);
    const std::int32_t fim_pad = detect(v.fim_pad, kFimPadTexts);
    const std::int32_t fim_rep = detect(v.fim_rep, kFimRepTexts);
    const std::int32_t fim_sep = detect(v.fim_sep, kFimSepTexts);

    std::vector<std::int32_t> eog;
    for (std::int32_t id : {fim_pad, fim_rep, fim_sep}) {
        if (id >= 0) eog.push_back(id);
    }
    for (std::string_view text : kEogTexts) {
        const std::int32_t id = v.find(text);
        if (id < 0) continue;
        eog.push_back(id);
        attrs_[static_cast<std::size_t>(id)] |= attr_control;
    }
    for (std::string_view text : kAlwaysRendered) {
        const std::int32_t id = v.find(text);
        if (id >= 0) attrs_[static_cast<std::size_t>(id)] = attr_user_defined;
    }
    for (std::int32_t id : {v.eos, eot, eom}) {
        if (id >= 0) eog.push_back(id);
    }
    std::sort(eog.begin(), eog.end());
    eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

    const auto in_eog = [&](std::string_view text) {
        const std::int32_t id = v.find(text);
        return id >= 0 && std::binary_search(eog.begin(), eog.end(), id) ? id : -1;
    };
    const auto drop = [&](std::int32_t id, std::uint32_t new_attr) {
        eog.erase(std::find(eog.begin(), eog.end(), id));
        attrs_[static_cast<std::size_t>(id)] = new_attr;
    };
    // o200k_harmony and solar-open: "<|end|>" ends a message, not the generation.
    const bool has_call = in_eog("<|call|>") >= 0 || in_eog("<|calls|>") >= 0;
    const std::int32_t end = in_eog("<|end|>");
    if (end >= 0 && has_call && (in_eog("<|return|>") >= 0 || in_eog("<|flush|>") >= 0)) {
        drop(end, attr_user_defined);
    }
    // gemma4 and paddleocr: "</s>" is text when "<|tool_response>" is there.
    const std::int32_t s = in_eog("</s>");
    if (s >= 0 && in_eog("<|tool_response>") >= 0) drop(s, attr_normal);
    eog_ = std::move(eog);
}

std::string TokenizerBase::do_piece(std::int32_t id, bool special) const {
    if (id < 0 || id >= vocabulary_.size()) return {};
    if (!special && (attr(id) & (attr_unknown | attr_control))) return {};
    return pieces_[static_cast<std::size_t>(id)];
}

std::string TokenizerBase::do_detokenize(std::span<const std::int32_t> ids, bool remove_special,
                                         bool unparse_special) const {
    const Vocabulary& v = vocabulary_;
    bool remove_space = v.add_space_prefix;  // the space llama.cpp put before the text
    if (remove_special && v.add_bos && !ids.empty() && ids.front() == v.bos) {
        remove_space = false;
        ids = ids.subspan(1);
    }
    if (remove_special && v.add_eos && !ids.empty() && ids.back() == v.eos) {
        ids = ids.first(ids.size() - 1);
    }
    std::string text;
    for (std::int32_t id : ids) {
        if (id >= 0 && id < v.size() &&
            (unparse_special || !(attr(id) & (attr_unknown | attr_control)))) {
            const std::string& piece = pieces_[static_cast<std::size_t>(id)];
            const std::size_t skip = remove_space && !piece.empty() && piece[0] == ' ' ? 1 : 0;
            text.append(piece, skip, std::string::npos);
        }
        remove_space = false;
    }
    if (!v.clean_spaces) return text;
    const std::vector<bool> keep = clean_spaces_mask(text);
    std::string cleaned;
    cleaned.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (keep[i]) cleaned.push_back(text[i]);
    }
    return cleaned;
}

bool TokenizerBase::do_is_eog(std::int32_t id) const {
    return std::binary_search(eog_.begin(), eog_.end(), id);
}

bool TokenizerBase::do_is_control(std::int32_t id) const {
    return id >= 0 && id < vocabulary_.size() && (attr(id) & attr_control) != 0;
}

}  // namespace deskside::tokenizer::detail
