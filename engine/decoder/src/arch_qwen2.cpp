// general.architecture = "qwen2": Qwen2 / Qwen2.5 dense models. As llama, but with Q/K/V biases
// (required) and the NeoX RoPE layout (pairs i, i + n_rot/2).
#include "model_weights.h"

namespace deskside::decoder::detail {
namespace {

void load_qwen2_layer(const TensorLoader& loader, int layer, LayerWeights& out) {
    AttentionLayout layout;
    layout.qkv_bias_required = true;
    load_attention_block(loader, layer, layout, out);
    load_swiglu_block(loader, layer, out);
}

}  // namespace

const ArchSpec& qwen2_arch() {
    static constexpr ArchSpec spec{"qwen2", RopeLayout::neox, &load_qwen2_layer};
    return spec;
}

}  // namespace deskside::decoder::detail
