// Tensor types on hand-built data: the sizing table against ggml's, half/bf16 conversions, one
// block of every supported quant type packed the way ggml's quantize_row_*_ref packs it (with
// known scales, mins and values, decoded exactly), and the AVX2 dot kernels against the scalar
// reference on random blocks.
#include "gguf/tensor_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "base/error.h"

namespace deskside::gguf {
namespace {

TEST(TensorTypes, SizesMatchGgml) {
    struct Row {
        TensorType t;
        int be;
        std::size_t bb;
        const char* name;
        bool supported;
    };
    const Row rows[] = {
        {TensorType::F32, 1, 4, "F32", true},
        {TensorType::F16, 1, 2, "F16", true},
        {TensorType::BF16, 1, 2, "BF16", true},
        {TensorType::Q4_0, 32, 18, "Q4_0", true},
        {TensorType::Q4_1, 32, 20, "Q4_1", true},
        {TensorType::Q5_0, 32, 22, "Q5_0", true},
        {TensorType::Q5_1, 32, 24, "Q5_1", true},
        {TensorType::Q8_0, 32, 34, "Q8_0", true},
        {TensorType::Q8_1, 32, 36, "Q8_1", false},
        {TensorType::Q2_K, 256, 84, "Q2_K", false},
        {TensorType::Q3_K, 256, 110, "Q3_K", false},
        {TensorType::Q4_K, 256, 144, "Q4_K", true},
        {TensorType::Q5_K, 256, 176, "Q5_K", true},
        {TensorType::Q6_K, 256, 210, "Q6_K", true},
        {TensorType::Q8_K, 256, 292, "Q8_K", false},
        {TensorType::IQ2_XXS, 256, 66, "IQ2_XXS", false},
        {TensorType::IQ2_XS, 256, 74, "IQ2_XS", false},
        {TensorType::IQ3_XXS, 256, 98, "IQ3_XXS", false},
        {TensorType::IQ1_S, 256, 50, "IQ1_S", false},
        {TensorType::IQ4_NL, 32, 18, "IQ4_NL", false},
        {TensorType::IQ3_S, 256, 110, "IQ3_S", false},
        {TensorType::IQ2_S, 256, 82, "IQ2_S", false},
        {TensorType::IQ4_XS, 256, 136, "IQ4_XS", false},
        {TensorType::I8, 1, 1, "I8", false},
        {TensorType::I16, 1, 2, "I16", false},
        {TensorType::I32, 1, 4, "I32", false},
        {TensorType::I64, 1, 8, "I64", false},
        {TensorType::F64, 1, 8, "F64", false},
        {TensorType::IQ1_M, 256, 56, "IQ1_M", false},
        {TensorType::TQ1_0, 256, 54, "TQ1_0", false},
        {TensorType::TQ2_0, 256, 66, "TQ2_0", false},
        {TensorType::MXFP4, 32, 17, "MXFP4", false},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.name);
        EXPECT_EQ(block_elements(r.t), r.be);
        EXPECT_EQ(block_bytes(r.t), r.bb);
        EXPECT_EQ(tensor_type_name(r.t), r.name);
        EXPECT_EQ(is_supported(r.t), r.supported);
        EXPECT_EQ(row_bytes(r.t, r.be * 3), r.bb * 3);
    }
    const auto unknown = static_cast<TensorType>(99);
    EXPECT_EQ(block_elements(unknown), 0);
    EXPECT_EQ(block_bytes(unknown), 0u);
    EXPECT_EQ(row_bytes(unknown, 64), 0u);
    EXPECT_EQ(tensor_type_name(unknown), "type 99");
    EXPECT_EQ(tensor_type_name(static_cast<TensorType>(4)), "type 4");
    EXPECT_FALSE(is_supported(unknown));
}

TEST(TensorTypes, HalfConversions) {
    EXPECT_EQ(half_to_float(0x3C00), 1.0f);
    EXPECT_EQ(half_to_float(0xC000), -2.0f);
    EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(half_to_float(0x03FF), std::ldexp(1023.0f, -24));
    EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));  // smallest normal
    EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
    EXPECT_EQ(half_to_float(0x7C00), INFINITY);
    EXPECT_EQ(half_to_float(0xFC00), -INFINITY);
    EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));

    EXPECT_EQ(float_to_half(1.0f), 0x3C00);
    EXPECT_EQ(float_to_half(-2.0f), 0xC000);
    EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
    EXPECT_EQ(float_to_half(65519.0f), 0x7BFF);  // below the halfway point to 65536
    EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // the tie rounds to even: infinity
    EXPECT_EQ(float_to_half(1e10f), 0x7C00);
    EXPECT_EQ(float_to_half(-INFINITY), 0xFC00);
    EXPECT_EQ(float_to_half(NAN) & 0x7C00, 0x7C00);
    EXPECT_NE(float_to_half(NAN) & 0x03FF, 0);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and 2^-24: even
    EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);
    EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);         // 1.5 * 2^-24: tie, to even
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie, to even
    EXPECT_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3C02);  // tie, to even (up)
    EXPECT_EQ(float_to_half(std::ldexp(1023.5f, -24)), 0x0400);      // rounds up into the normals

    // Every finite half survives the round trip, and conversions are monotonic.
    float prev = -INFINITY;
    for (std::uint32_t h = 0xFBFF;; --h) {  // from -65504 up towards -0
        const float f = half_to_float(static_cast<std::uint16_t>(h));
        EXPECT_EQ(float_to_half(f), h);
        EXPECT_LT(prev, f);
        prev = f;
        if (h == 0x8001) break;
    }
    for (std::uint32_t h = 0; h <= 0x7BFF; ++h) {
        const float f = half_to_float(static_cast<std::uint16_t>(h));
        ASSERT_EQ(float_to_half(f), h);
        if (h > 0) {
            ASSERT_LT(prev, f);
        }
        prev = f;
    }
}

