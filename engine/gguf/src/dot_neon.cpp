// NEON (AArch64 Advanced SIMD) kernels for dot_row, the counterpart of dot_avx2.cpp with the same
// method: the integer quants are widened to 32-bit lanes and converted to float, multiplied with
// x by fused multiply-adds, and every block scale is applied to a vector accumulator, so the result
// differs from the scalar reference (dot_row_scalar) only by float rounding. Two accumulators per
// block halve the dependency chain of the multiply-adds. Compiled for aarch64 only (see
// CMakeLists.txt); Advanced SIMD is mandatory there, so no run-time check is needed.
#if defined(__aarch64__)
#include "dot_neon.h"

#include <arm_neon.h>

#include "blocks.h"

namespace deskside::gguf::detail {

namespace {

// a0 += q[0..8) * x[0..8) and a1 += q[8..16) * x[8..16), q as 16 signed bytes.
inline void fma16_s8(int8x16_t q, const float* x, float32x4_t& a0, float32x4_t& a1) {
    const int16x8_t lo = vmovl_s8(vget_low_s8(q));
    const int16x8_t hi = vmovl_high_s8(q);
    a0 = vfmaq_f32(a0, vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo))), vld1q_f32(x));
    a1 = vfmaq_f32(a1, vcvtq_f32_s32(vmovl_high_s16(lo)), vld1q_f32(x + 4));
    a0 = vfmaq_f32(a0, vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi))), vld1q_f32(x + 8));
    a1 = vfmaq_f32(a1, vcvtq_f32_s32(vmovl_high_s16(hi)), vld1q_f32(x + 12));
}

// As fma16_s8 for 16 unsigned bytes.
inline void fma16_u8(uint8x16_t q, const float* x, float32x4_t& a0, float32x4_t& a1) {
    const uint16x8_t lo = vmovl_u8(vget_low_u8(q));
    const uint16x8_t hi = vmovl_high_u8(q);
    a0 = vfmaq_f32(a0, vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo))), vld1q_f32(x));
    a1 = vfmaq_f32(a1, vcvtq_f32_u32(vmovl_high_u16(lo)), vld1q_f32(x + 4));
    a0 = vfmaq_f32(a0, vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi))), vld1q_f32(x + 8));
    a1 = vfmaq_f32(a1, vcvtq_f32_u32(vmovl_high_u16(hi)), vld1q_f32(x + 12));
}

// x[0] + ... + x[31], as four vector lanes.
inline float32x4_t sum32(const float* x) {
    float32x4_t s0 = vaddq_f32(vld1q_f32(x), vld1q_f32(x + 4));
    float32x4_t s1 = vaddq_f32(vld1q_f32(x + 8), vld1q_f32(x + 12));
    s0 = vaddq_f32(s0, vaddq_f32(vld1q_f32(x + 16), vld1q_f32(x + 20)));
    s1 = vaddq_f32(s1, vaddq_f32(vld1q_f32(x + 24), vld1q_f32(x + 28)));
    return vaddq_f32(s0, s1);
}

// The 5th bits of 16 consecutive quants, one per byte (0 or 16): bit j of the 16-bit `bits`
// belongs to quant j.
inline uint8x16_t high_bits16(std::uint32_t bits) {
    static const std::uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t v = vcombine_u8(vdup_n_u8(static_cast<std::uint8_t>(bits & 0xFF)),
                                     vdup_n_u8(static_cast<std::uint8_t>((bits >> 8) & 0xFF)));
    return vandq_u8(vtstq_u8(v, vld1q_u8(kBit)), vdupq_n_u8(16));
}

// The 32 unsigned 5-bit quants of a Q5_0/Q5_1 block: nibbles of qs, 5th bits from qh.
inline void quants_q5(const std::uint8_t* qs, std::uint32_t qh, uint8x16_t& lo, uint8x16_t& hi) {
    const uint8x16_t v = vld1q_u8(qs);
    lo = vorrq_u8(vandq_u8(v, vdupq_n_u8(0x0F)), high_bits16(qh));
    hi = vorrq_u8(vshrq_n_u8(v, 4), high_bits16(qh >> 16));
}

// The 8 scales and mins of a Q4_K/Q5_K super-block, already multiplied by d and dmin.
struct ScalesK4 {
    float d[8];
    float m[8];
};

