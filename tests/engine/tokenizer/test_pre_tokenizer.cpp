// The BPE pre-tokenizers (src/pre_tokenizer.h) against llama.cpp's own way of running the
// regexes it does not hand-code: std::regex over a "collapsed" text (every code point >= 0x80
// replaced by one byte for its category, \p{..} in the pattern by that byte plus the ASCII
// ranges) or std::wregex over the code points (non-ASCII whitespace replaced by \v), with
// regex_iterator cutting each piece left by the previous pattern. The hand-written gpt2/llama3
// splitters are llama.cpp's own code and are checked by the golden files instead. Random texts
// from a mixed alphabet (every category, some unassigned) with a fixed seed.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "base/error.h"
#include "pre_tokenizer.h"
#include "unicode_props.h"

namespace deskside::tokenizer::detail {
namespace {

using Lengths = std::vector<std::size_t>;

// llama.cpp's unicode_regex_split_stl: each match and each gap between matches is a piece.
template <typename CharT>
Lengths regex_split(const std::basic_string<CharT>& text, const std::basic_regex<CharT>& expr,
                    const Lengths& in) {
    Lengths out;
    std::size_t start = 0;
    for (std::size_t length : in) {
        std::regex_iterator<const CharT*> it(text.data() + start, text.data() + start + length,
                                             expr);
        std::size_t end_of_last = 0;
        for (; it != std::regex_iterator<const CharT*>(); ++it) {
            const auto position = static_cast<std::size_t>(it->position());
            if (position > end_of_last) out.push_back(position - end_of_last);
            out.push_back(static_cast<std::size_t>(it->length()));
            end_of_last = position + static_cast<std::size_t>(it->length());
        }
        if (end_of_last < length) out.push_back(length - end_of_last);
        start += length;
    }
    return out;
}

constexpr auto kFlags = std::regex_constants::optimize | std::regex_constants::nosubs;

// A pattern with \p{N}, \p{L} or \p{P}, run on the collapsed text as llama.cpp does.
Lengths collapsed_split(const std::u32string& cpts, const std::string& pattern, const Lengths& in) {
    static const std::map<std::string, std::string> kClasses = {
        {"\\p{N}", "\xD1\x30-\x39"},
        {"\\p{L}", "\xD2\x41-\x5A\x61-\x7A"},
        {"\\p{P}",
         "\xD3\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D"},
    };
    std::string text;
    for (char32_t cp : cpts) {
        if (cp < 0x80) {
            text.push_back(static_cast<char>(cp));
            continue;
        }
        const CptFlags f = cpt_flags(cp);
        if (f.whitespace) {
            text.push_back('\x0B');
        } else if (f.category == CptFlags::number) {
            text.push_back('\xD1');
        } else if (f.category == CptFlags::letter) {
            text.push_back('\xD2');
        } else if (f.category == CptFlags::punctuation) {
            text.push_back('\xD3');
        } else if (f.category == CptFlags::mark) {
            text.push_back('\xD4');
        } else if (f.category == CptFlags::symbol) {
            text.push_back('\xD5');
        } else {
            text.push_back('\xD0');
        }
    }
    std::string collapsed;
    bool inside = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '[' && (i == 0 || pattern[i - 1] != '\\')) {
            inside = true;
        } else if (inside && pattern[i] == ']' && pattern[i - 1] != '\\') {
            inside = false;
        } else if (pattern.compare(i, 3, "\\p{") == 0) {
            const std::string cls = kClasses.at(pattern.substr(i, 5));
            collapsed += inside ? cls : "[" + cls + "]";
            i += 4;
            continue;
        }
        collapsed.push_back(pattern[i]);
    }
    static std::map<std::string, std::regex> compiled;  // compiling dominates otherwise
    auto it = compiled.try_emplace(collapsed, collapsed, kFlags).first;
    return regex_split(text, it->second, in);
}

// A pattern without \p{..}: std::wregex on the code points.
Lengths wide_split(const std::u32string& cpts, const std::wstring& pattern, const Lengths& in) {
    std::wstring text;
    for (char32_t cp : cpts) {
        text.push_back(cp > 0x7F && cpt_flags(cp).whitespace ? L'\x0B' : static_cast<wchar_t>(cp));
    }
    static std::map<std::wstring, std::wregex> compiled;
    auto it = compiled.try_emplace(pattern, pattern, kFlags).first;
    return regex_split(text, it->second, in);
}

