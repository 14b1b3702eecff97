// The decoder's private building blocks: every kernel build this CPU runs against the scalar
// build, llama.cpp's activation rounding on hand-computed blocks, the two matrix-product paths
// against each other, RoPE layouts, and the thread pool.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>

#include "gguf/tensor_types.h"
#include "kernels.h"
#include "linear.h"
#include "rope.h"
#include "thread_pool.h"

namespace deskside::decoder::detail {
namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

std::vector<Isa> runnable_isas() {
    std::vector<Isa> isas;
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
        Kernels k;
        if (make_kernels(isa, k)) isas.push_back(isa);
    }
    return isas;
}

TEST(DecoderKernels, SelectionPicksARunnableBuild) {
    const Kernels k = select_kernels();
    EXPECT_NE(k.gemm_tile, nullptr);
    const auto isas = runnable_isas();
    EXPECT_NE(std::find(isas.begin(), isas.end(), k.isa), isas.end());
    std::printf("[ measure  ] kernels chosen: %s\n", std::string(isa_name(k.isa)).c_str());
}

TEST(DecoderKernels, EveryBuildAgreesWithScalar) {
    Kernels s;
    ASSERT_TRUE(make_kernels(Isa::scalar, s));
    for (Isa isa : runnable_isas()) {
        SCOPED_TRACE(std::string(isa_name(isa)));
        Kernels k;
        ASSERT_TRUE(make_kernels(isa, k));
        for (std::int64_t depth : {1, 8, 64, 333}) {
            const auto a = random_floats(static_cast<std::size_t>(depth * kTileRows), 1);
            const auto b = random_floats(static_cast<std::size_t>(depth * kPanelCols), 2);
            AlignedBuffer<float> panel(b.size());
            std::copy(b.begin(), b.end(), panel.data());
            for (int rows : {12, 5, 1})
                for (int cols : {32, 17, 3}) {
                    std::vector<float> c1(12 * 40, 9.0f), c2(12 * 40, 9.0f);
                    k.gemm_tile(a.data(), panel.data(), depth, c1.data(), 40, rows, cols);
                    s.gemm_tile(a.data(), panel.data(), depth, c2.data(), 40, rows, cols);
                    for (std::size_t i = 0; i < c1.size(); ++i)
                        ASSERT_NEAR(c1[i], c2[i], 1e-5 * depth) << rows << "x" << cols << " @" << i;
                }
        }
        for (std::int64_t n : {1, 15, 16, 64, 100, 577}) {
            const auto x = random_floats(static_cast<std::size_t>(n), 3);
            const auto w = random_floats(static_cast<std::size_t>(n), 4);
            std::vector<std::uint16_t> h(static_cast<std::size_t>(n)), h2(h.size());
            s.f32_to_f16(w.data(), h.data(), n);
            k.f32_to_f16(w.data(), h2.data(), n);
            EXPECT_EQ(h, h2);
            EXPECT_NEAR(k.dot_f32(w.data(), x.data(), n), s.dot_f32(w.data(), x.data(), n),
                        1e-5 * n);
            EXPECT_NEAR(k.dot_f16(h.data(), x.data(), n), s.dot_f16(h.data(), x.data(), n),
                        1e-5 * n);
            std::vector<float> y1(x), y2(x);
            k.axpy_f16(0.3f, h.data(), y1.data(), n);
            s.axpy_f16(0.3f, h.data(), y2.data(), n);
            for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-6);
            k.round_f16(x.data(), y1.data(), n);
            s.round_f16(x.data(), y2.data(), n);
            EXPECT_EQ(y1, y2);
            std::vector<float> e(x);
            for (auto& v : e) v = v * 30.0f - 31.0f;
            const float sum1 = k.exp_sum(e.data(), 0.0f, y1.data(), n);
            const float sum2 = s.exp_sum(e.data(), 0.0f, y2.data(), n);
            EXPECT_NEAR(sum1, sum2, 1e-5 * sum2);
            for (std::int64_t i = 0; i < n; ++i) ASSERT_NEAR(y1[i], y2[i], 1e-6 * y2[i]);
        }
        const auto rows = random_floats(32 * 70, 5);
        AlignedBuffer<float> p1(70 * kPanelCols), p2(70 * kPanelCols);
        for (int n : {32, 20, 1}) {
            k.fill_panel(rows.data(), 70, n, 70, p1.data());
            s.fill_panel(rows.data(), 70, n, 70, p2.data());
            EXPECT_TRUE(std::equal(p1.data(), p1.data() + 70 * kPanelCols, p2.data()));
        }
    }
}

