// Weight tensor types: block layouts, dequantisation to float and dot products of a quantised
// row with a float vector, for F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K
// (ggml's layouts, bit for bit; the other types ggml knows are sized, so files holding them open,
// but not decoded). Pure functions; thread-safe. Errors: Error(unsupported) for a type that cannot
// be decoded, Error(invalid_argument) for a row length that is not a whole number of blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gguf/gguf_file.h"

namespace deskside::gguf {

std::string_view tensor_type_name(TensorType type);  // "Q4_K", "F16"; "type 99" if unknown

// Elements per block and bytes per block (1 and 4 for F32); nullopt-like 0 for unknown types.
int block_elements(TensorType type);
std::size_t block_bytes(TensorType type);
// Bytes of a row of n elements (n a multiple of block_elements); 0 for unknown types.
std::size_t row_bytes(TensorType type, std::int64_t n);

// True when this build can dequantise and dot `type`.
bool is_supported(TensorType type);

// dst[0..n) = the n values of the row at `src`, exactly as ggml's dequantize_row_* computes them.
// REQUIRES: is_supported(type), n a multiple of block_elements(type); throws otherwise.
void dequantize_row(TensorType type, const void* src, float* dst, std::int64_t n);

// The dot product of the row at `src` (n values of `type`) with x[0..n), in float: within about
// 1e-5 of sum |w_i x_i| of the exact dot of the dequantised row. Same REQUIRES as above.
float dot_row(TensorType type, const void* src, const float* x, std::int64_t n);

// The scalar reference of dot_row (accumulates in double). dot_row uses an AVX2/FMA kernel
// (x86-64, chosen at run time from what the CPU runs) or a NEON one (aarch64) when
// has_simd_dot(type), and this otherwise; tests check one against the other.
float dot_row_scalar(TensorType type, const void* src, const float* x, std::int64_t n);
bool has_simd_dot(TensorType type);

// IEEE half and bfloat16 conversions (float_to_half rounds to nearest, ties to even).
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);
float bf16_to_float(std::uint16_t h);

}  // namespace deskside::gguf