inline ScalesK4 scales_k4(const std::uint8_t* b) {
    ScalesK4 s;
    const float d = load_half(b);
    const float dmin = load_half(b + 2);
    for (int j = 0; j < 8; ++j) {
        std::uint8_t sc, m;
        scale_min_k4(j, b + 4, sc, m);
        s.d[j] = d * sc;
        s.m[j] = dmin * m;
    }
    return s;
}

// acc += d * (q . x) - m * sum(x) over one 32-element sub-block given as two 16-byte halves.
inline float32x4_t sub_block_k(uint8x16_t q0, uint8x16_t q1, const float* x, float d, float m,
                               float32x4_t acc) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = vdupq_n_f32(0.0f);
    fma16_u8(q0, x, a0, a1);
    fma16_u8(q1, x + 16, a0, a1);
    acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), d);
    return vfmsq_n_f32(acc, sum32(x), m);
}

}  // namespace

float dot_f32_neon(const float* w, const float* x, std::int64_t n) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
        a1 = vfmaq_f32(a1, vld1q_f32(w + i + 4), vld1q_f32(x + i + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(w + i + 8), vld1q_f32(x + i + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(w + i + 12), vld1q_f32(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

float dot_f16_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* w = static_cast<const std::uint8_t*>(wv);  // rows need not be 2-byte aligned
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float16x8_t h0 = vreinterpretq_f16_u8(vld1q_u8(w + 2 * i));
        const float16x8_t h1 = vreinterpretq_f16_u8(vld1q_u8(w + 2 * i + 16));
        a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(h0)), vld1q_f32(x + i));
        a1 = vfmaq_f32(a1, vcvt_high_f32_f16(h0), vld1q_f32(x + i + 4));
        a2 = vfmaq_f32(a2, vcvt_f32_f16(vget_low_f16(h1)), vld1q_f32(x + i + 8));
        a3 = vfmaq_f32(a3, vcvt_high_f32_f16(h1), vld1q_f32(x + i + 12));
    }
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; ++i) sum += half_to_float(load_u16(w + 2 * i)) * x[i];
    return sum;
}

float dot_q8_0_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 32, b += 34, x += 32) {
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        fma16_s8(vreinterpretq_s8_u8(vld1q_u8(b + 2)), x, a0, a1);
        fma16_s8(vreinterpretq_s8_u8(vld1q_u8(b + 18)), x + 16, a0, a1);
        acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), load_half(b));
    }
    return vaddvq_f32(acc);
}

float dot_q4_0_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const uint8x16_t low = vdupq_n_u8(0x0F);
    const int8x16_t eight = vdupq_n_s8(8);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 32, b += 18, x += 32) {
        const uint8x16_t v = vld1q_u8(b + 2);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, low)), eight);
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), eight);
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        fma16_s8(lo, x, a0, a1);
        fma16_s8(hi, x + 16, a0, a1);
        acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), load_half(b));
    }
    return vaddvq_f32(acc);
}

// x = d q + m: d (q . x) + m sum(x).
float dot_q4_1_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const uint8x16_t low = vdupq_n_u8(0x0F);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 32, b += 20, x += 32) {
        const uint8x16_t v = vld1q_u8(b + 4);
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        fma16_u8(vandq_u8(v, low), x, a0, a1);
        fma16_u8(vshrq_n_u8(v, 4), x + 16, a0, a1);
        acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), load_half(b));
        acc = vfmaq_n_f32(acc, sum32(x), load_half(b + 2));
    }
    return vaddvq_f32(acc);
}

float dot_q5_0_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const int8x16_t sixteen = vdupq_n_s8(16);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 32, b += 22, x += 32) {
        uint8x16_t lo, hi;
        quants_q5(b + 6, load_u32(b + 2), lo, hi);
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        fma16_s8(vsubq_s8(vreinterpretq_s8_u8(lo), sixteen), x, a0, a1);
        fma16_s8(vsubq_s8(vreinterpretq_s8_u8(hi), sixteen), x + 16, a0, a1);
        acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), load_half(b));
    }
    return vaddvq_f32(acc);
}

float dot_q5_1_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 32, b += 24, x += 32) {
        uint8x16_t lo, hi;
        quants_q5(b + 8, load_u32(b + 4), lo, hi);
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        fma16_u8(lo, x, a0, a1);
        fma16_u8(hi, x + 16, a0, a1);
        acc = vfmaq_n_f32(acc, vaddq_f32(a0, a1), load_half(b));
        acc = vfmaq_n_f32(acc, sum32(x), load_half(b + 2));
    }
    return vaddvq_f32(acc);
}

