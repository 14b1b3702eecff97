#include "bert/bert_embedder.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "file_hash.h"
#include "gguf/gguf_file.h"

namespace deskside::bert {

double l2_normalize(std::span<float> row) {
    double sum = 0.0;
    for (float v : row) sum += static_cast<double>(v) * v;
    const double norm = std::sqrt(sum);
    if (norm > 0.0)
        for (float& v : row) v = static_cast<float>(v / norm);
    return norm;
}

BertEmbedder::BertEmbedder(embed::EmbedderIdentity identity,
                           std::unique_ptr<tokenizer::Tokenizer> tokenizer, BertEncoder encoder)
    : identity_(std::move(identity)),
      tokenizer_(std::move(tokenizer)),
      encoder_(std::move(encoder)) {}

BertEmbedder::~BertEmbedder() = default;

std::unique_ptr<BertEmbedder> BertEmbedder::open(const std::filesystem::path& path,
                                                 EncoderOptions options) {
    std::unique_ptr<tokenizer::Tokenizer> tok;
    BertModel model;
    {
        // The mapping is only needed while the weights are dequantised.
        gguf::GgufFile file = gguf::GgufFile::open(path);
        model = BertModel::load(file);
        tok = tokenizer::make_tokenizer(file);
    }
    const int vocabulary = tok->vocabulary().size();
    if (vocabulary != model.config.n_vocab)
        throw Error(ErrorCode::invalid_argument,
                    path.filename().string() + ": the tokenizer has " + std::to_string(vocabulary) +
                        " tokens but token_embd.weight has " +
                        std::to_string(model.config.n_vocab) + " rows");
    embed::EmbedderIdentity identity{"gguf", path.filename().string(),
                                     detail::xxh3_128_file_hex(path), model.config.n_embd};
    BertEncoder encoder(std::move(model), options);
    return std::unique_ptr<BertEmbedder>(
        new BertEmbedder(std::move(identity), std::move(tok), std::move(encoder)));
}

const embed::EmbedderIdentity& BertEmbedder::identity() const {
    return identity_;
}

std::vector<std::int32_t> BertEmbedder::tokenize(std::string_view text) const {
    std::vector<std::int32_t> ids = tokenizer_->encode(text, true);
    const auto limit = static_cast<std::size_t>(encoder_.config().n_ctx);
    if (ids.size() > limit) {
        ids[limit - 1] = ids.back();  // keep the closing [SEP]
        ids.resize(limit);
    }
    return ids;
}

bool BertEmbedder::has_content(const std::vector<std::int32_t>& ids) const {
    const auto& vocabulary = tokenizer_->vocabulary();
    return std::any_of(ids.begin(), ids.end(), [&](std::int32_t id) {
        return id != vocabulary.cls && id != vocabulary.sep && id != vocabulary.bos &&
               id != vocabulary.eos;
    });
}

std::vector<float> BertEmbedder::embed_ids(
    std::span<const std::vector<std::int32_t>> sequences) const {
    std::vector<float> vectors = encoder_.encode(sequences);
    const auto dim = static_cast<std::size_t>(dimension());
    for (std::size_t i = 0; i < sequences.size(); ++i)
        l2_normalize(std::span<float>(vectors.data() + i * dim, dim));
    return vectors;
}

std::vector<float> BertEmbedder::embed(std::span<const std::string> texts) const {
    const auto dim = static_cast<std::size_t>(dimension());
    std::vector<std::vector<std::int32_t>> sequences;
    std::vector<std::size_t> rows;  // the text each sequence belongs to
    sequences.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        std::vector<std::int32_t> ids = tokenize(texts[i]);
        if (!has_content(ids)) continue;
        sequences.push_back(std::move(ids));
        rows.push_back(i);
    }
    std::vector<float> encoded = embed_ids(sequences);
    if (rows.size() == texts.size()) return encoded;
    std::vector<float> vectors(texts.size() * dim, 0.0f);
    for (std::size_t s = 0; s < rows.size(); ++s)
        std::copy_n(encoded.begin() + static_cast<std::ptrdiff_t>(s * dim), dim,
                    vectors.begin() + static_cast<std::ptrdiff_t>(rows[s] * dim));
    return vectors;
}

}  // namespace deskside::bert
