// Causal self-attention of the new tokens of each sequence over its KV cache, GQA-aware (a KV
// head serves n_head / n_head_kv query heads). Per entry:
//   fewer than 64 new tokens  per query row and KV head: dot products with the cached K rows,
//   (decode, short prompts)   online softmax, weighted sum of V rows (F16 with an F16 cache);
//   64 or more (prefill)      per KV head and tile of 64 queries: ggml's tiled kernel, keys in
//                             tiles of 64, F32 scores and accumulator, one FMA chain each.
// The split and the roundings are those of ggml's CPU flash attention (row kernel / tiled
// kernel), which llama.cpp uses by default: the reference this decoder is held to.
// Called from the forward thread; runs its tasks on the pool; scratch is per worker.
#pragma once

#include <span>
#include <vector>

#include "aligned_buffer.h"
#include "decoder/decoder_model.h"
#include "kernels.h"
#include "sequence_state.h"
#include "thread_pool.h"

namespace deskside::decoder::detail {

struct AttentionEntry {
    const SequenceState* sequence = nullptr;  // K/V of positions 0..first_position+rows-1 filled
    int first_row = 0;                        // row of the entry's first token in q / out
    int rows = 0;                             // its new tokens
    int first_position = 0;                   // position of its first new token
};

struct AttentionScratch {
    AlignedBuffer<float> q, scores, packed_q, packed_p, panel, out;
};

// out[row][h * head_dim ..] for every new token row and query head h; q [rows x q_dim] after
// RoPE (row stride q_dim), out likewise.
void attention(ThreadPool& pool, const Kernels& kernels, const DecoderConfig& config, int layer,
               std::span<const AttentionEntry> entries, const float* q, float* out,
               std::vector<AttentionScratch>& scratch);

}  // namespace deskside::decoder::detail
