// AVX2/FMA/F16C builds of the kernels (kernels.h). Every function carries its own target
// attribute, so this file compiles for baseline x86-64 and nothing here runs unless
// select_kernels() found the CPU runs it and agrees with the scalar build.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels.h"

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

}  // namespace deskside::decoder::detail::avx2
#endif
