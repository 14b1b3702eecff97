// Rotary position embedding as ggml computes it (ggml_rope_cache_init + rope_yarn): per position
// the angles theta_i = p * base^(-2i/n_rot), multiplied pair by pair in float as ggml does,
// divided by rope_freqs[i] when the model has that tensor (Llama-3.x), scaled by freq_scale
// (linear scaling) or blended by YaRN; then each head is rotated in the model's layout:
//   normal (llama)       pairs (2i, 2i+1)
//   neox   (qwen2/3)     pairs (i, i + n_rot/2)
// Dimensions past n_rot are left as they are. Pure; thread-safe.
#pragma once

#include <vector>

#include "decoder/decoder_model.h"

namespace deskside::decoder::detail {

struct Rope {
    int n_rot = 0;
    RopeLayout layout = RopeLayout::normal;
    float theta_scale = 1.0f;
    float freq_scale = 1.0f;
    std::vector<float> freq_factors;  // n_rot / 2 divisors, or empty
    float ext_factor = 0.0f;
    float attn_factor = 1.0f;
    float corr_dims[2] = {0, 0};

    Rope() = default;
    Rope(const DecoderConfig& config, const std::vector<float>& rope_freqs);

    // cs[2i] = cos, cs[2i+1] = sin of pair i at `position` (n_rot floats).
    void angles(int position, float* cs) const;
    // Rotates `heads` heads of head_dim floats at x with the angles cs.
    void apply(const float* cs, float* x, int heads, int head_dim) const;
};

}  // namespace deskside::decoder::detail
