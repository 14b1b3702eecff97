// The sampler on hand-made logits: each filter's effect checked exactly through distribution(),
// and the seeded draw checked for reproducibility and for following that distribution.
#include "generation/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "base/error.h"

namespace deskside::generation {
namespace {

llm::SamplingParams plain(float temperature = 1.0f) {
    llm::SamplingParams p;
    p.temperature = temperature;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.repeat_penalty = 1.0f;
    return p;
}

// Logits whose softmax is exactly `probs` (up to float rounding of the logs).
std::vector<float> logits_of(const std::vector<double>& probs) {
    std::vector<float> out;
    for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
    return out;
}

std::vector<std::int32_t> ids(const std::vector<Sampler::TokenProb>& d) {
    std::vector<std::int32_t> out;
    for (const auto& t : d) out.push_back(t.id);
    return out;
}

const std::vector<double> kProbs = {0.05, 0.5, 0.15, 0.3};  // best first: 1, 3, 2, 0

TEST(Sampler, GreedyIsArgmaxWithTiesToLowestId) {
    Sampler s(plain(0.0f));
    EXPECT_EQ(s.sample(std::vector<float>{1, 3, 3, 2}), 1);
    EXPECT_EQ(s.sample(std::vector<float>{-5, -4, -4.5f}), 1);
    EXPECT_EQ(s.sample(std::vector<float>{7}), 0);
    const auto d = s.distribution(std::vector<float>{0, 2, 2});
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].id, 1);
    EXPECT_EQ(d[0].p, 1.0);
}

TEST(Sampler, GreedyIgnoresTheOtherFiltersAndTheSeed) {
    llm::SamplingParams p;  // the defaults: top_k 40, top_p 0.95, min_p 0.05, temperature 0
    std::vector<float> row(1000);
    for (int i = 0; i < 1000; ++i) row[i] = std::sin(i * 0.37f) * 5;
    const std::int32_t expected =
        static_cast<std::int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
    for (std::uint64_t seed : {0u, 1u, 99u}) {
        p.seed = seed;
        Sampler s(p);
        for (int i = 0; i < 5; ++i) EXPECT_EQ(s.sample(row), expected);
    }
}

TEST(Sampler, NoFilterKeepsTheSoftmax) {
    Sampler s(plain());
    const auto d = s.distribution(logits_of(kProbs));
    EXPECT_EQ(ids(d), (std::vector<std::int32_t>{1, 3, 2, 0}));
    EXPECT_NEAR(d[0].p, 0.5, 1e-7);
    EXPECT_NEAR(d[1].p, 0.3, 1e-7);
    EXPECT_NEAR(d[2].p, 0.15, 1e-7);
    EXPECT_NEAR(d[3].p, 0.05, 1e-7);
}

TEST(Sampler, TopKKeepsTheKBestRenormalised) {
    auto p = plain();
    p.top_k = 2;
    Sampler s(p);
    const auto d = s.distribution(logits_of(kProbs));
    EXPECT_EQ(ids(d), (std::vector<std::int32_t>{1, 3}));
    EXPECT_NEAR(d[0].p, 0.5 / 0.8, 1e-7);
    EXPECT_NEAR(d[1].p, 0.3 / 0.8, 1e-7);
    // top_k larger than the vocabulary keeps everything.
    p.top_k = 10;
    EXPECT_EQ(Sampler(p).distribution(logits_of(kProbs)).size(), 4u);
}

TEST(Sampler, TopKOneEqualsGreedyForEverySeed) {
    std::vector<float> row(300);
    for (int i = 0; i < 300; ++i) row[i] = std::cos(i * 1.7f) * 3;
    Sampler greedy(plain(0.0f));
    const std::int32_t best = greedy.sample(row);
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        auto p = plain(1.5f);
        p.top_k = 1;
        p.seed = seed;
        Sampler s(p);
        EXPECT_EQ(s.sample(row), best) << "seed " << seed;
    }
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
    struct Case {
        float top_p;
        std::vector<std::int32_t> kept;
    };
    // Cumulative probabilities best first: 0.5, 0.8, 0.95, 1.0.
    for (const Case& c :
         {Case{0.3f, {1}}, Case{0.49f, {1}}, Case{0.51f, {1, 3}}, Case{0.79f, {1, 3}},
          Case{0.81f, {1, 3, 2}}, Case{0.96f, {1, 3, 2, 0}}, Case{0.0f, {1}}}) {
        auto p = plain();
        p.top_p = c.top_p;
        Sampler s(p);
        const auto d = s.distribution(logits_of(kProbs));
        EXPECT_EQ(ids(d), c.kept) << "top_p " << c.top_p;
        double kept_mass = 0;
        for (auto id : c.kept) kept_mass += kProbs[static_cast<std::size_t>(id)];
        EXPECT_NEAR(d[0].p, 0.5 / kept_mass, 1e-6) << "top_p " << c.top_p;
    }
}

