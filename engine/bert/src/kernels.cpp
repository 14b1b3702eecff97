#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "simd.h"

namespace deskside::bert::detail {

bool cpu_has_avx512() {
#if defined(__x86_64__)
    // libgcc's check covers the OS side too (XGETBV: zmm state enabled).
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return false;  // other architectures run the portable kernels
#endif
}

std::uint16_t float_to_half(float value) {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude >= 0x7F800000u)  // infinity, NaN (kept quiet)
        return static_cast<std::uint16_t>(sign | (magnitude > 0x7F800000u ? 0x7E00u : 0x7C00u));
    if (magnitude >= 0x477FF000u)  // >= 65520 rounds to infinity
        return static_cast<std::uint16_t>(sign | 0x7C00u);
    if (magnitude < 0x38800000u) {  // below 2^-14: a subnormal half (or zero)
        // Multiples of 2^-24; nearbyint rounds to nearest even in the default mode.
        float scaled = std::bit_cast<float>(magnitude) * 16777216.0f;
        return static_cast<std::uint16_t>(sign |
                                          static_cast<std::uint32_t>(std::nearbyint(scaled)));
    }
    // Re-bias the exponent (127 -> 15) and round the mantissa from 23 to 10 bits, to even;
    // a carry out of the mantissa correctly bumps the exponent.
    const std::uint32_t rounded = magnitude + 0xFFFu + ((magnitude >> 13) & 1u);
    return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

float half_to_float(std::uint16_t bits) {
    const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
    const std::uint32_t mantissa = bits & 0x3FFu;
    if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
        float magnitude = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
        return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(magnitude));
    }
    if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

float gelu_tanh(float x) {
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
    constexpr float kCoefA = 0.044715f;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
}

GeluTable::GeluTable() : values_(65536) {
    for (std::uint32_t h = 0; h < 65536; ++h)
        values_[h] =
            half_to_float(float_to_half(gelu_tanh(half_to_float(static_cast<std::uint16_t>(h)))));
}

namespace {

// One row of ggml_norm followed by the weight and bias (ggml_mul, ggml_add). The sums are in
// double as ggml's ggml_float; the rest in float.
[[gnu::always_inline]] inline void layer_norm_row(float* x, std::int64_t n, const float* weight,
                                                  const float* bias, float eps) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    double sum2 = 0.0;
#pragma omp simd reduction(+ : sum2)
    for (std::int64_t i = 0; i < n; ++i) {
        const float v = x[i] - mean;
        x[i] = v;
        sum2 += static_cast<double>(v * v);
    }
    const float variance = static_cast<float>(sum2 / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(variance + eps);
#pragma omp simd
    for (std::int64_t i = 0; i < n; ++i) x[i] = x[i] * scale * weight[i] + bias[i];
}

#if defined(__x86_64__)
DESKSIDE_AVX512 void layer_norm_rows_avx512(float* x, std::int64_t rows, std::int64_t n,
                                            std::int64_t ld, const float* weight, const float* bias,
                                            float eps) {
    for (std::int64_t r = 0; r < rows; ++r) layer_norm_row(x + r * ld, n, weight, bias, eps);
}
#endif

void layer_norm_rows_generic(float* x, std::int64_t rows, std::int64_t n, std::int64_t ld,
                             const float* weight, const float* bias, float eps) {
    for (std::int64_t r = 0; r < rows; ++r) layer_norm_row(x + r * ld, n, weight, bias, eps);
}

#if defined(__x86_64__)
DESKSIDE_AVX512 void softmax_row_avx512(float* x, std::int64_t n, float scale) {
    const __m512 vscale = _mm512_set1_ps(scale);
    const __m512 minus_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __m512 vmax = minus_inf;
    for (std::int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_mul_ps(_mm512_mask_loadu_ps(minus_inf, m, x + i), vscale);
        vmax = _mm512_max_ps(vmax, v);
    }
    const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 vsum = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 v = _mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vscale), max);
        __m512 e = _mm512_maskz_mov_ps(m, exp_avx512(v));
        _mm512_mask_storeu_ps(x + i, m, e);
        vsum = _mm512_add_ps(vsum, e);
    }
    const __m512 inv = _mm512_set1_ps(static_cast<float>(1.0 / _mm512_reduce_add_ps(vsum)));
    for (std::int64_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
    }
}
#endif

void softmax_row_generic(float* x, std::int64_t n, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (std::int64_t i = 0; i < n; ++i) max = std::max(max, x[i] * scale);
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] * scale - max);
        sum += x[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (std::int64_t i = 0; i < n; ++i) x[i] *= inv;
}

