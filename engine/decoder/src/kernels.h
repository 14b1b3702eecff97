// The arithmetic the forward pass is made of, in four builds: portable scalar code (the
// reference), AVX2/FMA/F16C and AVX-512 (F/BW/DQ/VL), compiled with function-level target
// attributes into one x86-64 binary, and NEON (AArch64 Advanced SIMD, aarch64 builds only).
// select_kernels() checks CPUID + XGETBV (HWCAP on aarch64), then runs each fast kernel on small
// inputs and compares it with the scalar one: a build only counts if it runs and agrees (flags
// alone are not trusted; this VM's CPU reports AMX, whose use dies).
//
// Activation rounding: llama.cpp rounds the input vector of every product to the weight's
// "vec_dot type" first (F16 for F16 weights, Q8_0 blocks for Q4_0/Q5_0/Q8_0, Q8_K for the
// K-quants). The float path does the same in float (x' = d * q), so its products match llama.cpp's
// up to float summation order; quantised weights of the types in quant_dot.h take integer kernels
// instead (Kernels::qdot) that reproduce ggml's arithmetic bit for bit. The AVX-512 dot_f16 and
// swiglu follow ggml_vec_dot_f16 and ggml_vec_swiglu_f32 (its own exp) to the bit as well.
// All functions are pure and thread-safe; REQUIREs are the caller's (no checks on hot paths).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gguf/gguf_file.h"
#include "quant_dot.h"

namespace deskside::decoder::detail {

enum class Isa { scalar, avx2, avx512, neon };
std::string_view isa_name(Isa isa);

enum class Rounding { none, f16, bf16, q8_0, q8_k };
Rounding rounding_for(gguf::TensorType weight_type);
// Elements per rounding block (n of round_activation must be a multiple): 1, 32 or 256.
int rounding_block(Rounding rounding);

// GEMM layout: C [M x N] = A [M x K] . B^T with B [N x K] (a weight: N outputs of K inputs).
// A is packed in blocks of kTileRows rows: block b holds K x kTileRows floats (k-major), rows
// past M zero. B is handed over as panels of kPanelCols outputs: K x kPanelCols floats
// (panel[k * 32 + j] = B[n0 + j][k]), columns past N zero.
inline constexpr int kTileRows = 12;
inline constexpr int kPanelCols = 32;

struct Kernels {
    Isa isa = Isa::scalar;
    // C[r][j] = sum_k A[r][k] B[n0 + j][k] for r < rows (<= kTileRows), j < cols (<= 32);
    // a: one packed block of A, panel: one panel of B, c: row 0 column n0 of C.
    void (*gemm_tile)(const float* a, const float* panel, std::int64_t k, float* c,
                      std::int64_t ldc, int rows, int cols) = nullptr;
    // The same, but C[r][j] += ... with one FMA chain per element continuing from C's value
    // (ggml's simd_gemm: the tiled attention's P V accumulation).
    void (*gemm_tile_acc)(const float* a, const float* panel, std::int64_t k, float* c,
                          std::int64_t ldc, int rows, int cols) = nullptr;
    float (*dot_f32)(const float* w, const float* x, std::int64_t n) = nullptr;
    float (*dot_f16)(const std::uint16_t* w, const float* x, std::int64_t n) = nullptr;
    // y[i] += a * x[i] for i < n (attention's weighted sum of V rows).
    void (*axpy_f32)(float a, const float* x, float* y, std::int64_t n) = nullptr;
    void (*axpy_f16)(float a, const std::uint16_t* x, float* y, std::int64_t n) = nullptr;
    // y[i] = F16 rounding of fma(a, x[i], y[i]): one step of ggml_vec_mad_f16, with y holding
    // F16 values as floats (flash attention's F16 accumulator).
    void (*axpy_f16_round)(float a, const std::uint16_t* x, float* y, std::int64_t n) = nullptr;
    void (*f16_to_f32)(const std::uint16_t* x, float* y, std::int64_t n) = nullptr;
    void (*f32_to_f16)(const float* x, std::uint16_t* y, std::int64_t n) = nullptr;
    // y = x rounded through F16 (what F16 weights and an F16 KV cache see).
    void (*round_f16)(const float* x, float* y, std::int64_t n) = nullptr;
    // panel[k * 32 + j] = rows[j * ld + k] for j < n (<= 32), 0 for j >= n, k < depth: the
    // transpose of n weight rows into one GEMM panel.
    void (*fill_panel)(const float* rows, std::int64_t ld, int n, std::int64_t depth,
                       float* panel) = nullptr;
    // Packs rows (<= kTileRows) of x (row stride ldx, depth columns) into one GEMM A block:
    // block[k * kTileRows + r] = x[r * ldx + k], rows past `rows` zero.
    void (*pack_block)(const float* x, std::int64_t ldx, int rows, std::int64_t depth,
                       float* block) = nullptr;
    // y = x as llama.cpp's quantize_row_q8_0 / quantize_row_q8_K leave it (d * q), bit for
    // bit; n a multiple of 32 / 256.
    void (*round_q8_0)(const float* x, float* y, std::int64_t n) = nullptr;
    void (*round_q8_k)(const float* x, float* y, std::int64_t n) = nullptr;
    // g[i] = silu(g[i]) * u[i] = g / (1 + e^-g) * u (SwiGLU).
    void (*swiglu)(float* g, const float* u, std::int64_t n) = nullptr;
    // y[i] = e^(x[i] - max) (max >= every x[i]); returns the sum of the y[i] (softmax).
    float (*exp_sum)(const float* x, float max, float* y, std::int64_t n) = nullptr;
    // ggml_vec_soft_max_f32: y[i] = e^(x[i] - max), returns their sum in double (the AVX-512
    // build bit for bit: ggml_v_expf per 16 lanes, each vector's _mm512_reduce_add_ps added in
    // double; n a multiple of 16 there).
    double (*soft_max)(const float* x, float max, float* y, std::int64_t n) = nullptr;
    // Quantised weight rows times 8-bit activations, in ggml's arithmetic (quant_dot.h).
    QuantDot qdot;
};

// The fastest build that runs here and agrees with the scalar one.
Kernels select_kernels();
// One build (for tests): Isa::scalar always works; others return false when this CPU or OS
// cannot run them.
bool make_kernels(Isa isa, Kernels& out);

// y = x rounded as the products with a `rounding` weight see it. REQUIRES: n a multiple of
// rounding_block(rounding). x == y allowed.
void round_activation(const Kernels& kernels, Rounding rounding, const float* x, float* y,
                      std::int64_t n);

// Dot product of one stored weight row (n values of `type`) with a rounded activation x.
float dot_weight_row(const Kernels& kernels, gguf::TensorType type, const std::byte* row,
                     const float* x, std::int64_t n);

// Scalar builds (kernels_scalar.cpp), the reference of the others.
namespace scalar {
void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols);
void gemm_tile_acc(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
                   int rows, int cols);
float dot_f32(const float* w, const float* x, std::int64_t n);
float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n);
void axpy_f32(float a, const float* x, float* y, std::int64_t n);
void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n);
void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n);
void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n);
void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n);
void round_f16(const float* x, float* y, std::int64_t n);
float exp_sum(const float* x, float max, float* y, std::int64_t n);
double soft_max(const float* x, float max, float* y, std::int64_t n);
void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel);
void swiglu(float* g, const float* u, std::int64_t n);
void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block);
void round_q8_0(const float* x, float* y, std::int64_t n);
void round_q8_k(const float* x, float* y, std::int64_t n);
}  // namespace scalar