TEST(TensorTypes, Bf16) {
    EXPECT_EQ(bf16_to_float(0x3F80), 1.0f);
    EXPECT_EQ(bf16_to_float(0xC0A0), -5.0f);
    EXPECT_EQ(bf16_to_float(0x7F80), INFINITY);
    const std::uint16_t row[3] = {0x3F80, 0x4040, 0xBF00};  // 1, 3, -0.5
    float out[3];
    dequantize_row(TensorType::BF16, row, out, 3);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], 3.0f);
    EXPECT_EQ(out[2], -0.5f);
    const float x[3] = {2.0f, 1.0f, 4.0f};
    EXPECT_EQ(dot_row(TensorType::BF16, row, x, 3), 3.0f);
}

// ---- hand-built blocks, packed as ggml's quantize_row_*_ref packs them -------------------------

void put_half(std::vector<std::uint8_t>& b, std::size_t at, float v) {
    const std::uint16_t h = float_to_half(v);
    ASSERT_EQ(half_to_float(h), v);  // the test only uses exactly representable scales
    std::memcpy(b.data() + at, &h, 2);
}

std::vector<float> dequant(TensorType t, const std::vector<std::uint8_t>& b, int n) {
    std::vector<float> out(n);
    dequantize_row(t, b.data(), out.data(), n);
    return out;
}

// The dot of the row with a fixed vector must equal the dot of the dequantised values.
void expect_dot_consistent(TensorType t, const std::vector<std::uint8_t>& b,
                           const std::vector<float>& expected) {
    const int n = static_cast<int>(expected.size());
    std::vector<float> x(n);
    double want = 0, scale = 0;
    for (int i = 0; i < n; ++i) {
        x[i] = static_cast<float>((i % 7) - 3) * 0.25f;
        want += static_cast<double>(expected[i]) * x[i];
        scale += std::fabs(static_cast<double>(expected[i]) * x[i]);
    }
    EXPECT_NEAR(dot_row(t, b.data(), x.data(), n), want, 1e-6 * scale + 1e-6);
    EXPECT_NEAR(dot_row_scalar(t, b.data(), x.data(), n), want, 1e-6 * scale + 1e-6);
}

TEST(TensorTypes, Q8_0Block) {
    std::vector<std::uint8_t> b(34);
    put_half(b, 0, 0.5f);
    std::vector<float> want(32);
    for (int j = 0; j < 32; ++j) {
        const int q = j == 0 ? -128 : j == 1 ? 127 : j * 5 - 80;
        b[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(q));
        want[j] = 0.5f * static_cast<float>(q);
    }
    EXPECT_EQ(dequant(TensorType::Q8_0, b, 32), want);
    expect_dot_consistent(TensorType::Q8_0, b, want);
}

