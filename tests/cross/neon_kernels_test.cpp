// The NEON kernel build against the scalar one, more thoroughly than the start-up probe: every
// GEMM tile shape, transposes of every row count, F16 conversions on the awkward values
// (subnormals, overflow, ties), llama.cpp's Q8_0/Q8_K activation rounding bit for bit, and the
// vector exp. Also pins that select_kernels() picks NEON on aarch64 and prints the choice, which
// run_aarch64.sh looks for. Cross build only (tests/cross); on other CPUs the tests skip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "aligned_buffer.h"
#include "gguf/tensor_types.h"
#include "kernels.h"

namespace deskside::decoder::detail {
namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class NeonKernels : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(make_kernels(Isa::scalar, s_));
#if defined(__aarch64__)
        ASSERT_TRUE(make_kernels(Isa::neon, k_)) << "the NEON build does not agree with scalar";
#else
        GTEST_SKIP() << "NEON kernels exist on aarch64 only";
#endif
    }
    Kernels s_, k_;
};

TEST(NeonSelection, PicksNeonOnAarch64) {
    const Kernels k = select_kernels();
    std::printf("[ cross    ] kernels chosen: %s\n", std::string(isa_name(k.isa)).c_str());
#if defined(__aarch64__)
    EXPECT_EQ(k.isa, Isa::neon);
    Kernels other;
    EXPECT_FALSE(make_kernels(Isa::avx2, other));
    EXPECT_FALSE(make_kernels(Isa::avx512, other));
#else
    Kernels other;
    EXPECT_FALSE(make_kernels(Isa::neon, other));
#endif
}

TEST_F(NeonKernels, GemmTileEveryShape) {
    for (std::int64_t depth : {1, 2, 7, 64, 301}) {
        const auto a = random_floats(static_cast<std::size_t>(depth * kTileRows), 1);
        const auto b = random_floats(static_cast<std::size_t>(depth * kPanelCols), 2);
        AlignedBuffer<float> panel(b.size());
        std::copy(b.begin(), b.end(), panel.data());
        for (int rows : {12, 11, 8, 5, 1}) {
            for (int cols : {32, 31, 25, 24, 17, 8, 7, 1}) {
                std::vector<float> c1(12 * 40, 9.0f), c2(12 * 40, 9.0f);
                k_.gemm_tile(a.data(), panel.data(), depth, c1.data(), 40, rows, cols);
                s_.gemm_tile(a.data(), panel.data(), depth, c2.data(), 40, rows, cols);
                for (std::size_t i = 0; i < c1.size(); ++i)
                    ASSERT_NEAR(c1[i], c2[i], 1e-5 * depth)
                        << depth << ": " << rows << "x" << cols << " @" << i;
            }
        }
    }
}

TEST_F(NeonKernels, TransposesAreExact) {
    for (std::int64_t depth : {1, 3, 4, 9, 70}) {
        const auto rows = random_floats(static_cast<std::size_t>(32 * 75), 5);
        AlignedBuffer<float> p1(static_cast<std::size_t>(depth * kPanelCols));
        AlignedBuffer<float> p2(p1.size());
        for (int n : {32, 31, 20, 4, 3, 1}) {
            std::fill(p1.data(), p1.data() + p1.size(), 5.0f);
            k_.fill_panel(rows.data(), 75, n, depth, p1.data());
            s_.fill_panel(rows.data(), 75, n, depth, p2.data());
            ASSERT_TRUE(std::equal(p1.data(), p1.data() + p1.size(), p2.data()))
                << "fill_panel " << n << " x " << depth;
        }
        for (int r : {12, 11, 8, 5, 4, 1}) {
            std::fill(p1.data(), p1.data() + p1.size(), 5.0f);
            k_.pack_block(rows.data(), 75, r, depth, p1.data());
            s_.pack_block(rows.data(), 75, r, depth, p2.data());
            ASSERT_TRUE(std::equal(p1.data(), p1.data() + depth * kTileRows, p2.data()))
                << "pack_block " << r << " x " << depth;
        }
    }
}

TEST_F(NeonKernels, F16ConversionsAreExact) {
    // Around the largest half (65504; 65520 overflows), the subnormal range (2^-24 = 5.96e-8) and
    // exact ties between two halves (1 + 2^-11 lies halfway between 1 and 1 + 2^-10).
    std::vector<float> x = {0.0f,
                            -0.0f,
                            1.0f,
                            -1.0f,
                            65504.0f,
                            65519.0f,
                            65520.0f,
                            -7e4f,
                            1e-8f,
                            3e-8f,
                            -6e-8f,
                            1e-7f,
                            3.05e-5f,
                            6.1e-5f,
                            6.11e-5f,
                            1.0f + 1.0f / 2048.0f,
                            1.0f + 3.0f / 2048.0f,
                            1e30f,
                            -1e-30f};
    const auto r = random_floats(200, 9, 70000.0f);
    x.insert(x.end(), r.begin(), r.end());
    const auto n = static_cast<std::int64_t>(x.size());
    std::vector<std::uint16_t> h1(x.size()), h2(x.size());
    k_.f32_to_f16(x.data(), h1.data(), n);
    s_.f32_to_f16(x.data(), h2.data(), n);
    EXPECT_EQ(h1, h2);
    std::vector<float> y1(x.size()), y2(x.size());
    k_.f16_to_f32(h2.data(), y1.data(), n);
    s_.f16_to_f32(h2.data(), y2.data(), n);
    EXPECT_TRUE(same_bits(y1, y2));
    k_.round_f16(x.data(), y1.data(), n);
    s_.round_f16(x.data(), y2.data(), n);
    EXPECT_TRUE(same_bits(y1, y2));
    // The F16 accumulator of flash attention: one fused multiply-add, one rounding.
    s_.round_f16(random_floats(x.size(), 10).data(), y1.data(), n);
    y2 = y1;
    k_.axpy_f16_round(0.77f, h2.data(), y1.data(), n);
    s_.axpy_f16_round(0.77f, h2.data(), y2.data(), n);
    EXPECT_TRUE(same_bits(y1, y2));
}

