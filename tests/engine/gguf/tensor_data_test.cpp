// Dequantisation and dot products on the real shared weights: the derived stories260K files hold
// the F32 model's tensors in F16/Q8_0/Q4_0, so their dequantised rows must match the F32 values
// within each format's error; the synthetic K-quant models must decode to finite values whose
// dot products agree with dot_row.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/tensor_types.h"
#include "test_support.h"

namespace deskside::gguf {
namespace {

using deskside::testing::shared_dir;

std::filesystem::path models() {
    return shared_dir() / "models";
}

std::vector<float> dequant_row(const TensorInfo& t, std::int64_t r) {
    const std::int64_t n = t.dims[0];
    std::vector<float> out(n);
    dequantize_row(t.type, t.data + r * row_bytes(t.type, n), out.data(), n);
    return out;
}

// The largest error `type` may make on a value of a block whose largest magnitude is amax.
double tolerance(TensorType type, float value, float amax) {
    switch (type) {
        case TensorType::F32:
            return 0.0;
        case TensorType::F16:
            return 1e-3 * std::fabs(value) + 1e-7;  // 11-bit mantissa; subnormals below 6e-5
        case TensorType::Q8_0:
            return amax / 127.0 + 1e-7;  // d = amax/127, and q rounds to nearest
        case TensorType::Q4_0:
            return amax / 7.0 + 1e-7;  // d = amax/8, with one end clamped at 15
        default:
            ADD_FAILURE() << "no tolerance for " << tensor_type_name(type);
            return 0.0;
    }
}

class DerivedModels : public ::testing::TestWithParam<const char*> {};

TEST_P(DerivedModels, DequantisedRowsMatchTheF32Model) {
    const auto ref = GgufFile::open(models() / "stories260K.gguf");
    const auto q = GgufFile::open(models() / "derived" / GetParam());
    ASSERT_EQ(q.tensors().size(), ref.tensors().size());
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::int64_t checked = 0, inexact = 0;
    for (const auto& rt : ref.tensors()) {
        SCOPED_TRACE(rt.name);
        const TensorInfo* qt = q.find_tensor(rt.name);
        ASSERT_NE(qt, nullptr);
        ASSERT_EQ(qt->dims, rt.dims);
        ASSERT_EQ(rt.type, TensorType::F32);
        const std::int64_t n = rt.dims[0];
        const std::int64_t rows = rt.elements() / n;
        const int be = block_elements(qt->type);
        std::vector<float> x(n);
        for (std::int64_t r = 0; r < rows; ++r) {
            const auto want = dequant_row(rt, r);
            const auto got = dequant_row(*qt, r);
            for (std::int64_t b = 0; b < n; b += be) {
                float amax = 0;
                for (int i = 0; i < be; ++i) amax = std::max(amax, std::fabs(want[b + i]));
                for (int i = 0; i < be; ++i) {
                    const float w = want[b + i], g = got[b + i];
                    ASSERT_LE(std::fabs(g - w), tolerance(qt->type, w, amax))
                        << "row " << r << " col " << b + i << " " << tensor_type_name(qt->type);
                    ++checked;
                    inexact += g != w;
                }
            }
            // dot_row of the stored row equals the dot of its dequantised values.
            for (auto& v : x) v = u(rng);
            double exact = 0, scale = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                exact += static_cast<double>(got[i]) * x[i];
                scale += std::fabs(static_cast<double>(got[i]) * x[i]);
            }
            const auto* row = qt->data + r * row_bytes(qt->type, n);
            ASSERT_NEAR(dot_row(qt->type, row, x.data(), n), exact, 1e-5 * scale + 1e-30);
        }
    }
    EXPECT_EQ(checked, 292800);       // every weight of the model
    EXPECT_GT(inexact, checked / 2);  // the derived weights really are requantised
}

INSTANTIATE_TEST_SUITE_P(Stories260K, DerivedModels,
                         ::testing::Values("stories260K-F16.gguf", "stories260K-Q8_0.gguf",
                                           "stories260K-Q4_0.gguf"),
                         [](const auto& info) {
                             std::string s = info.param;
                             s = s.substr(12, s.size() - 12 - 5);  // "F16", "Q8_0", "Q4_0"
                             return s;
                         });

class KQuantModels : public ::testing::TestWithParam<const char*> {};

TEST_P(KQuantModels, DecodeToFiniteValuesAndDotAgrees) {
    const auto f = GgufFile::open(models() / "synthetic" / GetParam());
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    int kquant_tensors = 0;
    for (const auto& t : f.tensors()) {
        if (t.type != TensorType::Q4_K && t.type != TensorType::Q5_K &&
            t.type != TensorType::Q6_K && t.type != TensorType::F32) {
            ADD_FAILURE() << t.name << " has unexpected type " << tensor_type_name(t.type);
            continue;
        }
        SCOPED_TRACE(t.name);
        kquant_tensors += t.type != TensorType::F32;
        const std::int64_t n = t.dims[0];
        const std::int64_t rows = t.elements() / n;
        // Big embedding matrices: every 7th row keeps the test fast and still covers them.
        const std::int64_t step = rows > 4096 ? 7 : 1;
        std::vector<float> x(n);
        double sum_sq = 0;
        std::int64_t count = 0;
        for (std::int64_t r = 0; r < rows; r += step) {
            const auto w = dequant_row(t, r);
            for (auto& v : x) v = u(rng);
            double exact = 0, scale = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                ASSERT_TRUE(std::isfinite(w[i])) << "row " << r << " col " << i;
                sum_sq += static_cast<double>(w[i]) * w[i];
                exact += static_cast<double>(w[i]) * x[i];
                scale += std::fabs(static_cast<double>(w[i]) * x[i]);
            }
            count += n;
            const auto* row = t.data + r * row_bytes(t.type, n);
            const float d = dot_row(t.type, row, x.data(), n);
            const float s = dot_row_scalar(t.type, row, x.data(), n);
            ASSERT_NEAR(d, exact, 1e-5 * scale + 1e-30) << "row " << r;
            ASSERT_NEAR(s, exact, 1e-6 * scale + 1e-30) << "row " << r;
        }
        // Random weights of a sane scale: not all zero, no wild values.
        if (t.type == TensorType::F32) continue;  // norms and rope_freqs have their own scales
        const double rms = std::sqrt(sum_sq / static_cast<double>(count));
        EXPECT_GT(rms, 1e-4);
        EXPECT_LT(rms, 10.0);
    }
    EXPECT_GE(kquant_tensors, 15);
}

INSTANTIATE_TEST_SUITE_P(Synthetic, KQuantModels,
                         ::testing::Values("tiny-llama-synthetic-256-Q4_K_M.gguf",
                                           "tiny-qwen3-synthetic-Q4_K_M.gguf",
                                           "tiny-llama3-synthetic-Q5_K_M.gguf"),
                         [](const auto& info) {
                             std::string s = info.param;
                             for (auto& c : s) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return s;
                         });

}  // namespace
}  // namespace deskside::gguf
