// AVX-512 (F/BW/DQ/VL) builds of the kernels (kernels.h). Function-level target attributes, as
// in kernels_avx2.cpp; used only after select_kernels() ran and checked them.
//
// gemm_tile is a 12 x 32 register tile: 24 accumulators, two panel loads and one broadcast per
// row and k step, i.e. 24 FMAs for 14 loads, so the FMA ports and not the loads set the pace.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels.h"
#include "quant_dot.h"
#include "simd/avx512_math.h"

// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized on its own _mm512_undefined_* helpers
// (GCC bug 105593, fixed in 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#define DESKSIDE_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

namespace deskside::decoder::detail::avx512 {
namespace {

using simd::tail_mask;

}  // namespace

// ggml_v_expf of the AVX-512 build (a polynomial after Arm's optimized routines: about 1.5 ulp,
// +inf above 88.38, 0 below -103.97). SwiGLU must use this very function, not a better exp: the
// gate feeds the 8-bit rounding of the down projection's input, where one ulp can move a value
// by a whole step.
DESKSIDE_AVX512 inline __m512 ggml_expf(__m512 x) {
    const __m512 r = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const __m512 n = _mm512_sub_ps(z, r);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                      _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 big = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 j = _mm512_fmadd_ps(
        _mm512_fmadd_ps(
            _mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
            _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const __m512 res = _mm512_scalef_ps(j, n);
    if (_mm512_kortestz(big, big)) return res;
    const __m512 zero = _mm512_setzero_ps();
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, zero, _CMP_LE_OQ),
                                            _mm512_set1_ps(__builtin_inff()), zero);
    return _mm512_mask_blend_ps(big, res, alt);
}

// ggml_vec_swiglu_f32: silu(g) = g / (1 + ggml_v_expf(0 - g)) over whole vectors of 16, times u;
// the tail one value at a time with the C library's expf, as ggml_silu_f32 does.
DESKSIDE_AVX512 void swiglu(float* g, const float* u, std::int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(g + i);
        const __m512 e = ggml_expf(_mm512_sub_ps(_mm512_setzero_ps(), x));
        const __m512 s = _mm512_div_ps(x, _mm512_add_ps(one, e));
        _mm512_storeu_ps(g + i, _mm512_mul_ps(s, _mm512_loadu_ps(u + i)));
    }
    for (; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

DESKSIDE_AVX512 double soft_max(const float* x, float max, float* y, std::int64_t n) {
    double sum = 0;
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = ggml_expf(_mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(max)));
        _mm512_storeu_ps(y + i, v);
        sum += static_cast<double>(_mm512_reduce_add_ps(v));
    }
    for (; i < n; ++i) {
        y[i] = std::exp(x[i] - max);
        sum += static_cast<double>(y[i]);
    }
    return sum;
}

DESKSIDE_AVX512 float exp_sum(const float* x, float max, float* y, std::int64_t n) {
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 sum = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 e = simd::exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vmax));
        _mm512_mask_storeu_ps(y + i, m, e);
        sum = _mm512_mask_add_ps(sum, m, sum, e);
    }
    return _mm512_reduce_add_ps(sum);
}

DESKSIDE_AVX512 void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c,
                               std::int64_t ldc, int rows, int cols) {
    __m512 acc[kTileRows][2];
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (std::int64_t p = 0; p < k; ++p) {
        const __m512 b0 = _mm512_load_ps(panel + p * kPanelCols);
        const __m512 b1 = _mm512_load_ps(panel + p * kPanelCols + 16);
        const float* ap = a + p * kTileRows;
#pragma GCC unroll 12
        for (int r = 0; r < kTileRows; ++r) {
            const __m512 x = _mm512_set1_ps(ap[r]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    const __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16 > 0 ? cols - 16 : 0);
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) {
        if (r < rows) {
            _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
            _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
        }
    }
}

DESKSIDE_AVX512 void gemm_tile_acc(const float* a, const float* panel, std::int64_t k, float* c,
                                   std::int64_t ldc, int rows, int cols) {
    __m512 acc[kTileRows][2];
    const __mmask16 m0 = tail_mask(cols), m1 = tail_mask(cols - 16 > 0 ? cols - 16 : 0);
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) {
        acc[r][0] = r < rows ? _mm512_maskz_loadu_ps(m0, c + r * ldc) : _mm512_setzero_ps();
        acc[r][1] = r < rows ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (std::int64_t p = 0; p < k; ++p) {
        const __m512 b0 = _mm512_load_ps(panel + p * kPanelCols);
        const __m512 b1 = _mm512_load_ps(panel + p * kPanelCols + 16);
        const float* ap = a + p * kTileRows;
#pragma GCC unroll 12
        for (int r = 0; r < kTileRows; ++r) {
            const __m512 x = _mm512_set1_ps(ap[r]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < kTileRows; ++r) {
        if (r < rows) {
            _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
            _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
        }
    }
}

// Gathers, one per 16 columns of a panel row: the rows are read in L1/L2-friendly order and
// the panel is written sequentially (a scalar transpose's strided stores are several times
// slower).
DESKSIDE_AVX512 void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth,
                                float* panel) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i index = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int>(ld)));
    const __mmask16 m0 = tail_mask(n), m1 = tail_mask(n > 16 ? n - 16 : 0);
    const float* upper = rows + 16 * ld;
    for (std::int64_t k = 0; k < depth; ++k) {
        const __m512 lo = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m0, index, rows + k, 4);
        const __m512 hi =
            m1 ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m1, index, upper + k, 4)
               : _mm512_setzero_ps();
        _mm512_store_ps(panel + k * kPanelCols, lo);
        _mm512_store_ps(panel + k * kPanelCols + 16, hi);
    }
}

