#include "model_weights.h"

#include <string_view>

#include "gguf/tensor_types.h"
#include "load_error.h"

namespace deskside::decoder::detail {

void TensorLoader::fail(ErrorCode code, const std::string& message) const {
    load_fail(code, file_, LoadStage::tensors, message);
}

bool TensorLoader::has(const std::string& name) const {
    return file_.find_tensor(name) != nullptr;
}

const gguf::TensorInfo& TensorLoader::require(const std::string& name) const {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (!info) fail(ErrorCode::invalid_argument, "tensor '" + name + "' is missing");
    return *info;
}

Matrix TensorLoader::matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const {
    const gguf::TensorInfo& info = require(name);
    const std::vector<std::int64_t> expected{cols, rows};
    if (info.dims != expected)
        fail(ErrorCode::invalid_argument, "tensor '" + name + "' has shape " +
                                              shape_text(info.dims) + ", expected " +
                                              shape_text(expected));
    if (!gguf::is_supported(info.type))
        fail(ErrorCode::unsupported, "tensor '" + name + "' has type " +
                                         std::string(gguf::tensor_type_name(info.type)) +
                                         ", which this build cannot compute with");
    // gguf::GgufFile::open already checked that rows are whole blocks and the data is in the
    // file; the row length check stays here because the kernels rely on it.
    if (cols % gguf::block_elements(info.type) != 0)
        fail(ErrorCode::invalid_argument, "tensor '" + name + "': rows of " + std::to_string(cols) +
                                              " values are not a multiple of the " +
                                              std::string(gguf::tensor_type_name(info.type)) +
                                              " block");
    Matrix m;
    m.name = name;
    m.type = info.type;
    m.rows = rows;
    m.cols = cols;
    m.row_bytes = gguf::row_bytes(info.type, cols);
    if (info.bytes < m.row_bytes * static_cast<std::uint64_t>(rows))
        fail(ErrorCode::invalid_argument, "tensor '" + name + "' is truncated");
    m.data = info.data;
    return m;
}

std::vector<float> TensorLoader::vector(const std::string& name, std::int64_t n) const {
    const gguf::TensorInfo& info = require(name);
    if (info.dims != std::vector<std::int64_t>{n})
        fail(ErrorCode::invalid_argument, "tensor '" + name + "' has shape " +
                                              shape_text(info.dims) + ", expected [" +
                                              std::to_string(n) + "]");
    if (!gguf::is_supported(info.type) || n % gguf::block_elements(info.type) != 0)
        fail(ErrorCode::unsupported, "tensor '" + name + "' has type " +
                                         std::string(gguf::tensor_type_name(info.type)) +
                                         ", which this build cannot compute with");
    std::vector<float> values(static_cast<std::size_t>(n));
    gguf::dequantize_row(info.type, info.data, values.data(), n);
    return values;
}

std::vector<float> TensorLoader::optional_vector(const std::string& name, std::int64_t n) const {
    if (!has(name)) return {};
    return vector(name, n);
}

void load_attention_block(const TensorLoader& loader, int layer, const AttentionLayout& layout,
                          LayerWeights& out) {
    const DecoderConfig& c = loader.config();
    const std::string p = "blk." + std::to_string(layer) + ".";
    out.attn_norm = loader.vector(p + "attn_norm.weight", c.n_embd);
    out.wq = loader.matrix(p + "attn_q.weight", c.q_dim(), c.n_embd);
    out.wk = loader.matrix(p + "attn_k.weight", c.kv_dim(), c.n_embd);
    out.wv = loader.matrix(p + "attn_v.weight", c.kv_dim(), c.n_embd);
    out.wo = loader.matrix(p + "attn_output.weight", c.n_embd, c.q_dim());
    if (layout.qkv_bias_required) {
        out.bq = loader.vector(p + "attn_q.bias", c.q_dim());
        out.bk = loader.vector(p + "attn_k.bias", c.kv_dim());
        out.bv = loader.vector(p + "attn_v.bias", c.kv_dim());
    } else if (layout.qkv_bias_optional) {
        out.bq = loader.optional_vector(p + "attn_q.bias", c.q_dim());
        out.bk = loader.optional_vector(p + "attn_k.bias", c.kv_dim());
        out.bv = loader.optional_vector(p + "attn_v.bias", c.kv_dim());
    }
    if (layout.qk_norm) {
        out.q_norm = loader.vector(p + "attn_q_norm.weight", c.head_dim);
        out.k_norm = loader.vector(p + "attn_k_norm.weight", c.head_dim);
    }
}

void load_swiglu_block(const TensorLoader& loader, int layer, LayerWeights& out) {
    const DecoderConfig& c = loader.config();
    const std::string p = "blk." + std::to_string(layer) + ".";
    out.ffn_norm = loader.vector(p + "ffn_norm.weight", c.n_embd);
    out.gate = loader.matrix(p + "ffn_gate.weight", c.n_ff, c.n_embd);
    out.up = loader.matrix(p + "ffn_up.weight", c.n_ff, c.n_embd);
    out.down = loader.matrix(p + "ffn_down.weight", c.n_embd, c.n_ff);
}

void load_model_tensors(const TensorLoader& loader, ModelWeights& out) {
    const DecoderConfig& c = loader.config();
    out.token_embd = loader.matrix("token_embd.weight", c.n_vocab, c.n_embd);
    out.output_norm = loader.vector("output_norm.weight", c.n_embd);
    out.output =
        c.tied_output ? out.token_embd : loader.matrix("output.weight", c.n_vocab, c.n_embd);
    if (c.has_rope_freqs) out.rope_freqs = loader.vector("rope_freqs.weight", c.n_rot / 2);
}

const ArchSpec* find_arch(std::string_view name) {
    for (const ArchSpec* spec : {&llama_arch(), &qwen2_arch(), &qwen3_arch()})
        if (name == spec->name) return spec;
    return nullptr;
}

}  // namespace deskside::decoder::detail
