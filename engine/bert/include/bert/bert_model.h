// A BERT encoder as a GGUF file describes it (general.architecture = "bert", llama.cpp's
// tensor names): hyper-parameters from the `bert.*` keys and every weight dequantised to F32
// once at load (F32, F16, BF16, Q8_0, Q4_x, Q5_x and K-quants through gguf::dequantize_row).
//
// Loading goes in stages, each error naming its stage and the file:
//   architecture  anything but "bert" -> Error(unsupported) naming it
//   hyper-params  missing/invalid bert.* keys -> Error(invalid_argument) naming the key;
//                 causal attention or a pooling type other than mean/cls/last -> unsupported
//   tensors       a missing tensor or a wrong shape -> Error(invalid_argument) naming the tensor;
//                 a tensor type this build cannot dequantise -> Error(unsupported) naming it
// A BertModel is a plain value (it owns its vectors), immutable after load, safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"

namespace deskside::bert {

// bert.pooling_type (llama.cpp's enum): how token vectors become one vector per text.
enum class Pooling { mean = 1, cls = 2, last = 3 };

struct BertConfig {
    std::string architecture;         // "bert"
    int n_vocab = 0;                  // rows of token_embd
    int n_embd = 0;                   // bert.embedding_length
    int n_layer = 0;                  // bert.block_count
    int n_head = 0;                   // bert.attention.head_count
    int n_ff = 0;                     // bert.feed_forward_length
    int n_ctx = 0;                    // longest sequence: min(bert.context_length, position rows)
    int n_token_types = 0;            // rows of token_types (0: the file has none)
    float norm_eps = 1e-12f;          // bert.attention.layer_norm_epsilon
    Pooling pooling = Pooling::mean;  // bert.pooling_type; mean when absent

    int head_dim() const { return n_embd / n_head; }
};

// Row-major F32 matrices: a [rows x cols] weight is `rows` outputs of `cols` inputs (ggml's
// dims[1] x dims[0]), so y = x W^T + b.
struct BertLayer {
    std::vector<float> qkv_weight;  // [3 n_embd x n_embd]: Q rows, then K, then V
    std::vector<float> qkv_bias;    // [3 n_embd]
    std::vector<float> out_weight;  // [n_embd x n_embd]
    std::vector<float> out_bias;
    std::vector<float> attn_norm_weight, attn_norm_bias;  // attn_output_norm
    std::vector<float> up_weight;                         // [n_ff x n_embd]
    std::vector<float> up_bias;                           // [n_ff]
    std::vector<float> down_weight;                       // [n_embd x n_ff]
    std::vector<float> down_bias;
    std::vector<float> out_norm_weight, out_norm_bias;  // layer_output_norm
    // The GGUF type each projection was stored in (the encoder rounds its inputs to match).
    gguf::TensorType q_type = gguf::TensorType::F32, k_type = gguf::TensorType::F32,
                     v_type = gguf::TensorType::F32, out_type = gguf::TensorType::F32,
                     up_type = gguf::TensorType::F32, down_type = gguf::TensorType::F32;
};

struct BertModel {
    BertConfig config;
    std::vector<float> token_embd;     // [n_vocab x n_embd]
    std::vector<float> token_type0;    // row 0 of token_types ([n_embd]; zeros when absent)
    std::vector<float> position_embd;  // [n_ctx x n_embd]
    std::vector<float> embd_norm_weight, embd_norm_bias;
    std::vector<BertLayer> layers;

    // Reads and validates config and weights (see the stages above).
    static BertModel load(const gguf::GgufFile& file);
};

// Only the hyper-parameters (no tensor data is read beyond token_embd's shape).
BertConfig read_bert_config(const gguf::GgufFile& file);

}  // namespace deskside::bert
