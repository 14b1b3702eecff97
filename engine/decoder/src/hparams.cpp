#include "hparams.h"

#include <cmath>
#include <optional>
#include <string>

#include "load_error.h"
#include "model_weights.h"

namespace deskside::decoder::detail {
namespace {

// Larger values are surely corruption (and would overflow the size arithmetic).
constexpr std::int64_t kMaxDim = 1 << 20;
constexpr std::int64_t kMaxLayers = 4096;
constexpr std::int64_t kMaxContext = std::int64_t{1} << 24;

class KeyReader {
  public:
    KeyReader(const gguf::GgufFile& file, const std::string& arch) : file_(file), arch_(arch) {}

    std::string key(std::string_view suffix) const { return arch_ + "." + std::string(suffix); }

    [[noreturn]] void fail(ErrorCode code, const std::string& message) const {
        load_fail(code, file_, LoadStage::hyper_parameters, message);
    }

    // An integer key in [1, limit]; `fallback` when absent (0: required).
    int positive(std::string_view suffix, std::int64_t limit, std::int64_t fallback = 0) const {
        const std::string k = key(suffix);
        const gguf::Value* value = file_.find(k);
        if (!value) {
            if (fallback > 0) return static_cast<int>(fallback);
            fail(ErrorCode::invalid_argument, "metadata key '" + k + "' is missing");
        }
        if (value->as_array())
            fail(ErrorCode::unsupported,
                 "metadata key '" + k + "' is an array (per-layer values are not supported)");
        auto v = value->as_int();
        if (!v) fail(ErrorCode::invalid_argument, "metadata key '" + k + "' is not an integer");
        if (*v <= 0 || *v > limit)
            fail(ErrorCode::invalid_argument, "metadata key '" + k + "' is " + std::to_string(*v) +
                                                  ", expected 1.." + std::to_string(limit));
        return static_cast<int>(*v);
    }

    // A float key, > 0 and finite; `fallback` when absent (NaN: required).
    float positive_float(std::string_view suffix, float fallback) const {
        const std::string k = key(suffix);
        const gguf::Value* value = file_.find(k);
        if (!value) {
            if (!std::isnan(fallback)) return fallback;
            fail(ErrorCode::invalid_argument, "metadata key '" + k + "' is missing");
        }
        auto v = value->as_float();
        if (!v || !std::isfinite(*v) || *v <= 0)
            fail(ErrorCode::invalid_argument, "metadata key '" + k + "' must be a positive number");
        return static_cast<float>(*v);
    }

    std::optional<double> optional_float(std::string_view suffix) const {
        const std::string k = key(suffix);
        const gguf::Value* value = file_.find(k);
        if (!value) return std::nullopt;
        auto v = value->as_float();
        if (!v || !std::isfinite(*v))
            fail(ErrorCode::invalid_argument, "metadata key '" + k + "' must be a number");
        return v;
    }