// The hand-written GPT-2 splitter, applied piece by piece as llama.cpp does.
Lengths gpt2_split(const std::u32string& cpts, const Lengths& in) {
    const PreTokenizer gpt2(PreTokenizerKind::gpt2);
    Lengths out;
    std::size_t start = 0;
    for (std::size_t length : in) {
        for (std::size_t l : gpt2.split_lengths(std::u32string_view(cpts).substr(start, length))) {
            out.push_back(l);
        }
        start += length;
    }
    return out;
}

// deepseek-llm's second pattern; llama.cpp writes the class as UTF-8 text, here as escapes.
const std::wstring kDeepseekLetters =
    L"\\s?["
    L"A-Za-z\U000000B5\U000000C0-\U000000D6\U000000D8-\U000000F6\U000000F8-\U000001BA"
    L"\U000001BC-\U000001BF\U000001C4-\U00000293\U00000295-\U000002AF\U00000370-\U00000373"
    L"\U00000376-\U00000377\U0000037B-\U0000037D\U0000037F\U00000386\U00000388-\U0000038A"
    L"\U0000038C\U0000038E-\U000003A1\U000003A3-\U000003F5\U000003F7-\U00000481"
    L"\U0000048A-\U0000052F\U00000531-\U00000556\U000010A0-\U000010C5\U000013A0-\U000013F5"
    L"\U000013F8-\U000013FD\U00001C90-\U00001CBA\U00001CBD-\U00001CBF\U00001D00-\U00001D2B"
    L"\U00001D6B-\U00001D77\U00001D79-\U00001D9A\U00001E00-\U00001F15\U00001F18-\U00001F1D"
    L"\U00001F20-\U00001F45\U00001F48-\U00001F4D\U00001F50-\U00001F57\U00001F59\U00001F5B"
    L"\U00001F5D\U00001F5F-\U00001F7D\U00001F80-\U00001FB4\U00001FB6-\U00001FBC\U00001FBE"
    L"\U00001FC2-\U00001FC4\U00001FC6-\U00001FCC\U00001FD0-\U00001FD3\U00001FD6-\U00001FDB"
    L"\U00001FE0-\U00001FEC\U00001FF2-\U00001FF4\U00001FF6-\U00001FFC\U00002102\U00002107"
    L"\U0000210A-\U00002113\U00002115\U00002119-\U0000211D\U00002124\U00002126\U00002128"
    L"\U0000212A-\U0000212D\U0000212F-\U00002134\U00002139\U0000213C-\U0000213F"
    L"\U00002145-\U00002149\U0000214E\U00002183-\U00002184\U00002C00-\U00002C7B"
    L"\U00002C7E-\U00002CE4\U00002CEB-\U00002CEE\U00002CF2-\U00002CF3\U0000A640-\U0000A66D"
    L"\U0000A680-\U0000A69B\U0000A722-\U0000A76F\U0000A771-\U0000A787\U0000A78B-\U0000A78E"
    L"\U0000AB70-\U0000ABBF\U0000FB00-\U0000FB06\U0000FB13-\U0000FB17\U0000FF21-\U0000FF3A"
    L"\U0000FF41-\U0000FF5A\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB"
    L"\U00010C80-\U00010CB2\U00010CC0-\U00010CF2\U000118A0-\U000118DF\U0001E900-\U0001E943"
    L"]+";

