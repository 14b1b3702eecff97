#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "linear.h"

namespace deskside::decoder::detail {
namespace {

// Entries with at least this many new tokens take the GEMM path, when the head size is a
// multiple of 16: llama.cpp's tiled flash attention (64 query rows, F32 throughout) runs under
// the same conditions in its AVX-512 build, and the row kernel otherwise.
constexpr int kGemmAttentionMinRows = 64;
constexpr int kGemmAttentionHeadMultiple = 16;
// Query rows (heads x tokens) per GEMM task, and the cap on its score matrix (floats).
constexpr int kTargetRows = 96;
constexpr std::int64_t kMaxScores = std::int64_t{4} << 20;

struct KvView {
    const std::uint16_t* k16 = nullptr;
    const std::uint16_t* v16 = nullptr;
    const float* k32 = nullptr;
    const float* v32 = nullptr;
    std::int64_t stride = 0;  // kv_dim
};

KvView view(const SequenceState& s, int layer) {
    KvView v;
    v.stride = s.kv_dim;
    if (s.type == KvType::f16) {
        v.k16 = s.k16[static_cast<std::size_t>(layer)].data();
        v.v16 = s.v16[static_cast<std::size_t>(layer)].data();
    } else {
        v.k32 = s.k32[static_cast<std::size_t>(layer)].data();
        v.v32 = s.v32[static_cast<std::size_t>(layer)].data();
    }
    return v;
}

// One query row, one KV head, its `group` query heads: ggml's flash-attention row kernel step
// for step, because llama.cpp (the reference) runs it for decode and for prompts shorter than
// its 64-row tile. Keys in order with an online softmax (running max M, sum S); with an F16
// cache Q is rounded to F16 and the weighted sum of V rows is kept in F16, rounded after every
// key. That rounding is coarse (11-bit mantissa), but keeping it in F32 instead moves the
// logits of a model with 8-bit activations by ~0.1, enough to flip greedy choices.
void attend_row(const Kernels& kernels, const DecoderConfig& c, const KvView& kv, int kv_head,
                int keys, const float* q_row, float* out_row, AttentionScratch& s) {
    const int hd = c.head_dim;
    const int group = c.n_head / c.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    s.q.resize_discard(static_cast<std::size_t>(hd));
    const std::int64_t off = static_cast<std::int64_t>(kv_head) * hd;
    for (int j = 0; j < group; ++j) {
        const int h = kv_head * group + j;
        const float* qh = q_row + static_cast<std::ptrdiff_t>(h) * hd;
        float* acc = out_row + static_cast<std::ptrdiff_t>(h) * hd;
        if (kv.k16) kernels.round_f16(qh, s.q.data(), hd);
        std::fill(acc, acc + hd, 0.0f);
        float sum = 0.0f;
        float max = -std::numeric_limits<float>::infinity();
        for (int t = 0; t < keys; ++t) {
            const float score =
                (kv.k16 ? kernels.dot_f16(kv.k16 + t * kv.stride + off, s.q.data(), hd)
                        : kernels.dot_f32(kv.k32 + t * kv.stride + off, qh, hd)) *
                scale;
            float old_weight = 1.0f;  // rescales what was summed when the max grows
            float weight = 1.0f;      // e^(score - max)
            if (score > max) {
                old_weight = std::exp(max - score);
                max = score;
                for (int d = 0; d < hd; ++d) acc[d] *= old_weight;
                if (kv.v16) kernels.round_f16(acc, acc, hd);
            } else {
                weight = std::exp(score - max);
            }
            if (kv.v16) {
                kernels.axpy_f16_round(weight, kv.v16 + t * kv.stride + off, acc, hd);
            } else {
                kernels.axpy_f32(weight, kv.v32 + t * kv.stride + off, acc, hd);
            }
            sum = sum * old_weight + weight;
        }
        const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
        for (int d = 0; d < hd; ++d) acc[d] *= inv;
    }
}

// Keys [k0, k0 + n) of one head as a panel: panel[d * 32 + j] = K[k0 + j][d] (tmp: n x hd).
void key_panel(const Kernels& kernels, const KvView& kv, std::int64_t off, int hd, int k0, int n,
               float* panel, float* tmp) {
    for (int j = 0; j < n; ++j) {
        if (kv.k16) {
            kernels.f16_to_f32(kv.k16 + (k0 + j) * kv.stride + off, tmp + j * hd, hd);
        } else {
            std::copy_n(kv.k32 + (k0 + j) * kv.stride + off, hd, tmp + j * hd);
        }
    }
    kernels.fill_panel(tmp, hd, n, hd, panel);
}

// Dims [d0, d0 + n) of V rows [0, keys) as a panel: panel[t * 32 + j] = V[t][d0 + j].
void value_panel(const Kernels& kernels, const KvView& kv, std::int64_t off, int d0, int n,
                 int keys, float* panel) {
    for (int t = 0; t < keys; ++t) {
        float* dst = panel + static_cast<std::int64_t>(t) * kPanelCols;
        if (kv.v16) {
            kernels.f16_to_f32(kv.v16 + t * kv.stride + off + d0, dst, n);
        } else {
            std::copy_n(kv.v32 + t * kv.stride + off + d0, n, dst);
        }
        std::fill(dst + n, dst + kPanelCols, 0.0f);
    }
}

// Query tokens [i0, i1) of one entry, one KV head, through the GEMM tile.
void attend_chunk(const Kernels& kernels, const DecoderConfig& c, const AttentionEntry& e,
                  const KvView& kv, int kv_head, int i0, int i1, const float* q, float* out,
                  AttentionScratch& s) {
    const int hd = c.head_dim;
    const int group = c.n_head / c.n_head_kv;
    const int q_dim = c.q_dim();
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    const int tokens = i1 - i0;
    const int rows = group * tokens;  // row r = j * tokens + (i - i0)
    const int keys = e.first_position + i1;
    const std::int64_t padded = (rows + kTileRows - 1) / kTileRows * kTileRows;
    const std::int64_t off = static_cast<std::int64_t>(kv_head) * hd;

    // Q rows of this head group in F32 (the tiled kernel does not round them), packed.
    s.q.resize_discard(static_cast<std::size_t>(rows * hd + hd));
    for (int j = 0; j < group; ++j) {
        const int h = kv_head * group + j;
        for (int i = i0; i < i1; ++i) {
            const float* src = q + static_cast<std::int64_t>(e.first_row + i) * q_dim + h * hd;
            float* dst = s.q.data() + static_cast<std::int64_t>(j * tokens + (i - i0)) * hd;
            std::copy_n(src, hd, dst);
        }
    }
    s.packed_q.resize_discard(static_cast<std::size_t>(padded * hd));
    pack_rows(kernels, s.q.data(), hd, rows, hd, s.packed_q.data());

    // S = Q K^T, 32 keys per panel.
    const std::int64_t ld = (keys + kPanelCols - 1) / kPanelCols * kPanelCols;
    s.scores.resize_discard(static_cast<std::size_t>(rows * ld));
    s.panel.resize_discard(static_cast<std::size_t>(
        std::max<std::int64_t>(static_cast<std::int64_t>(hd) * kPanelCols + hd,
                               static_cast<std::int64_t>(keys) * kPanelCols)));
    s.out.resize_discard(static_cast<std::size_t>(std::max(rows, kPanelCols) * hd));
    for (int k0 = 0; k0 < keys; k0 += kPanelCols) {
        const int n = std::min(kPanelCols, keys - k0);
        key_panel(kernels, kv, off, hd, k0, n, s.panel.data(), s.out.data());
        for (int b = 0; b < rows; b += kTileRows)
            kernels.gemm_tile(s.packed_q.data() + static_cast<std::int64_t>(b) * hd, s.panel.data(),
                              hd, s.scores.data() + b * ld + k0, ld, std::min(kTileRows, rows - b),
                              n);
    }
    // Softmax over the keys each query may see (causal), masked keys weigh 0.
    for (int r = 0; r < rows; ++r) {
        const int i = i0 + r % tokens;
        const int visible = e.first_position + i + 1;
        float* row = s.scores.data() + r * ld;
        float max = -std::numeric_limits<float>::infinity();
        for (int t = 0; t < visible; ++t) {
            row[t] *= scale;
            max = std::max(max, row[t]);
        }
        const float inv = 1.0f / kernels.exp_sum(row, max, row, visible);
        for (int t = 0; t < visible; ++t) row[t] *= inv;
        std::fill(row + visible, row + keys, 0.0f);
    }
    // O = P V, 32 dims per panel.
    s.packed_p.resize_discard(static_cast<std::size_t>(padded * keys));
    pack_rows(kernels, s.scores.data(), ld, rows, keys, s.packed_p.data());
    for (int d0 = 0; d0 < hd; d0 += kPanelCols) {
        const int n = std::min(kPanelCols, hd - d0);
        value_panel(kernels, kv, off, d0, n, keys, s.panel.data());
        for (int b = 0; b < rows; b += kTileRows)
            kernels.gemm_tile(s.packed_p.data() + static_cast<std::int64_t>(b) * keys,
                              s.panel.data(), keys, s.out.data() + b * hd + d0, hd,
                              std::min(kTileRows, rows - b), n);
    }
    for (int j = 0; j < group; ++j) {
        const int h = kv_head * group + j;
        for (int i = i0; i < i1; ++i)
            std::copy_n(s.out.data() + static_cast<std::int64_t>(j * tokens + (i - i0)) * hd, hd,
                        out + static_cast<std::int64_t>(e.first_row + i) * q_dim + h * hd);
    }
}

struct Task {
    int entry;
    int kv_head;
    int i0, i1;  // query tokens of the entry
    bool gemm;
};

}  // namespace

void attention(ThreadPool& pool, const Kernels& kernels, const DecoderConfig& c, int layer,
               std::span<const AttentionEntry> entries, const float* q, float* out,
               std::vector<AttentionScratch>& scratch) {
    const int group = c.n_head / c.n_head_kv;
    std::vector<Task> tasks;
    for (std::size_t ei = 0; ei < entries.size(); ++ei) {
        const AttentionEntry& e = entries[ei];
        if (e.rows >= kGemmAttentionMinRows && c.head_dim % kGemmAttentionHeadMultiple == 0) {
            const std::int64_t keys = e.first_position + e.rows;
            int chunk = std::max(1, kTargetRows / group);
            chunk = static_cast<int>(std::min<std::int64_t>(
                chunk, std::max<std::int64_t>(1, kMaxScores / (group * keys))));
            for (int h = 0; h < c.n_head_kv; ++h)
                for (int i0 = 0; i0 < e.rows; i0 += chunk)
                    tasks.push_back(
                        {static_cast<int>(ei), h, i0, std::min(e.rows, i0 + chunk), true});
        } else {
            for (int h = 0; h < c.n_head_kv; ++h)
                for (int i = 0; i < e.rows; ++i)
                    tasks.push_back({static_cast<int>(ei), h, i, i + 1, false});
        }
    }
    if (scratch.size() < static_cast<std::size_t>(pool.threads()))
        scratch.resize(static_cast<std::size_t>(pool.threads()));
    // Multiply-adds of Q K^T and P V, to decide whether the pool is worth waking.
    std::int64_t work = 0;
    for (const AttentionEntry& e : entries)
        work += static_cast<std::int64_t>(e.rows) * (e.first_position + e.rows) * c.q_dim() * 2;
    pool.run(
        static_cast<std::int64_t>(tasks.size()),
        [&](std::int64_t ti, int worker) {
            const Task& t = tasks[static_cast<std::size_t>(ti)];
            const AttentionEntry& e = entries[static_cast<std::size_t>(t.entry)];
            const KvView kv = view(*e.sequence, layer);
            AttentionScratch& s = scratch[static_cast<std::size_t>(worker)];
            if (t.gemm) {
                attend_chunk(kernels, c, e, kv, t.kv_head, t.i0, t.i1, q, out, s);
            } else {
                const std::int64_t row = e.first_row + t.i0;
                attend_row(kernels, c, kv, t.kv_head, e.first_position + t.i0 + 1,
                           q + row * c.q_dim(), out + row * c.q_dim(), s);
            }
        },
        work >= kParallelWork);
}

}  // namespace deskside::decoder::detail
