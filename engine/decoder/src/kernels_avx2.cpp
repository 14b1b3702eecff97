// AVX2/FMA/F16C builds of the kernels (kernels.h). Every function carries its own target
// attribute, so this file compiles for baseline x86-64 and nothing here runs unless
// select_kernels() found the CPU runs it and agrees with the scalar build.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "quant_dot.h"

#define DESKSIDE_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace deskside::decoder::detail::avx2 {
namespace {

DESKSIDE_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 6 rows x 16 columns of the tile (12 accumulators + 2 panel loads + 1 broadcast registers).
DESKSIDE_AVX2 void tile_6x16(const float* a, int row0, const float* panel, int col0, std::int64_t k,
                             float* c, std::int64_t ldc, int rows, int cols) {
    __m256 acc[6][2];
    for (auto& r : acc) r[0] = r[1] = _mm256_setzero_ps();
    for (std::int64_t p = 0; p < k; ++p) {
        const float* b = panel + p * kPanelCols + col0;
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        const float* ap = a + p * kTileRows + row0;
#pragma GCC unroll 6
        for (int r = 0; r < 6; ++r) {
            const __m256 x = _mm256_broadcast_ss(ap + r);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; ++r) {
        float* out = c + (row0 + r) * ldc + col0;
        if (cols >= 16) {
            _mm256_storeu_ps(out, acc[r][0]);
            _mm256_storeu_ps(out + 8, acc[r][1]);
        } else {
            alignas(32) float tmp[16];
            _mm256_store_ps(tmp, acc[r][0]);
            _mm256_store_ps(tmp + 8, acc[r][1]);
            for (int j = 0; j < cols; ++j) out[j] = tmp[j];
        }
    }
}

}  // namespace

DESKSIDE_AVX2 void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c,
                             std::int64_t ldc, int rows, int cols) {
    for (int row0 = 0; row0 < rows; row0 += 6)
        for (int col0 = 0; col0 < cols; col0 += 16)
            tile_6x16(a, row0, panel, col0, k, c, ldc, std::min(6, rows - row0),
                      std::min(16, cols - col0));
}

DESKSIDE_AVX2 float dot_f32(const float* w, const float* x, std::int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), s1);
    }
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) sum += w[i] * x[i];
    return sum;
}

DESKSIDE_AVX2 float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
        const __m256 w1 =
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i + 8)));
        s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), s0);
        s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), s1);
    }
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) sum += _cvtsh_ss(w[i]) * x[i];
    return sum;
}

DESKSIDE_AVX2 void axpy_f32(float a, const float* x, float* y, std::int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] += a * x[i];
}

DESKSIDE_AVX2 void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, v, _mm256_loadu_ps(y + i)));
    }
    for (; i < n; ++i) y[i] += a * _cvtsh_ss(x[i]);
}

DESKSIDE_AVX2 void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
        const __m256 sum = _mm256_fmadd_ps(va, v, _mm256_loadu_ps(y + i));
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm256_cvtps_ph(sum, _MM_FROUND_TO_NEAREST_INT)));
    }
    for (; i < n; ++i)
        y[i] = _cvtsh_ss(_cvtss_sh(std::fma(a, _cvtsh_ss(x[i]), y[i]), _MM_FROUND_TO_NEAREST_INT));
}

DESKSIDE_AVX2 void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
    for (; i < n; ++i) y[i] = _cvtsh_ss(x[i]);
}

DESKSIDE_AVX2 void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

