// Private: AVX2/FMA/F16C dot products of a quantised row with a float vector. Compiled with
// function-level target attributes, so callers must first check that the CPU runs them
// (has_simd_dot in tensor_types.cpp). REQUIRES: n a multiple of the type's block. Thread-safe.
#pragma once

#include <cstdint>

namespace deskside::gguf::detail {

float dot_f32_avx2(const float* w, const float* x, std::int64_t n);
float dot_f16_avx2(const void* w, const float* x, std::int64_t n);
float dot_q8_0_avx2(const void* w, const float* x, std::int64_t n);
float dot_q4_0_avx2(const void* w, const float* x, std::int64_t n);
float dot_q4_k_avx2(const void* w, const float* x, std::int64_t n);
float dot_q5_k_avx2(const void* w, const float* x, std::int64_t n);
float dot_q6_k_avx2(const void* w, const float* x, std::int64_t n);

}  // namespace deskside::gguf::detail