TEST(DecoderKernels, Q8_0RoundingMatchesLlamaCpp) {
    // One block: amax 2.54 -> d = 0.02 (stored as F16: 0.0200042725), q = round(x * 127 / 2.54).
    std::vector<float> x(32, 0.0f);
    x[0] = 2.54f;
    x[1] = -1.0f;  // -50
    x[2] = 0.03f;  // 1.5 -> 2 (ties to even)
    x[3] = 0.05f;  // 2.5 -> 2 (ties to even)
    std::vector<float> y(32);
    Kernels k = select_kernels();
    round_activation(k, Rounding::q8_0, x.data(), y.data(), 32);
    const float d = gguf::half_to_float(gguf::float_to_half(2.54f / 127.0f));
    EXPECT_FLOAT_EQ(y[0], d * 127);
    EXPECT_FLOAT_EQ(y[1], d * -50);
    EXPECT_FLOAT_EQ(y[3], d * 2);
    EXPECT_FLOAT_EQ(y[4], 0.0f);
    // A zero block stays zero.
    std::vector<float> zeros(32, 0.0f);
    round_activation(k, Rounding::q8_0, zeros.data(), y.data(), 32);
    EXPECT_EQ(y, zeros);
}

TEST(DecoderKernels, Q8_KRoundingMatchesLlamaCpp) {
    // The value of largest magnitude sets the scale with its sign: max = -4 -> iscale = 31.75,
    // q(-4) = -127, d = 1/31.75; a positive 4 would be clamped to 127.
    std::vector<float> x(256, 0.0f);
    x[0] = -4.0f;
    x[1] = 1.0f;  // 31.75 -> 32
    x[2] = 4.0f;  // 127
    std::vector<float> y(256);
    round_activation(select_kernels(), Rounding::q8_k, x.data(), y.data(), 256);
    const float d = 1.0f / 31.75f;
    EXPECT_FLOAT_EQ(y[0], d * -127);
    EXPECT_FLOAT_EQ(y[1], d * 32);
    EXPECT_FLOAT_EQ(y[2], d * 127);
    EXPECT_EQ(rounding_for(gguf::TensorType::Q4_K), Rounding::q8_k);
    EXPECT_EQ(rounding_for(gguf::TensorType::Q4_0), Rounding::q8_0);
    EXPECT_EQ(rounding_for(gguf::TensorType::F16), Rounding::f16);
    EXPECT_EQ(rounding_for(gguf::TensorType::F32), Rounding::none);
}

// The matrix-vector path (few rows) and the GEMM path (many rows) compute the same products.
TEST(DecoderKernels, RowAndGemmPathsAgree) {
    ThreadPool pool(2);
    const Kernels k = select_kernels();
    constexpr std::int64_t kRows = 70, kCols = 256;
    const auto wf = random_floats(kRows * kCols, 6, 0.1f);
    std::vector<std::uint16_t> w16(wf.size());
    for (std::size_t i = 0; i < wf.size(); ++i) w16[i] = gguf::float_to_half(wf[i]);
    Matrix m32{"w32",     gguf::TensorType::F32,
               kRows,     kCols,
               kCols * 4, reinterpret_cast<const std::byte*>(wf.data())};
    Matrix m16{"w16",     gguf::TensorType::F16,
               kRows,     kCols,
               kCols * 2, reinterpret_cast<const std::byte*>(w16.data())};
    const std::int64_t m = kGemmMinRows + 3;
    const auto x = random_floats(static_cast<std::size_t>(m * kCols), 7);
    for (const Matrix* w : {&m32, &m16}) {
        SCOPED_TRACE(w->name);
        LinearScratch scratch;
        std::vector<float> all(static_cast<std::size_t>(m * kRows)), one(all.size());
        const LinearOp op{w, all.data(), kRows};
        linear(pool, k, x.data(), m, kCols, kCols, std::span(&op, 1), scratch);  // GEMM
        for (std::int64_t r = 0; r < m; ++r) {
            const LinearOp single{w, one.data() + r * kRows, kRows};
            linear(pool, k, x.data() + r * kCols, 1, kCols, kCols, std::span(&single, 1), scratch);
        }
        for (std::size_t i = 0; i < all.size(); ++i) ASSERT_NEAR(all[i], one[i], 1e-4) << i;
        // And against a double-precision product of the rounded input.
        for (std::int64_t r = 0; r < m; r += 4)
            for (std::int64_t j = 0; j < kRows; j += 7) {
                std::vector<float> xr(kCols);
                round_activation(k, rounding_for(w->type), x.data() + r * kCols, xr.data(), kCols);
                std::vector<float> wr(kCols);
                gguf::dequantize_row(w->type, w->row(j), wr.data(), kCols);
                double exact = 0;
                for (std::int64_t c = 0; c < kCols; ++c) exact += double(wr[c]) * xr[c];
                EXPECT_NEAR(all[r * kRows + j], exact, 1e-4);
            }
    }
}

