// AVX-512 (F/BW/DQ/VL) builds of the kernels (kernels.h). Function-level target attributes, as
// in kernels_avx2.cpp; used only after select_kernels() ran and checked them.
//
// gemm_tile is a 12 x 32 register tile: 24 accumulators, two panel loads and one broadcast per
// row and k step, i.e. 24 FMAs for 14 loads, so the FMA ports and not the loads set the pace.
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernels.h"
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

// silu(x) = x / (1 + e^-x), with the exponential always of -|x| (<= 0) so it cannot overflow:
// x >= 0: x / (1 + e^-x); x < 0: x e^x / (1 + e^x).
DESKSIDE_AVX512 void swiglu(float* g, const float* u, std::int64_t n) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 x = _mm512_maskz_loadu_ps(m, g + i);
        const __m512 e = simd::exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_abs_ps(x)));
        const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
        const __m512 num = _mm512_mask_mul_ps(x, negative, x, e);
        const __m512 s = _mm512_div_ps(num, _mm512_add_ps(one, e));
        _mm512_mask_storeu_ps(g + i, m, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(m, u + i)));
    }
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

DESKSIDE_AVX512 float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
           s3 = _mm512_setzero_ps();
    std::int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
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
    for (; i < n; i += 16) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 wv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + i));
        s0 = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
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
