// Matrix products y = W x over M activation rows, W a stored weight (model_weights.h Matrix):
// several products that share one input (Q/K/V, gate/up) run in one parallel region.
//   M < kGemmMinRows  matrix-vector: each weight row is dotted in its stored type with each
//                     input row (gguf::dot_row, or our F16/F32 kernels); tasks are row ranges.
//   otherwise         GEMM: each task dequantises 32 weight rows into an F32 panel and runs
//                     the register-tile kernel over all input rows (packed once per call).
// Either way the input is first rounded as llama.cpp rounds it for that weight type
// (kernels.h), so the two paths agree to float rounding. Quantised weights with up to
// kExactRows input rows take neither: integer products in ggml's own order (quant_dot.h), bit
// for bit. Called from the forward thread only; LinearScratch is per model.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "aligned_buffer.h"
#include "kernels.h"
#include "model_weights.h"
#include "thread_pool.h"

namespace deskside::decoder::detail {

inline constexpr std::int64_t kGemmMinRows = 16;
// Calls with at most this many input rows (decode, short prompts) take the integer kernels that
// reproduce llama.cpp's arithmetic (quant_dot.h) for quantised weights; longer prompts keep the
// float GEMM, which is still about twice as fast as those kernels on a long prefill (a tiled
// VNNI integer GEMM would remove the trade-off).
inline constexpr std::int64_t kExactRows = 64;
inline constexpr std::size_t kMaxLinearOps = 3;  // ops sharing one input in one call
// Calls with fewer multiply-adds than this run on the calling thread alone: waking the pool
// costs more (microseconds) than such a product, and a worker the OS has not scheduled would
// hold it up. Tiny models then run without any synchronisation.
inline constexpr std::int64_t kParallelWork = std::int64_t{1} << 17;

struct LinearOp {
    const Matrix* w = nullptr;
    float* y = nullptr;  // row m of the output at y + m * ldy
    std::int64_t ldy = 0;
};

struct LinearScratch {
    AlignedBuffer<float> rounded[kMaxLinearOps];  // the input rounded per weight type
    AlignedBuffer<float> packed[kMaxLinearOps];   // ... and packed for the GEMM
    std::vector<AlignedBuffer<float>> panel;      // per worker: K x 32 dequantised weights
    std::vector<AlignedBuffer<float>> row;        // per worker: one dequantised row
    std::vector<AlignedBuffer<float>> rows;       // per worker: 32 dequantised rows
    // The input quantised per activation kind for the integer products (quant_dot.h).
    AlignedBuffer<std::int8_t> qs[kMaxLinearOps];
    std::vector<float> qd[kMaxLinearOps];
    std::vector<std::int16_t> qbsums[kMaxLinearOps];
};

// y_op[m] = W_op x[m] for m < rows, every op (all with W.cols == cols; at most kMaxLinearOps). x
// row m at x + m * ldx.
void linear(ThreadPool& pool, const Kernels& kernels, const float* x, std::int64_t rows,
            std::int64_t ldx, std::int64_t cols, std::span<const LinearOp> ops,
            LinearScratch& scratch);

// Packs rows [0, rows) of x (row stride ldx, `depth` columns) into kTileRows blocks (kernels.h).
void pack_rows(const Kernels& kernels, const float* x, std::int64_t ldx, std::int64_t rows,
               std::int64_t depth, float* packed);

}  // namespace deskside::decoder::detail
