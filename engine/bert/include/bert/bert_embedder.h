// The embed::Embedder of a BERT GGUF model: WordPiece tokenizer (from the same file) + the
// encoder + L2 normalisation. Identity: kind "gguf", name = the file name, hash = XXH3-128 of
// the file (32 hex digits), dimension = n_embd.
//
// Texts become [CLS] ... [SEP] (llama_tokenize with add_special); a text longer than the
// model's context keeps its first n_ctx - 1 tokens and its final [SEP]. A text with no token
// besides [CLS]/[SEP] (empty, only spaces) gives a zero row.
//
// Immutable after open(): embed(), embed_ids() and tokenize() are const and thread-safe.
// open() throws what GgufFile::open, BertModel::load and make_tokenizer throw (not_found / io
// for the file, invalid_argument for a malformed model, unsupported for another architecture,
// a tensor type or a tokenizer model this build does not read).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bert/bert_encoder.h"
#include "embed/embedder.h"
#include "tokenizer/tokenizer.h"

namespace deskside::bert {

class BertEmbedder : public embed::Embedder {
  public:
    static std::unique_ptr<BertEmbedder> open(const std::filesystem::path& path,
                                              EncoderOptions options = {});
    ~BertEmbedder() override;

    const embed::EmbedderIdentity& identity() const override;
    std::vector<float> embed(std::span<const std::string> texts) const override;

    // The ids embed() runs for `text` (special tokens added, cut to the context).
    std::vector<std::int32_t> tokenize(std::string_view text) const;
    // L2-normalised vectors of tokenized texts, row-major [sequences.size() x dimension()].
    std::vector<float> embed_ids(std::span<const std::vector<std::int32_t>> sequences) const;

    const BertEncoder& encoder() const { return encoder_; }
    const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }

  private:
    BertEmbedder(embed::EmbedderIdentity identity, std::unique_ptr<tokenizer::Tokenizer> tokenizer,
                 BertEncoder encoder);
    bool has_content(const std::vector<std::int32_t>& ids) const;

    embed::EmbedderIdentity identity_;
    std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
    BertEncoder encoder_;
};

// In place: row / sqrt(sum of squares, in double), as llama.cpp's --embd-normalize 2; a zero
// row stays zero. Returns the norm before normalisation.
double l2_normalize(std::span<float> row);

}  // namespace deskside::bert