// q[i] for the 32 values of a Q4/Q5 block (0..15 or 0..31).
std::vector<std::uint8_t> q4_values(int bits) {
    std::vector<std::uint8_t> q(32);
    for (int i = 0; i < 32; ++i) q[i] = static_cast<std::uint8_t>((i * 11 + 3) % (1 << bits));
    return q;
}

// ggml: qs[j] = q[j] | q[j+16] << 4; 5th bits: qh bit j for q[j], bit j+16 for q[j+16].
void pack_q4(std::vector<std::uint8_t>& b, std::size_t qs_at, const std::vector<std::uint8_t>& q,
             std::size_t qh_at = 0, bool five = false) {
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        b[qs_at + j] = static_cast<std::uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        qh |= static_cast<std::uint32_t>((q[j] & 0x10) >> 4) << j;
        qh |= static_cast<std::uint32_t>((q[j + 16] & 0x10) >> 4) << (j + 16);
    }
    if (five) std::memcpy(b.data() + qh_at, &qh, 4);
}

TEST(TensorTypes, Q4_0Block) {
    std::vector<std::uint8_t> b(18);
    put_half(b, 0, -0.25f);
    const auto q = q4_values(4);
    pack_q4(b, 2, q);
    std::vector<float> want(32);
    for (int i = 0; i < 32; ++i) want[i] = -0.25f * static_cast<float>(q[i] - 8);
    EXPECT_EQ(dequant(TensorType::Q4_0, b, 32), want);
    expect_dot_consistent(TensorType::Q4_0, b, want);
}

TEST(TensorTypes, Q4_1Block) {
    std::vector<std::uint8_t> b(20);
    put_half(b, 0, 0.5f);
    put_half(b, 2, -1.5f);
    const auto q = q4_values(4);
    pack_q4(b, 4, q);
    std::vector<float> want(32);
    for (int i = 0; i < 32; ++i) want[i] = 0.5f * static_cast<float>(q[i]) - 1.5f;
    EXPECT_EQ(dequant(TensorType::Q4_1, b, 32), want);
    expect_dot_consistent(TensorType::Q4_1, b, want);
}

TEST(TensorTypes, Q5_0Block) {
    std::vector<std::uint8_t> b(22);
    put_half(b, 0, 2.0f);
    const auto q = q4_values(5);
    pack_q4(b, 6, q, 2, true);
    std::vector<float> want(32);
    for (int i = 0; i < 32; ++i) want[i] = 2.0f * static_cast<float>(q[i] - 16);
    EXPECT_EQ(dequant(TensorType::Q5_0, b, 32), want);
    expect_dot_consistent(TensorType::Q5_0, b, want);
}

TEST(TensorTypes, Q5_1Block) {
    std::vector<std::uint8_t> b(24);
    put_half(b, 0, 0.125f);
    put_half(b, 2, 3.0f);
    const auto q = q4_values(5);
    pack_q4(b, 8, q, 4, true);
    std::vector<float> want(32);
    for (int i = 0; i < 32; ++i) want[i] = 0.125f * static_cast<float>(q[i]) + 3.0f;
    EXPECT_EQ(dequant(TensorType::Q5_1, b, 32), want);
    expect_dot_consistent(TensorType::Q5_1, b, want);
}

// K-quant scales and mins: 6 bits each, packed into 12 bytes as quantize_row_q4_K_ref does.
void pack_scales_k4(std::uint8_t* s, const int* sc, const int* mn) {
    std::memset(s, 0, 12);
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            s[j] = static_cast<std::uint8_t>(sc[j]);
            s[j + 4] = static_cast<std::uint8_t>(mn[j]);
        } else {
            s[j + 4] = static_cast<std::uint8_t>((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
            s[j - 4] |= static_cast<std::uint8_t>((sc[j] >> 4) << 6);
            s[j] |= static_cast<std::uint8_t>((mn[j] >> 4) << 6);
        }
    }
}

// Scales and mins chosen so that sub-blocks 4-7 use both high bits (values >= 16, 32, 48).
const int kSc[8] = {1, 2, 63, 17, 33, 48, 5, 62};
const int kMn[8] = {0, 63, 7, 16, 32, 1, 47, 60};

