// The forward pass of a llama-family decoder over one micro-batch of token rows (tokens of one
// or more sequences), shared by the architectures: embedding lookup, per layer RMSNorm ->
// Q/K/V (+ bias, + per-head Q/K norm) -> RoPE -> KV cache -> attention -> output projection ->
// residual -> RMSNorm -> SwiGLU FFN -> residual, then the final norm and the logits of the
// rows asked for. Mirrors llama.cpp's graph op for op (llm_build_llama / qwen2 / qwen3).
// Called from the forward thread; uses the model's pool and workspace.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "aligned_buffer.h"
#include "attention.h"
#include "kernels.h"
#include "linear.h"
#include "model_weights.h"
#include "rope.h"
#include "sequence_state.h"
#include "thread_pool.h"

namespace deskside::decoder::detail {

struct Workspace {
    AlignedBuffer<float> x, xn, q, k, v, attn, tmp, gate, up, cs, out_rows;
    LinearScratch linear;
    std::vector<AttentionScratch> attention;
};

// One token row of a micro-batch.
struct TokenRow {
    std::int32_t token = 0;
    int position = 0;
    SequenceState* sequence = nullptr;
    float* logits = nullptr;  // where its n_vocab logits go; nullptr = not wanted
};

struct ModelContext {
    const DecoderConfig& config;
    const ModelWeights& weights;
    const Rope& rope;
    const Kernels& kernels;
    ThreadPool& pool;
};

// Runs `rows` (the rows of one sequence consecutive, in position order; their caches reserved
// up to their last position) through the model, writes their K/V and the wanted logits.
void forward_rows(const ModelContext& model, std::span<const TokenRow> rows, Workspace& ws);

}  // namespace deskside::decoder::detail
