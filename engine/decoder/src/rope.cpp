#include "rope.h"

#include <algorithm>
#include <cmath>

namespace deskside::decoder::detail {
namespace {

constexpr float kPi = 3.14159265358979323846f;

// ggml_rope_yarn_corr_dim: the dimension at which n_rot rotations fit the original context.
float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rot, float base) {
    return static_cast<float>(n_dims) *
           std::log(static_cast<float>(n_ctx_orig) / (n_rot * 2 * kPi)) / (2 * std::log(base));
}

float yarn_ramp(float low, float high, int i0) {
    const float y = (static_cast<float>(i0 / 2) - low) / std::max(0.001f, high - low);
    return 1 - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

Rope::Rope(const DecoderConfig& c, const std::vector<float>& rope_freqs)
    : n_rot(c.n_rot),
      layout(c.rope_layout),
      theta_scale(std::pow(c.rope_freq_base, -2.0f / static_cast<float>(c.n_rot))),
      freq_scale(c.rope_freq_scale),
      freq_factors(rope_freqs) {
    if (c.yarn) {
        ext_factor = c.yarn_ext_factor;
        attn_factor = c.yarn_attn_factor;
        const float start =
            std::floor(yarn_corr_dim(c.n_rot, c.yarn_orig_ctx, c.yarn_beta_fast, c.rope_freq_base));
        const float end =
            std::ceil(yarn_corr_dim(c.n_rot, c.yarn_orig_ctx, c.yarn_beta_slow, c.rope_freq_base));
        corr_dims[0] = std::max(0.0f, start);
        corr_dims[1] = std::min(static_cast<float>(c.n_rot - 1), end);
    }
}

void Rope::angles(int position, float* cs) const {
    float theta = static_cast<float>(position);
    float mscale = attn_factor;
    if (ext_factor != 0.0f) mscale *= 1.0f + 0.1f * std::log(1.0f / freq_scale);
    for (int i0 = 0; i0 < n_rot; i0 += 2) {
        const float ff =
            freq_factors.empty() ? 1.0f : freq_factors[static_cast<std::size_t>(i0 / 2)];
        const float theta_extrap = theta / ff;
        const float theta_interp = freq_scale * theta_extrap;
        float t = theta_interp;
        if (ext_factor != 0.0f) {
            const float ramp_mix = yarn_ramp(corr_dims[0], corr_dims[1], i0) * ext_factor;
            t = theta_interp * (1 - ramp_mix) + theta_extrap * ramp_mix;
        }
        cs[i0] = std::cos(t) * mscale;
        cs[i0 + 1] = std::sin(t) * mscale;
        theta *= theta_scale;
    }
}

// ggml's rotate_pairs computes x0 cos - x1 sin and x0 sin + x1 cos, which GCC (the reference
// build: -O3 with FMA, contraction on) turns into fma(x0, cos, -(x1 sin)) and fma(x0, sin, x1 cos):
// the first product of each expression is fused. Done explicitly here, since a one-ulp change in
// Q or K reaches the F16 KV cache and the 8-bit roundings downstream.
void Rope::apply(const float* cs, float* x, int heads, int head_dim) const {
    for (int h = 0; h < heads; ++h) {
        float* v = x + static_cast<std::size_t>(h) * static_cast<std::size_t>(head_dim);
        if (layout == RopeLayout::normal) {
            for (int i0 = 0; i0 < n_rot; i0 += 2) {
                const float c = cs[i0], s = cs[i0 + 1];
                const float x0 = v[i0], x1 = v[i0 + 1];
                v[i0] = std::fma(x0, c, -(x1 * s));
                v[i0 + 1] = std::fma(x0, s, x1 * c);
            }
        } else {
            const int half = n_rot / 2;
            for (int i0 = 0; i0 < n_rot; i0 += 2) {
                const float c = cs[i0], s = cs[i0 + 1];
                const float x0 = v[i0 / 2], x1 = v[i0 / 2 + half];
                v[i0 / 2] = std::fma(x0, c, -(x1 * s));
                v[i0 / 2 + half] = std::fma(x0, s, x1 * c);
            }
        }
    }
}

}  // namespace deskside::decoder::detail