#if defined(__x86_64__)
DESKSIDE_AVX512 void round_row_avx512(float* x, std::int64_t n, Rounding rounding) {
    if (rounding == Rounding::half) {
        for (std::int64_t i = 0; i < n; i += 16) {
            __mmask16 m = tail_mask(n - i);
            __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            _mm512_mask_storeu_ps(x + i, m, _mm512_cvtph_ps(h));
        }
        return;
    }
    // q8_0: blocks of 32 = two registers.
    for (std::int64_t i = 0; i < n; i += 32) {
        __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
        const float amax =
            _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const float d = half_to_float(float_to_half(amax / 127.0f));
        const __m512 id = _mm512_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        const __m512 vd = _mm512_set1_ps(d);
        v0 = _mm512_roundscale_ps(_mm512_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT);
        v1 = _mm512_roundscale_ps(_mm512_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT);
        _mm512_storeu_ps(x + i, _mm512_mul_ps(v0, vd));
        _mm512_storeu_ps(x + i + 16, _mm512_mul_ps(v1, vd));
    }
}
#endif

void round_row_generic(float* x, std::int64_t n, Rounding rounding) {
    switch (rounding) {
        case Rounding::none:
            return;
        case Rounding::half:
            for (std::int64_t i = 0; i < n; ++i) x[i] = half_to_float(float_to_half(x[i]));
            return;
        case Rounding::bf16:
            for (std::int64_t i = 0; i < n; ++i) {
                std::uint32_t u = std::bit_cast<std::uint32_t>(x[i]);
                if ((u & 0x7FFFFFFFu) > 0x7F800000u) continue;  // NaN stays
                u = (u + (0x7FFFu + ((u >> 16) & 1u))) & 0xFFFF0000u;
                x[i] = std::bit_cast<float>(u);
            }
            return;
        case Rounding::q8_0:
            for (std::int64_t b = 0; b < n; b += 32) {
                float amax = 0.0f;
                for (int j = 0; j < 32; ++j) amax = std::max(amax, std::abs(x[b + j]));
                const float d = half_to_float(float_to_half(amax / 127.0f));
                const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
                for (int j = 0; j < 32; ++j) x[b + j] = std::nearbyint(x[b + j] * id) * d;
            }
            return;
        case Rounding::q8_k:
            for (std::int64_t b = 0; b < n; b += 256) {
                float amax = 0.0f, max = 0.0f;
                for (int j = 0; j < 256; ++j)
                    if (std::abs(x[b + j]) > amax) amax = std::abs(x[b + j]), max = x[b + j];
                if (amax == 0.0f) {
                    for (int j = 0; j < 256; ++j) x[b + j] = 0.0f;
                    continue;
                }
                const float iscale = -127.0f / max;
                const float d = 1.0f / iscale;
                for (int j = 0; j < 256; ++j)
                    x[b + j] = std::min(127.0f, std::nearbyint(iscale * x[b + j])) * d;
            }
            return;
    }
}

}  // namespace

// Off x86-64 the avx512 flags are ignored: only the portable kernels exist there (and
// cpu_has_avx512() never lets a caller set them).
void round_row(float* x, std::int64_t n, Rounding rounding, [[maybe_unused]] bool avx512) {
    if (rounding == Rounding::none) return;
#if defined(__x86_64__)
    if (avx512 && (rounding == Rounding::half || rounding == Rounding::q8_0))
        round_row_avx512(x, n, rounding);
    else
        round_row_generic(x, n, rounding);
#else
    round_row_generic(x, n, rounding);
#endif
}

void layer_norm_rows(float* x, std::int64_t rows, std::int64_t n, std::int64_t ld,
                     const float* weight, const float* bias, float eps,
                     [[maybe_unused]] bool avx512) {
#if defined(__x86_64__)
    if (avx512)
        layer_norm_rows_avx512(x, rows, n, ld, weight, bias, eps);
    else
        layer_norm_rows_generic(x, rows, n, ld, weight, bias, eps);
#else
    layer_norm_rows_generic(x, rows, n, ld, weight, bias, eps);
#endif
}

void softmax_row(float* x, std::int64_t n, float scale, [[maybe_unused]] bool avx512) {
#if defined(__x86_64__)
    if (avx512)
        softmax_row_avx512(x, n, scale);
    else
        softmax_row_generic(x, n, scale);
#else
    softmax_row_generic(x, n, scale);
#endif
}

}  // namespace deskside::bert::detail