TEST(Sampler, TopPIsNormalisedOverTheTopKSet) {
    // After top-k 2 the probabilities are 0.625 / 0.375, so top-p 0.6 keeps the first alone.
    auto p = plain();
    p.top_k = 2;
    p.top_p = 0.6f;
    EXPECT_EQ(ids(Sampler(p).distribution(logits_of(kProbs))), (std::vector<std::int32_t>{1}));
}

TEST(Sampler, MinPDropsTokensBelowPTimesTheBest) {
    struct Case {
        float min_p;
        std::vector<std::int32_t> kept;
    };
    // Relative to the best (0.5): 0.6, 0.3, 0.1.
    for (const Case& c : {Case{0.05f, {1, 3, 2, 0}}, Case{0.11f, {1, 3, 2}}, Case{0.29f, {1, 3, 2}},
                          Case{0.31f, {1, 3}}, Case{0.61f, {1}}, Case{1.0f, {1}}}) {
        auto p = plain();
        p.min_p = c.min_p;
        EXPECT_EQ(ids(Sampler(p).distribution(logits_of(kProbs))), c.kept) << "min_p " << c.min_p;
    }
}

TEST(Sampler, TemperatureSharpensOrFlattensWhatIsLeft) {
    const std::vector<float> row = {1.0f, 0.0f};
    for (float t : {0.25f, 0.5f, 1.0f, 2.0f}) {
        const auto d = Sampler(plain(t)).distribution(row);
        const double e = std::exp(1.0 / t);
        EXPECT_NEAR(d[0].p, e / (e + 1), 1e-12) << "temperature " << t;
        EXPECT_NEAR(d[1].p, 1 / (e + 1), 1e-12) << "temperature " << t;
    }
}

TEST(Sampler, FiltersAreAppliedBeforeTemperature) {
    // min-p on the raw logits keeps {1, 3} (0.3 / 0.5 = 0.6 >= 0.5); a high temperature then
    // flattens them but cannot bring back the dropped tokens.
    auto p = plain(100.0f);
    p.min_p = 0.5f;
    const auto d = Sampler(p).distribution(logits_of(kProbs));
    EXPECT_EQ(ids(d), (std::vector<std::int32_t>{1, 3}));
    EXPECT_NEAR(d[0].p, 0.5, 0.01);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
    auto p = plain(0.0f);
    p.repeat_penalty = 2.0f;
    Sampler s(p);
    const std::vector<float> row = {3.0f, 2.0f, -1.0f, -1.5f};
    EXPECT_EQ(s.sample(row), 0);
    s.accept(0);  // 3 -> 1.5: token 1 (2.0) wins
    EXPECT_EQ(s.sample(row), 1);
    s.accept(0);  // counted once, not twice
    EXPECT_EQ(s.sample(row), 1);

    // The penalised values, through a sampler at temperature 1 with no filters.
    auto q = plain(1.0f);
    q.repeat_penalty = 2.0f;
    Sampler t(q);
    for (std::int32_t id : {0, 2, 0}) t.accept(id);
    const auto d = t.distribution(row);
    // Expected logits: 1.5, 2.0, -2.0, -1.5.
    const double z = std::exp(1.5) + std::exp(2.0) + std::exp(-2.0) + std::exp(-1.5);
    std::map<std::int32_t, double> got;
    for (const auto& tp : d) got[tp.id] = tp.p;
    EXPECT_NEAR(got[0], std::exp(1.5) / z, 1e-7);
    EXPECT_NEAR(got[1], std::exp(2.0) / z, 1e-7);
    EXPECT_NEAR(got[2], std::exp(-2.0) / z, 1e-7);
    EXPECT_NEAR(got[3], std::exp(-1.5) / z, 1e-7);
    EXPECT_EQ(ids(d), (std::vector<std::int32_t>{1, 0, 3, 2}));
}

