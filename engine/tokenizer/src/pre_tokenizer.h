// The pre-tokenizers of byte-level BPE vocabularies: the regex sets llama.cpp's
// llm_tokenizer_bpe picks by tokenizer.ggml.pre, and its unicode_regex_split, which applies
// them one after the other, each cutting the pieces the previous one left (text between two
// matches is a piece too), then spells every piece with GPT-2's byte-to-unicode mapping.
//
// llama.cpp runs its hand-written splitters for the GPT-2 and Llama-3 patterns and std::regex
// for the others, on a copy of the text where every code point >= 0x80 is replaced by one byte
// for its category (letter, number, punctuation, mark, symbol; whitespace becomes \v). Here
// every pattern is a hand-written matcher with the semantics that setup gives (leftmost match,
// ECMAScript alternation order, \s = ASCII whitespace or a non-ASCII White_Space code point,
// \p{L} = ASCII letters or a non-ASCII letter, ...); a test checks them against std::regex.
// They run in linear time and no recursion, so a long run of letters cannot blow the stack.
//
// Private to deskside_tokenizer; a PreTokenizer is immutable and split() is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deskside::tokenizer::detail {

enum class PreTokenizerKind {
    default_bpe,     // llama.cpp's LLAMA_VOCAB_PRE_TYPE_DEFAULT: punctuation runs, GPT-2, digits
    gpt2,            // GPT-2's pattern alone ("gpt-2", "mpt", "olmo", "jina-*", ...)
    llama3,          // Llama-3's pattern: up to 3 digits together ("llama-bpe", "dbrx", ...)
    qwen2,           // Llama-3's pattern with single digits ("qwen2", "stablelm2", ...)
    deepseek_llm,    // six patterns: newlines, cased letters, punctuation, trailing spaces, CJK
    deepseek_coder,  // five patterns: newlines, letters, punctuation, CJK, single digits
    starcoder,       // single digits, then GPT-2 ("starcoder", "smollm", "command-r", ...)
    falcon,          // punctuation runs, GPT-2, then 3-digit groups
};

// The kind llama.cpp uses for a "gpt2" vocabulary's tokenizer.ggml.pre ("default" when the key
// is missing). Throws Error(unsupported) naming a pre-tokenizer this build does not implement.
PreTokenizerKind pre_tokenizer_kind(std::string_view pre);

class PreTokenizer {
  public:
    explicit PreTokenizer(PreTokenizerKind kind) : kind_(kind) {}

    // Appends the pieces of `text`, byte-encoded, to `words`. Invalid UTF-8 is decoded as
    // llama.cpp does (a bad byte is U+FFFD) and re-encoded, so it becomes EF BF BD.
    void split(std::string_view text, std::vector<std::string>& words) const;

    // The pieces as code-point lengths, before byte encoding (for tests).
    std::vector<std::size_t> split_lengths(std::u32string_view text) const;

  private:
    PreTokenizerKind kind_;
};

}  // namespace deskside::tokenizer::detail