DESKSIDE_AVX2 void round_f16(const float* x, float* y, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i),
                                                                _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; ++i) y[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

// ---- Integer products (quant_dot.h) -----------------------------------------------------------
// Same lanes and float order as the scalar build (kernels_scalar.cpp), so bit-identical to it:
// lane l of a 32-element chunk holds elements 4l..4l+3 (maddubs pairs, then madd pairs).

namespace {

DESKSIDE_AVX2 inline float half_at(const std::byte* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

DESKSIDE_AVX2 inline __m256i load32(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// Signed weights x signed activations, 8 int32 lanes (|w| <= 128, |a| <= 127: no saturation).
DESKSIDE_AVX2 inline __m256i lanes_i8(__m256i w, __m256i a) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

// 32 nibbles of 16 bytes: low nibbles first (elements 0..15), then high nibbles.
DESKSIDE_AVX2 inline __m256i nibbles32(const std::byte* p) {
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m256i b = _mm256_insertf128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x0F));
}

// Byte i = 0xFF where bit i of the 32-bit word at p is set.
DESKSIDE_AVX2 inline __m256i bits32(const std::byte* p) {
    std::uint32_t x;
    std::memcpy(&x, p, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                           0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(x)), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

DESKSIDE_AVX2 inline int hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

DESKSIDE_AVX2 inline float fma1(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

DESKSIDE_AVX2 inline __m256i q4_0_weights(const std::byte* blk) {
    return _mm256_sub_epi8(nibbles32(blk + 2), _mm256_set1_epi8(8));
}

DESKSIDE_AVX2 inline __m256i q5_0_weights(const std::byte* blk) {
    const __m256i hi =
        _mm256_andnot_si256(bits32(blk + 2), _mm256_set1_epi8(static_cast<char>(0xF0)));
    return _mm256_or_si256(nibbles32(blk + 6), hi);
}

template <std::size_t kBytes, int kKind>  // 0: Q8_0, 1: Q4_0, 2: Q5_0
DESKSIDE_AVX2 float dot_lanes_32(const std::byte* w, const QuantRow& a, std::int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * static_cast<std::int64_t>(kBytes);
        __m256i q;
        if constexpr (kKind == 0) {
            q = load32(blk + 2);
        } else if constexpr (kKind == 1) {
            q = q4_0_weights(blk);
        } else {
            q = q5_0_weights(blk);
        }
        const __m256 d = _mm256_set1_ps(half_at(blk) * a.d[b]);
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes_i8(q, load32(a.qs + b * 32))), acc);
    }
    return hsum(acc);
}

DESKSIDE_AVX2 float dot_q4_0_x8(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0;
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * 18;
        const int isum = hsum_i32(lanes_i8(q4_0_weights(blk), load32(a.qs + b * 32)));
        acc = fma1(static_cast<float>(isum), half_at(blk) * a.d[b], acc);
    }
    return acc;
}

// get_scale_min_k4 for the 8 sub-blocks (scales at byte 4 of the block).
inline void k4_scales(const std::byte* b, int* sc, int* mn) {
    std::uint8_t q[12];
    std::memcpy(q, b + 4, 12);
    for (int j = 0; j < 4; ++j) {
        sc[j] = q[j] & 63;
        mn[j] = q[j + 4] & 63;
    }
    for (int j = 4; j < 8; ++j) {
        sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        mn[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

inline void k4_min_products(const int* mn, const std::int16_t* bs, int* prod) {
    for (int k = 0; k < 4; ++k)
        prod[k] = mn[2 * k] * (bs[4 * k] + bs[4 * k + 1]) +
                  mn[2 * k + 1] * (bs[4 * k + 2] + bs[4 * k + 3]);
}

// Lanes of sub-block pair j (64 elements) of a Q4_K (kQ5 = false) or Q5_K block, each
// sub-block times its scale.
template <bool kQ5>
DESKSIDE_AVX2 inline __m256i k4_pair(const std::byte* blk, const std::int8_t* qa, const int* sc,
                                     int j) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i bits = load32(blk + (kQ5 ? 48 : 16) + 32 * j);
    __m256i lo = _mm256_and_si256(bits, m4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
    if constexpr (kQ5) {
        const __m256i qh = load32(blk + 16);
        const __m256i one = _mm256_set1_epi8(1);
        const __m128i s0 = _mm_cvtsi32_si128(2 * j), s1 = _mm_cvtsi32_si128(2 * j + 1);
        lo = _mm256_or_si256(lo,
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, s0), one), 4));
        hi = _mm256_or_si256(hi,
                             _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, s1), one), 4));
    }
    const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(qa + 64 * j)),
                                         _mm256_set1_epi16(static_cast<short>(sc[2 * j])));
    const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(qa + 64 * j + 32)),
                                         _mm256_set1_epi16(static_cast<short>(sc[2 * j + 1])));
    return _mm256_add_epi32(p0, p1);
}

