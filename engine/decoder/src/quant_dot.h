// Integer dot products of a quantised weight row with an activation row quantised to 8 bits,
// computed as ggml's CPU backend computes them (the build of reference/README.md), so that our
// logits follow llama.cpp's bit for bit where the rest of the forward pass does:
//   * activations: quantize_row_q8_0 (per 32: d = amax/127 kept as F16, q = round-half-even of
//     x * 127/amax) or quantize_row_q8_K (per 256: iscale = -127/max of the signed extreme,
//     d = 1/iscale as float, plus the sums of every 16 quants);
//   * per block, an exact integer sum of weight quant x activation quant; then the float part in
//     ggml's order. vec_dot_* keeps 8 float lanes, lane l holding elements 4l..4l+3 of every
//     32-element chunk, accumulated with one FMA per block, then hsum_float_8. The CPU "repack"
//     kernels (Q4_0 / Q4_K weights with a multiple of 8 rows: gemv/gemm_*_8x8) keep one float per
//     output and block instead. tinyBLAS (llamafile, prompts) agrees with vec_dot per output.
// The integer part is exact in every build; scalar (std::fma) and AVX2 builds are bit-identical.
// Pure functions; thread-safe. REQUIRES (unchecked): n a multiple of the weight's block.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/gguf_file.h"

namespace deskside::decoder::detail {

// One activation row quantised for the products: qs[n], d[n / block] (Q8_0: the F16 scale as
// float; Q8_K: the float scale), bsums[n / 16] (Q8_K only).
struct QuantRow {
    const std::int8_t* qs = nullptr;
    const float* d = nullptr;
    const std::int16_t* bsums = nullptr;
};

enum class ActQuant { none, q8_0, q8_k };

// The activation quantisation llama.cpp uses for products with `type` (none: no integer path).
ActQuant act_quant_for(gguf::TensorType type);
int act_quant_block(ActQuant q);  // 32 or 256

// quantize_row_q8_0 / quantize_row_q8_K (x86 builds), bit for bit. n a multiple of 32 / 256.
void quantize_q8_0(const float* x, std::int64_t n, std::int8_t* qs, float* d);
void quantize_q8_k(const float* x, std::int64_t n, std::int8_t* qs, float* d, std::int16_t* bsums);

using QuantDotFn = float (*)(const std::byte* w, const QuantRow& a, std::int64_t n);
// out[r] = the QuantDotFn of the same kernel for a[r], r < 4, bit for bit (one decode of each
// weight block, four independent accumulation chains).
using QuantDot4Fn = void (*)(const std::byte* w, const QuantRow* a, float* out, std::int64_t n);

// The kernels that have a four-row form (nullptr: call the one-row form four times).
struct QuantDot4 {
    QuantDot4Fn q8_0 = nullptr;
    QuantDot4Fn q4_0 = nullptr;
    QuantDot4Fn q4_0_x8 = nullptr;
    QuantDot4Fn q5_0 = nullptr;
    QuantDot4Fn q4_k = nullptr;
    QuantDot4Fn q4_k_x8 = nullptr;
    QuantDot4Fn q4_k_x8_gemm = nullptr;
    QuantDot4Fn q5_k = nullptr;
    QuantDot4Fn q6_k = nullptr;
};

struct QuantDot {
    QuantDotFn q8_0 = nullptr;          // ggml_vec_dot_q8_0_q8_0
    QuantDotFn q4_0 = nullptr;          // ggml_vec_dot_q4_0_q8_0
    QuantDotFn q4_0_x8 = nullptr;       // ggml_gemv_q4_0_8x8_q8_0 (repacked weights)
    QuantDotFn q5_0 = nullptr;          // ggml_vec_dot_q5_0_q8_0
    QuantDotFn q4_k = nullptr;          // ggml_vec_dot_q4_K_q8_K
    QuantDotFn q4_k_x8 = nullptr;       // ggml_gemv_q4_K_8x8_q8_K (repacked weights)
    QuantDotFn q4_k_x8_gemm = nullptr;  // ggml_gemm_q4_K_8x8_q8_K (AVX-512 build)
    QuantDotFn q5_k = nullptr;          // ggml_vec_dot_q5_K_q8_K
    QuantDotFn q6_k = nullptr;          // ggml_vec_dot_q6_K_q8_K
    QuantDot4 x4;
};

// The kernel for a weight of `type` with `rows` rows (llama.cpp repacks Q4_0 / Q4_K weights whose
// row count is a multiple of 8 on AVX2 CPUs; pass rows = 1 for a weight it does not repack, such
// as token_embd) and input row `m` of `inputs` (the repack code runs its gemm over the first
// inputs - inputs % 4 rows when inputs > 3, its gemv over the rest); nullptr when the type has
// no integer path.
QuantDotFn quant_dot_for(const QuantDot& k, gguf::TensorType type, std::int64_t rows,
                         std::int64_t m = 0, std::int64_t inputs = 1);

// The four-row form of quant_dot_for(k, type, rows, m, inputs) for rows m..m+3 (all of one
// kernel kind); nullptr when there is none.
QuantDot4Fn quant_dot4_for(const QuantDot& k, gguf::TensorType type, std::int64_t rows,
                           std::int64_t m, std::int64_t inputs);

namespace scalar {
QuantDot quant_dot();
}
#if defined(__x86_64__)
namespace avx2 {
QuantDot quant_dot();
}
namespace avx512 {
bool has_vnni();  // AVX-512 VNNI + BW + VL run here
// Replaces the four-row forms of the Q8_0 / Q4_0 / Q5_0 products by VNNI builds.
void add_vnni(QuantDot& k);
}  // namespace avx512
#endif

}  // namespace deskside::decoder::detail
