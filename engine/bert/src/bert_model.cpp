#include "bert/bert_model.h"

#include <algorithm>
#include <string_view>

#include "base/error.h"
#include "gguf/tensor_types.h"

namespace deskside::bert {
namespace {

constexpr std::string_view kArchitecture = "bert";

std::string file_name(const gguf::GgufFile& file) {
    return file.path().filename().string();
}

[[noreturn]] void fail(ErrorCode code, const gguf::GgufFile& file, const std::string& message) {
    throw Error(code, file_name(file) + ": " + message);
}

std::string shape_text(const std::vector<std::int64_t>& dims) {
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

const gguf::TensorInfo& require_tensor(const gguf::GgufFile& file, const std::string& name) {
    const gguf::TensorInfo* info = file.find_tensor(name);
    if (!info) fail(ErrorCode::invalid_argument, file, "tensor '" + name + "' is missing");
    return *info;
}

// The tensor's values as F32, row-major, after checking its shape against `dims` (ggml order:
// dims[0] is the row length) and that its type can be dequantised.
std::vector<float> read_tensor(const gguf::GgufFile& file, const gguf::TensorInfo& info,
                               const std::vector<std::int64_t>& dims) {
    if (info.dims != dims)
        fail(ErrorCode::invalid_argument, file,
             "tensor '" + info.name + "' has shape " + shape_text(info.dims) + ", expected " +
                 shape_text(dims));
    if (!gguf::is_supported(info.type))
        fail(ErrorCode::unsupported, file,
             "tensor '" + info.name + "' has type " +
                 std::string(gguf::tensor_type_name(info.type)) + ", which this build cannot read");
    const std::int64_t row_length = dims[0];
    const std::int64_t rows = info.elements() / row_length;
    if (row_length % gguf::block_elements(info.type) != 0)
        fail(ErrorCode::invalid_argument, file,
             "tensor '" + info.name + "': rows of " + std::to_string(row_length) +
                 " values are not a multiple of the " +
                 std::string(gguf::tensor_type_name(info.type)) + " block");
    const std::size_t row_bytes = gguf::row_bytes(info.type, row_length);
    if (info.bytes < row_bytes * static_cast<std::uint64_t>(rows))
        fail(ErrorCode::invalid_argument, file, "tensor '" + info.name + "' is truncated");
    std::vector<float> values(static_cast<std::size_t>(rows * row_length));
    for (std::int64_t r = 0; r < rows; ++r)
        gguf::dequantize_row(info.type, info.data + r * row_bytes, values.data() + r * row_length,
                             row_length);
    return values;
}

std::vector<float> read_tensor(const gguf::GgufFile& file, const std::string& name,
                               const std::vector<std::int64_t>& dims) {
    return read_tensor(file, require_tensor(file, name), dims);
}

int require_positive(const gguf::GgufFile& file, const std::string& key, std::int64_t limit) {
    auto value = file.get_int(key);
    if (!value) fail(ErrorCode::invalid_argument, file, "metadata key '" + key + "' is missing");
    if (*value <= 0 || *value > limit)
        fail(ErrorCode::invalid_argument, file,
             "metadata key '" + key + "' is " + std::to_string(*value) + ", expected 1.." +
                 std::to_string(limit));
    return static_cast<int>(*value);
}

void append(std::vector<float>& to, const std::vector<float>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

BertConfig read_bert_config(const gguf::GgufFile& file) {
    BertConfig config;
    auto architecture = file.get_string("general.architecture");
    if (!architecture)
        fail(ErrorCode::invalid_argument, file, "metadata key 'general.architecture' is missing");
    if (*architecture != kArchitecture)
        fail(ErrorCode::unsupported, file,
             "architecture '" + *architecture +
                 "' is not supported by the BERT encoder (it reads '" + std::string(kArchitecture) +
                 "')");
    config.architecture = *architecture;
    const std::string prefix = config.architecture + ".";
    config.n_embd = require_positive(file, prefix + "embedding_length", 1 << 16);
    config.n_layer = require_positive(file, prefix + "block_count", 1024);
    config.n_head = require_positive(file, prefix + "attention.head_count", 1024);
    config.n_ff = require_positive(file, prefix + "feed_forward_length", 1 << 18);
    const int context = require_positive(file, prefix + "context_length", 1 << 20);
    if (config.n_embd % config.n_head != 0)
        fail(ErrorCode::invalid_argument, file,
             "embedding_length " + std::to_string(config.n_embd) +
                 " is not a multiple of head_count " + std::to_string(config.n_head));
    auto eps = file.get_float(prefix + "attention.layer_norm_epsilon");
    if (!eps)
        fail(ErrorCode::invalid_argument, file,
             "metadata key '" + prefix + "attention.layer_norm_epsilon' is missing");
    if (!(*eps >= 0.0 && *eps < 1.0))
        fail(ErrorCode::invalid_argument, file,
             "layer_norm_epsilon " + std::to_string(*eps) + " is out of range");
    config.norm_eps = static_cast<float>(*eps);
    if (file.get_bool(prefix + "attention.causal").value_or(false))
        fail(ErrorCode::unsupported, file, "causal attention is not supported by the BERT encoder");
    if (auto pooling = file.get_int(prefix + "pooling_type")) {
        switch (*pooling) {
            case 1:
                config.pooling = Pooling::mean;
                break;
            case 2:
                config.pooling = Pooling::cls;
                break;
            case 3:
                config.pooling = Pooling::last;
                break;
            default:
                fail(ErrorCode::unsupported, file,
                     "pooling type " + std::to_string(*pooling) +
                         (*pooling == 0   ? " (none)"
                          : *pooling == 4 ? " (rank)"
                                          : "") +
                         " is not supported (mean, cls and last are)");
        }
    }
    const gguf::TensorInfo& tokens = require_tensor(file, "token_embd.weight");
    if (tokens.dims.size() != 2 || tokens.dims[0] != config.n_embd || tokens.dims[1] <= 0)
        fail(ErrorCode::invalid_argument, file,
             "tensor 'token_embd.weight' has shape " + shape_text(tokens.dims) + ", expected [" +
                 std::to_string(config.n_embd) + ", n_vocab]");
    config.n_vocab = static_cast<int>(tokens.dims[1]);
    const gguf::TensorInfo& positions = require_tensor(file, "position_embd.weight");
    if (positions.dims.size() != 2 || positions.dims[0] != config.n_embd || positions.dims[1] <= 0)
        fail(ErrorCode::invalid_argument, file,
             "tensor 'position_embd.weight' has shape " + shape_text(positions.dims) +
                 ", expected [" + std::to_string(config.n_embd) + ", n_ctx]");
    config.n_ctx = static_cast<int>(std::min<std::int64_t>(context, positions.dims[1]));
    if (const gguf::TensorInfo* types = file.find_tensor("token_types.weight")) {
        if (types->dims.size() != 2 || types->dims[0] != config.n_embd || types->dims[1] <= 0)
            fail(ErrorCode::invalid_argument, file,
                 "tensor 'token_types.weight' has shape " + shape_text(types->dims) +
                     ", expected [" + std::to_string(config.n_embd) + ", n_types]");
        config.n_token_types = static_cast<int>(types->dims[1]);
    }
    return config;
}

BertModel BertModel::load(const gguf::GgufFile& file) {
    BertModel model;
    model.config = read_bert_config(file);
    const BertConfig& c = model.config;
    const std::int64_t E = c.n_embd, F = c.n_ff;
    model.token_embd = read_tensor(file, "token_embd.weight", {E, c.n_vocab});
    model.position_embd.assign(static_cast<std::size_t>(c.n_ctx * E), 0.0f);
    {
        const gguf::TensorInfo& info = require_tensor(file, "position_embd.weight");
        std::vector<float> all = read_tensor(file, info, info.dims);  // shape checked above
        std::copy_n(all.begin(), model.position_embd.size(), model.position_embd.begin());
    }
    if (c.n_token_types > 0) {
        const gguf::TensorInfo& info = require_tensor(file, "token_types.weight");
        std::vector<float> types = read_tensor(file, info, {E, c.n_token_types});
        model.token_type0.assign(types.begin(), types.begin() + E);  // llama.cpp: always type 0
    } else {
        model.token_type0.assign(static_cast<std::size_t>(E), 0.0f);
    }
    model.embd_norm_weight = read_tensor(file, "token_embd_norm.weight", {E});
    model.embd_norm_bias = read_tensor(file, "token_embd_norm.bias", {E});

    model.layers.resize(static_cast<std::size_t>(c.n_layer));
    for (int il = 0; il < c.n_layer; ++il) {
        BertLayer& layer = model.layers[static_cast<std::size_t>(il)];
        const std::string p = "blk." + std::to_string(il) + ".";
        if (const gguf::TensorInfo* qkv = file.find_tensor(p + "attn_qkv.weight")) {
            // Fused Q/K/V, as some converters write it.
            layer.qkv_weight = read_tensor(file, *qkv, {E, 3 * E});
            layer.qkv_bias = read_tensor(file, p + "attn_qkv.bias", {3 * E});
            layer.q_type = layer.k_type = layer.v_type = qkv->type;
        } else {
            gguf::TensorType* types[] = {&layer.q_type, &layer.k_type, &layer.v_type};
            int i = 0;
            for (const char* part : {"attn_q", "attn_k", "attn_v"}) {
                const gguf::TensorInfo& info = require_tensor(file, p + part + ".weight");
                append(layer.qkv_weight, read_tensor(file, info, {E, E}));
                append(layer.qkv_bias, read_tensor(file, p + part + ".bias", {E}));
                *types[i++] = info.type;
            }
        }
        layer.out_type = require_tensor(file, p + "attn_output.weight").type;
        layer.up_type = require_tensor(file, p + "ffn_up.weight").type;
        layer.down_type = require_tensor(file, p + "ffn_down.weight").type;
        layer.out_weight = read_tensor(file, p + "attn_output.weight", {E, E});
        layer.out_bias = read_tensor(file, p + "attn_output.bias", {E});
        layer.attn_norm_weight = read_tensor(file, p + "attn_output_norm.weight", {E});
        layer.attn_norm_bias = read_tensor(file, p + "attn_output_norm.bias", {E});
        layer.up_weight = read_tensor(file, p + "ffn_up.weight", {E, F});
        layer.up_bias = read_tensor(file, p + "ffn_up.bias", {F});
        layer.down_weight = read_tensor(file, p + "ffn_down.weight", {F, E});
        layer.down_bias = read_tensor(file, p + "ffn_down.bias", {E});
        layer.out_norm_weight = read_tensor(file, p + "layer_output_norm.weight", {E});
        layer.out_norm_bias = read_tensor(file, p + "layer_output_norm.bias", {E});
    }
    return model;
}

}  // namespace deskside::bert
