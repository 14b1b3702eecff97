// The weights of a decoder as the forward pass uses them: 2-D matrices left in the GGUF mapping
// as stored (quantised rows are dotted or dequantised tile by tile when used), 1-D tensors
// (norms, biases, rope_freqs) copied to F32. TensorLoader is the "tensors" load stage: it finds
// each tensor, checks its shape against the hyper-parameters and its type against what the
// kernels decode, and fails with Error(invalid_argument / unsupported) naming the tensor.
// Immutable after load; safe to share between threads; Matrix::data lives as long as the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "decoder/decoder_model.h"
#include "gguf/gguf_file.h"

namespace deskside::decoder::detail {

// A weight W [rows x cols] (rows outputs of cols inputs; ggml dims = {cols, rows}), y = W x.
struct Matrix {
    std::string name;
    gguf::TensorType type = gguf::TensorType::F32;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::size_t row_bytes = 0;
    const std::byte* data = nullptr;

    const std::byte* row(std::int64_t r) const {
        return data + static_cast<std::size_t>(r) * row_bytes;
    }
};

struct LayerWeights {
    std::vector<float> attn_norm;       // [n_embd]
    Matrix wq, wk, wv, wo;              // [q_dim x n_embd], [kv_dim x n_embd] x2, [n_embd x q_dim]
    std::vector<float> bq, bk, bv;      // biases (qwen2; optional for llama); empty when absent
    std::vector<float> q_norm, k_norm;  // per-head RMSNorm weights [head_dim] (qwen3)
    std::vector<float> ffn_norm;        // [n_embd]
    Matrix gate, up, down;              // [n_ff x n_embd] x2, [n_embd x n_ff]
};

struct ModelWeights {
    Matrix token_embd;               // [n_vocab x n_embd]
    std::vector<float> output_norm;  // [n_embd]
    Matrix output;                   // [n_vocab x n_embd]; token_embd when tied
    std::vector<float> rope_freqs;   // [n_rot / 2] divisors of the frequencies; empty = none
    std::vector<LayerWeights> layers;
};

class TensorLoader {
  public:
    TensorLoader(const gguf::GgufFile& file, const DecoderConfig& config)
        : file_(file), config_(config) {}

    const DecoderConfig& config() const { return config_; }
    bool has(const std::string& name) const;
    // A required matrix of exactly [rows x cols] in a type the kernels decode.
    Matrix matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const;
    // A required 1-D tensor of n values, as F32.
    std::vector<float> vector(const std::string& name, std::int64_t n) const;
    // The same, empty when the file has no such tensor.
    std::vector<float> optional_vector(const std::string& name, std::int64_t n) const;

  private:
    const gguf::TensorInfo& require(const std::string& name) const;
    [[noreturn]] void fail(ErrorCode code, const std::string& message) const;

    const gguf::GgufFile& file_;
    const DecoderConfig& config_;
};

// Blocks shared by the architectures: blk.N.attn_{norm,q,k,v,output} and blk.N.ffn_*.
struct AttentionLayout {
    bool qkv_bias_required = false;  // qwen2: attn_{q,k,v}.bias must be there
    bool qkv_bias_optional = false;  // llama: taken when present
    bool qk_norm = false;            // qwen3: attn_{q,k}_norm.weight [head_dim]
};
void load_attention_block(const TensorLoader& loader, int layer, const AttentionLayout& layout,
                          LayerWeights& out);
void load_swiglu_block(const TensorLoader& loader, int layer, LayerWeights& out);
// token_embd, output_norm, output (tied to token_embd when absent), rope_freqs (when present).
void load_model_tensors(const TensorLoader& loader, ModelWeights& out);

// One architecture: its RoPE layout and how to load one layer (arch_*.cpp).
struct ArchSpec {
    const char* name;
    RopeLayout rope_layout;
    void (*load_layer)(const TensorLoader& loader, int layer, LayerWeights& out);
};
const ArchSpec& llama_arch();
const ArchSpec& qwen2_arch();
const ArchSpec& qwen3_arch();
// nullptr for an architecture this library does not run.
const ArchSpec* find_arch(std::string_view name);

}  // namespace deskside::decoder::detail