DESKSIDE_AVX512 void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth,
                                float* block) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i index = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int>(ldx)));
    const __mmask16 m = tail_mask(rows);
    constexpr __mmask16 kStore = (1u << kTileRows) - 1u;
    for (std::int64_t k = 0; k < depth; ++k) {
        const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, index, x + k, 4);
        _mm512_mask_storeu_ps(block + k * kTileRows, kStore, v);
    }
}

// As scalar::round_q8_0, 32 values at a time (the same operations in the same order, so the
// same bits; roundscale with round-to-nearest-even is ggml's _mm256_round_ps).
DESKSIDE_AVX512 void round_q8_0(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 32) {
        const __m512 v0 = _mm512_loadu_ps(x + b), v1 = _mm512_loadu_ps(x + b + 16);
        const float amax =
            _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const __m512 dh = _mm512_set1_ps(_cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT)));
        const __m512 vid = _mm512_set1_ps(id);
        const __m512 q0 = _mm512_roundscale_ps(_mm512_mul_ps(v0, vid), _MM_FROUND_TO_NEAREST_INT);
        const __m512 q1 = _mm512_roundscale_ps(_mm512_mul_ps(v1, vid), _MM_FROUND_TO_NEAREST_INT);
        _mm512_storeu_ps(y + b, _mm512_mul_ps(dh, q0));
        _mm512_storeu_ps(y + b + 16, _mm512_mul_ps(dh, q1));
    }
}

// As scalar::round_q8_k: the first value of largest magnitude gives the scale and its sign.
DESKSIDE_AVX512 void round_q8_k(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 256) {
        __m512 vmax = _mm512_setzero_ps();
        for (int j = 0; j < 256; j += 16)
            vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + b + j)));
        const float amax = _mm512_reduce_max_ps(vmax);
        if (amax == 0.0f) {
            for (int j = 0; j < 256; j += 16) _mm512_storeu_ps(y + b + j, _mm512_setzero_ps());
            continue;
        }
        float max = 0.0f;
        const __m512 target = _mm512_set1_ps(amax);
        for (int j = 0; j < 256; j += 16) {
            const __mmask16 hit =
                _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + b + j)), target, _CMP_EQ_OQ);
            if (hit) {
                max = x[b + j + __builtin_ctz(hit)];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const __m512 vd = _mm512_set1_ps(1.0f / iscale), vis = _mm512_set1_ps(iscale);
        const __m512 limit = _mm512_set1_ps(127.0f);
        for (int j = 0; j < 256; j += 16) {
            const __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(vis, _mm512_loadu_ps(x + b + j)),
                                                  _MM_FROUND_TO_NEAREST_INT);
            _mm512_storeu_ps(y + b + j, _mm512_mul_ps(vd, _mm512_min_ps(q, limit)));
        }
    }
}

DESKSIDE_AVX512 float dot_f32(const float* w, const float* x, std::int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
           s3 = _mm512_setzero_ps();
    std::int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(x + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(x + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 32), _mm512_loadu_ps(x + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 48), _mm512_loadu_ps(x + i + 48), s3);
    }
    for (; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + i), _mm512_maskz_loadu_ps(m, x + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// ggml_vec_dot_f16 as the AVX-512 build runs it: four 16-lane FMA accumulators over steps of
// 64, reduced as (s0 + s2) + (s1 + s3) then _mm512_reduce_add_ps; the leftovers (n % 64) are
// added one by one in double; the double result is rounded to float once. x holds F16 values.
DESKSIDE_AVX512 float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
           s3 = _mm512_setzero_ps();
    const std::int64_t np = n & ~std::int64_t{63};
    for (std::int64_t i = 0; i < np; i += 64) {
        const __m512i w01 = _mm512_loadu_si512(w + i);
        const __m512i w23 = _mm512_loadu_si512(w + i + 32);
        s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(w01)), _mm512_loadu_ps(x + i),
                             s0);
        s1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(w01, 1)),
                             _mm512_loadu_ps(x + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(w23)),
                             _mm512_loadu_ps(x + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm512_extracti64x4_epi64(w23, 1)),
                             _mm512_loadu_ps(x + i + 48), s3);
    }
    double sum = 0.0;
    if (np > 0)
        sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s2), _mm512_add_ps(s1, s3)));
    for (std::int64_t i = np; i < n; ++i) {
        const float wi = _cvtsh_ss(w[i]);
        const float prod = wi * x[i];
        sum += static_cast<double>(prod);
    }
    return static_cast<float>(sum);
}

