#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gguf/tensor_types.h"
#include "linear.h"

namespace deskside::decoder::detail {
namespace {

// Entries with at least this many new tokens take the tiled kernel, when the head size is a
// multiple of 16: llama.cpp's tiled flash attention (tiles of 64 query rows x 64 keys, F32
// throughout) runs under the same conditions in its AVX-512 build, and the row kernel otherwise.
constexpr int kGemmAttentionMinRows = 64;
constexpr int kGemmAttentionHeadMultiple = 16;

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
            // ggml: S = S*ms + vs, which the reference build (GCC, FMA, contraction on) fuses.
            sum = std::fma(sum, old_weight, weight);
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

// Dims [d0, d0 + n) of V rows [k0, k0 + keys) as a panel: panel[t * 32 + j] = V[k0 + t][d0 + j].
void value_panel(const Kernels& kernels, const KvView& kv, std::int64_t off, int k0, int d0, int n,
                 int keys, float* panel) {
    for (int t = 0; t < keys; ++t) {
        float* dst = panel + static_cast<std::int64_t>(t) * kPanelCols;
        const std::int64_t at = (k0 + t) * kv.stride + off + d0;
        if (kv.v16) {
            kernels.f16_to_f32(kv.v16 + at, dst, n);
        } else {
            std::copy_n(kv.v32 + at, n, dst);
        }
        std::fill(dst + n, dst + kPanelCols, 0.0f);
    }
}

// ggml's tiled flash attention (ggml_compute_forward_flash_attn_ext_tiled, taken by llama.cpp
// from 64 query rows on), step for step, for query tokens [i0, i1) (one tile: at most 64, starting
// at a multiple of 64) of every query head of one KV head. Keys in tiles of 64 from key 0; per
// tile S = Q K^T (F32 Q, one FMA chain per score over the head dims: gemm_tile), times the scale,
// masked keys -inf; per row an online softmax over the tile (ggml_vec_soft_max_f32, its sum in
// double added to a float S) and V accumulated in F32, one FMA chain per output continuing over
// every tile's 64 keys (masked ones weigh 0: gemm_tile_acc); at the end out = acc / S.
void attend_tiled(const Kernels& kernels, const DecoderConfig& c, const AttentionEntry& e,
                  const KvView& kv, int kv_head, int i0, int i1, const float* q, float* out,
                  AttentionScratch& s) {
    constexpr int kTile = 64;
    const int hd = c.head_dim;
    const int group = c.n_head / c.n_head_kv;
    const int q_dim = c.q_dim();
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    const float inf = std::numeric_limits<float>::infinity();
    const int rows = i1 - i0;
    const int keys = e.first_position + i1;
    const std::int64_t off = static_cast<std::int64_t>(kv_head) * hd;
    const std::int64_t padded = (rows + kTileRows - 1) / kTileRows * kTileRows;
    const int v_panels = (hd + kPanelCols - 1) / kPanelCols;
    // Per query head of the group: packed Q, the accumulator, the running sum and max.
    s.q.resize_discard(static_cast<std::size_t>(rows * hd));
    s.packed_q.resize_discard(static_cast<std::size_t>(group * padded * hd));
    s.out.resize_discard(static_cast<std::size_t>(group * rows * hd + 2 * group * kTile));
    // The tile's K (two panels of 32 keys) and V (one panel per 32 dims), shared by the group.
    s.panel.resize_discard(
        static_cast<std::size_t>((2 * hd + v_panels * kTile) * kPanelCols + kTile * hd));
    s.packed_p.resize_discard(static_cast<std::size_t>(padded * kTile));
    s.scores.resize_discard(static_cast<std::size_t>(kTile * kTile));
    float* kpanel = s.panel.data();
    float* vpanel = kpanel + 2 * hd * kPanelCols;
    float* tmp = vpanel + v_panels * kTile * kPanelCols;
    float* kq = s.scores.data();
    float* sums = s.out.data() + group * rows * hd;
    float* maxs = sums + group * kTile;
    for (int j = 0; j < group; ++j) {
        const int h = kv_head * group + j;
        for (int r = 0; r < rows; ++r)
            std::copy_n(q + static_cast<std::int64_t>(e.first_row + i0 + r) * q_dim + h * hd, hd,
                        s.q.data() + r * hd);
        pack_rows(kernels, s.q.data(), hd, rows, hd, s.packed_q.data() + j * padded * hd);
    }
    std::fill(s.out.data(), s.out.data() + group * rows * hd, 0.0f);
    std::fill(sums, sums + group * kTile, 0.0f);
    std::fill(maxs, maxs + group * kTile, -inf);
    // Tiles past the last key any row sees are never reached, as ggml skips all-masked tiles.
    for (int k0 = 0; k0 < keys; k0 += kTile) {
        const int n = std::min(kTile, keys - k0);
        for (int p0 = 0; p0 < n; p0 += kPanelCols)
            key_panel(kernels, kv, off, hd, k0 + p0, std::min(kPanelCols, n - p0),
                      kpanel + (p0 / kPanelCols) * hd * kPanelCols, tmp);
        for (int d0 = 0; d0 < hd; d0 += kPanelCols)
            value_panel(kernels, kv, off, k0, d0, std::min(kPanelCols, hd - d0), n,
                        vpanel + (d0 / kPanelCols) * kTile * kPanelCols);
        for (int j = 0; j < group; ++j) {
            const float* pq = s.packed_q.data() + j * padded * hd;
            float* acc = s.out.data() + j * rows * hd;
            float* sum = sums + j * kTile;
            float* max = maxs + j * kTile;
            for (int p0 = 0; p0 < n; p0 += kPanelCols)
                for (int b = 0; b < rows; b += kTileRows)
                    kernels.gemm_tile(pq + static_cast<std::int64_t>(b) * hd,
                                      kpanel + (p0 / kPanelCols) * hd * kPanelCols, hd,
                                      kq + b * kTile + p0, kTile, std::min(kTileRows, rows - b),
                                      std::min(kPanelCols, n - p0));
            for (int r = 0; r < rows; ++r) {
                float* row = kq + r * kTile;
                const int visible = e.first_position + i0 + r + 1;  // keys [0, visible)
                float tile_max = -inf;
                for (int t = 0; t < kTile; ++t) {
                    row[t] = (t < n && k0 + t < visible) ? row[t] * scale : -inf;
                    tile_max = std::max(tile_max, row[t]);
                }
                if (tile_max == -inf) {
                    std::fill(row, row + kTile, 0.0f);
                    continue;
                }
                const float m_new = std::max(max[r], tile_max);
                if (m_new > max[r]) {
                    const float ms = std::exp(max[r] - m_new);
                    for (int d = 0; d < hd; ++d) acc[r * hd + d] *= ms;
                    sum[r] *= ms;
                }
                max[r] = m_new;
                sum[r] = static_cast<float>(static_cast<double>(sum[r]) +
                                            kernels.soft_max(row, m_new, row, kTile));
            }
            pack_rows(kernels, kq, kTile, rows, n, s.packed_p.data());
            for (int d0 = 0; d0 < hd; d0 += kPanelCols)
                for (int b = 0; b < rows; b += kTileRows)
                    kernels.gemm_tile_acc(s.packed_p.data() + static_cast<std::int64_t>(b) * n,
                                          vpanel + (d0 / kPanelCols) * kTile * kPanelCols, n,
                                          acc + b * hd + d0, hd, std::min(kTileRows, rows - b),
                                          std::min(kPanelCols, hd - d0));
        }
    }
    for (int j = 0; j < group; ++j) {
        const int h = kv_head * group + j;
        const float* acc = s.out.data() + j * rows * hd;
        for (int r = 0; r < rows; ++r) {
            const float sum = sums[j * kTile + r];
            const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
            float* dst = out + static_cast<std::int64_t>(e.first_row + i0 + r) * q_dim + h * hd;
            for (int d = 0; d < hd; ++d) dst[d] = acc[r * hd + d] * inv;
        }
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
    std::vector<Task> tasks;
    for (std::size_t ei = 0; ei < entries.size(); ++ei) {
        const AttentionEntry& e = entries[ei];
        if (e.rows >= kGemmAttentionMinRows && c.head_dim % kGemmAttentionHeadMultiple == 0) {
            // llama.cpp's query tiles: 64 tokens of one head, from the first new token.
            for (int h = 0; h < c.n_head_kv; ++h)
                for (int i0 = 0; i0 < e.rows; i0 += kGemmAttentionMinRows)
                    tasks.push_back({static_cast<int>(ei), h, i0,
                                     std::min(e.rows, i0 + kGemmAttentionMinRows), true});
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
                attend_tiled(kernels, c, e, kv, t.kv_head, t.i0, t.i1, q, out, s);
            } else {
                const std::int64_t row = e.first_row + t.i0;
                attend_row(kernels, c, kv, t.kv_head, e.first_position + t.i0 + 1,
                           q + row * c.q_dim(), out + row * c.q_dim(), s);
            }
        },
        work >= kParallelWork);
}

}  // namespace deskside::decoder::detail
