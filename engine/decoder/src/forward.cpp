#include "forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gguf/tensor_types.h"

namespace deskside::decoder::detail {
namespace {

// Per-row stages run on the pool from this many rows on (below, the hand-out costs more).
constexpr std::int64_t kParallelRows = 64;

// ggml_rms_norm then ggml_mul: the sum of squares in double, the scale in float.
void rms_norm(const float* x, const float* w, float eps, std::int64_t n, float* y) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    for (std::int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

template <typename Fn>
void for_rows(ThreadPool& pool, std::int64_t rows, Fn&& fn) {
    if (rows >= kParallelRows) {
        pool.run(rows, [&](std::int64_t m, int) { fn(m); });
    } else {
        for (std::int64_t m = 0; m < rows; ++m) fn(m);
    }
}

void add_bias(float* y, const std::vector<float>& b) {
    for (std::size_t i = 0; i < b.size(); ++i) y[i] += b[i];
}

}  // namespace

void forward_rows(const ModelContext& model, std::span<const TokenRow> rows, Workspace& ws) {
    const DecoderConfig& c = model.config;
    const ModelWeights& w = model.weights;
    const Kernels& kernels = model.kernels;
    ThreadPool& pool = model.pool;
    const auto m_rows = static_cast<std::int64_t>(rows.size());
    const std::int64_t n_embd = c.n_embd, q_dim = c.q_dim(), kv_dim = c.kv_dim(), n_ff = c.n_ff;
    const auto sz = [&](std::int64_t cols) { return static_cast<std::size_t>(m_rows * cols); };
    ws.x.resize_discard(sz(n_embd));
    ws.xn.resize_discard(sz(n_embd));
    ws.q.resize_discard(sz(q_dim));
    ws.k.resize_discard(sz(kv_dim));
    ws.v.resize_discard(sz(kv_dim));
    ws.attn.resize_discard(sz(q_dim));
    ws.tmp.resize_discard(sz(n_embd));
    ws.gate.resize_discard(sz(n_ff));
    ws.up.resize_discard(sz(n_ff));
    ws.cs.resize_discard(sz(c.n_rot));
    float *x = ws.x.data(), *xn = ws.xn.data(), *q = ws.q.data(), *k = ws.k.data(),
          *v = ws.v.data(), *attn = ws.attn.data(), *tmp = ws.tmp.data(), *gate = ws.gate.data(),
          *up = ws.up.data(), *cs = ws.cs.data();

    // Embeddings (ggml_get_rows: the stored row dequantised) and RoPE angles per row.
    for_rows(pool, m_rows, [&](std::int64_t m) {
        const TokenRow& r = rows[static_cast<std::size_t>(m)];
        gguf::dequantize_row(w.token_embd.type, w.token_embd.row(r.token), x + m * n_embd, n_embd);
        model.rope.angles(r.position, cs + m * c.n_rot);
    });

    // Consecutive rows of one sequence form one attention entry.
    std::vector<AttentionEntry> entries;
    for (std::int64_t m = 0; m < m_rows; ++m) {
        const TokenRow& r = rows[static_cast<std::size_t>(m)];
        if (entries.empty() || entries.back().sequence != r.sequence) {
            AttentionEntry e;
            e.sequence = r.sequence;
            e.first_row = static_cast<int>(m);
            e.first_position = r.position;
            entries.push_back(e);
        }
        ++entries.back().rows;
    }

    for (int l = 0; l < c.n_layer; ++l) {
        const LayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
        for_rows(pool, m_rows, [&](std::int64_t m) {
            rms_norm(x + m * n_embd, lw.attn_norm.data(), c.rms_eps, n_embd, xn + m * n_embd);
        });
        const LinearOp qkv[] = {{&lw.wq, q, q_dim}, {&lw.wk, k, kv_dim}, {&lw.wv, v, kv_dim}};
        linear(pool, kernels, xn, m_rows, n_embd, n_embd, qkv, ws.linear);

        for_rows(pool, m_rows, [&](std::int64_t m) {
            float* qm = q + m * q_dim;
            float* km = k + m * kv_dim;
            float* vm = v + m * kv_dim;
            add_bias(qm, lw.bq);
            add_bias(km, lw.bk);
            add_bias(vm, lw.bv);
            if (!lw.q_norm.empty()) {
                for (int h = 0; h < c.n_head; ++h)
                    rms_norm(qm + h * c.head_dim, lw.q_norm.data(), c.rms_eps, c.head_dim,
                             qm + h * c.head_dim);
                for (int h = 0; h < c.n_head_kv; ++h)
                    rms_norm(km + h * c.head_dim, lw.k_norm.data(), c.rms_eps, c.head_dim,
                             km + h * c.head_dim);
            }
            model.rope.apply(cs + m * c.n_rot, qm, c.n_head, c.head_dim);
            model.rope.apply(cs + m * c.n_rot, km, c.n_head_kv, c.head_dim);
            const TokenRow& r = rows[static_cast<std::size_t>(m)];
            SequenceState& s = *r.sequence;
            const std::size_t at = s.row_offset(r.position);
            if (s.type == KvType::f16) {
                kernels.f32_to_f16(km, s.k16[static_cast<std::size_t>(l)].data() + at, kv_dim);
                kernels.f32_to_f16(vm, s.v16[static_cast<std::size_t>(l)].data() + at, kv_dim);
            } else {
                std::memcpy(s.k32[static_cast<std::size_t>(l)].data() + at, km,
                            static_cast<std::size_t>(kv_dim) * sizeof(float));
                std::memcpy(s.v32[static_cast<std::size_t>(l)].data() + at, vm,
                            static_cast<std::size_t>(kv_dim) * sizeof(float));
            }
        });

        attention(pool, kernels, c, l, entries, q, attn, ws.attention);

        const LinearOp wo[] = {{&lw.wo, tmp, n_embd}};
        linear(pool, kernels, attn, m_rows, q_dim, q_dim, wo, ws.linear);
        for_rows(pool, m_rows, [&](std::int64_t m) {
            float* xm = x + m * n_embd;
            const float* tm = tmp + m * n_embd;
            for (std::int64_t i = 0; i < n_embd; ++i) xm[i] += tm[i];
            rms_norm(xm, lw.ffn_norm.data(), c.rms_eps, n_embd, xn + m * n_embd);
        });
        const LinearOp gate_up[] = {{&lw.gate, gate, n_ff}, {&lw.up, up, n_ff}};
        linear(pool, kernels, xn, m_rows, n_embd, n_embd, gate_up, ws.linear);
        for_rows(pool, m_rows,
                 [&](std::int64_t m) { kernels.swiglu(gate + m * n_ff, up + m * n_ff, n_ff); });
        const LinearOp down[] = {{&lw.down, tmp, n_embd}};
        linear(pool, kernels, gate, m_rows, n_ff, n_ff, down, ws.linear);
        for_rows(pool, m_rows, [&](std::int64_t m) {
            float* xm = x + m * n_embd;
            const float* tm = tmp + m * n_embd;
            for (std::int64_t i = 0; i < n_embd; ++i) xm[i] += tm[i];
        });
    }

    // Logits of the rows that want them. Their destinations are usually consecutive rows of
    // the caller's buffer; otherwise they go through out_rows.
    std::vector<std::int64_t> wanted;
    for (std::int64_t m = 0; m < m_rows; ++m)
        if (rows[static_cast<std::size_t>(m)].logits) wanted.push_back(m);
    if (wanted.empty()) return;
    const auto n_wanted = static_cast<std::int64_t>(wanted.size());
    for_rows(pool, n_wanted, [&](std::int64_t i) {
        rms_norm(x + wanted[static_cast<std::size_t>(i)] * n_embd, w.output_norm.data(), c.rms_eps,
                 n_embd, xn + i * n_embd);
    });
    float* first = rows[static_cast<std::size_t>(wanted[0])].logits;
    bool consecutive = true;
    for (std::int64_t i = 1; i < n_wanted; ++i)
        consecutive = consecutive &&
                      rows[static_cast<std::size_t>(wanted[static_cast<std::size_t>(i)])].logits ==
                          first + i * c.n_vocab;
    float* dst = first;
    if (!consecutive) {
        ws.out_rows.resize_discard(static_cast<std::size_t>(n_wanted * c.n_vocab));
        dst = ws.out_rows.data();
    }
    const LinearOp output[] = {{&w.output, dst, c.n_vocab}};
    linear(pool, kernels, xn, n_wanted, n_embd, n_embd, output, ws.linear);
    if (!consecutive)
        for (std::int64_t i = 0; i < n_wanted; ++i)
            std::memcpy(rows[static_cast<std::size_t>(wanted[static_cast<std::size_t>(i)])].logits,
                        dst + i * c.n_vocab, static_cast<std::size_t>(c.n_vocab) * sizeof(float));
}

}  // namespace deskside::decoder::detail