TEST(TensorTypes, Q4_KBlock) {
    std::vector<std::uint8_t> b(144);
    put_half(b, 0, 0.5f);
    put_half(b, 2, 0.25f);
    pack_scales_k4(b.data() + 4, kSc, kMn);
    std::vector<int> L(256);
    for (int e = 0; e < 256; ++e) L[e] = (e * 7 + e / 32) % 16;
    for (int j = 0; j < 256; j += 64) {  // qs[l] = L[j+l] | L[j+l+32] << 4
        for (int l = 0; l < 32; ++l) {
            b[16 + j / 2 + l] = static_cast<std::uint8_t>(L[j + l] | (L[j + l + 32] << 4));
        }
    }
    std::vector<float> want(256);
    for (int e = 0; e < 256; ++e) {
        const int s = e / 32;
        want[e] = 0.5f * static_cast<float>(kSc[s]) * static_cast<float>(L[e]) -
                  0.25f * static_cast<float>(kMn[s]);
    }
    EXPECT_EQ(dequant(TensorType::Q4_K, b, 256), want);
    expect_dot_consistent(TensorType::Q4_K, b, want);
    // Spot values worked by hand: element 0 is sub-block 0 (scale 1, min 0), L = 0.
    EXPECT_EQ(want[0], 0.0f);
    // Element 255: sub-block 7 (scale 62, min 60), L = (1785 + 7) % 16 = 0 -> -0.25 * 60.
    EXPECT_EQ(want[255], -15.0f);
}

TEST(TensorTypes, Q5_KBlock) {
    std::vector<std::uint8_t> b(176);
    put_half(b, 0, 0.25f);
    put_half(b, 2, 0.5f);
    pack_scales_k4(b.data() + 4, kSc, kMn);
    std::vector<int> L(256);
    for (int e = 0; e < 256; ++e) L[e] = (e * 13 + e / 32 + 5) % 32;
    std::uint8_t* qh = b.data() + 16;
    std::uint8_t* ql = b.data() + 48;
    std::uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < 256; n += 64) {  // as quantize_row_q5_K_ref
        for (int j = 0; j < 32; ++j) {
            int l1 = L[n + j], l2 = L[n + j + 32];
            if (l1 > 15) l1 -= 16, qh[j] |= m1;
            if (l2 > 15) l2 -= 16, qh[j] |= m2;
            ql[j] = static_cast<std::uint8_t>(l1 | (l2 << 4));
        }
        m1 = static_cast<std::uint8_t>(m1 << 2);
        m2 = static_cast<std::uint8_t>(m2 << 2);
        ql += 32;
    }
    std::vector<float> want(256);
    for (int e = 0; e < 256; ++e) {
        const int s = e / 32;
        want[e] = 0.25f * static_cast<float>(kSc[s]) * static_cast<float>(L[e]) -
                  0.5f * static_cast<float>(kMn[s]);
    }
    EXPECT_EQ(dequant(TensorType::Q5_K, b, 256), want);
    expect_dot_consistent(TensorType::Q5_K, b, want);
}

TEST(TensorTypes, Q6_KBlock) {
    std::vector<std::uint8_t> b(210);
    const std::int8_t sc[16] = {1, -2, 3, -4, 127, -128, 7, 0, -9, 10, 11, -12, 13, 14, -15, 16};
    std::memcpy(b.data() + 192, sc, 16);
    put_half(b, 208, 0.125f);
    std::vector<int> L(256);
    for (int e = 0; e < 256; ++e) L[e] = (e * 29 + 11) % 64;
    std::uint8_t* ql = b.data();
    std::uint8_t* qh = b.data() + 128;
    for (int j = 0; j < 256; j += 128) {  // as quantize_row_q6_K_ref
        for (int l = 0; l < 32; ++l) {
            const int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF;
            const int q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
            ql[l] = static_cast<std::uint8_t>(q1 | (q3 << 4));
            ql[l + 32] = static_cast<std::uint8_t>(q2 | (q4 << 4));
            qh[l] = static_cast<std::uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                              ((L[j + l + 64] >> 4) << 4) |
                                              ((L[j + l + 96] >> 4) << 6));
        }
        ql += 64;
        qh += 32;
    }
    std::vector<float> want(256);
    for (int e = 0; e < 256; ++e) {
        want[e] = 0.125f * static_cast<float>(sc[e / 16]) * static_cast<float>(L[e] - 32);
    }
    EXPECT_EQ(dequant(TensorType::Q6_K, b, 256), want);
    expect_dot_consistent(TensorType::Q6_K, b, want);
    EXPECT_EQ(want[0], 0.125f * 1 * (11 - 32));
}

