// AVX2/FMA/F16C kernels for dot_row. Each function carries a target attribute instead of the
// whole file being compiled with -mavx2, so that no inline function from a header is emitted
// with AVX2 code that the linker could pick for a non-AVX2 caller. The integer quants are widened
// to 32-bit lanes and converted to float, and every block scale is applied to a vector
// accumulator, so the result differs from the scalar reference only by float rounding.
#include "dot_avx2.h"

#include <immintrin.h>

#include "blocks.h"

#define DESKSIDE_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace deskside::gguf::detail {

namespace {

DESKSIDE_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// acc += bytes[0..16) (signed) * x[0..16).
DESKSIDE_AVX2 inline __m256 fma16_i8(__m128i bytes, const float* x, __m256 acc) {
    const __m256 q0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
    const __m256 q1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(bytes, 8)));
    acc = _mm256_fmadd_ps(q0, _mm256_loadu_ps(x), acc);
    return _mm256_fmadd_ps(q1, _mm256_loadu_ps(x + 8), acc);
}

// acc += bytes[0..16) (unsigned) * x[0..16).
DESKSIDE_AVX2 inline __m256 fma16_u8(__m128i bytes, const float* x, __m256 acc) {
    const __m256 q0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
    const __m256 q1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(bytes, 8)));
    acc = _mm256_fmadd_ps(q0, _mm256_loadu_ps(x), acc);
    return _mm256_fmadd_ps(q1, _mm256_loadu_ps(x + 8), acc);
}

DESKSIDE_AVX2 inline __m256 sum16(const float* x, __m256 acc) {
    return _mm256_add_ps(acc, _mm256_add_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8)));
}

DESKSIDE_AVX2 inline __m128i load16(const std::uint8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

}  // namespace

DESKSIDE_AVX2 float dot_f32_avx2(const float* w, const float* x, std::int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
    }
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

DESKSIDE_AVX2 float dot_f16_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* w = static_cast<const std::uint8_t*>(wv);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 w0 = _mm256_cvtph_ps(load16(w + 2 * i));
        const __m256 w1 = _mm256_cvtph_ps(load16(w + 2 * i + 16));
        a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), a1);
    }
    float sum = hsum(_mm256_add_ps(a0, a1));
    for (; i < n; ++i) sum += half_to_float(load_u16(w + 2 * i)) * x[i];
    return sum;
}

DESKSIDE_AVX2 float dot_q8_0_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 32, b += 34, x += 32) {
        __m256 blk = fma16_i8(load16(b + 2), x, _mm256_setzero_ps());
        blk = fma16_i8(load16(b + 18), x + 16, blk);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(load_half(b)), blk, acc);
    }
    return hsum(acc);
}

DESKSIDE_AVX2 float dot_q4_0_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const __m128i low = _mm_set1_epi8(0x0F);
    const __m128i eight = _mm_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 32, b += 18, x += 32) {
        const __m128i v = load16(b + 2);
        const __m128i lo = _mm_sub_epi8(_mm_and_si128(v, low), eight);
        const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), low), eight);
        __m256 blk = fma16_i8(lo, x, _mm256_setzero_ps());
        blk = fma16_i8(hi, x + 16, blk);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(load_half(b)), blk, acc);
    }
    return hsum(acc);
}

namespace {

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
DESKSIDE_AVX2 inline __m256 sub_block_k(__m128i q0, __m128i q1, const float* x, float d, float m,
                                        __m256 acc) {
    __m256 dot = fma16_u8(q0, x, _mm256_setzero_ps());
    dot = fma16_u8(q1, x + 16, dot);
    __m256 sx = sum16(x, _mm256_setzero_ps());
    sx = sum16(x + 16, sx);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), dot, acc);
    return _mm256_fnmadd_ps(_mm256_set1_ps(m), sx, acc);
}

}  // namespace