Lengths reference(PreTokenizerKind kind, const std::u32string& t) {
    Lengths p;
    if (!t.empty()) p.push_back(t.size());
    switch (kind) {
        case PreTokenizerKind::qwen2:
            return collapsed_split(t,
                                   "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|"
                                   "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+"
                                   "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                                   p);
        case PreTokenizerKind::deepseek_llm:
            p = wide_split(t, L"[\r\n]", p);
            p = wide_split(t, kDeepseekLetters, p);
            p = wide_split(t, L"\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                           p);
            p = wide_split(t, L"\\s+$", p);
            p = wide_split(t, L"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", p);
            return collapsed_split(t, "\\p{N}+", p);
        case PreTokenizerKind::deepseek_coder:
            p = wide_split(t, L"[\r\n]", p);
            p = collapsed_split(t, "\\s?\\p{L}+", p);
            p = collapsed_split(t, "\\s?\\p{P}+", p);
            p = wide_split(t, L"[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+", p);
            return collapsed_split(t, "\\p{N}", p);
        case PreTokenizerKind::starcoder:
            return gpt2_split(t, collapsed_split(t, "\\p{N}", p));
        case PreTokenizerKind::falcon:
            p = collapsed_split(t, "[\\p{P}\\$\\+<=>\\^~\\|`]+", p);
            return wide_split(t, L"[0-9][0-9][0-9]", gpt2_split(t, p));
        case PreTokenizerKind::default_bpe:
            p = collapsed_split(t, "[\\p{P}\\$\\+<=>\\^~\\|]+", p);
            p = collapsed_split(t, "\\p{N}+", gpt2_split(t, p));
            return wide_split(t, L"[0-9][0-9][0-9]", p);
        default:
            ADD_FAILURE() << "no std::regex reference for this kind";
            return p;
    }
}

std::u32string random_text(std::mt19937& random) {
    static const std::u32string alphabet =
        U"aZsStTrReEvVlLmMdDxk0123456789     \t\n\r\v\f'''...,,!?-_$+<=>^`|~\"#%&()*/:;@[\\]{}"
        U"\u00e9\u00df\u00b5\u03a9\u2126\u212a\u017f\u0391\u03b2\u0416\u0436\u1f7d\u1fbe"
        U"\u65e5\u672c\u3042\u30ab\ud55c\u0915\u093f\u0e01\u0661\u00b2\u216b\u0301\u200d"
        U"\u00a0\u3000\u2003\u0085\u2028\u2014\u3002\uff01\u2018\u20ac\u00a9\U0001F642"
        U"\u0378\u0007\uE000\uff21\uff41\U00010400\U0001E900\u4e00\u9fa5\u0800";
    std::u32string text;
    const std::size_t length = random() % 24;
    for (std::size_t i = 0; i < length; ++i) text.push_back(alphabet[random() % alphabet.size()]);
    return text;
}

class PreTokenizerVsStdRegex : public ::testing::TestWithParam<PreTokenizerKind> {};

TEST_P(PreTokenizerVsStdRegex, SamePiecesOnRandomTexts) {
    const PreTokenizer pre(GetParam());
    std::mt19937 random(20260817);  // fixed seed: the same texts on every run
    for (int round = 0; round < 5000; ++round) {
        const std::u32string text = random_text(random);
        const Lengths expected = reference(GetParam(), text);
        const Lengths actual = pre.split_lengths(text);
        if (actual != expected) {
            std::string hex;
            for (char32_t cp : text) hex += " " + std::to_string(static_cast<unsigned>(cp));
            FAIL() << "round " << round << ", code points" << hex;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Kinds, PreTokenizerVsStdRegex,
                         ::testing::Values(PreTokenizerKind::qwen2, PreTokenizerKind::deepseek_llm,
                                           PreTokenizerKind::deepseek_coder,
                                           PreTokenizerKind::starcoder, PreTokenizerKind::falcon,
                                           PreTokenizerKind::default_bpe),
                         [](const auto& info) {
                             switch (info.param) {
                                 case PreTokenizerKind::qwen2:
                                     return "qwen2";
                                 case PreTokenizerKind::deepseek_llm:
                                     return "deepseek_llm";
                                 case PreTokenizerKind::deepseek_coder:
                                     return "deepseek_coder";
                                 case PreTokenizerKind::starcoder:
                                     return "starcoder";
                                 case PreTokenizerKind::falcon:
                                     return "falcon";
                                 default:
                                     return "default_bpe";
                             }
                         });

TEST(PreTokenizer, LongRunsAreLinearAndDoNotRecurse) {
    // A megabyte of letters: std::regex would recurse once per character here.
    const std::u32string letters(1 << 20, U'a');
    for (auto kind : {PreTokenizerKind::qwen2, PreTokenizerKind::deepseek_llm,
                      PreTokenizerKind::gpt2, PreTokenizerKind::falcon}) {
        EXPECT_EQ(PreTokenizer(kind).split_lengths(letters), Lengths{letters.size()});
    }
    const std::u32string spaces(1 << 20, U' ');
    EXPECT_EQ(PreTokenizer(PreTokenizerKind::llama3).split_lengths(spaces), Lengths{spaces.size()});
}

TEST(PreTokenizer, NamesAndFallbacks) {
    EXPECT_EQ(pre_tokenizer_kind("qwen2"), PreTokenizerKind::qwen2);
    EXPECT_EQ(pre_tokenizer_kind("llama-bpe"), PreTokenizerKind::llama3);
    EXPECT_EQ(pre_tokenizer_kind("smollm"), PreTokenizerKind::starcoder);
    EXPECT_EQ(pre_tokenizer_kind("gpt-2"), PreTokenizerKind::gpt2);
    EXPECT_EQ(pre_tokenizer_kind("default"), PreTokenizerKind::default_bpe);
    EXPECT_EQ(pre_tokenizer_kind(""), PreTokenizerKind::default_bpe);  // llama.cpp warns only
    EXPECT_THROW(pre_tokenizer_kind("tekken"), Error);
}

}  // namespace
}  // namespace deskside::tokenizer::detail
