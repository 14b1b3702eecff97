// Cuts a text at the vocabulary tokens that llama.cpp matches before any tokenizer model runs
// (llama_vocab::impl::tokenizer_st_partition): the special tokens (CONTROL, USER_DEFINED and
// UNKNOWN), longest first, wherever they occur. With parse_special false only USER_DEFINED
// tokens are cut out; CONTROL and UNKNOWN text stays plain text. Shared by every tokenizer
// model. Private to deskside_tokenizer; immutable after construction, split() is thread-safe.
// (llama.cpp's LSTRIP/RSTRIP attributes, set only for a few models by name, are not kept.)
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocabulary.h"

namespace deskside::tokenizer::detail {

// A piece of the input: either raw text (id == -1) or one matched token.
struct Fragment {
    std::string_view text;
    std::int32_t id = -1;
};

class SpecialSplitter {
  public:
    // `special` flags the ids llama.cpp keeps in its special-token cache; `always` flags those
    // matched even when parse_special is false (USER_DEFINED). The vocabulary must outlive it.
    SpecialSplitter(const Vocabulary& vocabulary, const std::vector<bool>& special,
                    const std::vector<bool>& always);

    // `text` cut into fragments, in order; raw fragments are never empty.
    std::vector<Fragment> split(std::string_view text, bool parse_special) const;

  private:
    struct Entry {
        std::int32_t id;
        bool always;
    };
    const Vocabulary& vocabulary_;
    std::vector<Entry> entries_;  // longest text first; equal lengths by id
    bool any_always_ = false;
};

}  // namespace deskside::tokenizer::detail