DESKSIDE_AVX2 float dot_q4_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_m = _mm_setzero_ps();
    int sc[8], mn[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        const float d = a.d[i] * half_at(blk);
        const float dmin = -a.d[i] * half_at(blk + 2);
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin),
                             _mm_cvtepi32_ps(_mm_setr_epi32(prod[0], prod[1], prod[2], prod[3])),
                             acc_m);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j)
            sumi = _mm256_add_epi32(sumi, k4_pair<false>(blk, a.qs + i * 256, sc, j));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
    acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
    return hsum(acc) + _mm_cvtss_f32(acc_m);
}

DESKSIDE_AVX2 float dot_q4_k_x8(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0, acc_min = 0;
    int sc[8], mn[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j)
            sumi = _mm256_add_epi32(sumi, k4_pair<false>(blk, a.qs + i * 256, sc, j));
        acc = fma1(static_cast<float>(hsum_i32(sumi)), half_at(blk) * a.d[i], acc);
        acc_min = fma1(static_cast<float>(prod[0] + prod[1] + prod[2] + prod[3]),
                       half_at(blk + 2) * a.d[i], acc_min);
    }
    return acc - acc_min;
}

DESKSIDE_AVX2 float dot_q4_k_x8_gemm(const std::byte* w, const QuantRow& a, std::int64_t n) {
    float acc = 0, acc_min = 0;
    int sc[8], mn[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        const float dd = half_at(blk) * a.d[i];
        const float dm = half_at(blk + 2) * a.d[i];
        for (int j = 0; j < 4; ++j) {
            const int iacc = hsum_i32(k4_pair<false>(blk, a.qs + i * 256, sc, j));
            acc = fma1(static_cast<float>(iacc), dd, acc);
            acc_min = fma1(static_cast<float>(prod[j]), dm, acc_min);
        }
    }
    return acc - acc_min;
}

DESKSIDE_AVX2 float dot_q5_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    int sc[8], mn[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 176;
        const float d = a.d[i] * half_at(blk);
        const float dmin = -a.d[i] * half_at(blk + 2);
        k4_scales(blk, sc, mn);
        k4_min_products(mn, a.bsums + i * 16, prod);
        summs = fma1(dmin, static_cast<float>((prod[0] + prod[1]) + (prod[2] + prod[3])), summs);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; ++j)
            sumi = _mm256_add_epi32(sumi, k4_pair<true>(blk, a.qs + i * 256, sc, j));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum(acc) + summs;
}

// Q6_K's two high bits of each quant (bits `shift`, shift + 1 of qh) moved to bits 4-5.
DESKSIDE_AVX2 inline __m256i q6_high(__m256i qh, int shift) {
    return _mm256_slli_epi16(
        _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(shift)), _mm256_set1_epi8(3)), 4);
}

DESKSIDE_AVX2 float dot_q6_k(const std::byte* w, const QuantRow& a, std::int64_t n) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 210;
        const float d = a.d[i] * half_at(blk + 208);
        std::int8_t scales[16];
        std::memcpy(scales, blk + 192, 16);
        const std::int8_t* qa = a.qs + i * 256;
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i ql0 = load32(blk + 64 * h), ql1 = load32(blk + 64 * h + 32);
            const __m256i qh = load32(blk + 128 + 32 * h);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), q6_high(qh, 0));
            q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), q6_high(qh, 2));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), q6_high(qh, 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), q6_high(qh, 6));
            for (int k = 0; k < 4; ++k) {
                const int c = 4 * h + k;
                const __m256i av = load32(qa + 32 * c);
                const __m256i p16 =
                    _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], av), _mm256_maddubs_epi16(m32, av));
                const __m256i sv =
                    _mm256_insertf128_si256(_mm256_castsi128_si256(_mm_set1_epi16(scales[2 * c])),
                                            _mm_set1_epi16(scales[2 * c + 1]), 1);
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p16, sv));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum(acc);
}

// ---- Four activation rows at a time: the same arithmetic per row as the kernels above (so the
// same bits), with the weight block decoded once and four independent FMA chains.