TEST(Sampler, RepetitionPenaltyLooksOnlyAtTheLastNTokens) {
    auto p = plain(0.0f);
    p.repeat_penalty = 4.0f;
    p.repeat_last_n = 2;
    Sampler s(p);
    const std::vector<float> row = {3.0f, 2.0f, 0.0f, 0.0f};
    s.accept(0);
    EXPECT_EQ(s.sample(row), 1);
    s.accept(2);
    EXPECT_EQ(s.sample(row), 1);  // window {0, 2}
    s.accept(3);
    EXPECT_EQ(s.sample(row), 0);  // window {2, 3}: token 0 has left it
    // repeat_last_n 0 disables the penalty.
    p.repeat_last_n = 0;
    Sampler off(p);
    off.accept(0);
    EXPECT_EQ(off.sample(row), 0);
}

std::vector<std::int32_t> draws(std::uint64_t seed, int n, const std::vector<float>& row) {
    auto p = plain(1.0f);
    p.seed = seed;
    Sampler s(p);
    std::vector<std::int32_t> out;
    for (int i = 0; i < n; ++i) out.push_back(s.sample(row));
    return out;
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDifferentSequence) {
    std::vector<float> row(64);
    for (int i = 0; i < 64; ++i) row[i] = std::sin(i * 0.9f);
    const auto a = draws(42, 200, row);
    EXPECT_EQ(a, draws(42, 200, row));
    EXPECT_NE(a, draws(43, 200, row));
    EXPECT_NE(a, draws(0, 200, row));
    EXPECT_GT(std::set<std::int32_t>(a.begin(), a.end()).size(), 20u);  // it does sample
}

TEST(Sampler, PinnedDrawsForSeedSeven) {
    // Pins the generator and the draw arithmetic: a change here changes every seeded answer.
    const auto got = draws(7, 12, logits_of(kProbs));
    const auto again = draws(7, 12, logits_of(kProbs));
    EXPECT_EQ(got, again);
    std::mt19937_64 rng(7);
    std::vector<std::int32_t> expected;
    const std::vector<std::pair<std::int32_t, double>> order = {
        {1, 0.5}, {3, 0.3}, {2, 0.15}, {0, 0.05}};
    for (int i = 0; i < 12; ++i) {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        double c = 0;
        std::int32_t pick = 0;
        for (const auto& [id, pr] : order) {
            c += pr;
            pick = id;
            if (u < c) break;
        }
        expected.push_back(pick);
    }
    EXPECT_EQ(got, expected);
}

TEST(Sampler, DrawsFollowTheDistribution) {
    auto p = plain(1.0f);
    p.top_k = 3;
    p.seed = 1234;
    Sampler s(p);
    const auto row = logits_of(kProbs);
    std::map<std::int32_t, int> counts;
    const int n = 20000;
    for (int i = 0; i < n; ++i) ++counts[s.sample(row)];
    EXPECT_EQ(counts.count(0), 0u);  // dropped by top-k
    EXPECT_NEAR(counts[1] / double(n), 0.5 / 0.95, 0.02);
    EXPECT_NEAR(counts[3] / double(n), 0.3 / 0.95, 0.02);
    EXPECT_NEAR(counts[2] / double(n), 0.15 / 0.95, 0.02);
}

TEST(Sampler, RejectsParametersOutOfRange) {
    auto bad = [](auto change) {
        auto p = plain();
        change(p);
        try {
            Sampler s(p);
        } catch (const Error& e) {
            return e.code() == ErrorCode::invalid_argument;
        }
        return false;
    };
    EXPECT_TRUE(bad([](auto& p) { p.temperature = -0.1f; }));
    EXPECT_TRUE(bad([](auto& p) { p.temperature = NAN; }));
    EXPECT_TRUE(bad([](auto& p) { p.top_k = -1; }));
    EXPECT_TRUE(bad([](auto& p) { p.top_p = 1.5f; }));
    EXPECT_TRUE(bad([](auto& p) { p.min_p = -0.5f; }));
    EXPECT_TRUE(bad([](auto& p) { p.repeat_penalty = 0.0f; }));
    EXPECT_TRUE(bad([](auto& p) { p.repeat_last_n = -3; }));
    EXPECT_FALSE(bad([](auto&) {}));
    Sampler s(plain());
    EXPECT_THROW(s.sample(std::vector<float>{}), Error);
}

}  // namespace
}  // namespace deskside::generation