  private:
    const gguf::GgufFile& file_;
    const std::string& arch_;
};

}  // namespace

DecoderConfig read_decoder_config(const gguf::GgufFile& file) {
    // Stage 1: architecture.
    const auto arch_name = file.get_string("general.architecture");
    if (!arch_name)
        load_fail(ErrorCode::invalid_argument, file, LoadStage::architecture,
                  "metadata key 'general.architecture' is missing");
    const ArchSpec* spec = find_arch(*arch_name);
    if (!spec)
        load_fail(ErrorCode::unsupported, file, LoadStage::architecture,
                  "architecture '" + *arch_name +
                      "' is not supported (this decoder runs llama, qwen2 and qwen3)");

    // Stage 2: hyper-parameters.
    DecoderConfig c;
    c.architecture = spec->name;
    c.rope_layout = spec->rope_layout;
    const KeyReader keys(file, c.architecture);
    if (auto experts = file.get_int(keys.key("expert_count")); experts && *experts > 0)
        keys.fail(ErrorCode::unsupported,
                  "mixture-of-experts models ('" + keys.key("expert_count") +
                      "' = " + std::to_string(*experts) + ") are not supported");
    c.n_layer = keys.positive("block_count", kMaxLayers);
    c.n_embd = keys.positive("embedding_length", kMaxDim);
    c.n_ff = keys.positive("feed_forward_length", kMaxDim);
    c.n_head = keys.positive("attention.head_count", kMaxDim);
    c.n_head_kv = keys.positive("attention.head_count_kv", c.n_head, c.n_head);
    c.n_ctx_train = keys.positive("context_length", kMaxContext);
    if (c.n_head % c.n_head_kv != 0)
        keys.fail(ErrorCode::invalid_argument,
                  "'" + keys.key("attention.head_count") + "' (" + std::to_string(c.n_head) +
                      ") is not a multiple of '" + keys.key("attention.head_count_kv") + "' (" +
                      std::to_string(c.n_head_kv) + ")");
    const bool has_key_length = file.find(keys.key("attention.key_length")) != nullptr;
    if (!has_key_length && c.n_embd % c.n_head != 0)
        keys.fail(ErrorCode::invalid_argument,
                  "'" + keys.key("embedding_length") + "' (" + std::to_string(c.n_embd) +
                      ") is not a multiple of '" + keys.key("attention.head_count") + "'");
    c.head_dim = keys.positive("attention.key_length", kMaxDim, c.n_embd / c.n_head);
    const int value_length = keys.positive("attention.value_length", kMaxDim, c.head_dim);
    if (value_length != c.head_dim)
        keys.fail(ErrorCode::unsupported, "'" + keys.key("attention.value_length") + "' (" +
                                              std::to_string(value_length) + ") differs from '" +
                                              keys.key("attention.key_length") + "' (" +
                                              std::to_string(c.head_dim) + ")");
    c.n_rot = keys.positive("rope.dimension_count", c.head_dim, c.head_dim);
    if (c.n_rot % 2 != 0)
        keys.fail(ErrorCode::invalid_argument,
                  "'" + keys.key("rope.dimension_count") + "' must be even");
    c.rms_eps = keys.positive_float("attention.layer_norm_rms_epsilon", NAN);
    c.rope_freq_base = keys.positive_float("rope.freq_base", 10000.0f);

    // RoPE scaling: linear (positions divided by the factor) or YaRN.
    std::string scaling = "none";
    if (const gguf::Value* v = file.find(keys.key("rope.scaling.type"))) {
        if (!v->as_string())
            keys.fail(ErrorCode::invalid_argument,
                      "metadata key '" + keys.key("rope.scaling.type") + "' is not a string");
        scaling = *v->as_string();
    }
    float factor = 0.0f;
    if (auto f = keys.optional_float("rope.scaling.factor")) factor = static_cast<float>(*f);
    if (auto f = keys.optional_float("rope.scale_linear")) {  // older files
        factor = static_cast<float>(*f);
        if (scaling == "none") scaling = "linear";
    }
    if (scaling == "linear" || scaling == "yarn") {
        if (factor < 0)
            keys.fail(ErrorCode::invalid_argument,
                      "metadata key '" + keys.key("rope.scaling.factor") + "' is negative");
        c.rope_freq_scale = factor > 0 ? 1.0f / factor : 1.0f;
    } else if (scaling != "none") {
        keys.fail(ErrorCode::unsupported, "RoPE scaling type '" + scaling + "' ('" +
                                              keys.key("rope.scaling.type") +
                                              "') is not supported (none, linear, yarn)");
    }
    if (scaling == "yarn") {
        c.yarn = true;
        c.yarn_orig_ctx =
            keys.positive("rope.scaling.original_context_length", kMaxContext, c.n_ctx_train);
        c.yarn_ext_factor =
            static_cast<float>(keys.optional_float("rope.scaling.yarn_ext_factor").value_or(1.0));
        c.yarn_attn_factor = static_cast<float>(
            keys.optional_float("rope.scaling.yarn_attn_factor")
                .value_or(keys.optional_float("rope.scaling.attn_factor").value_or(1.0)));
        c.yarn_beta_fast =
            static_cast<float>(keys.optional_float("rope.scaling.yarn_beta_fast").value_or(32.0));
        c.yarn_beta_slow =
            static_cast<float>(keys.optional_float("rope.scaling.yarn_beta_slow").value_or(1.0));
    }

    // The vocabulary size and the output layout come from the tensor directory (the tensors
    // stage checks their shapes and types in full).
    const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight");
    if (!embd)
        load_fail(ErrorCode::invalid_argument, file, LoadStage::tensors,
                  "tensor 'token_embd.weight' is missing");
    if (embd->dims.size() != 2 || embd->dims[0] != c.n_embd || embd->dims[1] > (1 << 24))
        load_fail(ErrorCode::invalid_argument, file, LoadStage::tensors,
                  "tensor 'token_embd.weight' has shape " + shape_text(embd->dims) +
                      ", expected [" + std::to_string(c.n_embd) + ", n_vocab]");
    c.n_vocab = static_cast<int>(embd->dims[1]);
    if (auto vocab = file.get_int(keys.key("vocab_size")); vocab && *vocab != c.n_vocab)
        keys.fail(ErrorCode::invalid_argument,
                  "'" + keys.key("vocab_size") + "' (" + std::to_string(*vocab) +
                      ") differs from the rows of token_embd.weight (" + std::to_string(c.n_vocab) +
                      ")");
    c.tied_output = file.find_tensor("output.weight") == nullptr;
    c.has_rope_freqs = file.find_tensor("rope_freqs.weight") != nullptr;
    return c;
}

}  // namespace deskside::decoder::detail