template <std::size_t kBytes, int kKind>
DESKSIDE_AVX2 void dot4_lanes_32(const std::byte* w, const QuantRow* a, float* out,
                                 std::int64_t n) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * static_cast<std::int64_t>(kBytes);
        __m256i q;
        if constexpr (kKind == 0) {
            q = load32(blk + 2);
        } else if constexpr (kKind == 1) {
            q = q4_0_weights(blk);
        } else {
            q = q5_0_weights(blk);
        }
        const __m256i aq = _mm256_sign_epi8(q, q);
        const float dw = half_at(blk);
        for (int r = 0; r < 4; ++r) {
            const __m256i sy = _mm256_sign_epi8(load32(a[r].qs + b * 32), q);
            const __m256i dot =
                _mm256_madd_epi16(_mm256_maddubs_epi16(aq, sy), _mm256_set1_epi16(1));
            acc[r] =
                _mm256_fmadd_ps(_mm256_set1_ps(dw * a[r].d[b]), _mm256_cvtepi32_ps(dot), acc[r]);
        }
    }
    for (int r = 0; r < 4; ++r) out[r] = hsum(acc[r]);
}

DESKSIDE_AVX2 void dot4_q4_0_x8(const std::byte* w, const QuantRow* a, float* out, std::int64_t n) {
    __m128 acc = _mm_setzero_ps();
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * 18;
        const __m256i q = q4_0_weights(blk);
        const float dw = half_at(blk);
        int isum[4];
        for (int r = 0; r < 4; ++r) isum[r] = hsum_i32(lanes_i8(q, load32(a[r].qs + b * 32)));
        const __m128 d =
            _mm_setr_ps(dw * a[0].d[b], dw * a[1].d[b], dw * a[2].d[b], dw * a[3].d[b]);
        acc = _mm_fmadd_ps(_mm_cvtepi32_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(isum))),
                           d, acc);
    }
    _mm_storeu_ps(out, acc);
}

// Sums of the 8 int32 lanes of each of v0..v3, as {sum v0, sum v1, sum v2, sum v3} (exact).
DESKSIDE_AVX2 inline __m128i hsum4_i32(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// Q4_K repacked: kGemm = false is the gemv (one FMA per super-block), true the gemm (one FMA
// per pair of sub-blocks). Lane r of the __m128 chains is row r's scalar chain.
template <bool kGemm>
DESKSIDE_AVX2 void dot4_q4_k_x8(const std::byte* w, const QuantRow* a, float* out, std::int64_t n) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m128 acc = _mm_setzero_ps(), acc_min = _mm_setzero_ps();
    int sc[8], mn[8];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 144;
        k4_scales(blk, sc, mn);
        const float dw = half_at(blk), dmw = half_at(blk + 2);
        const __m128 ad = _mm_setr_ps(a[0].d[i], a[1].d[i], a[2].d[i], a[3].d[i]);
        const __m128 dd = _mm_mul_ps(_mm_set1_ps(dw), ad);
        const __m128 dm = _mm_mul_ps(_mm_set1_ps(dmw), ad);
        alignas(16) int prod[4][4];  // [pair j][row r]
        for (int r = 0; r < 4; ++r) {
            int p[4];
            k4_min_products(mn, a[r].bsums + i * 16, p);
            for (int j = 0; j < 4; ++j) prod[j][r] = p[j];
        }
        __m256i total[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                            _mm256_setzero_si256()};
        __m128i total_min = _mm_setzero_si128();
        for (int j = 0; j < 4; ++j) {
            const __m256i bits = load32(blk + 16 + 32 * j);
            const __m256i lo = _mm256_and_si256(bits, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            const __m256i s0 = _mm256_set1_epi16(static_cast<short>(sc[2 * j]));
            const __m256i s1 = _mm256_set1_epi16(static_cast<short>(sc[2 * j + 1]));
            __m256i v[4];
            for (int r = 0; r < 4; ++r) {
                const std::int8_t* qa = a[r].qs + i * 256 + 64 * j;
                v[r] = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_maddubs_epi16(lo, load32(qa)), s0),
                    _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load32(qa + 32)), s1));
            }
            const __m128i imin = _mm_load_si128(reinterpret_cast<const __m128i*>(prod[j]));
            if constexpr (kGemm) {
                acc = _mm_fmadd_ps(_mm_cvtepi32_ps(hsum4_i32(v[0], v[1], v[2], v[3])), dd, acc);
                acc_min = _mm_fmadd_ps(_mm_cvtepi32_ps(imin), dm, acc_min);
            } else {
                for (int r = 0; r < 4; ++r) total[r] = _mm256_add_epi32(total[r], v[r]);
                total_min = _mm_add_epi32(total_min, imin);
            }
        }
        if constexpr (!kGemm) {
            acc = _mm_fmadd_ps(_mm_cvtepi32_ps(hsum4_i32(total[0], total[1], total[2], total[3])),
                               dd, acc);
            acc_min = _mm_fmadd_ps(_mm_cvtepi32_ps(total_min), dm, acc_min);
        }
    }
    _mm_storeu_ps(out, _mm_sub_ps(acc, acc_min));
}

