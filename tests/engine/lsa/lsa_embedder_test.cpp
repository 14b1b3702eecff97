// The LSA embedder on small hand-made corpora: concepts from shared context, fold-in, identity,
// determinism, save/load, the refit rule, and the empty and tiny corpora.
#include "lsa/lsa_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "test_support.h"

namespace deskside::lsa {
namespace {

using Texts = std::vector<std::string>;

// Three topics. "car" and "automobile" never share a passage, nor do "bread" and "loaf"; each
// pair shares its contexts (engine, road, driver...; oven, flour, bakery...).
Texts topic_corpus() {
    return {
        "car engine wheels road",        "automobile engine wheels road",
        "car driver highway fuel",       "automobile driver highway fuel",
        "car garage repair engine",      "automobile garage repair engine",
        "bread oven flour bakery",       "loaf oven flour bakery",
        "bread butter breakfast bakery", "loaf butter breakfast bakery",
        "bread dough yeast oven",        "loaf dough yeast oven",
        "cat kitten whiskers purr",      "cat dog pet garden",
        "dog puppy bark garden",         "kitten puppy pet whiskers",
    };
}

float cosine(const std::vector<float>& v, std::size_t a, std::size_t b, int k) {
    float dot = 0;
    for (int c = 0; c < k; ++c) dot += v[a * k + c] * v[b * k + c];
    return dot;  // rows are unit vectors
}

FitOptions small_options(int dimension) {
    FitOptions o;
    o.dimension = dimension;
    return o;
}

TEST(LsaEmbedder, PassagesSharingNoWordButAContextAreClose) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    ASSERT_EQ(lsa.dimension(), 3);
    const Texts texts = {"a car and its driver", "the automobile on the highway",
                         "bread from the oven", "a loaf of the bakery", "kitten"};
    const std::vector<float> v = lsa.embed(texts);
    const int k = lsa.dimension();
    const float vehicles = cosine(v, 0, 1, k);  // no word in common
    const float baking = cosine(v, 2, 3, k);    // no word in common
    EXPECT_GT(vehicles, 0.9f);
    EXPECT_GT(baking, 0.9f);
    for (std::size_t other : {2, 3, 4}) {
        EXPECT_LT(cosine(v, 0, other, k), vehicles - 0.5f) << other;
        EXPECT_LT(cosine(v, 1, other, k), vehicles - 0.5f) << other;
    }
    EXPECT_LT(cosine(v, 2, 4, k), baking - 0.5f);
}

TEST(LsaEmbedder, RowsAreUnitVectorsAndUnknownTextIsZero) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    const Texts texts = {"engine oven", "", "zebra quantum", "the of and", "東京"};
    const std::vector<float> v = lsa.embed(texts);
    ASSERT_EQ(v.size(), texts.size() * 3);
    double norm = 0;
    for (int c = 0; c < 3; ++c) norm += v[c] * v[c];
    EXPECT_NEAR(norm, 1.0, 1e-5);
    for (std::size_t row = 1; row < texts.size(); ++row) {
        for (int c = 0; c < 3; ++c) EXPECT_EQ(v[row * 3 + c], 0.0f) << row;
    }
    EXPECT_TRUE(lsa.embed(Texts{}).empty());
}

TEST(LsaEmbedder, IdentityDescribesTheModel) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    EXPECT_EQ(lsa.identity().kind, "lsa");
    EXPECT_EQ(lsa.identity().name, "lsa");
    EXPECT_EQ(lsa.identity().dimension, 3);
    EXPECT_EQ(lsa.identity().hash.size(), 32u);
    EXPECT_EQ(lsa.identity().hash, model_digest(encode_model(lsa.model())));
    // Another corpus, another rank or another seed: another model, another hash.
    Texts more = topic_corpus();
    more.push_back("car bread");
    EXPECT_NE(LsaEmbedder::fit(more, small_options(3)).identity().hash, lsa.identity().hash);
    EXPECT_NE(LsaEmbedder::fit(topic_corpus(), small_options(2)).identity().hash,
              lsa.identity().hash);
    FitOptions reseeded = small_options(3);
    reseeded.seed = 99;
    EXPECT_NE(LsaEmbedder::fit(topic_corpus(), reseeded).identity().hash, lsa.identity().hash);
}

TEST(LsaEmbedder, SameSeedGivesIdenticalVectorsWhateverTheThreadCount) {
    Texts corpus;
    for (int i = 0; i < 600; ++i) {  // enough passages for several tokenizer blocks
        corpus.push_back(topic_corpus()[i % 16] + " item" + std::to_string(i % 50));
    }
    FitOptions one = small_options(8);
    one.threads = 1;
    FitOptions three = small_options(8);
    three.threads = 3;
    const LsaEmbedder a = LsaEmbedder::fit(corpus, one);
    const LsaEmbedder b = LsaEmbedder::fit(corpus, one);
    const LsaEmbedder c = LsaEmbedder::fit(corpus, three);
    EXPECT_EQ(a.model(), b.model());
    EXPECT_EQ(a.model(), c.model());
    EXPECT_EQ(a.identity(), c.identity());
    EXPECT_EQ(a.embed(corpus), c.embed(corpus));
}

