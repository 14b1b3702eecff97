// BPE pre-tokenizers; see pre_tokenizer.h. Each rule below names the llama.cpp pattern it
// reproduces; "W" is the regex \s of llama.cpp's setup (ASCII \t\n\v\f\r and space, or a
// non-ASCII White_Space code point), "collapsed" classes are \p{..} as its collapsed text sees
// them (ASCII by the ASCII ranges it substitutes, other code points by their category).
#include "pre_tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "byte_encoding.h"
#include "unicode_props.h"

namespace deskside::tokenizer::detail {

namespace {

using Lengths = std::vector<std::size_t>;

constexpr char32_t kOutOfRange = 0xFFFFFFFF;  // llama.cpp's OUT_OF_RANGE sentinel

// The code points of one text with their flags, and the predicates the rules ask.
class Text {
  public:
    explicit Text(std::u32string_view cpts) : cpts_(cpts) {
        flags_.reserve(cpts.size());
        for (char32_t cp : cpts) flags_.push_back(cpt_flags(cp));
    }

    std::size_t size() const { return cpts_.size(); }
    char32_t cp(std::size_t i) const { return cpts_[i]; }
    const CptFlags& flags(std::size_t i) const { return flags_[i]; }

    bool space(std::size_t i) const {  // regex \s
        const char32_t c = cpts_[i];
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || (c > 0x7F && flags_[i].whitespace);
    }
    // The code point std::wregex sees: non-ASCII whitespace is replaced by \v.
    char32_t wide(std::size_t i) const {
        return cpts_[i] > 0x7F && flags_[i].whitespace ? 0x0B : cpts_[i];
    }
    bool letter(std::size_t i) const {  // collapsed \p{L}
        const char32_t c = cpts_[i];
        if (c < 0x80) return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        return !flags_[i].whitespace && flags_[i].is_letter();
    }
    bool number(std::size_t i) const {  // collapsed \p{N}
        const char32_t c = cpts_[i];
        if (c < 0x80) return c >= '0' && c <= '9';
        return !flags_[i].whitespace && flags_[i].is_number();
    }
    bool punctuation(std::size_t i) const {  // collapsed \p{P}
        const char32_t c = cpts_[i];
        if (c < 0x80) {
            return c < 0x7F && std::u32string_view(U"!\"#%&'()*,-./:;?@[\\]_{}").find(c) !=
                                   std::u32string_view::npos;
        }
        return !flags_[i].whitespace && flags_[i].is_punctuation();
    }

