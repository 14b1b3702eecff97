#include "linear.h"

#include <algorithm>

#include "gguf/tensor_types.h"

namespace deskside::decoder::detail {
namespace {

// Output rows per matrix-vector task: enough to amortise the hand-out, small enough that the
// last tasks balance.
constexpr std::int64_t kRowsPerTask = 16;
// Input rows up to which a quantised weight row is dotted once per input row.
constexpr std::int64_t kDirectDotRows = 8;

std::int64_t round_up(std::int64_t v, std::int64_t m) {
    return (v + m - 1) / m * m;
}

// Dequantises weight rows [n0, n0 + cols) into `rows` (cols x K, row-major), then transposes
// them into the panel (K x 32, zero columns past `cols`).
void fill_panel(const Kernels& kernels, const Matrix& w, std::int64_t n0, int cols, float* panel,
                float* rows) {
    const std::int64_t depth = w.cols;
    if (w.type == gguf::TensorType::F32) {
        kernels.fill_panel(reinterpret_cast<const float*>(w.row(n0)), depth, cols, depth, panel);
        return;
    }
    for (int j = 0; j < cols; ++j) {
        float* dst = rows + j * depth;
        if (w.type == gguf::TensorType::F16) {
            kernels.f16_to_f32(reinterpret_cast<const std::uint16_t*>(w.row(n0 + j)), dst, depth);
        } else {
            gguf::dequantize_row(w.type, w.row(n0 + j), dst, depth);
        }
    }
    kernels.fill_panel(rows, depth, cols, depth, panel);
}

}  // namespace

void pack_rows(const Kernels& kernels, const float* x, std::int64_t ldx, std::int64_t rows,
               std::int64_t depth, float* packed) {
    for (std::int64_t b = 0; b < rows; b += kTileRows)
        kernels.pack_block(x + b * ldx, ldx,
                           static_cast<int>(std::min<std::int64_t>(kTileRows, rows - b)), depth,
                           packed + b * depth);
}

namespace {

// The distinct values of kind_for(op.w->type) among the ops (at most kMaxLinearOps), and for
// each op the index of its value: the input is prepared once per kind, not once per op.
template <typename Kind, typename KindFor>
int distinct_kinds(std::span<const LinearOp> ops, KindFor kind_for, Kind* kinds, int* kind_of) {
    int n_kinds = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const Kind kind = kind_for(ops[i].w->type);
        int k = 0;
        while (k < n_kinds && kinds[k] != kind) ++k;
        if (k == n_kinds) kinds[n_kinds++] = kind;
        kind_of[i] = k;
    }
    return n_kinds;
}

// Products whose weights have an integer kernel (quant_dot.h): the input is quantised once per
// activation kind, then every (weight row, input row) pair is one integer dot product in the
// order llama.cpp uses for that row (tinyBLAS computes each output as vec_dot does; the repack
// code has its gemm for all but the last inputs % 4 rows), four input rows at a time.
void linear_quantised(ThreadPool& pool, const Kernels& kernels, const float* x, std::int64_t rows,
                      std::int64_t ldx, std::int64_t cols, std::span<const LinearOp> ops,
                      LinearScratch& scratch) {
    ActQuant kinds[kMaxLinearOps];
    int kind_of[kMaxLinearOps];
    const int n_kinds = distinct_kinds(ops, act_quant_for, kinds, kind_of);
    std::int64_t outputs = 0;
    for (const LinearOp& op : ops) outputs += op.w->rows;
    const bool parallel = rows * cols * outputs >= kParallelWork;
    for (int k = 0; k < n_kinds; ++k) {
        const auto n = static_cast<std::size_t>(rows * cols);
        scratch.qs[k].resize_discard(n);
        scratch.qd[k].resize(n / 32);
        scratch.qbsums[k].resize(n / 16);
        const ActQuant q = kinds[k];
        auto quantise_row = [&](std::int64_t m) {
            const float* src = x + m * ldx;
            if (q == ActQuant::q8_k) {
                quantize_q8_k(src, cols, scratch.qs[k].data() + m * cols,
                              scratch.qd[k].data() + m * (cols / 256),
                              scratch.qbsums[k].data() + m * (cols / 16));
            } else {
                quantize_q8_0(src, cols, scratch.qs[k].data() + m * cols,
                              scratch.qd[k].data() + m * (cols / 32));
            }
        };
        if (rows >= 32) {
            pool.run(
                rows, [&](std::int64_t m, int) { quantise_row(m); }, parallel);
        } else {
            for (std::int64_t m = 0; m < rows; ++m) quantise_row(m);
        }
    }

    std::vector<std::int64_t> first_task(ops.size() + 1, 0);
    for (std::size_t i = 0; i < ops.size(); ++i)
        first_task[i + 1] = first_task[i] + (ops[i].w->rows + kRowsPerTask - 1) / kRowsPerTask;
    pool.run(
        first_task.back(),
        [&](std::int64_t task, int) {
            std::size_t op = 0;
            while (first_task[op + 1] <= task) ++op;
            const Matrix& w = *ops[op].w;
            const std::int64_t r0 = (task - first_task[op]) * kRowsPerTask;
            const std::int64_t r1 = std::min(w.rows, r0 + kRowsPerTask);
            const int k = kind_of[op];
            const std::int64_t blk = act_quant_block(kinds[k]);
            // llama.cpp repacks a Q4_0 / Q4_K weight only when it sits in the CPU_REPACK buffer:
            // never token_embd, which is allocated for GET_ROWS (tied output included). A row
            // count of 1 tells quant_dot_for "not repacked".
            const std::int64_t repack_rows = w.name == "token_embd.weight" ? 1 : w.rows;
            const auto row_of = [&](std::int64_t m) {
                QuantRow a;
                a.qs = scratch.qs[k].data() + m * cols;
                a.d = scratch.qd[k].data() + m * (cols / blk);
                a.bsums = scratch.qbsums[k].data() + m * (cols / 16);
                return a;
            };
            std::int64_t m = 0;
            for (; m + 4 <= rows; m += 4) {
                const QuantDot4Fn fn4 = quant_dot4_for(kernels.qdot, w.type, repack_rows, m, rows);
                if (fn4 == nullptr) break;
                const QuantRow a[4] = {row_of(m), row_of(m + 1), row_of(m + 2), row_of(m + 3)};
                float out4[4];
                for (std::int64_t r = r0; r < r1; ++r) {
                    fn4(w.row(r), a, out4, cols);
                    for (int i = 0; i < 4; ++i) ops[op].y[(m + i) * ops[op].ldy + r] = out4[i];
                }
            }
            for (; m < rows; ++m) {
                const QuantDotFn fn = quant_dot_for(kernels.qdot, w.type, repack_rows, m, rows);
                const QuantRow a = row_of(m);
                float* y = ops[op].y + m * ops[op].ldy;
                for (std::int64_t r = r0; r < r1; ++r) y[r] = fn(w.row(r), a, cols);
            }
        },
        parallel);
}

void linear_float(ThreadPool& pool, const Kernels& kernels, const float* x, std::int64_t rows,
                  std::int64_t ldx, std::int64_t cols, std::span<const LinearOp> ops,
                  LinearScratch& scratch) {
    // Round the input once per rounding kind among the ops (Q/K/V of a Q4_K_M file may mix
    // Q4_K, Q6_K and Q5_0: two kinds).
    Rounding kinds[kMaxLinearOps];
    int kind_of[kMaxLinearOps];
    const int n_kinds = distinct_kinds(ops, rounding_for, kinds, kind_of);

    const bool gemm = rows >= kGemmMinRows;
    std::int64_t outputs = 0;
    for (const LinearOp& op : ops) outputs += op.w->rows;
    const bool parallel = rows * cols * outputs >= kParallelWork;
    const std::int64_t ld = cols;  // rounded rows are packed tightly
    for (int k = 0; k < n_kinds; ++k) {
        scratch.rounded[k].resize_discard(static_cast<std::size_t>(rows * ld));
        float* dst = scratch.rounded[k].data();
        const Rounding r = kinds[k];
        auto round_row = [&](std::int64_t m) {
            round_activation(kernels, r, x + m * ldx, dst + m * ld, cols);
        };
        if (rows >= 32) {
            pool.run(
                rows, [&](std::int64_t m, int) { round_row(m); }, parallel);
        } else {
            for (std::int64_t m = 0; m < rows; ++m) round_row(m);
        }
        if (gemm) {
            scratch.packed[k].resize_discard(
                static_cast<std::size_t>(round_up(rows, kTileRows) * cols));
            float* packed = scratch.packed[k].data();
            const std::int64_t blocks = (rows + kTileRows - 1) / kTileRows;
            pool.run(
                blocks,
                [&](std::int64_t b, int) {
                    pack_rows(kernels, dst + b * kTileRows * ld, ld,
                              std::min<std::int64_t>(kTileRows, rows - b * kTileRows), cols,
                              packed + b * kTileRows * cols);
                },
                parallel);
        }
    }

    const auto workers = static_cast<std::size_t>(pool.threads());
    if (scratch.row.size() < workers) scratch.row.resize(workers);
    for (auto& r : scratch.row) r.resize_discard(static_cast<std::size_t>(cols) + 16);

    if (!gemm) {
        // Task list: (op, first output row).
        std::vector<std::int64_t> first_task(ops.size() + 1, 0);
        for (std::size_t i = 0; i < ops.size(); ++i)
            first_task[i + 1] = first_task[i] + (ops[i].w->rows + kRowsPerTask - 1) / kRowsPerTask;
        pool.run(
            first_task.back(),
            [&](std::int64_t task, int worker) {
                std::size_t op = 0;
                while (first_task[op + 1] <= task) ++op;
                const Matrix& w = *ops[op].w;
                const std::int64_t r0 = (task - first_task[op]) * kRowsPerTask;
                const std::int64_t r1 = std::min(w.rows, r0 + kRowsPerTask);
                const float* in = scratch.rounded[kind_of[op]].data();
                // One input row, or a few with a quantised weight (whose scalar dequantisation
                // costs more than a few SIMD dots): dot the stored row directly.
                const bool quantised =
                    w.type != gguf::TensorType::F32 && w.type != gguf::TensorType::F16;
                if (rows == 1 || (quantised && rows <= kDirectDotRows)) {
                    for (std::int64_t m = 0; m < rows; ++m)
                        for (std::int64_t r = r0; r < r1; ++r)
                            ops[op].y[m * ops[op].ldy + r] =
                                dot_weight_row(kernels, w.type, w.row(r), in + m * ld, cols);
                    return;
                }
                // Several input rows (batched decode): each weight row is decoded once into F32
                // (in L1) and dotted with every input row, so the weights are read once.
                float* row = scratch.row[static_cast<std::size_t>(worker)].data();
                for (std::int64_t r = r0; r < r1; ++r) {
                    const float* values = row;
                    if (w.type == gguf::TensorType::F32) {
                        values = reinterpret_cast<const float*>(w.row(r));
                    } else if (w.type == gguf::TensorType::F16) {
                        kernels.f16_to_f32(reinterpret_cast<const std::uint16_t*>(w.row(r)), row,
                                           cols);
                    } else {
                        gguf::dequantize_row(w.type, w.row(r), row, cols);
                    }
                    for (std::int64_t m = 0; m < rows; ++m)
                        ops[op].y[m * ops[op].ldy + r] = kernels.dot_f32(values, in + m * ld, cols);
                }
            },
            parallel);
        return;
    }

    if (scratch.panel.size() < workers) scratch.panel.resize(workers);
    for (auto& p : scratch.panel) p.resize_discard(static_cast<std::size_t>(cols * kPanelCols));
    if (scratch.rows.size() < workers) scratch.rows.resize(workers);
    for (auto& r : scratch.rows) r.resize_discard(static_cast<std::size_t>(cols * kPanelCols));
    std::vector<std::int64_t> first_task(ops.size() + 1, 0);
    for (std::size_t i = 0; i < ops.size(); ++i)
        first_task[i + 1] = first_task[i] + (ops[i].w->rows + kPanelCols - 1) / kPanelCols;
    pool.run(
        first_task.back(),
        [&](std::int64_t task, int worker) {
            std::size_t op = 0;
            while (first_task[op + 1] <= task) ++op;
            const Matrix& w = *ops[op].w;
            const std::int64_t n0 = (task - first_task[op]) * kPanelCols;
            const int n = static_cast<int>(std::min<std::int64_t>(kPanelCols, w.rows - n0));
            float* panel = scratch.panel[worker].data();
            fill_panel(kernels, w, n0, n, panel, scratch.rows[worker].data());
            const float* packed = scratch.packed[kind_of[op]].data();
            for (std::int64_t b = 0; b < rows; b += kTileRows) {
                kernels.gemm_tile(packed + b * cols, panel, cols, ops[op].y + b * ops[op].ldy + n0,
                                  ops[op].ldy,
                                  static_cast<int>(std::min<std::int64_t>(kTileRows, rows - b)), n);
            }
        },
        parallel);
}

}  // namespace

void linear(ThreadPool& pool, const Kernels& kernels, const float* x, std::int64_t rows,
            std::int64_t ldx, std::int64_t cols, std::span<const LinearOp> ops,
            LinearScratch& scratch) {
    LinearOp int_ops[kMaxLinearOps], float_ops[kMaxLinearOps];
    std::size_t n_int = 0, n_float = 0;
    for (const LinearOp& op : ops) {
        if (rows <= kExactRows && quant_dot_for(kernels.qdot, op.w->type, op.w->rows) != nullptr) {
            int_ops[n_int++] = op;
        } else {
            float_ops[n_float++] = op;
        }
    }
    if (n_int > 0)
        linear_quantised(pool, kernels, x, rows, ldx, cols, std::span(int_ops, n_int), scratch);
    if (n_float > 0)
        linear_float(pool, kernels, x, rows, ldx, cols, std::span(float_ops, n_float), scratch);
}

}  // namespace deskside::decoder::detail
