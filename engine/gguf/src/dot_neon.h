// Private: NEON (AArch64 Advanced SIMD) dot products of a quantised row with a float vector, the
// aarch64 counterpart of dot_avx2.h. Advanced SIMD is mandatory on AArch64, so dot_row uses these
// whenever this file is compiled (aarch64 builds only). REQUIRES: n a multiple of the type's
// block. Pure; thread-safe.
#pragma once

#include <cstdint>

namespace deskside::gguf::detail {

float dot_f32_neon(const float* w, const float* x, std::int64_t n);
float dot_f16_neon(const void* w, const float* x, std::int64_t n);
float dot_q8_0_neon(const void* w, const float* x, std::int64_t n);
float dot_q4_0_neon(const void* w, const float* x, std::int64_t n);
float dot_q4_1_neon(const void* w, const float* x, std::int64_t n);
float dot_q5_0_neon(const void* w, const float* x, std::int64_t n);
float dot_q5_1_neon(const void* w, const float* x, std::int64_t n);
float dot_q4_k_neon(const void* w, const float* x, std::int64_t n);
float dot_q5_k_neon(const void* w, const float* x, std::int64_t n);
float dot_q6_k_neon(const void* w, const float* x, std::int64_t n);

}  // namespace deskside::gguf::detail
