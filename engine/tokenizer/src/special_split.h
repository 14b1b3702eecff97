// Cuts a text at the vocabulary tokens that llama.cpp matches before any tokenizer model runs
// (llama_vocab::impl::tokenizer_st_partition with parse_special=false): USER_DEFINED tokens,
// longest first, wherever they occur. CONTROL and UNKNOWN tokens stay plain text. Shared by
// every tokenizer model. Private to deskside_tokenizer; immutable after construction.
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
    // Keeps the ids of the vocabulary's user-defined tokens; the vocabulary must outlive it.
    explicit SpecialSplitter(const Vocabulary& vocabulary);

    bool empty() const { return ids_.empty(); }
    // `text` cut into fragments, in order; raw fragments are never empty.
    std::vector<Fragment> split(std::string_view text) const;

  private:
    const Vocabulary& vocabulary_;
    std::vector<std::int32_t> ids_;  // longest text first; equal lengths by id
};

}  // namespace deskside::tokenizer::detail
