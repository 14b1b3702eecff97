// dot_row's NEON kernels against dot_row_scalar for every type they cover, Q4_1/Q5_0/Q5_1
// included (tests/engine/gguf's SimdDotMatchesScalar lists only the AVX2 types), on random rows,
// lengths of 1 to 40 blocks and rows that start at odd addresses (GGUF tensors need not be
// aligned). Cross build only (tests/cross); on x86-64 it checks whatever dot_row dispatches to.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gguf/tensor_types.h"

namespace deskside::gguf {
namespace {

// The byte offsets of a block's F16 fields (scales, mins), which must be finite for a fair test.
std::vector<std::size_t> half_fields(TensorType type) {
    switch (type) {
        case TensorType::F16:
        case TensorType::Q8_0:
        case TensorType::Q4_0:
        case TensorType::Q5_0:
            return {0};
        case TensorType::Q4_1:
        case TensorType::Q5_1:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
            return {0, 2};
        case TensorType::Q6_K:
            return {208};
        default:
            return {};
    }
}

// A random row of n values of `type` at `offset` bytes into the returned buffer.
std::vector<std::uint8_t> random_row(TensorType type, std::int64_t n, std::size_t offset,
                                     std::mt19937& rng) {
    std::vector<std::uint8_t> buf(offset + row_bytes(type, n));
    for (auto& v : buf) v = static_cast<std::uint8_t>(rng());
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const std::size_t bb = block_bytes(type);
    for (std::size_t o = offset; o < buf.size(); o += bb) {
        if (type == TensorType::F32) {
            const float f = u(rng) * 10.0f;
            std::memcpy(buf.data() + o, &f, 4);
        }
        for (std::size_t at : half_fields(type)) {
            const std::uint16_t h = float_to_half(u(rng));
            std::memcpy(buf.data() + o + at, &h, 2);
        }
    }
    return buf;
}

TEST(NeonDot, EveryTypeMatchesScalar) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    const TensorType types[] = {
        TensorType::F32,  TensorType::F16,  TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1,
        TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K};
    for (TensorType type : types) {
        SCOPED_TRACE(std::string(tensor_type_name(type)));
#if defined(__aarch64__)
        EXPECT_TRUE(has_simd_dot(type));
#endif
        const int be = block_elements(type);
        std::vector<std::int64_t> lengths;
        if (be == 1) {
            lengths = {1, 3, 4, 15, 16, 17, 255, 1000, 4099};
        } else {
            for (int k : {1, 2, 3, 8, 17, 40}) lengths.push_back(static_cast<std::int64_t>(k) * be);
        }
        for (std::int64_t n : lengths) {
            for (std::size_t offset : {0, 1, 2}) {
                // F32 rows are read as floats, so they keep their alignment.
                if (type == TensorType::F32 && offset != 0) continue;
                const auto buf = random_row(type, n, offset, rng);
                const std::uint8_t* row = buf.data() + offset;
                std::vector<float> x(static_cast<std::size_t>(n)), w(x.size());
                for (auto& v : x) v = u(rng);
                dequantize_row(type, row, w.data(), n);
                double scale = 0;
                for (std::int64_t i = 0; i < n; ++i) {
                    ASSERT_TRUE(std::isfinite(w[i]));
                    scale += std::fabs(static_cast<double>(w[i]) * x[i]);
                }
                const float simd = dot_row(type, row, x.data(), n);
                const float scalar = dot_row_scalar(type, row, x.data(), n);
                EXPECT_NEAR(simd, scalar, 1e-5 * scale + 1e-30) << n << " at +" << offset;
            }
        }
    }
}

}  // namespace
}  // namespace deskside::gguf