TEST_F(NeonKernels, DotsAndAxpys) {
    for (std::int64_t n : {1, 3, 4, 15, 16, 17, 64, 100, 577, 4099}) {
        SCOPED_TRACE(n);
        const auto x = random_floats(static_cast<std::size_t>(n), 3);
        const auto w = random_floats(static_cast<std::size_t>(n), 4);
        std::vector<std::uint16_t> h(static_cast<std::size_t>(n));
        s_.f32_to_f16(w.data(), h.data(), n);
        EXPECT_NEAR(k_.dot_f32(w.data(), x.data(), n), s_.dot_f32(w.data(), x.data(), n), 1e-5 * n);
        EXPECT_NEAR(k_.dot_f16(h.data(), x.data(), n), s_.dot_f16(h.data(), x.data(), n), 1e-5 * n);
        std::vector<float> y1(x), y2(x);
        k_.axpy_f32(-0.3f, w.data(), y1.data(), n);
        s_.axpy_f32(-0.3f, w.data(), y2.data(), n);
        k_.axpy_f16(0.6f, h.data(), y1.data(), n);
        s_.axpy_f16(0.6f, h.data(), y2.data(), n);
        for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-6);
    }
}

TEST_F(NeonKernels, ActivationRoundingIsBitExact) {
    for (unsigned seed : {1u, 2u, 3u}) {
        auto x = random_floats(1024, seed, seed == 3 ? 1e-3f : 3.0f);
        // Ties at 0.5 steps (q8_0: amax 127 makes x * 127 / amax = x), a zero block, values of
        // both signs with the same largest magnitude (q8_k takes the first one's sign).
        for (int j = 0; j < 32; ++j) x[static_cast<std::size_t>(j)] = 0.5f * (j - 16);
        x[31] = 127.0f;
        std::fill(x.begin() + 32, x.begin() + 64, 0.0f);
        std::fill(x.begin() + 256, x.begin() + 512, 0.0f);
        x[600] = -4.0f;
        x[700] = 4.0f;
        x[300] = -0.0f;
        std::vector<float> y1(x.size()), y2(x.size());
        k_.round_q8_0(x.data(), y1.data(), 1024);
        s_.round_q8_0(x.data(), y2.data(), 1024);
        EXPECT_TRUE(same_bits(y1, y2)) << "q8_0, seed " << seed;
        k_.round_q8_k(x.data(), y1.data(), 1024);
        s_.round_q8_k(x.data(), y2.data(), 1024);
        EXPECT_TRUE(same_bits(y1, y2)) << "q8_k, seed " << seed;
    }
}

TEST_F(NeonKernels, ExpSumAndSwiglu) {
    for (std::int64_t n : {1, 3, 4, 7, 8, 9, 100, 1001}) {
        SCOPED_TRACE(n);
        auto e = random_floats(static_cast<std::size_t>(n), 11);
        for (auto& v : e) v = v * 45.0f - 45.0f;  // [-90, 0): past the clamp at -87 too
        std::vector<float> y1(e.size()), y2(e.size());
        const float sum1 = k_.exp_sum(e.data(), 0.0f, y1.data(), n);
        const float sum2 = s_.exp_sum(e.data(), 0.0f, y2.data(), n);
        EXPECT_NEAR(sum1, sum2, 1e-5 * sum2);
        for (std::int64_t i = 0; i < n; ++i) {
            if (e[i] > -87.0f) {
                ASSERT_NEAR(y1[i], y2[i], 1e-6 * y2[i]) << e[i];
            }
        }
        auto g1 = random_floats(static_cast<std::size_t>(n), 12, 30.0f), g2 = g1;
        const auto up = random_floats(static_cast<std::size_t>(n), 13);
        k_.swiglu(g1.data(), up.data(), n);
        s_.swiglu(g2.data(), up.data(), n);
        for (std::int64_t i = 0; i < n; ++i)
            ASSERT_NEAR(g1[i], g2[i], 1e-6 * (std::fabs(g2[i]) + 1e-3f));
    }
}

}  // namespace
}  // namespace deskside::decoder::detail
