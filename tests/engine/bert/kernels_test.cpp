// The encoder's kernels against plain double-precision references: half conversion, ggml's
// GELU table, LayerNorm, softmax, the packed matrix products (odd shapes, every epilogue) and
// one attention head, on both backends.
#include "kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "matmul.h"

namespace deskside::bert::detail {
namespace {

std::vector<float> random_values(std::size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

std::vector<Backend> backends() {
    std::vector<Backend> list{Backend::blas};
    if (cpu_has_avx512()) list.push_back(Backend::native);
    return list;
}

TEST(Half, RoundsToNearestEven) {
    EXPECT_EQ(float_to_half(0.0f), 0x0000);
    EXPECT_EQ(float_to_half(-0.0f), 0x8000);
    EXPECT_EQ(float_to_half(1.0f), 0x3C00);
    EXPECT_EQ(float_to_half(-2.0f), 0xC000);
    EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
    EXPECT_EQ(float_to_half(65520.0f), 0x7C00);               // rounds up to infinity
    EXPECT_EQ(float_to_half(1.0f + 1.0f / 2048), 0x3C00);     // tie -> even (down)
    EXPECT_EQ(float_to_half(1.0f + 3.0f / 2048), 0x3C02);     // tie -> even (up)
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie -> even (zero)
    EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
    for (std::uint32_t h = 0; h < 0x7C00; ++h) {  // every finite half survives a round trip
        auto bits = static_cast<std::uint16_t>(h);
        ASSERT_EQ(float_to_half(half_to_float(bits)), bits) << h;
        ASSERT_EQ(float_to_half(-half_to_float(bits)), bits | 0x8000) << h;
    }
}

TEST(Gelu, TableFollowsGgml) {
    GeluTable gelu;
    EXPECT_EQ(gelu(-10.0f), 0.0f);
    EXPECT_EQ(gelu(-25.0f), 0.0f);
    EXPECT_EQ(gelu(10.0f), 10.0f);
    EXPECT_EQ(gelu(12.5f), 12.5f);
    EXPECT_EQ(gelu(0.0f), 0.0f);
    for (float x = -9.99f; x < 10.0f; x += 0.0137f) {
        // The input is rounded to half first, then the value: ~1e-3 relative at most.
        float exact = gelu_tanh(x);
        EXPECT_NEAR(gelu(x), exact, 2e-3 * std::abs(x) + 1e-4) << x;
        EXPECT_EQ(gelu(x),
                  half_to_float(float_to_half(gelu_tanh(half_to_float(float_to_half(x))))));
    }
    EXPECT_NEAR(gelu_tanh(1.0f), 0.841192f, 1e-5);  // the tanh approximation, not erf (0.841345)
}

TEST(LayerNorm, NormalisesRows) {
    for (bool avx512 : {false, cpu_has_avx512()}) {
        const int n = 37, rows = 3, ld = 40;
        auto x = random_values(rows * ld, 1, 3.0f);
        auto w = random_values(n, 2), b = random_values(n, 3);
        auto y = x;
        layer_norm_rows(y.data(), rows, n, ld, w.data(), b.data(), 1e-5f, avx512);
        for (int r = 0; r < rows; ++r) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; ++i) mean += x[r * ld + i];
            mean /= n;
            for (int i = 0; i < n; ++i) var += (x[r * ld + i] - mean) * (x[r * ld + i] - mean);
            var /= n;
            for (int i = 0; i < n; ++i) {
                double expect = (x[r * ld + i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i];
                EXPECT_NEAR(y[r * ld + i], expect, 1e-5) << r << "," << i;
            }
            for (int i = n; i < ld; ++i)
                EXPECT_EQ(y[r * ld + i], x[r * ld + i]);  // padding untouched
        }
    }
}

TEST(Softmax, MatchesDoubleReference) {
    for (bool avx512 : {false, cpu_has_avx512()}) {
        for (int n : {1, 5, 16, 17, 118, 513}) {
            auto x = random_values(static_cast<std::size_t>(n), static_cast<unsigned>(n), 20.0f);
            auto y = x;
            softmax_row(y.data(), n, 0.25f, avx512);
            double max = -1e30, sum = 0;
            for (float v : x) max = std::max(max, 0.25 * v);
            for (float v : x) sum += std::exp(0.25 * v - max);
            for (int i = 0; i < n; ++i) {
                double expect = std::exp(0.25 * x[i] - max) / sum;
                EXPECT_NEAR(y[i], expect, 1e-6 * expect + 1e-30) << "n=" << n << " i=" << i;
            }
        }
    }
}

// out[i][j] = gelu?(sum_k x[i][k] w[j][k] + bias[j] + residual[i][j]) in double.
std::vector<double> reference_linear(const std::vector<float>& x, const std::vector<float>& w,
                                     int rows, int n, int k, const float* bias,
                                     const float* residual, const GeluTable* gelu) {
    std::vector<double> out(static_cast<std::size_t>(rows * n));
    for (int i = 0; i < rows; ++i)
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int kk = 0; kk < k; ++kk) s += static_cast<double>(x[i * k + kk]) * w[j * k + kk];
            if (bias) s += bias[j];
            if (residual) s += residual[i * n + j];
            out[static_cast<std::size_t>(i * n + j)] = gelu ? (*gelu)(static_cast<float>(s)) : s;
        }
    return out;
}

