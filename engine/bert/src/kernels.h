// Element-wise kernels of the BERT encoder, computed as ggml's CPU backend computes them:
// LayerNorm (mean and variance summed in double, as ggml_norm), softmax with a scale (as
// ggml_soft_max_ext without a mask), and GELU through ggml's table: the input rounded to
// IEEE half, looked up in 65,536 precomputed tanh-approximation values, themselves rounded to
// half (ggml's GGML_GELU_FP16 path; |x| >= 10 bypasses the table).
//
// Pure functions over caller-owned memory; thread-safe. The AVX-512 variants (x86-64 only) are
// chosen at run time (cpu_has_avx512()); every function has a portable fallback, the only code
// on other architectures.
#pragma once

#include <cstdint>
#include <vector>

namespace deskside::bert::detail {

// True when the CPU and the OS support AVX-512F (zmm state enabled).
bool cpu_has_avx512();

// IEEE binary16 conversions; float_to_half rounds to nearest even, as F16C does.
std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t bits);

// ggml's tanh-approximation GELU in float: 0.5x(1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))).
float gelu_tanh(float x);

// The 64 Ki-entry table, indexed by the half bit pattern of the input. Immutable.
class GeluTable {
  public:
    GeluTable();
    const float* data() const { return values_.data(); }
    float operator()(float x) const {
        if (x <= -10.0f) return 0.0f;
        if (x >= 10.0f) return x;
        return values_[float_to_half(x)];
    }

  private:
    std::vector<float> values_;
};

// rows x n, row stride ld: x = LayerNorm(x) * weight + bias, in place.
void layer_norm_rows(float* x, std::int64_t rows, std::int64_t n, std::int64_t ld,
                     const float* weight, const float* bias, float eps, bool avx512);

// x[0..n) = softmax(x * scale), in place.
void softmax_row(float* x, std::int64_t n, float scale, bool avx512);

// How ggml's CPU matmul rounds its float input before the dot products, by the weight's type
// (ggml's vec_dot_type): F16 weights -> IEEE half, BF16 -> bfloat16, Q4_0/Q5_0/Q8_0 -> Q8_0
// blocks, Q4_1/Q5_1 -> Q8_1 blocks (same values as Q8_0), K-quants -> Q8_K blocks of 256.
// Rounding our float activations the same way reproduces llama.cpp's vectors far more closely.
enum class Rounding { none, half, bf16, q8_0, q8_k };

// x[0..n) replaced by its rounded value, in place. REQUIRES: n a multiple of the block
// (32 for q8_0, 256 for q8_k).
//   q8_0: per block d = amax/127, q = round-half-even(x * 127/amax), x = q * half(d)
//   q8_k: per block iscale = -127/max (max = the value of largest magnitude),
//         q = min(127, round-half-even(iscale * x)), x = q / iscale
void round_row(float* x, std::int64_t n, Rounding rounding, bool avx512);

}  // namespace deskside::bert::detail