DESKSIDE_AVX512 void axpy_f32(float a, const float* x, float* y, std::int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(
            y + i, m,
            _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

DESKSIDE_AVX512 void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, v, _mm512_maskz_loadu_ps(m, y + i)));
    }
}

DESKSIDE_AVX512 void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i));
        const __m512 sum = _mm512_fmadd_ps(va, v, _mm512_maskz_loadu_ps(m, y + i));
        _mm512_mask_storeu_ps(y + i, m,
                              _mm512_cvtph_ps(_mm512_cvtps_ph(sum, _MM_FROUND_TO_NEAREST_INT)));
    }
}

DESKSIDE_AVX512 void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i)));
    }
}

DESKSIDE_AVX512 void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        _mm256_mask_storeu_epi16(
            y + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT));
    }
}

DESKSIDE_AVX512 void round_f16(const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m256i h =
            _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm512_mask_storeu_ps(y + i, m, _mm512_cvtph_ps(h));
    }
}

}  // namespace deskside::decoder::detail::avx512
#endif

// ---- Integer products, four activation rows, AVX-512 VNNI -------------------------------------
// Two activation rows per 512-bit register: lanes 0-7 hold row 2p's eight lanes, 8-15 row
// 2p+1's, each lane the same exact integer as vec_dot's 256-bit lane (vpdpbusd sums the same 4
// products exactly), then the same FMA per block and hsum_float_8 per row: bit-identical to the
// AVX2 and scalar builds.
#if defined(__x86_64__)
#define DESKSIDE_VNNI \
    __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma,f16c")))

namespace deskside::decoder::detail::avx512 {
namespace {

DESKSIDE_VNNI inline float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

DESKSIDE_VNNI inline __m256i weights32(const std::byte* blk, int kind) {
    if (kind == 0) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
    const int off = kind == 1 ? 2 : 6;
    const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + off));
    __m256i q = _mm256_and_si256(
        _mm256_insertf128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1),
        _mm256_set1_epi8(0x0F));
    if (kind == 1) return _mm256_sub_epi8(q, _mm256_set1_epi8(8));
    std::uint32_t qh;
    std::memcpy(&qh, blk + 2, 4);
    // Q5_0: nibble - 16 where the fifth bit is clear (ggml: or with 0xF0 there).
    const __mmask32 set = static_cast<__mmask32>(qh);
    return _mm256_or_si256(q, _mm256_maskz_mov_epi8(static_cast<__mmask32>(~set),
                                                    _mm256_set1_epi8(static_cast<char>(0xF0))));
}

// Exact 4-product sums of |w| and sign(w) * (activation rows r, r + 1) in 16 int32 lanes.
DESKSIDE_VNNI inline __m512i pair_lanes(__m512i aq, __mmask64 neg, const QuantRow* a, int r,
                                        std::int64_t b) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i y = _mm512_inserti64x4(
        _mm512_castsi256_si512(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r].qs + b * 32))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r + 1].qs + b * 32)), 1);
    return _mm512_dpbusd_epi32(zero, aq, _mm512_mask_sub_epi8(y, neg, zero, y));
}

template <std::size_t kBytes, int kKind>
DESKSIDE_VNNI void dot4_lanes(const std::byte* w, const QuantRow* a, float* out, std::int64_t n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (std::int64_t b = 0; b < n / 32; ++b) {
        const std::byte* blk = w + b * static_cast<std::int64_t>(kBytes);
        const __m512i q = _mm512_broadcast_i64x4(weights32(blk, kKind));
        const __m512i aq = _mm512_abs_epi8(q);
        const __mmask64 neg = _mm512_movepi8_mask(q);
        std::uint16_t h;
        std::memcpy(&h, blk, 2);
        const float dw = _cvtsh_ss(h);
        const __m512 d0 =
            _mm512_insertf32x8(_mm512_set1_ps(dw * a[0].d[b]), _mm256_set1_ps(dw * a[1].d[b]), 1);
        const __m512 d1 =
            _mm512_insertf32x8(_mm512_set1_ps(dw * a[2].d[b]), _mm256_set1_ps(dw * a[3].d[b]), 1);
        acc0 = _mm512_fmadd_ps(d0, _mm512_cvtepi32_ps(pair_lanes(aq, neg, a, 0, b)), acc0);
        acc1 = _mm512_fmadd_ps(d1, _mm512_cvtepi32_ps(pair_lanes(aq, neg, a, 2, b)), acc1);
    }
    out[0] = hsum8(_mm512_castps512_ps256(acc0));
    out[1] = hsum8(_mm512_extractf32x8_ps(acc0, 1));
    out[2] = hsum8(_mm512_castps512_ps256(acc1));
    out[3] = hsum8(_mm512_extractf32x8_ps(acc1, 1));
}

}  // namespace

bool has_vnni() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}

void add_vnni(QuantDot& k) {
    k.x4.q8_0 = dot4_lanes<34, 0>;
    k.x4.q4_0 = dot4_lanes<18, 1>;
    k.x4.q5_0 = dot4_lanes<22, 2>;
}

}  // namespace deskside::decoder::detail::avx512
#endif