#if defined(__x86_64__)
namespace avx2 {
void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols);
float dot_f32(const float* w, const float* x, std::int64_t n);
float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n);
void axpy_f32(float a, const float* x, float* y, std::int64_t n);
void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n);
void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n);
void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n);
void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n);
void round_f16(const float* x, float* y, std::int64_t n);
}  // namespace avx2
namespace avx512 {
void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols);
void gemm_tile_acc(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
                   int rows, int cols);
float dot_f32(const float* w, const float* x, std::int64_t n);
float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n);
void axpy_f32(float a, const float* x, float* y, std::int64_t n);
void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n);
void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n);
void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n);
void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n);
void round_f16(const float* x, float* y, std::int64_t n);
float exp_sum(const float* x, float max, float* y, std::int64_t n);
double soft_max(const float* x, float max, float* y, std::int64_t n);
void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel);
void swiglu(float* g, const float* u, std::int64_t n);
void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block);
void round_q8_0(const float* x, float* y, std::int64_t n);
void round_q8_k(const float* x, float* y, std::int64_t n);
}  // namespace avx512
#endif

#if defined(__aarch64__)
// NEON builds (kernels_neon.cpp): every kernel, with the scalar build's exactness where documented.
namespace neon {
void gemm_tile(const float* a, const float* panel, std::int64_t k, float* c, std::int64_t ldc,
               int rows, int cols);
float dot_f32(const float* w, const float* x, std::int64_t n);
float dot_f16(const std::uint16_t* w, const float* x, std::int64_t n);
void axpy_f32(float a, const float* x, float* y, std::int64_t n);
void axpy_f16(float a, const std::uint16_t* x, float* y, std::int64_t n);
void axpy_f16_round(float a, const std::uint16_t* x, float* y, std::int64_t n);
void f16_to_f32(const std::uint16_t* x, float* y, std::int64_t n);
void f32_to_f16(const float* x, std::uint16_t* y, std::int64_t n);
void round_f16(const float* x, float* y, std::int64_t n);
float exp_sum(const float* x, float max, float* y, std::int64_t n);
void fill_panel(const float* rows, std::int64_t ld, int n, std::int64_t depth, float* panel);
void swiglu(float* g, const float* u, std::int64_t n);
void pack_block(const float* x, std::int64_t ldx, int rows, std::int64_t depth, float* block);
void round_q8_0(const float* x, float* y, std::int64_t n);
void round_q8_k(const float* x, float* y, std::int64_t n);
}  // namespace neon
#endif

}  // namespace deskside::decoder::detail
