// The integer products of quantised weights with 8-bit activations (quant_dot.h): what they
// compute (against gguf::dequantize_row in double), that every kernel build gives the scalar
// build's bits (one row and four rows at a time), and that the activation quantisers leave the
// same values as llama.cpp's rounding (kernels.h round_q8_0 / round_q8_k).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "gguf/tensor_types.h"
#include "kernels.h"
#include "quant_dot.h"

namespace deskside::decoder::detail {
namespace {

using gguf::TensorType;
constexpr std::int64_t kN = 1024;

// Random quants with plausible F16 scales (and mins for the K-quants with mins).
std::vector<std::byte> random_row(TensorType type, std::int64_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> row(gguf::row_bytes(type, n));
    for (auto& b : row) b = static_cast<std::byte>(rng() & 0xFF);
    std::uniform_real_distribution<float> u(0.0005f, 0.02f);
    const std::size_t bytes = gguf::block_bytes(type);
    for (std::size_t off = 0; off < row.size(); off += bytes) {
        const std::uint16_t d = gguf::float_to_half(u(rng)), m = gguf::float_to_half(u(rng));
        if (type == TensorType::Q6_K) {
            std::memcpy(row.data() + off + 208, &d, 2);
        } else {
            std::memcpy(row.data() + off, &d, 2);
            if (type == TensorType::Q4_K || type == TensorType::Q5_K)
                std::memcpy(row.data() + off + 2, &m, 2);
        }
    }
    return row;
}

std::vector<float> random_floats(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = g(rng);
    return v;
}

// Activation rows quantised for `type`, plus their values d * q.
struct Activations {
    std::vector<std::int8_t> qs;
    std::vector<float> d, values;
    std::vector<std::int16_t> bsums;
    std::int64_t n = 0, block = 0;
    QuantRow row(int r) const {
        return {qs.data() + r * n, d.data() + r * (n / block),
                bsums.empty() ? nullptr : bsums.data() + r * (n / 16)};
    }
};

Activations quantise(TensorType type, const std::vector<float>& x, std::int64_t n) {
    Activations a;
    a.n = n;
    const auto rows = static_cast<std::int64_t>(x.size()) / n;
    const bool k = act_quant_for(type) == ActQuant::q8_k;
    a.block = k ? 256 : 32;
    a.qs.resize(x.size());
    a.d.resize(x.size() / static_cast<std::size_t>(a.block));
    a.values.resize(x.size());
    if (k) a.bsums.resize(x.size() / 16);
    for (std::int64_t r = 0; r < rows; ++r) {
        if (k) {
            quantize_q8_k(x.data() + r * n, n, a.qs.data() + r * n, a.d.data() + r * (n / 256),
                          a.bsums.data() + r * (n / 16));
        } else {
            quantize_q8_0(x.data() + r * n, n, a.qs.data() + r * n, a.d.data() + r * (n / 32));
        }
    }
    for (std::size_t i = 0; i < x.size(); ++i)
        a.values[i] = a.d[i / static_cast<std::size_t>(a.block)] * static_cast<float>(a.qs[i]);
    return a;
}

std::vector<Isa> runnable_isas() {
    std::vector<Isa> isas;
    for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
        Kernels k;
        if (make_kernels(isa, k)) isas.push_back(isa);
    }
    return isas;
}

const TensorType kTypes[] = {TensorType::Q8_0, TensorType::Q4_0, TensorType::Q5_0,
                             TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K};

TEST(DecoderQuantDot, ComputesTheDotProductOfTheDequantisedValues) {
    Kernels k;
    ASSERT_TRUE(make_kernels(Isa::scalar, k));
    for (TensorType type : kTypes) {
        SCOPED_TRACE(std::string(gguf::tensor_type_name(type)));
        const auto w = random_row(type, kN, 3);
        std::vector<float> wf(kN);
        gguf::dequantize_row(type, w.data(), wf.data(), kN);
        const Activations a = quantise(type, random_floats(kN * 8, 4), kN);
        // rows 9: vec_dot; rows 8: the repacked kernels (gemv, and gemm for 4 of 8 inputs).
        for (std::int64_t rows : {9, 8})
            for (std::int64_t m : {0, 7}) {
                const QuantDotFn f = quant_dot_for(k.qdot, type, rows, m, 8);
                ASSERT_NE(f, nullptr);
                double ref = 0, mag = 0;
                for (std::int64_t i = 0; i < kN; ++i) {
                    ref += static_cast<double>(wf[i]) * a.values[m * kN + i];
                    mag += std::fabs(static_cast<double>(wf[i]) * a.values[m * kN + i]);
                }
                EXPECT_NEAR(f(w.data(), a.row(static_cast<int>(m)), kN), ref, 2e-6 * mag)
                    << "rows " << rows << " m " << m;
            }
    }
    EXPECT_EQ(quant_dot_for(k.qdot, TensorType::F16, 8), nullptr);
    EXPECT_EQ(quant_dot_for(k.qdot, TensorType::Q4_1, 8), nullptr);
}

TEST(DecoderQuantDot, EveryBuildGivesTheScalarBits) {
    Kernels s;
    ASSERT_TRUE(make_kernels(Isa::scalar, s));
    for (Isa isa : runnable_isas()) {
        SCOPED_TRACE(std::string(isa_name(isa)));
        Kernels k;
        ASSERT_TRUE(make_kernels(isa, k));
        for (TensorType type : kTypes) {
            SCOPED_TRACE(std::string(gguf::tensor_type_name(type)));
            const auto w = random_row(type, kN, 5);
            auto x = random_floats(kN * 8, 6);
            std::fill(x.begin() + 64, x.begin() + 320, 0.0f);  // zero blocks
            const Activations a = quantise(type, x, kN);
            for (std::int64_t rows : {9, 8})
                for (std::int64_t m0 : {0, 4}) {
                    float ref[4];
                    for (int r = 0; r < 4; ++r) {
                        const std::int64_t m = m0 + r;
                        ref[r] = quant_dot_for(s.qdot, type, rows, m, 6)(
                            w.data(), a.row(static_cast<int>(m)), kN);
                        const float got = quant_dot_for(k.qdot, type, rows, m, 6)(
                            w.data(), a.row(static_cast<int>(m)), kN);
                        EXPECT_EQ(std::memcmp(&got, &ref[r], 4), 0) << got << " vs " << ref[r];
                    }
                    if (const QuantDot4Fn f4 = quant_dot4_for(k.qdot, type, rows, m0, 8)) {
                        const QuantRow rows4[4] = {
                            a.row(static_cast<int>(m0)), a.row(static_cast<int>(m0 + 1)),
                            a.row(static_cast<int>(m0 + 2)), a.row(static_cast<int>(m0 + 3))};
                        float got[4];
                        f4(w.data(), rows4, got, kN);
                        for (int r = 0; r < 4; ++r) {
                            const float one = quant_dot_for(k.qdot, type, rows, m0 + r, 8)(
                                w.data(), rows4[r], kN);
                            EXPECT_EQ(std::memcmp(&got[r], &one, 4), 0) << "four-row form";
                        }
                    }
                }
        }
    }
}

TEST(DecoderQuantDot, QuantisersLeaveLlamaCppsRounding) {
    Kernels k;
    ASSERT_TRUE(make_kernels(Isa::scalar, k));
    auto x = random_floats(512, 7);
    x[5] = 0.5f * 127.0f / 127.0f;  // a tie candidate
    std::fill(x.begin() + 256, x.begin() + 288, 0.0f);
    for (TensorType type : {TensorType::Q8_0, TensorType::Q4_K}) {
        const Activations a = quantise(type, x, 512);
        std::vector<float> rounded(512);
        round_activation(k, rounding_for(type), x.data(), rounded.data(), 512);
        for (std::size_t i = 0; i < 512; ++i) EXPECT_EQ(a.values[i], rounded[i]) << i;
        if (!a.bsums.empty())
            for (std::size_t g = 0; g < 32; ++g) {
                int sum = 0;
                for (std::size_t j = 0; j < 16; ++j) sum += a.qs[g * 16 + j];
                EXPECT_EQ(a.bsums[g], sum);
            }
    }
}

}  // namespace
}  // namespace deskside::decoder::detail