  private:
    std::u32string_view cpts_;
    std::vector<CptFlags> flags_;
};

// Applies a rule to every piece of `in`. The rule gets the piece [b, e) and calls add(end) at
// the end of each new piece, in order; what is left at the end is one more piece.
template <typename Rule>
Lengths refine(const Lengths& in, Rule rule) {
    Lengths out;
    out.reserve(in.size() * 2);
    std::size_t start = 0;
    for (std::size_t length : in) {
        const std::size_t b = start, e = start + length;
        std::size_t prev = b;
        const auto add = [&](std::size_t end) {
            if (end > prev) out.push_back(end - prev);
            prev = std::max(prev, end);
        };
        rule(b, e, add);
        add(e);
        start = e;
    }
    return out;
}

// A regex used through std::regex_iterator: the leftmost match, then the next from its end.
// `match(i, e)` is the end of the match at i, or i when there is none.
template <typename Match>
Lengths refine_matches(const Lengths& in, Match match) {
    return refine(in, [&](std::size_t b, std::size_t e, const auto& add) {
        for (std::size_t i = b; i < e;) {
            const std::size_t end = match(i, e);
            if (end > i) {
                add(i);
                add(end);
                i = end;
            } else {
                ++i;
            }
        }
    });
}

// [C]
template <typename Class>
Lengths one_of(const Lengths& in, Class in_class) {
    return refine_matches(in, [&](std::size_t i, std::size_t) { return in_class(i) ? i + 1 : i; });
}

// [C]+
template <typename Class>
Lengths run_of(const Lengths& in, Class in_class) {
    return refine_matches(in, [&](std::size_t i, std::size_t e) {
        while (i < e && in_class(i)) ++i;
        return i;
    });
}

// \s?[C]+ : a space is taken when a run follows it, else the run starts at i.
template <typename Class>
Lengths space_and_run_of(const Text& t, const Lengths& in, Class in_class) {
    return refine_matches(in, [&](std::size_t i, std::size_t e) {
        std::size_t j = i;
        if (t.space(i) && i + 1 < e && in_class(i + 1)) {
            j = i + 1;
        } else if (!in_class(i)) {
            return i;
        }
        while (j < e && in_class(j)) ++j;
        return j;
    });
}

// \s+$ : the whitespace the piece ends with.
Lengths trailing_space(const Text& t, const Lengths& in) {
    return refine(in, [&](std::size_t b, std::size_t e, const auto& add) {
        std::size_t i = e;
        while (i > b && t.space(i - 1)) --i;
        if (i < e) add(i);
    });
}

// [0-9][0-9][0-9]
Lengths three_digits(const Text& t, const Lengths& in) {
    const auto digit = [&](std::size_t i) { return t.cp(i) >= '0' && t.cp(i) <= '9'; };
    return refine_matches(in, [&](std::size_t i, std::size_t e) {
        return i + 2 < e && digit(i) && digit(i + 1) && digit(i + 2) ? i + 3 : i;
    });
}

// Accessors with llama.cpp's out-of-piece sentinels.
struct Piece {
    const Text& t;
    std::size_t e;
    char32_t cp(std::size_t p) const { return p < e ? t.cp(p) : kOutOfRange; }
    CptFlags flags(std::size_t p) const { return p < e ? t.flags(p) : CptFlags{}; }
    static bool other(const CptFlags& f) {  // [^\s\p{L}\p{N}] inside the piece
        return !(f.whitespace || f.is_letter() || f.is_number()) && f.any();
    }
};

char32_t ascii_lower(char32_t c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

// llama.cpp's unicode_regex_split_custom_gpt2:
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
Lengths gpt2(const Text& t, const Lengths& in) {
    return refine(in, [&](std::size_t b, std::size_t e, const auto& add) {
        const Piece s{t, e};
        for (std::size_t pos = b; pos < e;) {
            const char32_t cpt = s.cp(pos);
            const CptFlags flags = s.flags(pos);
            if (cpt == '\'' && pos + 1 < e) {
                const char32_t next = s.cp(pos + 1);
                if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                    add(pos += 2);
                    continue;
                }
                if (pos + 2 < e) {
                    const char32_t next2 = s.cp(pos + 2);
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') ||
                        (next == 'l' && next2 == 'l')) {
                        add(pos += 3);
                        continue;
                    }
                }
            }
            CptFlags flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;
            if (flags2.is_letter()) {  // <space>?\p{L}+
                pos += cpt == ' ';
                while (flags2.is_letter()) flags2 = s.flags(++pos);
                add(pos);
                continue;
            }
            if (flags2.is_number()) {  // <space>?\p{N}+
                pos += cpt == ' ';
                while (flags2.is_number()) flags2 = s.flags(++pos);
                add(pos);
                continue;
            }
            if (Piece::other(flags2)) {  // <space>?[^\s\p{L}\p{N}]+
                pos += cpt == ' ';
                while (Piece::other(flags2)) flags2 = s.flags(++pos);
                add(pos);
                continue;
            }
            std::size_t spaces = 0;
            while (s.flags(pos + spaces).whitespace) ++spaces;
            if (spaces > 1 && s.cp(pos + spaces) != kOutOfRange) {  // \s+(?!\S)
                add(pos += spaces - 1);
                continue;
            }
            if (spaces > 0) {  // \s+
                add(pos += spaces);
                continue;
            }
            add(++pos);  // no match
        }
    });
}

// llama.cpp's unicode_regex_split_custom_llama3 (max_digits 3):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
// With max_digits 1 it is Qwen2's pattern (\p{N} alone), which llama.cpp runs through
// std::regex; the alternatives match the same text there.
Lengths llama3(const Text& t, const Lengths& in, std::size_t max_digits) {
    return refine(in, [&](std::size_t b, std::size_t e, const auto& add) {
        const Piece s{t, e};
        for (std::size_t pos = b; pos < e;) {
            const char32_t cpt = s.cp(pos);
            const CptFlags flags = s.flags(pos);
            if (cpt == '\'' && pos + 1 < e) {  // case-insensitive contractions
                const char32_t next = ascii_lower(s.cp(pos + 1));
                if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                    add(pos += 2);
                    continue;
                }
                if (pos + 2 < e) {
                    const char32_t next2 = ascii_lower(s.cp(pos + 2));
                    if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') ||
                        (next == 'l' && next2 == 'l')) {
                        add(pos += 3);
                        continue;
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || flags.is_number())) {
                if (flags.is_letter() || s.flags(pos + 1).is_letter()) {
                    ++pos;
                    while (s.flags(pos).is_letter()) ++pos;
                    add(pos);
                    continue;
                }
            }
            if (flags.is_number()) {  // \p{N}{1,max_digits}
                std::size_t first = pos;
                while (s.flags(pos).is_number()) {
                    if (++pos - first >= max_digits) {
                        add(pos);
                        first = pos;
                    }
                }
                add(pos);
                continue;
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*  (llama.cpp tests `flags`, not `flags2`, here)
            CptFlags flags2 = cpt == ' ' ? s.flags(pos + 1) : flags;
            if (!(flags2.whitespace || flags2.is_letter() || flags2.is_number()) && flags.any()) {
                pos += cpt == ' ';
                while (Piece::other(flags2)) flags2 = s.flags(++pos);
                for (char32_t c = s.cp(pos); c == '\r' || c == '\n'; c = s.cp(++pos)) {
                }
                add(pos);
                continue;
            }
            std::size_t spaces = 0, last_newline_end = 0;
            while (s.flags(pos + spaces).whitespace) {
                const char32_t c = s.cp(pos + spaces);
                if (c == '\r' || c == '\n') last_newline_end = pos + spaces + 1;
                ++spaces;
            }
            if (last_newline_end > 0) {  // \s*[\r\n]+
                add(pos = last_newline_end);
                continue;
            }
            if (spaces > 1 && s.cp(pos + spaces) != kOutOfRange) {  // \s+(?!\S)
                add(pos += spaces - 1);
                continue;
            }
            if (spaces > 0) {  // \s+
                add(pos += spaces);
                continue;
            }
            add(++pos);  // no match
        }
    });
}

struct Range {
    char32_t first, last;
};

template <std::size_t N>
bool in_ranges(const Range (&ranges)[N], char32_t c) {
    const Range* it = std::upper_bound(std::begin(ranges), std::end(ranges), c,
                                       [](char32_t v, const Range& r) { return v < r.first; });
    return it != std::begin(ranges) && c <= (it - 1)->last;
}

// deepseek-llm's letter class: the cased letters (Lu, Ll, Lt) of an older Unicode, written as
// ranges in the pattern (U+1F7D, U+1FBE, U+2126, U+212A... are the compatibility characters).
constexpr Range kDeepseekLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xB5, 0xB5},       {0xC0, 0xD6},
    {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
    {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x377},     {0x37B, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
    {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},
    {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
    {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},
    {0xA680, 0xA69B},   {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},
    {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};
// deepseek-llm's punctuation class [!-/:-~！-／：-～‘-‟　-。], sorted.
constexpr Range kDeepseekPunctuation[] = {{0x21, 0x2F},     {0x3A, 0x7E},     {0x2018, 0x201F},
                                          {0x3000, 0x3002}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E}};
// The deepseek "CJK" class [一-龥ࠀ-一가-퟿] (its middle range spans U+0800..U+4E00), sorted.
constexpr Range kDeepseekCjk[] = {{0x0800, 0x9FA5}, {0xAC00, 0xD7FF}};

bool ascii_in(char32_t c, std::u32string_view set) {
    return set.find(c) != std::u32string_view::npos;
}

Lengths split_all(PreTokenizerKind kind, const Text& t) {
    Lengths pieces;
    if (t.size() > 0) pieces.push_back(t.size());
    const auto newline = [&](std::size_t i) { return t.cp(i) == '\r' || t.cp(i) == '\n'; };
    const auto number = [&](std::size_t i) { return t.number(i); };
    const auto cjk = [&](std::size_t i) { return in_ranges(kDeepseekCjk, t.wide(i)); };
    switch (kind) {
        case PreTokenizerKind::default_bpe:
            pieces = run_of(pieces, [&](std::size_t i) {
                return t.punctuation(i) || ascii_in(t.cp(i), U"$+<=>^~|");
            });
            pieces = gpt2(t, pieces);
            pieces = run_of(pieces, number);
            return three_digits(t, pieces);
        case PreTokenizerKind::gpt2:
            return gpt2(t, pieces);
        case PreTokenizerKind::llama3:
            return llama3(t, pieces, 3);
        case PreTokenizerKind::qwen2:
            return llama3(t, pieces, 1);
        case PreTokenizerKind::deepseek_llm:
            pieces = one_of(pieces, newline);
            pieces = space_and_run_of(
                t, pieces, [&](std::size_t i) { return in_ranges(kDeepseekLetters, t.wide(i)); });
            pieces = space_and_run_of(t, pieces, [&](std::size_t i) {
                return in_ranges(kDeepseekPunctuation, t.wide(i));
            });
            pieces = trailing_space(t, pieces);
            pieces = run_of(pieces, cjk);
            return run_of(pieces, number);
        case PreTokenizerKind::deepseek_coder:
            pieces = one_of(pieces, newline);
            pieces = space_and_run_of(t, pieces, [&](std::size_t i) { return t.letter(i); });
            pieces = space_and_run_of(t, pieces, [&](std::size_t i) { return t.punctuation(i); });
            pieces = run_of(pieces, cjk);
            return one_of(pieces, number);
        case PreTokenizerKind::starcoder:
            pieces = one_of(pieces, number);
            return gpt2(t, pieces);
        case PreTokenizerKind::falcon:
            pieces = run_of(pieces, [&](std::size_t i) {
                return t.punctuation(i) || ascii_in(t.cp(i), U"$+<=>^~|`");
            });
            pieces = gpt2(t, pieces);
            return three_digits(t, pieces);
    }
    return pieces;
}

struct Alias {
    std::string_view pre;
    PreTokenizerKind kind;
};

// tokenizer.ggml.pre values and the pattern set llama.cpp gives them (llm_tokenizer_bpe).
constexpr Alias kAliases[] = {
    {"default", PreTokenizerKind::default_bpe},
    {"gpt-2", PreTokenizerKind::gpt2},
    {"phi-2", PreTokenizerKind::gpt2},
    {"jina-es", PreTokenizerKind::gpt2},
    {"jina-de", PreTokenizerKind::gpt2},
    {"gigachat", PreTokenizerKind::gpt2},
    {"jina-v2-es", PreTokenizerKind::gpt2},
    {"jina-v2-de", PreTokenizerKind::gpt2},
    {"a.x-4.0", PreTokenizerKind::gpt2},
    {"mellum", PreTokenizerKind::gpt2},
    {"modern-bert", PreTokenizerKind::gpt2},
    {"jina-v1-en", PreTokenizerKind::gpt2},
    {"jina-v2-code", PreTokenizerKind::gpt2},
    {"roberta-bpe", PreTokenizerKind::gpt2},
    {"exaone4", PreTokenizerKind::gpt2},
    {"mpt", PreTokenizerKind::gpt2},
    {"olmo", PreTokenizerKind::gpt2},
    {"jais", PreTokenizerKind::gpt2},
    {"trillion", PreTokenizerKind::gpt2},
    {"granite-docling", PreTokenizerKind::gpt2},
    {"llama3", PreTokenizerKind::llama3},
    {"llama-v3", PreTokenizerKind::llama3},
    {"llama-bpe", PreTokenizerKind::llama3},
    {"falcon3", PreTokenizerKind::llama3},
    {"falcon-h1", PreTokenizerKind::llama3},
    {"pixtral", PreTokenizerKind::llama3},
    {"midm-2.0", PreTokenizerKind::llama3},
    {"lfm2", PreTokenizerKind::llama3},
    {"jina-v5-nano", PreTokenizerKind::llama3},
    {"dbrx", PreTokenizerKind::llama3},
    {"smaug-bpe", PreTokenizerKind::llama3},
    {"glm4", PreTokenizerKind::llama3},
    {"chatglm-bpe", PreTokenizerKind::llama3},
    {"qwen2", PreTokenizerKind::qwen2},
    {"deepseek-r1-qwen", PreTokenizerKind::qwen2},
    {"kormo", PreTokenizerKind::qwen2},
    {"f2llmv2", PreTokenizerKind::qwen2},
    {"megrez", PreTokenizerKind::qwen2},
    {"stablelm2", PreTokenizerKind::qwen2},
    {"hunyuan", PreTokenizerKind::qwen2},
    {"solar-open", PreTokenizerKind::qwen2},
    {"deepseek-llm", PreTokenizerKind::deepseek_llm},
    {"deepseek-coder", PreTokenizerKind::deepseek_coder},
    {"starcoder", PreTokenizerKind::starcoder},
    {"refact", PreTokenizerKind::starcoder},
    {"command-r", PreTokenizerKind::starcoder},
    {"smollm", PreTokenizerKind::starcoder},
    {"codeshell", PreTokenizerKind::starcoder},
    {"exaone", PreTokenizerKind::starcoder},
    {"minerva-7b", PreTokenizerKind::starcoder},
    {"mellum2", PreTokenizerKind::starcoder},
    {"falcon", PreTokenizerKind::falcon},
};

}  // namespace

PreTokenizerKind pre_tokenizer_kind(std::string_view pre) {
    if (pre.empty()) return PreTokenizerKind::default_bpe;  // llama.cpp warns and goes on
    for (const Alias& alias : kAliases) {
        if (alias.pre == pre) return alias.kind;
    }
    throw Error(ErrorCode::unsupported, "BPE pre-tokenizer '" + std::string(pre) +
                                            "' (tokenizer.ggml.pre) is not supported");
}

std::vector<std::size_t> PreTokenizer::split_lengths(std::u32string_view text) const {
    return split_all(kind_, Text(text));
}

void PreTokenizer::split(std::string_view text, std::vector<std::string>& words) const {
    std::u32string cpts;
    cpts.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) cpts.push_back(next_codepoint(text, pos));
    std::size_t start = 0;
    std::string utf8;
    for (std::size_t length : split_all(kind_, Text(cpts))) {
        utf8.clear();
        for (std::size_t i = start; i < start + length; ++i) append_utf8(utf8, cpts[i]);
        std::string& word = words.emplace_back();
        append_byte_encoded(word, utf8);
        start += length;
    }
}

}  // namespace deskside::tokenizer::detail