TEST(TensorTypes, PreconditionsAreChecked) {
    std::vector<std::uint8_t> b(34 * 2);
    float out[64], x[64] = {};
    try {
        dequantize_row(TensorType::Q8_0, b.data(), out, 40);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("40"), std::string::npos);
    }
    EXPECT_THROW(dot_row(TensorType::Q8_0, b.data(), x, 33), Error);
    try {
        dot_row(TensorType::Q2_K, b.data(), x, 256);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("Q2_K"), std::string::npos);
    }
    EXPECT_THROW(dequantize_row(static_cast<TensorType>(99), b.data(), out, 32), Error);
    EXPECT_EQ(dot_row(TensorType::Q8_0, b.data(), x, 0), 0.0f);
}

// ---- SIMD kernels against the scalar reference
// ---------------------------------------------------

// A random row of `n` values of `type`: random bytes, with every f16 scale made a finite value.
std::vector<std::uint8_t> random_row(TensorType type, std::int64_t n, std::mt19937& rng) {
    std::vector<std::uint8_t> b(row_bytes(type, n));
    for (auto& v : b) v = static_cast<std::uint8_t>(rng());
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    auto half_at = [&](std::size_t at) {
        const std::uint16_t h = float_to_half(u(rng));
        std::memcpy(b.data() + at, &h, 2);
    };
    const std::size_t bb = block_bytes(type);
    for (std::size_t blk = 0; blk * bb < b.size(); ++blk) {
        const std::size_t o = blk * bb;
        switch (type) {
            case TensorType::F16:
                half_at(o);
                break;
            case TensorType::F32: {
                const float f = u(rng) * 10.0f;
                std::memcpy(b.data() + o, &f, 4);
                break;
            }
            case TensorType::Q8_0:
            case TensorType::Q4_0:
            case TensorType::Q5_0:
                half_at(o);
                break;
            case TensorType::Q4_1:
            case TensorType::Q5_1:
                half_at(o);
                half_at(o + 2);
                break;
            case TensorType::Q4_K:
            case TensorType::Q5_K:
                half_at(o);
                half_at(o + 2);
                break;
            case TensorType::Q6_K:
                half_at(o + 208);
                break;
            default:
                break;
        }
    }
    return b;
}

TEST(TensorTypes, SimdDotMatchesScalar) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c")) {
        EXPECT_TRUE(has_simd_dot(TensorType::Q4_K));
    }
#elif defined(__aarch64__)
    EXPECT_TRUE(has_simd_dot(TensorType::Q4_K));
#endif
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    const TensorType types[] = {
        TensorType::F32,  TensorType::F16,  TensorType::Q8_0, TensorType::Q4_0, TensorType::Q4_1,
        TensorType::Q5_0, TensorType::Q5_1, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K};
    for (TensorType type : types) {
        SCOPED_TRACE(std::string(tensor_type_name(type)));
        const int be = block_elements(type);
        std::vector<std::int64_t> lengths;
        if (be == 1) {
            lengths = {1, 7, 8, 15, 16, 33, 255, 1000, 4099};
        } else {
            for (int k : {1, 2, 3, 8, 17}) lengths.push_back(static_cast<std::int64_t>(k) * be);
            if (be == 32) lengths.push_back(32 * 40);
        }
        for (std::int64_t n : lengths) {
            for (int rep = 0; rep < 4; ++rep) {
                const auto row = random_row(type, n, rng);
                std::vector<float> x(n), w(n);
                for (auto& v : x) v = u(rng);
                dequantize_row(type, row.data(), w.data(), n);
                double exact = 0, scale = 0;
                for (std::int64_t i = 0; i < n; ++i) {
                    ASSERT_TRUE(std::isfinite(w[i]));
                    exact += static_cast<double>(w[i]) * x[i];
                    scale += std::fabs(static_cast<double>(w[i]) * x[i]);
                }
                const float simd = dot_row(type, row.data(), x.data(), n);
                const float scalar = dot_row_scalar(type, row.data(), x.data(), n);
                EXPECT_NEAR(scalar, exact, 1e-6 * scale + 1e-30) << n;
                EXPECT_NEAR(simd, scalar, 1e-5 * scale + 1e-30) << n;
            }
        }
    }
}

}  // namespace
}  // namespace deskside::gguf