TEST(DecoderRope, NormalAndNeoxLayouts) {
    DecoderConfig c;
    c.n_rot = 4;
    c.head_dim = 4;
    c.rope_freq_base = 10000.0f;
    c.rope_layout = RopeLayout::normal;
    const Rope normal(c, {});
    float cs[4];
    normal.angles(3, cs);
    // theta_0 = 3, theta_1 = 3 * 10000^(-1/2) = 0.03.
    EXPECT_FLOAT_EQ(cs[0], std::cos(3.0f));
    EXPECT_FLOAT_EQ(cs[1], std::sin(3.0f));
    EXPECT_NEAR(cs[2], std::cos(0.03f), 1e-7);
    float x[4] = {1, 0, 1, 0};
    normal.apply(cs, x, 1, 4);
    EXPECT_FLOAT_EQ(x[0], std::cos(3.0f));
    EXPECT_FLOAT_EQ(x[1], std::sin(3.0f));
    c.rope_layout = RopeLayout::neox;
    const Rope neox(c, {});
    float y[4] = {1, 1, 0, 0};  // pairs (0, 2) and (1, 3)
    neox.apply(cs, y, 1, 4);
    EXPECT_FLOAT_EQ(y[0], std::cos(3.0f));
    EXPECT_FLOAT_EQ(y[2], std::sin(3.0f));
    EXPECT_NEAR(y[1], std::cos(0.03f), 1e-7);
    // rope_freqs divide the angles; linear scaling multiplies them.
    const Rope divided(c, {1.0f, 10.0f});
    divided.angles(3, cs);
    EXPECT_NEAR(cs[3], std::sin(0.003f), 1e-7);
    c.rope_freq_scale = 0.5f;
    const Rope scaled(c, {});
    scaled.angles(3, cs);
    EXPECT_FLOAT_EQ(cs[1], std::sin(1.5f));
}

TEST(DecoderThreadPool, RunsEveryTaskOnceAndRethrows) {
    for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        EXPECT_EQ(pool.threads(), threads);
        for (int round = 0; round < 200; ++round) {
            std::vector<std::atomic<int>> hits(37);
            std::atomic<int> bad_worker{0};
            pool.run(37, [&](std::int64_t task, int worker) {
                hits[static_cast<std::size_t>(task)]++;
                if (worker < 0 || worker >= threads) bad_worker++;
            });
            for (auto& h : hits) ASSERT_EQ(h.load(), 1);
            ASSERT_EQ(bad_worker.load(), 0);
        }
        EXPECT_THROW(pool.run(10,
                              [](std::int64_t task, int) {
                                  if (task == 4) throw std::runtime_error("task 4");
                              }),
                     std::runtime_error);
        // Still usable afterwards.
        std::atomic<int> count{0};
        pool.run(5, [&](std::int64_t, int) { count++; });
        EXPECT_EQ(count.load(), 5);
    }
}

}  // namespace
}  // namespace deskside::decoder::detail
