// The encoder against llama.cpp's reference embeddings (token ids taken from the reference, so
// these tests do not depend on the tokenizer), batching invariance, both backends.
#include "bert/bert_encoder.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "bert/bert_model.h"
#include "bert_reference.h"
#include "gguf/gguf_file.h"

namespace deskside::bert {
namespace {

using testing::bert_model_path;
using testing::cosine;
using testing::EmbedCase;
using testing::load_embed_cases;
using testing::max_abs_diff;
using testing::norm_of;

BertEncoder load_encoder(const std::string& quant, EncoderOptions options = {}) {
    auto file = gguf::GgufFile::open(bert_model_path(quant));
    return BertEncoder(BertModel::load(file), options);
}

std::vector<std::vector<std::int32_t>> ids_of(const std::vector<EmbedCase>& cases) {
    std::vector<std::vector<std::int32_t>> ids;
    for (const auto& c : cases) ids.push_back(c.ids);
    return ids;
}

std::span<const float> row(const std::vector<float>& m, std::size_t i, std::size_t dim) {
    return std::span<const float>(m).subspan(i * dim, dim);
}

TEST(BertModel, ReadsTheSyntheticConfig) {
    auto file = gguf::GgufFile::open(bert_model_path("F16"));
    BertConfig c = read_bert_config(file);
    EXPECT_EQ(c.architecture, "bert");
    EXPECT_EQ(c.n_vocab, 30522);
    EXPECT_EQ(c.n_embd, 128);
    EXPECT_EQ(c.n_layer, 2);
    EXPECT_EQ(c.n_head, 4);
    EXPECT_EQ(c.head_dim(), 32);
    EXPECT_EQ(c.n_ff, 512);
    EXPECT_EQ(c.n_ctx, 512);
    EXPECT_EQ(c.n_token_types, 2);
    EXPECT_FLOAT_EQ(c.norm_eps, 1e-12f);
    EXPECT_EQ(c.pooling, Pooling::mean);
}

// Each case alone, as the reference ran them: cosine with llama.cpp's normalised vector and
// the norm before normalisation.
void expect_parity(const std::string& quant, double min_cosine, EncoderOptions options) {
    BertEncoder encoder = load_encoder(quant, options);
    auto cases = load_embed_cases(quant);
    ASSERT_EQ(cases.size(), 11u);
    const std::size_t dim = 128;
    for (const auto& c : cases) {
        std::vector<std::vector<std::int32_t>> one{c.ids};
        std::vector<float> raw = encoder.encode(one);
        ASSERT_EQ(raw.size(), dim);
        EXPECT_GE(cosine(raw, c.l2), min_cosine)
            << quant << " " << encoder.backend_name() << ": " << c.text;
        EXPECT_NEAR(norm_of(raw) / c.norm, 1.0, 1e-3) << quant << ": " << c.text;
        EXPECT_LT(max_abs_diff(raw, c.pooled_raw), 0.02) << c.text;
    }
}

TEST(BertEncoder, MatchesLlamaCppF16) {
    expect_parity("F16", 0.9999, {});
}

TEST(BertEncoder, MatchesLlamaCppQ8_0) {
    expect_parity("Q8_0", 0.999, {});
}

TEST(BertEncoder, FloatActivationsStayClose) {
    // Without ggml's activation rounding the vectors move by about as much as that rounding
    // does (~2e-5 in cosine for Q8_0): still well inside the tolerance.
    EncoderOptions options;
    options.round_like_ggml = false;
    BertEncoder plain = load_encoder("Q8_0", options);
    BertEncoder rounded = load_encoder("Q8_0");
    for (const auto& c : load_embed_cases("Q8_0")) {
        std::vector<std::vector<std::int32_t>> one{c.ids};
        std::vector<float> a = plain.encode(one), b = rounded.encode(one);
        EXPECT_GE(cosine(a, c.l2), 0.999) << c.text;
        EXPECT_NEAR(norm_of(a) / c.norm, 1.0, 2e-3) << c.text;
        EXPECT_GT(max_abs_diff(a, b), 1e-4) << "rounding had no effect: " << c.text;
    }
}

TEST(BertEncoder, OpenBlasBackendMatchesLlamaCpp) {
    EncoderOptions options;
    options.backend = EncoderOptions::Backend::blas;
    expect_parity("F16", 0.9999, options);
}

TEST(BertEncoder, BatchingDoesNotChangeVectors) {
    auto cases = load_embed_cases("F16");
    auto ids = ids_of(cases);
    const std::size_t dim = 128;
    for (int threads : {1, 2, 3}) {
        EncoderOptions options;
        options.threads = threads;
        BertEncoder encoder = load_encoder("F16", options);
        std::vector<float> together = encoder.encode(ids);
        ASSERT_EQ(together.size(), ids.size() * dim);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            std::vector<std::vector<std::int32_t>> one{ids[i]};
            EXPECT_LE(max_abs_diff(encoder.encode(one), row(together, i, dim)), 1e-5)
                << "threads " << threads << ", case " << i;
        }
    }
    // Groups cut by the token budget (the longest case has 21 tokens) give the same vectors.
    EncoderOptions small;
    small.batch_tokens = 24;
    std::vector<float> grouped = load_encoder("F16", small).encode(ids);
    EXPECT_LE(max_abs_diff(grouped, load_encoder("F16").encode(ids)), 1e-5);
}

TEST(BertEncoder, BackendsAgree) {
    auto ids = ids_of(load_embed_cases("Q8_0"));
    for (bool rounding : {false, true}) {
        EncoderOptions blas, native;
        blas.backend = EncoderOptions::Backend::blas;
        blas.round_like_ggml = native.round_like_ggml = rounding;
        BertEncoder reference = load_encoder("Q8_0", blas);
        BertEncoder ours = load_encoder("Q8_0", native);
        EXPECT_STREQ(reference.backend_name(), "openblas");
        std::vector<float> a = reference.encode(ids), b = ours.encode(ids);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            // Float activations: summation order only. With 8-bit rounding a 1e-7 difference
            // can flip a rounding step somewhere, which moves the result by ~1e-6 in cosine.
            EXPECT_GT(cosine(row(a, i, 128), row(b, i, 128)), rounding ? 0.99999 : 0.9999999)
                << "rounding " << rounding << ", case " << i;
            if (!rounding) {
                EXPECT_LE(max_abs_diff(row(a, i, 128), row(b, i, 128)), 1e-4);
            }
        }
    }
}

TEST(BertEncoder, RefusesBadSequences) {
    BertEncoder encoder = load_encoder("F16");
    auto expect_invalid = [&](std::vector<std::vector<std::int32_t>> seqs,
                              const std::string& needle) {
        try {
            encoder.encode(seqs);
            ADD_FAILURE() << "no error for " << needle;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_invalid({{101, 102}, {}}, "sequence 1 has no tokens");
    expect_invalid({{101, 30522, 102}}, "token id 30522");
    expect_invalid({{101, -1, 102}}, "token id -1");
    expect_invalid({std::vector<std::int32_t>(513, 1000)}, "513 tokens");
    // The longest allowed sequence works.
    std::vector<std::vector<std::int32_t>> longest{std::vector<std::int32_t>(512, 1000)};
    EXPECT_EQ(encoder.encode(longest).size(), 128u);
    EXPECT_TRUE(encoder.encode(std::vector<std::vector<std::int32_t>>{}).empty());
}

}  // namespace
}  // namespace deskside::bert
