// make_tokenizer: picks the tokenizer for tokenizer.ggml.model.
#include "tokenizer/tokenizer.h"

#include <string>
#include <utility>

#include "base/error.h"
#include "bpe.h"
#include "spm.h"
#include "wordpiece.h"

namespace deskside::tokenizer {

std::unique_ptr<Tokenizer> make_tokenizer(const gguf::GgufFile& file) {
    return make_tokenizer(Vocabulary::from_gguf(file));
}

namespace {

[[noreturn]] void inconsistent(const std::string& what) {
    throw Error(ErrorCode::invalid_argument, "inconsistent vocabulary: " + what);
}

// A Vocabulary built by hand (not by from_gguf) may leave the derived parts empty: fill them,
// and refuse what would make a tokenizer read out of bounds.
void complete(Vocabulary& v) {
    const std::size_t n = v.tokens.size();
    if (v.types.empty()) v.types.assign(n, TokenType::normal);
    if (v.types.size() != n) {
        inconsistent(std::to_string(v.types.size()) + " token types for " + std::to_string(n) +
                     " tokens");
    }
    if (v.ids.empty()) {
        for (std::size_t id = 0; id < n; ++id) {
            v.ids.emplace(v.tokens[id], static_cast<std::int32_t>(id));
        }
    }
    if (v.ids.size() != n) {
        inconsistent(std::to_string(v.ids.size()) + " ids for " + std::to_string(n) +
                     " tokens (duplicates?)");
    }
    if (!v.scores.empty() && v.scores.size() != n) {
        inconsistent(std::to_string(v.scores.size()) + " scores for " + std::to_string(n) +
                     " tokens");
    }
    for (std::int32_t id : {v.bos, v.eos, v.unk, v.sep, v.pad, v.cls, v.mask, v.eot, v.eom,
                            v.fim_pre, v.fim_suf, v.fim_mid, v.fim_pad, v.fim_rep, v.fim_sep}) {
        if (id < -1 || id >= v.size()) {
            inconsistent("special id " + std::to_string(id) + " outside " + std::to_string(n) +
                         " tokens");
        }
    }
}

}  // namespace

std::unique_ptr<Tokenizer> make_tokenizer(Vocabulary vocabulary) {
    complete(vocabulary);
    if (vocabulary.model == "bert") {
        return std::make_unique<detail::WordPieceTokenizer>(std::move(vocabulary));
    }
    if (vocabulary.model == "llama") {
        return std::make_unique<detail::SentencePieceTokenizer>(std::move(vocabulary));
    }
    if (vocabulary.model == "gpt2") {
        return std::make_unique<detail::BpeTokenizer>(std::move(vocabulary));
    }
    throw Error(ErrorCode::unsupported,
                "tokenizer model '" + vocabulary.model + "' is not supported");
}

}  // namespace deskside::tokenizer
