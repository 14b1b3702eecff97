// Portable builds of the kernels (kernels.h): the reference the SIMD builds are checked
// against at start-up and in tests, and the fallback on CPUs without AVX2.
#include <algorithm>
#include <cmath>

#include "gguf/tensor_types.h"
#include "kernels.h"

namespace deskside::decoder::detail::scalar {

void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols) {
    float acc[kTileRows][kPanelCols] = {};
    for (std::int64_t p = 0; p < k; ++p) {
        const float* b = panel + p * kPanelCols;
        const float* ap = a + p * kTileRows;
        for (int r = 0; r < kTileRows; ++r)
            for (int j = 0; j < kPanelCols; ++j) acc[r][j] += ap[r] * b[j];
    }
    for (int r = 0; r < rows; ++r)
        for (int j = 0; j < cols; ++j) c[r * ldc + j] = acc[r][j];
}

float dot_f32(const float* w, const float* x, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i]) * x[i];
    return static_cast<float>(sum);
}

float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i)
        sum += static_cast<double>(gguf::half_to_float(w[i])) * x[i];
    return static_cast<float>(sum);
}

void axpy_f32(float a, const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] += a * gguf::half_to_float(x[i]);
}

void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        y[i] =
            gguf::half_to_float(gguf::float_to_half(std::fma(a, gguf::half_to_float(x[i]), y[i])));
}

void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::half_to_float(x[i]);
}

void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::float_to_half(x[i]);
}

void round_f16(const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = gguf::half_to_float(gguf::float_to_half(x[i]));
}

float exp_sum(const float* x, float max, float* y, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        y[i] = std::exp(x[i] - max);
        sum += y[i];
    }
    return static_cast<float>(sum);
}

void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel) {
    for (std::int64_t k = 0; k < depth; ++k) {
        float* dst = panel + k * kPanelCols;
        int j = 0;
        for (; j < n; ++j) dst[j] = rows[j * ld + k];
        for (; j < kPanelCols; ++j) dst[j] = 0.0f;
    }
}

void swiglu(float* g, const float* u, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block) {
    for (std::int64_t k = 0; k < depth; ++k) {
        float* dst = block + k * kTileRows;
        int r = 0;
        for (; r < rows; ++r) dst[r] = x[r * ldx + k];
        for (; r < kTileRows; ++r) dst[r] = 0.0f;
    }
}

// ggml's nearest_int / _mm256_round_ps(_MM_ROUND_NEAREST): round half to even.
namespace {

inline int nearest_int(float v) {
    return static_cast<int>(std::nearbyint(v));
}

}  // namespace

// llama.cpp's quantize_row_q8_0 (AVX2 build): d = amax / 127 stored as F16, q = round(x * 127 /
// amax); the product then sees fp16(d) * q.
void round_q8_0(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 32) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const float dh = gguf::half_to_float(gguf::float_to_half(d));
        for (int j = 0; j < 32; ++j) y[b + j] = dh * static_cast<float>(nearest_int(x[b + j] * id));
    }
}

// llama.cpp's quantize_row_q8_K_ref: scale from the value of largest magnitude (with its sign),
// iscale = -127 / max, q = min(127, round(iscale * x)), d = 1 / iscale (kept as float).
void round_q8_k(const float* x, float* y, std::int64_t n) {
    for (std::int64_t b = 0; b < n; b += 256) {
        float amax = 0, max = 0;
        for (int j = 0; j < 256; ++j) {
            const float ax = std::fabs(x[b + j]);
            if (ax > amax) {
                amax = ax;
                max = x[b + j];
            }
        }
        if (amax == 0.0f) {
            std::fill(y + b, y + b + 256, 0.0f);
            continue;
        }
        const float iscale = -127.0f / max;
        const float d = 1.0f / iscale;
        for (int j = 0; j < 256; ++j)
            y[b + j] = d * static_cast<float>(std::min(127, nearest_int(iscale * x[b + j])));
    }
}

}  // namespace deskside::decoder::detail::scalar
