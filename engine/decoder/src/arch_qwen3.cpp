// general.architecture = "qwen3": Qwen3 dense models. No biases; an RMSNorm over each head of Q
// and K (attn_q_norm / attn_k_norm, [head_dim]) before RoPE; NeoX RoPE layout; head_dim from
// qwen3.attention.key_length (128), so q_dim may differ from n_embd.
#include "model_weights.h"

namespace deskside::decoder::detail {
namespace {

void load_qwen3_layer(const TensorLoader& loader, int layer, LayerWeights& out) {
    AttentionLayout layout;
    layout.qk_norm = true;
    load_attention_block(loader, layer, layout, out);
    load_swiglu_block(loader, layer, out);
}

}  // namespace

const ArchSpec& qwen3_arch() {
    static constexpr ArchSpec spec{"qwen3", RopeLayout::neox, &load_qwen3_layer};
    return spec;
}

}  // namespace deskside::decoder::detail
