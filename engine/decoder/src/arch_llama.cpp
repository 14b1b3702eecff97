// general.architecture = "llama": Llama 1/2/3.x, TinyLlama, SmolLM, Mistral-style dense models
// and llama2.c conversions (stories260K). Normal RoPE layout (pairs 2i, 2i+1), optional Q/K/V
// biases, rope_freqs.weight (Llama-3.1+ frequency divisors) and a tied or separate output.
#include "model_weights.h"

namespace deskside::decoder::detail {
namespace {

void load_llama_layer(const TensorLoader& loader, int layer, LayerWeights& out) {
    AttentionLayout layout;
    layout.qkv_bias_optional = true;
    load_attention_block(loader, layer, layout, out);
    load_swiglu_block(loader, layer, out);
}

}  // namespace

const ArchSpec& llama_arch() {
    static constexpr ArchSpec spec{"llama", RopeLayout::normal, &load_llama_layer};
    return spec;
}

}  // namespace deskside::decoder::detail
