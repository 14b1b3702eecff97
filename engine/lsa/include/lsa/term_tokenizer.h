// The term tokenizer of the LSA embedder: text in, index terms out. A fitted model records which
// options it was fitted with, so documents and queries are always cut the same way.
//
// Rules: words are runs of ASCII letters/digits and non-ASCII letters (anything outside the
// punctuation, symbol and space blocks), lower-cased (ASCII, Latin-1, Latin Extended-A, Greek,
// Cyrillic; full-width ASCII folded to ASCII). One-character ASCII words, words over 64 bytes and
// a small English stopword list are dropped. CJK runs become overlapping bigrams (a lone CJK
// character is a term of its own). Optional light stemming: Harman's plural "S" stemmer. Invalid
// UTF-8 bytes separate words. Pure functions; thread-safe; never throw except std::bad_alloc.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::lsa {

struct TermOptions {
    // Harman's S stemmer (ies -> y, es -> e, s -> ""), on ASCII words of 4+ letters. Default on:
    // it merges singular and plural forms, which helps the small corpora LSA is fitted on.
    bool stem = true;
};

// Calls sink(term) for every term of `text`, in text order (repeats included). The view is valid
// only during the call.
void for_each_term(std::string_view text, const TermOptions& options,
                   const std::function<void(std::string_view)>& sink);

// The terms of `text`, in text order.
std::vector<std::string> terms(std::string_view text, const TermOptions& options = {});

// True for the words of the built-in English stopword list (lower-case).
bool is_stopword(std::string_view word);

// Harman's S stemmer on a lower-case ASCII word (other words are returned unchanged).
std::string_view stem_plural(std::string_view word, std::string& scratch);

}  // namespace deskside::lsa
