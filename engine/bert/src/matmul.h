// The matrix products of the encoder: dense layers y = x W^T (+ bias, + residual, GELU) over a
// packed [tokens x hidden] activation matrix, and one attention head of one sequence.
//
// Two backends, chosen once per encoder:
//   native  our AVX-512 kernel: a 12 x 32 register tile fed from weights packed at load into
//           panels of 32 output columns (K x 32 floats each) and activations packed per block of
//           rows; bias, residual and GELU are applied while the tile is still in registers.
//           Single-threaded per call: the caller splits the rows over its threads.
//   blas    cblas_sgemm on plain row-major weights, then the same epilogue as a separate pass;
//           OpenBLAS threads itself (openblas_set_num_threads), so call it from one thread.
// Why a native kernel: OpenBLAS 0.3.21 (Debian 12) does not know recent Xeons (family 6 model
// 207) and falls back to its Prescott (SSE3) kernels, ~25 GFLOP/s where the AVX-512 path reaches
// ~150 on one core; the blas backend stays for CPUs without AVX-512.
//
// Results of a row never depend on the other rows of the call (fixed summation order per
// row), so batching does not change a vector. Thread-safe on distinct outputs.
#pragma once

#include <cstdint>

#include "aligned_buffer.h"
#include "kernels.h"

namespace deskside::bert::detail {

enum class Backend { native, blas };

inline constexpr int kTileRows = 12;   // rows of the register tile
inline constexpr int kPanelCols = 32;  // columns of the register tile = width of a panel

// A weight matrix W [rows x cols] (rows = outputs, cols = inputs) laid out for a backend.
struct PackedMatrix {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    Backend backend = Backend::blas;
    Rounding rounding = Rounding::none;  // applied to each input row before the product
    AlignedFloats data;  // native: ceil(rows/32) panels of cols x 32; blas: rows x cols

    static PackedMatrix pack(const float* w, std::int64_t rows, std::int64_t cols, Backend backend,
                             Rounding rounding = Rounding::none);
};

// Applied to each element v of x W^T before it is stored, in this order (ggml's order):
// v += bias[j]; v += residual[i][j]; v = gelu(v).
struct Epilogue {
    const float* bias = nullptr;
    const float* residual = nullptr;  // same row indexing as the output
    std::int64_t ld_residual = 0;
    const GeluTable* gelu = nullptr;
};

// out[i][0..w.rows) for the rows i in [row_begin, row_end) of x (row stride ld_x; out row
// stride ld_out; x and out indexed from row 0), the rows of x rounded as w.rounding says (x
// itself is not modified). `scratch` is grown as needed.
void linear_rows(const float* x, std::int64_t ld_x, std::int64_t row_begin, std::int64_t row_end,
                 const PackedMatrix& w, float* out, std::int64_t ld_out, const Epilogue& epilogue,
                 AlignedFloats& scratch);

// Per-thread scratch of attention_head, grown as needed.
struct AttentionScratch {
    AlignedFloats scores, packed_q, packed_k, packed_v, packed_p;
};

// One head of one sequence of `len` tokens: out_i = sum_j softmax_j(scale * q_i . k_j) v_j.
// q, k, v: row i at q + i * ld_in (head_dim floats); out row i at out + i * ld_out.
void attention_head(Backend backend, const float* q, const float* k, const float* v,
                    std::int64_t ld_in, std::int64_t len, std::int64_t head_dim, float scale,
                    float* out, std::int64_t ld_out, AttentionScratch& scratch);

}  // namespace deskside::bert::detail