TEST(Linear, MatchesReferenceOnOddShapes) {
    GeluTable gelu;
    struct Shape {
        int rows, n, k;
    };
    for (Shape s : {Shape{1, 1, 1}, Shape{5, 31, 7}, Shape{13, 33, 64}, Shape{25, 70, 129},
                    Shape{12, 32, 384}, Shape{37, 96, 40}}) {
        auto x = random_values(static_cast<std::size_t>(s.rows * s.k), 11);
        auto w = random_values(static_cast<std::size_t>(s.n * s.k), 12, 0.5f);
        auto bias = random_values(static_cast<std::size_t>(s.n), 13);
        auto residual = random_values(static_cast<std::size_t>(s.rows * s.n), 14);
        for (Backend backend : backends()) {
            PackedMatrix packed = PackedMatrix::pack(w.data(), s.n, s.k, backend);
            AlignedFloats scratch;
            for (int variant = 0; variant < 3; ++variant) {
                Epilogue ep;
                if (variant >= 1) ep.bias = bias.data();
                if (variant == 1) ep.residual = residual.data(), ep.ld_residual = s.n;
                if (variant == 2) ep.gelu = &gelu;
                auto expect =
                    reference_linear(x, w, s.rows, s.n, s.k, ep.bias, ep.residual, ep.gelu);
                // Computed in two row ranges, the way the encoder splits blocks; a guard
                // column after each row must stay untouched.
                const int ld_out = s.n + 1;
                std::vector<float> out(static_cast<std::size_t>(s.rows * ld_out), -7.0f);
                int split = s.rows / 2;
                linear_rows(x.data(), s.k, 0, split, packed, out.data(), ld_out, ep, scratch);
                linear_rows(x.data(), s.k, split, s.rows, packed, out.data(), ld_out, ep, scratch);
                for (int i = 0; i < s.rows; ++i) {
                    for (int j = 0; j < s.n; ++j) {
                        double e = expect[static_cast<std::size_t>(i * s.n + j)];
                        // GELU rounds through half: compare at half precision there.
                        double tol =
                            variant == 2 ? 2e-3 * std::abs(e) + 1e-3 : 1e-5 * std::sqrt(s.k) + 1e-6;
                        ASSERT_NEAR(out[i * ld_out + j], e, tol)
                            << (backend == Backend::native ? "native" : "blas") << " " << s.rows
                            << "x" << s.n << "x" << s.k << " variant " << variant << " at " << i
                            << "," << j;
                    }
                    ASSERT_EQ(out[i * ld_out + s.n], -7.0f);
                }
            }
        }
    }
}

TEST(Attention, MatchesReference) {
    for (int head_dim : {32, 64, 20}) {
        for (int len : {1, 5, 33, 118}) {
            const int ld = 3 * head_dim + 5;  // q, k, v side by side in a wider row
            auto qkv = random_values(static_cast<std::size_t>(len * ld),
                                     static_cast<unsigned>(len + head_dim), 2.0f);
            const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
            std::vector<double> expect(static_cast<std::size_t>(len * head_dim));
            for (int i = 0; i < len; ++i) {
                std::vector<double> p(static_cast<std::size_t>(len));
                double max = -1e30, sum = 0;
                for (int j = 0; j < len; ++j) {
                    double s = 0;
                    for (int d = 0; d < head_dim; ++d)
                        s += static_cast<double>(qkv[i * ld + d]) * qkv[j * ld + head_dim + d];
                    p[j] = s * scale;
                    max = std::max(max, p[j]);
                }
                for (double& v : p) sum += (v = std::exp(v - max));
                for (int d = 0; d < head_dim; ++d) {
                    double o = 0;
                    for (int j = 0; j < len; ++j) o += p[j] / sum * qkv[j * ld + 2 * head_dim + d];
                    expect[static_cast<std::size_t>(i * head_dim + d)] = o;
                }
            }
            for (Backend backend : backends()) {
                AttentionScratch scratch;
                const int ld_out = head_dim + 3;
                std::vector<float> out(static_cast<std::size_t>(len * ld_out), -7.0f);
                attention_head(backend, qkv.data(), qkv.data() + head_dim,
                               qkv.data() + 2 * head_dim, ld, len, head_dim, scale, out.data(),
                               ld_out, scratch);
                for (int i = 0; i < len; ++i) {
                    for (int d = 0; d < head_dim; ++d)
                        ASSERT_NEAR(out[i * ld_out + d],
                                    expect[static_cast<std::size_t>(i * head_dim + d)], 1e-5)
                            << "len " << len << " dim " << head_dim << " at " << i << "," << d;
                    ASSERT_EQ(out[i * ld_out + head_dim], -7.0f);
                }
            }
        }
    }
}

}  // namespace
}  // namespace deskside::bert::detail