TEST(LsaEmbedder, EmbedIsThreadSafe) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    const std::vector<float> expected = lsa.embed(topic_corpus());
    std::vector<std::vector<float>> got(4);
    {
        std::vector<std::jthread> threads;
        for (auto& out : got) threads.emplace_back([&] { out = lsa.embed(topic_corpus()); });
    }
    for (const auto& out : got) EXPECT_EQ(out, expected);
}

TEST(LsaEmbedder, SaveLoadRoundTrip) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    testing::TempDir dir;
    lsa.save(dir / "model.lsa");
    const LsaEmbedder loaded = LsaEmbedder::load(dir / "model.lsa");
    EXPECT_EQ(loaded.model(), lsa.model());
    EXPECT_EQ(loaded.identity(), lsa.identity());
    EXPECT_EQ(loaded.embed(topic_corpus()), lsa.embed(topic_corpus()));
    // The identity hash is the digest of the file's bytes.
    EXPECT_EQ(model_digest(testing::read_file(dir / "model.lsa")), lsa.identity().hash);
}

TEST(LsaEmbedder, LoadingACorruptFileIsInvalidArgument) {
    const LsaEmbedder lsa = LsaEmbedder::fit(topic_corpus(), small_options(3));
    testing::TempDir dir;
    lsa.save(dir / "model.lsa");
    std::string bytes = testing::read_file(dir / "model.lsa");
    testing::write_file(dir / "short.lsa", bytes.substr(0, bytes.size() / 2));
    bytes[bytes.size() / 2] ^= 0x10;
    testing::write_file(dir / "flipped.lsa", bytes);
    for (const char* name : {"short.lsa", "flipped.lsa"}) {
        try {
            LsaEmbedder::load(dir / name);
            ADD_FAILURE() << name << " loaded";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
        }
    }
}

TEST(LsaEmbedder, EmptyCorpusIsAnError) {
    for (const Texts& corpus : {Texts{}, Texts{"", ""}, Texts{"the of and", "is it"},
                                Texts{"unique words", "nothing shared"}}) {
        try {
            LsaEmbedder::fit(corpus);
            ADD_FAILURE() << "fit succeeded on " << corpus.size() << " passages";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
            EXPECT_NE(std::string(e.what()).find("too small"), std::string::npos) << e.what();
        }
    }
}

TEST(LsaEmbedder, TinyCorpusCapsTheDimension) {
    // Three passages, three terms: rank at most 3 whatever is asked.
    const LsaEmbedder lsa = LsaEmbedder::fit(Texts{"alpha beta", "alpha gamma", "beta gamma"});
    EXPECT_GE(lsa.dimension(), 1);
    EXPECT_LE(lsa.dimension(), 3);
    EXPECT_EQ(lsa.model().terms, (std::vector<std::string>{"alpha", "beta", "gamma"}));
    const std::vector<float> v = lsa.embed(Texts{"alpha", "gamma beta"});
    const int k = lsa.dimension();
    for (std::size_t row = 0; row < 2; ++row) {
        double norm = 0;
        for (int c = 0; c < k; ++c) norm += v[row * k + c] * v[row * k + c];
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
    // Two identical passages: a rank-1 matrix, so one dimension survives.
    const LsaEmbedder one = LsaEmbedder::fit(Texts{"wing flutter", "wing flutter"});
    EXPECT_EQ(one.dimension(), 1);
}

TEST(LsaEmbedder, RefitRule) {
    Texts corpus;
    for (int i = 0; i < 100; ++i) corpus.push_back(topic_corpus()[i % 16]);
    const LsaEmbedder lsa = LsaEmbedder::fit(corpus, small_options(3));
    EXPECT_EQ(lsa.model().passages, 100u);
    EXPECT_FALSE(lsa.needs_refit(0, 100));
    EXPECT_FALSE(lsa.needs_refit(20, 120));
    EXPECT_TRUE(lsa.needs_refit(21, 121));  // grew by more than 20%
    EXPECT_TRUE(lsa.needs_refit(21, 100));  // as many replaced as added
    EXPECT_TRUE(lsa.needs_refit(0, 79));    // shrank by more than 20%
    EXPECT_FALSE(lsa.needs_refit(0, 80));
}

TEST(LsaEmbedder, BadOptionsAreInvalidArgument) {
    FitOptions o;
    o.dimension = 0;
    EXPECT_THROW(LsaEmbedder::fit(topic_corpus(), o), Error);
    o = FitOptions{};
    o.max_terms = 0;
    EXPECT_THROW(LsaEmbedder::fit(topic_corpus(), o), Error);
    o = FitOptions{};
    o.power_iterations = -1;
    EXPECT_THROW(LsaEmbedder::fit(topic_corpus(), o), Error);
}

}  // namespace
}  // namespace deskside::lsa