DESKSIDE_AVX2 float dot_q4_k_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const __m128i low = _mm_set1_epi8(0x0F);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 256, b += 144) {
        const ScalesK4 s = scales_k4(b);
        const std::uint8_t* q = b + 16;
        for (int j = 0; j < 4; ++j, q += 32, x += 64) {
            const __m128i v0 = load16(q), v1 = load16(q + 16);
            acc = sub_block_k(_mm_and_si128(v0, low), _mm_and_si128(v1, low), x, s.d[2 * j],
                              s.m[2 * j], acc);
            acc = sub_block_k(_mm_and_si128(_mm_srli_epi16(v0, 4), low),
                              _mm_and_si128(_mm_srli_epi16(v1, 4), low), x + 32, s.d[2 * j + 1],
                              s.m[2 * j + 1], acc);
        }
    }
    return hsum(acc);
}

DESKSIDE_AVX2 float dot_q5_k_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const __m128i low = _mm_set1_epi8(0x0F);
    const __m128i sixteen = _mm_set1_epi8(16);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 256, b += 176) {
        const ScalesK4 s = scales_k4(b);
        const __m128i h0 = load16(b + 16), h1 = load16(b + 32);
        const std::uint8_t* q = b + 48;
        for (int j = 0; j < 4; ++j, q += 32, x += 64) {
            const __m128i v0 = load16(q), v1 = load16(q + 16);
            // Sub-block 2j takes its 5th bit from bit 2j of qh, sub-block 2j+1 from bit 2j+1.
            const __m128i ma = _mm_set1_epi8(static_cast<char>(1 << (2 * j)));
            const __m128i mb = _mm_set1_epi8(static_cast<char>(1 << (2 * j + 1)));
            const __m128i ha0 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h0, ma), ma), sixteen);
            const __m128i ha1 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h1, ma), ma), sixteen);
            const __m128i hb0 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h0, mb), mb), sixteen);
            const __m128i hb1 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h1, mb), mb), sixteen);
            acc = sub_block_k(_mm_or_si128(_mm_and_si128(v0, low), ha0),
                              _mm_or_si128(_mm_and_si128(v1, low), ha1), x, s.d[2 * j], s.m[2 * j],
                              acc);
            acc = sub_block_k(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(v0, 4), low), hb0),
                              _mm_or_si128(_mm_and_si128(_mm_srli_epi16(v1, 4), low), hb1), x + 32,
                              s.d[2 * j + 1], s.m[2 * j + 1], acc);
        }
    }
    return hsum(acc);
}

DESKSIDE_AVX2 float dot_q6_k_avx2(const void* wv, const float* x, std::int64_t n) {
    const auto* b = static_cast<const std::uint8_t*>(wv);
    const __m128i low = _mm_set1_epi8(0x0F);
    const __m128i m3 = _mm_set1_epi8(0x03);
    const __m128i m30 = _mm_set1_epi8(0x30);
    const __m128i off = _mm_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 256, b += 210) {
        const float d = load_half(b + 208);
        const std::uint8_t* ql = b;
        const std::uint8_t* qh = b + 128;
        const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
        for (int half = 0; half < 2; ++half, ql += 64, qh += 32, sc += 8, x += 128) {
            for (int l = 0; l < 32; l += 16) {
                const int is = l / 16;
                const __m128i a = load16(ql + l), c = load16(ql + 32 + l), h = load16(qh + l);
                // Shifting 16-bit lanes is safe: each mask keeps only bits of the same byte.
                const __m128i q1 =
                    _mm_or_si128(_mm_and_si128(a, low), _mm_slli_epi16(_mm_and_si128(h, m3), 4));
                const __m128i q2 =
                    _mm_or_si128(_mm_and_si128(c, low), _mm_and_si128(_mm_slli_epi16(h, 2), m30));
                const __m128i q3 =
                    _mm_or_si128(_mm_and_si128(_mm_srli_epi16(a, 4), low), _mm_and_si128(h, m30));
                const __m128i q4 = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(c, 4), low),
                                                _mm_and_si128(_mm_srli_epi16(h, 2), m30));
                const __m128i qs[4] = {q1, q2, q3, q4};
                for (int k = 0; k < 4; ++k) {
                    const __m256 dot =
                        fma16_i8(_mm_sub_epi8(qs[k], off), x + 32 * k + l, _mm256_setzero_ps());
                    acc = _mm256_fmadd_ps(_mm256_set1_ps(d * static_cast<float>(sc[is + 2 * k])),
                                          dot, acc);
                }
            }
        }
    }
    return hsum(acc);
}

}  // namespace deskside::gguf::detail