float dot_q4_k_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const uint8x16_t low = vdupq_n_u8(0x0F);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 256, b += 144) {
        const ScalesK4 s = scales_k4(b);
        const std::uint8_t* q = b + 16;
        for (int j = 0; j < 4; ++j, q += 32, x += 64) {
            const uint8x16_t v0 = vld1q_u8(q), v1 = vld1q_u8(q + 16);
            acc = sub_block_k(vandq_u8(v0, low), vandq_u8(v1, low), x, s.d[2 * j], s.m[2 * j], acc);
            acc = sub_block_k(vshrq_n_u8(v0, 4), vshrq_n_u8(v1, 4), x + 32, s.d[2 * j + 1],
                              s.m[2 * j + 1], acc);
        }
    }
    return vaddvq_f32(acc);
}

float dot_q5_k_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const uint8x16_t low = vdupq_n_u8(0x0F);
    const uint8x16_t sixteen = vdupq_n_u8(16);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 256, b += 176) {
        const ScalesK4 s = scales_k4(b);
        const uint8x16_t h0 = vld1q_u8(b + 16), h1 = vld1q_u8(b + 32);
        const std::uint8_t* q = b + 48;
        for (int j = 0; j < 4; ++j, q += 32, x += 64) {
            const uint8x16_t v0 = vld1q_u8(q), v1 = vld1q_u8(q + 16);
            // Sub-block 2j takes its 5th bit from bit 2j of qh, sub-block 2j+1 from bit 2j+1.
            const uint8x16_t ma = vdupq_n_u8(static_cast<std::uint8_t>(1u << (2 * j)));
            const uint8x16_t mb = vdupq_n_u8(static_cast<std::uint8_t>(1u << (2 * j + 1)));
            const uint8x16_t ha0 = vandq_u8(vtstq_u8(h0, ma), sixteen);
            const uint8x16_t ha1 = vandq_u8(vtstq_u8(h1, ma), sixteen);
            const uint8x16_t hb0 = vandq_u8(vtstq_u8(h0, mb), sixteen);
            const uint8x16_t hb1 = vandq_u8(vtstq_u8(h1, mb), sixteen);
            acc = sub_block_k(vorrq_u8(vandq_u8(v0, low), ha0), vorrq_u8(vandq_u8(v1, low), ha1), x,
                              s.d[2 * j], s.m[2 * j], acc);
            acc = sub_block_k(vorrq_u8(vshrq_n_u8(v0, 4), hb0), vorrq_u8(vshrq_n_u8(v1, 4), hb1),
                              x + 32, s.d[2 * j + 1], s.m[2 * j + 1], acc);
        }
    }
    return vaddvq_f32(acc);
}

float dot_q6_k_neon(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const uint8x16_t low = vdupq_n_u8(0x0F);
    const uint8x16_t m3 = vdupq_n_u8(0x03);
    const uint8x16_t m30 = vdupq_n_u8(0x30);
    const int8x16_t off = vdupq_n_s8(32);
    float32x4_t acc = vdupq_n_f32(0.0f);
    for (std::int64_t i = 0; i < n; i += 256, b += 210) {
        const float d = load_half(b + 208);
        const std::uint8_t* ql = b;
        const std::uint8_t* qh = b + 128;
        const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, x += 128) {
            for (int l = 0; l < 32; l += 16) {
                const int is = l / 16;
                const uint8x16_t a = vld1q_u8(ql + l), c = vld1q_u8(ql + 32 + l);
                const uint8x16_t h = vld1q_u8(qh + l);
                const uint8x16_t qs[4] = {
                    vorrq_u8(vandq_u8(a, low), vshlq_n_u8(vandq_u8(h, m3), 4)),
                    vorrq_u8(vandq_u8(c, low), vandq_u8(vshlq_n_u8(h, 2), m30)),
                    vorrq_u8(vshrq_n_u8(a, 4), vandq_u8(h, m30)),
                    vorrq_u8(vshrq_n_u8(c, 4), vandq_u8(vshrq_n_u8(h, 2), m30)),
                };
                for (int k = 0; k < 4; ++k) {
                    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
                    fma16_s8(vsubq_s8(vreinterpretq_s8_u8(qs[k]), off), x + 32 * k + l, a0, a1);
                    acc =
                        vfmaq_n_f32(acc, vaddq_f32(a0, a1), d * static_cast<float>(sc[is + 2 * k]));
                }
            }
        }
    }
    return vaddvq_f32(acc);
}

}  // namespace deskside::gguf::detail
#endif