DESKSIDE_AVX2 void dot4_q6_k(const std::byte* w, const QuantRow* a, float* out, std::int64_t n) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i m32 = _mm256_set1_epi8(32);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 210;
        const float dw = half_at(blk + 208);
        std::int8_t scales[16];
        std::memcpy(scales, blk + 192, 16);
        __m256i sumi[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                           _mm256_setzero_si256()};
        for (int h = 0; h < 2; ++h) {
            const __m256i ql0 = load32(blk + 64 * h), ql1 = load32(blk + 64 * h + 32);
            const __m256i qh = load32(blk + 128 + 32 * h);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), q6_high(qh, 0));
            q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), q6_high(qh, 2));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), q6_high(qh, 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), q6_high(qh, 6));
            for (int k = 0; k < 4; ++k) {
                const int c = 4 * h + k;
                const __m256i sv =
                    _mm256_insertf128_si256(_mm256_castsi128_si256(_mm_set1_epi16(scales[2 * c])),
                                            _mm_set1_epi16(scales[2 * c + 1]), 1);
                for (int r = 0; r < 4; ++r) {
                    const __m256i av = load32(a[r].qs + i * 256 + 32 * c);
                    const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[k], av),
                                                         _mm256_maddubs_epi16(m32, av));
                    sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(p16, sv));
                }
            }
        }
        for (int r = 0; r < 4; ++r)
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(a[r].d[i] * dw), _mm256_cvtepi32_ps(sumi[r]),
                                     acc[r]);
    }
    for (int r = 0; r < 4; ++r) out[r] = hsum(acc[r]);
}

DESKSIDE_AVX2 void dot4_q5_k(const std::byte* w, const QuantRow* a, float* out, std::int64_t n) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    float summs[4] = {0, 0, 0, 0};
    int sc[8], mn[8], prod[4];
    for (std::int64_t i = 0; i < n / 256; ++i) {
        const std::byte* blk = w + i * 176;
        const float dw = half_at(blk), dmw = half_at(blk + 2);
        k4_scales(blk, sc, mn);
        for (int r = 0; r < 4; ++r) {
            const float d = a[r].d[i] * dw;
            const float dmin = -a[r].d[i] * dmw;
            k4_min_products(mn, a[r].bsums + i * 16, prod);
            summs[r] =
                fma1(dmin, static_cast<float>((prod[0] + prod[1]) + (prod[2] + prod[3])), summs[r]);
            __m256i sumi = _mm256_setzero_si256();
            for (int j = 0; j < 4; ++j)
                sumi = _mm256_add_epi32(sumi, k4_pair<true>(blk, a[r].qs + i * 256, sc, j));
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc[r]);
        }
    }
    for (int r = 0; r < 4; ++r) out[r] = hsum(acc[r]) + summs[r];
}

}  // namespace

QuantDot quant_dot() {
    QuantDot k;
    k.q8_0 = dot_lanes_32<34, 0>;
    k.q4_0 = dot_lanes_32<18, 1>;
    k.q4_0_x8 = dot_q4_0_x8;
    k.q5_0 = dot_lanes_32<22, 2>;
    k.q4_k = dot_q4_k;
    k.q4_k_x8 = dot_q4_k_x8;
    k.q4_k_x8_gemm = dot_q4_k_x8_gemm;
    k.q5_k = dot_q5_k;
    k.q6_k = dot_q6_k;
    k.x4.q8_0 = dot4_lanes_32<34, 0>;
    k.x4.q4_0 = dot4_lanes_32<18, 1>;
    k.x4.q4_0_x8 = dot4_q4_0_x8;
    k.x4.q5_0 = dot4_lanes_32<22, 2>;
    k.x4.q4_k_x8 = dot4_q4_k_x8<false>;
    k.x4.q4_k_x8_gemm = dot4_q4_k_x8<true>;
    k.x4.q5_k = dot4_q5_k;
    k.x4.q6_k = dot4_q6_k;
    return k;
}

}  // namespace deskside::decoder::detail::avx2
#endif
