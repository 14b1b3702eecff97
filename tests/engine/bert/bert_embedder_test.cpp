// The Embedder end to end: tokenizer + encoder + normalisation against llama.cpp's reference,
// identity, empty texts, truncation, open() errors.
#include "bert/bert_embedder.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include "base/error.h"
#include "bert_reference.h"

namespace deskside::bert {
namespace {

using testing::bert_model_path;
using testing::cosine;
using testing::load_embed_cases;
using testing::norm_of;

std::string one_shot_xxh3_128(const std::filesystem::path& path) {
    std::string bytes = testing::read_file(path);
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
    std::string hex;
    char buf[3];
    for (unsigned char b : canonical.digest) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        hex += buf;
    }
    return hex;
}

TEST(BertEmbedder, Identity) {
    auto f16 = BertEmbedder::open(bert_model_path("F16"));
    auto q8 = BertEmbedder::open(bert_model_path("Q8_0"));
    const auto& id = f16->identity();
    EXPECT_EQ(id.kind, "gguf");
    EXPECT_EQ(id.name, "tiny-bert-synthetic-F16.gguf");
    EXPECT_EQ(id.dimension, 128);
    EXPECT_EQ(f16->dimension(), 128);
    EXPECT_EQ(id.hash.size(), 32u);
    EXPECT_EQ(id.hash, one_shot_xxh3_128(bert_model_path("F16")));
    EXPECT_NE(id.hash, q8->identity().hash);
    EXPECT_EQ(q8->identity().name, "tiny-bert-synthetic-Q8_0.gguf");
}

TEST(BertEmbedder, MatchesLlamaCppFromText) {
    for (const char* quant : {"F16", "Q8_0"}) {
        auto embedder = BertEmbedder::open(bert_model_path(quant));
        auto cases = load_embed_cases(quant);
        std::vector<std::string> texts;
        for (const auto& c : cases) {
            texts.push_back(c.text);
            EXPECT_EQ(embedder->tokenize(c.text), c.ids) << c.text;
        }
        std::vector<float> vectors = embedder->embed(texts);
        ASSERT_EQ(vectors.size(), texts.size() * 128);
        for (std::size_t i = 0; i < cases.size(); ++i) {
            std::span<const float> v(vectors.data() + i * 128, 128);
            EXPECT_NEAR(norm_of(v), 1.0, 1e-6);
            EXPECT_GE(cosine(v, cases[i].l2), std::string(quant) == "F16" ? 0.9999 : 0.999)
                << quant << ": " << cases[i].text;
            // Q8_0: llama.cpp's 8-bit activations add noise we cannot replay exactly.
            EXPECT_LT(testing::max_abs_diff(v, cases[i].l2),
                      std::string(quant) == "F16" ? 3e-4 : 3e-3)
                << quant << ": " << cases[i].text;
        }
    }
}

TEST(BertEmbedder, EmptyTextsGiveZeroRows) {
    auto embedder = BertEmbedder::open(bert_model_path("F16"));
    std::vector<std::string> texts{"", "The cat sits on the mat.", "   \n\t"};
    std::vector<float> vectors = embedder->embed(texts);
    ASSERT_EQ(vectors.size(), 3u * 128);
    EXPECT_EQ(norm_of(std::span<const float>(vectors.data(), 128)), 0.0);
    EXPECT_NEAR(norm_of(std::span<const float>(vectors.data() + 128, 128)), 1.0, 1e-6);
    EXPECT_EQ(norm_of(std::span<const float>(vectors.data() + 256, 128)), 0.0);
    EXPECT_TRUE(embedder->embed(std::vector<std::string>{}).empty());
}

TEST(BertEmbedder, LongTextsKeepTheirStartAndSep) {
    auto embedder = BertEmbedder::open(bert_model_path("F16"));
    std::string text;
    for (int i = 0; i < 700; ++i) text += "cat ";
    auto ids = embedder->tokenize(text);
    ASSERT_EQ(ids.size(), 512u);
    EXPECT_EQ(ids.front(), 101);
    EXPECT_EQ(ids[1], 4937);  // "cat"
    EXPECT_EQ(ids.back(), 102);
    std::vector<std::string> texts{text};
    EXPECT_NEAR(norm_of(embedder->embed(texts)), 1.0, 1e-6);
}

TEST(BertEmbedder, OpenErrors) {
    try {
        BertEmbedder::open(testing::shared_dir() / "models" / "no-such-model.gguf");
        ADD_FAILURE() << "opened a missing file";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found) << e.what();
    }
    try {
        BertEmbedder::open(testing::shared_dir() / "models" / "stories260K.gguf");
        ADD_FAILURE() << "opened a llama model";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("architecture 'llama'"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace deskside::bert
