// Private: scalar decoders of one ggml block each (the reference the SIMD kernels are checked
// against). Layouts from ggml-common.h; every multi-byte field is little-endian and read with
// memcpy, since blocks are not aligned in the file. Pure functions; thread-safe.
//
//   Q8_0 (34 B / 32): f16 d, int8 qs[32]                      x = d*q
//   Q4_0 (18 B / 32): f16 d, u8 qs[16]                         x[j] = d*((qs[j]&15)-8),
//                                                              x[j+16] = d*((qs[j]>>4)-8)
//   Q4_1 (20 B / 32): f16 d, f16 m, u8 qs[16]                  x = d*q + m
//   Q5_0 (22 B / 32): f16 d, u32 qh, u8 qs[16]                 5th bit of x[j] in qh bit j
//   Q5_1 (24 B / 32): f16 d, f16 m, u32 qh, u8 qs[16]
//   Q4_K (144 B / 256): f16 d, f16 dmin, u8 scales[12], u8 qs[128]
//       8 sub-blocks of 32, each with a 6-bit scale and 6-bit min (get_scale_min_k4)
//   Q5_K (176 B / 256): f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]
//   Q6_K (210 B / 256): u8 ql[128], u8 qh[64], int8 scales[16], f16 d
//       16 sub-blocks of 16, x = d*scale*(q-32)
#pragma once

#include <cstdint>
#include <cstring>

namespace deskside::gguf::detail {

inline std::uint16_t load_u16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

inline std::uint32_t load_u32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

inline float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu;
    const std::uint32_t mant = h & 0x3FFu;
    std::uint32_t bits;
    if (exp == 0) {
        // Zero or subnormal: mant * 2^-24, exact in float.
        float f = static_cast<float>(mant) * 5.9604644775390625e-8f;
        return sign ? -f : f;
    }
    if (exp == 31) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

inline float load_half(const std::uint8_t* p) {
    return half_to_float(load_u16(p));
}

// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block.
// Sub-blocks 0-3 keep theirs in the low 6 bits of bytes j (scale) and j+4 (min); sub-blocks 4-7
// keep their low 4 bits in byte j+4 (scale: low nibble, min: high nibble) and their top 2 bits in
// the top 2 bits of bytes j-4 (scale) and j (min).
inline void scale_min_k4(int j, const std::uint8_t* q, std::uint8_t& sc, std::uint8_t& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

inline void dequant_q8_0(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const auto* qs = reinterpret_cast<const std::int8_t*>(b + 2);
    for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(qs[j]);
}

inline void dequant_q4_0(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const std::uint8_t* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>((qs[j] & 0xF) - 8);
        y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
    }
}

inline void dequant_q4_1(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const float m = load_half(b + 2);
    const std::uint8_t* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(qs[j] & 0xF) + m;
        y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
    }
}

inline void dequant_q5_0(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const std::uint32_t qh = load_u32(b + 2);
    const std::uint8_t* qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = d * static_cast<float>(((qs[j] & 0xF) | h0) - 16);
        y[j + 16] = d * static_cast<float>(((qs[j] >> 4) | h1) - 16);
    }
}

inline void dequant_q5_1(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const float m = load_half(b + 2);
    const std::uint32_t qh = load_u32(b + 4);
    const std::uint8_t* qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int h0 = static_cast<int>(((qh >> j) << 4) & 0x10);
        const int h1 = static_cast<int>((qh >> (j + 12)) & 0x10);
        y[j] = d * static_cast<float>((qs[j] & 0xF) | h0) + m;
        y[j + 16] = d * static_cast<float>((qs[j] >> 4) | h1) + m;
    }
}

inline void dequant_q4_k(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const float dmin = load_half(b + 2);
    const std::uint8_t* scales = b + 4;
    const std::uint8_t* q = b + 16;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        std::uint8_t sc, m;
        scale_min_k4(is, scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(is + 1, scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
}

inline void dequant_q5_k(const std::uint8_t* b, float* y) {
    const float d = load_half(b);
    const float dmin = load_half(b + 2);
    const std::uint8_t* scales = b + 4;
    const std::uint8_t* qh = b + 16;
    const std::uint8_t* ql = b + 48;
    std::uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32) {
        std::uint8_t sc, m;
        scale_min_k4(is, scales, sc, m);
        const float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(is + 1, scales, sc, m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; ++l) {
            *y++ = d1 * static_cast<float>((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        }
        for (int l = 0; l < 32; ++l) {
            *y++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
        }
        u1 = static_cast<std::uint8_t>(u1 << 2);
        u2 = static_cast<std::uint8_t>(u2 << 2);
    }
}

inline void dequant_q6_k(const std::uint8_t* b, float* y) {
    const std::uint8_t* ql = b;
    const std::uint8_t* qh = b + 128;
    const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
    const float d = load_half(b + 208);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
            y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

}  // namespace deskside::gguf::detail
