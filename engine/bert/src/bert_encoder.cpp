#include "bert/bert_encoder.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include "aligned_buffer.h"
#include "base/error.h"
#include "kernels.h"
#include "matmul.h"
#include "parallel.h"

namespace deskside::bert {

using detail::AlignedFloats;
using detail::Epilogue;
using detail::PackedMatrix;

namespace {

// Rows per work item of the row-local stages: a multiple of the 12-row register tile, small
// enough that a block's FFN activations (96 x n_ff floats) stay in the L2 cache.
constexpr std::int64_t kBlockRows = 96;

// ggml's vec_dot_type of a weight type, as a rounding of our activations.
detail::Rounding rounding_for(gguf::TensorType type) {
    using T = gguf::TensorType;
    using R = detail::Rounding;
    switch (type) {
        case T::F16:
            return R::half;
        case T::BF16:
            return R::bf16;
        case T::Q4_0:
        case T::Q4_1:
        case T::Q5_0:
        case T::Q5_1:
        case T::Q8_0:
        case T::Q8_1:
        case T::IQ4_NL:
            return R::q8_0;  // Q8_1 (for the _1 types) holds the same values as Q8_0
        case T::Q2_K:
        case T::Q3_K:
        case T::Q4_K:
        case T::Q5_K:
        case T::Q6_K:
        case T::IQ4_XS:
            return R::q8_k;
        default:
            return R::none;
    }
}

// One product that writes columns [column, column + matrix.rows) of the Q/K/V buffer.
struct QkvPart {
    PackedMatrix matrix;
    std::int64_t column = 0;
};

struct PackedLayer {
    // One fused [3E x E] product, or Q, K and V apart when their inputs round differently.
    std::vector<QkvPart> qkv;
    PackedMatrix out, up, down;
    std::vector<float> qkv_bias, out_bias, up_bias, down_bias;
    std::vector<float> attn_norm_weight, attn_norm_bias, out_norm_weight, out_norm_bias;
};

// Per-worker scratch, reused across the stages of one encode() call.
struct WorkerScratch {
    AlignedFloats packed;  // activation tiles of linear_rows
    AlignedFloats hidden;  // block rows after attention + LayerNorm  [rows x n_embd]
    AlignedFloats ffn;     // block rows of the FFN's inner layer     [rows x n_ff]
    detail::AttentionScratch attention;
};

// One group of sequences packed into [tokens x n_embd].
struct Batch {
    std::span<const std::vector<std::int32_t>> sequences;
    std::vector<std::int64_t> offsets;  // first row of each sequence; back() = total tokens
    std::int64_t tokens() const { return offsets.back(); }
};

}  // namespace

struct BertEncoder::Impl {
    BertConfig config;
    detail::Backend backend = detail::Backend::blas;
    bool avx512 = false;  // element-wise kernels too (with the native backend)
    int threads = 1;
    int batch_tokens = 4096;
    std::vector<float> token_embd, token_type0, position_embd, embd_norm_weight, embd_norm_bias;
    std::vector<PackedLayer> layers;
    detail::GeluTable gelu;

    // Workers of the parallel stages: ours with the native kernel; with OpenBLAS, which threads
    // each product itself, every stage runs on the calling thread.
    int stage_threads() const { return backend == detail::Backend::native ? threads : 1; }
    std::int64_t block_rows(std::int64_t tokens) const;

    void embed_tokens(const Batch& batch, float* x) const;
    void layer_forward(const PackedLayer& layer, const Batch& batch, float* x, float* qkv,
                       float* context, std::vector<WorkerScratch>& scratch) const;
    void pool(const Batch& batch, const float* x, float* pooled) const;
    void encode_batch(const Batch& batch, float* pooled, std::vector<WorkerScratch>& scratch) const;
};

std::int64_t BertEncoder::Impl::block_rows(std::int64_t tokens) const {
    if (backend != detail::Backend::native) return std::max<std::int64_t>(tokens, 1);
    // Enough blocks for every worker, never more rows than kBlockRows.
    std::int64_t per_thread = (tokens + threads - 1) / threads;
    per_thread = (per_thread + detail::kTileRows - 1) / detail::kTileRows * detail::kTileRows;
    return std::clamp<std::int64_t>(per_thread, detail::kTileRows, kBlockRows);
}

void BertEncoder::Impl::embed_tokens(const Batch& batch, float* x) const {
    const std::int64_t E = config.n_embd;
    const std::int64_t block = block_rows(batch.tokens());
    const std::int64_t blocks = (batch.tokens() + block - 1) / block;
    detail::parallel_for(stage_threads(), blocks, [&](std::int64_t b, int) {
        const std::int64_t begin = b * block, end = std::min(batch.tokens(), begin + block);
        // The sequence holding row `begin`.
        std::size_t s = static_cast<std::size_t>(
            std::upper_bound(batch.offsets.begin(), batch.offsets.end(), begin) -
            batch.offsets.begin() - 1);
        for (std::int64_t t = begin; t < end; ++t) {
            while (t >= batch.offsets[s + 1]) ++s;
            const std::int64_t position = t - batch.offsets[s];
            const std::int32_t id = batch.sequences[s][static_cast<std::size_t>(position)];
            const float* token = token_embd.data() + id * E;
            const float* pos = position_embd.data() + position * E;
            float* row = x + t * E;
            // ggml's order: (token + type 0) + position.
            for (std::int64_t i = 0; i < E; ++i) row[i] = (token[i] + token_type0[i]) + pos[i];
        }
        detail::layer_norm_rows(x + begin * E, end - begin, E, E, embd_norm_weight.data(),
                                embd_norm_bias.data(), config.norm_eps, avx512);
    });
}

void BertEncoder::Impl::layer_forward(const PackedLayer& layer, const Batch& batch, float* x,
                                      float* qkv, float* context,
                                      std::vector<WorkerScratch>& scratch) const {
    const std::int64_t E = config.n_embd, F = config.n_ff, T = batch.tokens();
    const std::int64_t block = block_rows(T);
    const std::int64_t blocks = (T + block - 1) / block;
    const int workers = stage_threads();

    // 1. Q, K, V for every token (usually one product with the fused [3E x E] weight).
    detail::parallel_for(workers, blocks, [&](std::int64_t b, int w) {
        const std::int64_t begin = b * block, end = std::min(T, begin + block);
        for (const QkvPart& part : layer.qkv)
            detail::linear_rows(x, E, begin, end, part.matrix, qkv + part.column, 3 * E,
                                Epilogue{layer.qkv_bias.data() + part.column, nullptr, 0, nullptr},
                                scratch[static_cast<std::size_t>(w)].packed);
    });

    // 2. Attention per sequence and head; with OpenBLAS each product already uses all threads.
    const std::int64_t heads = config.n_head, D = config.head_dim();
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    const std::int64_t items = static_cast<std::int64_t>(batch.sequences.size()) * heads;
    detail::parallel_for(workers, items, [&](std::int64_t item, int w) {
        const std::size_t s = static_cast<std::size_t>(item / heads);
        const std::int64_t h = item % heads;
        const std::int64_t row = batch.offsets[s];
        const std::int64_t len = batch.offsets[s + 1] - row;
        const float* q = qkv + row * 3 * E + h * D;
        detail::attention_head(backend, q, q + E, q + 2 * E, 3 * E, len, D, scale,
                               context + row * E + h * D, E,
                               scratch[static_cast<std::size_t>(w)].attention);
    });

    // 3. The row-local rest, block by block so that the FFN activations stay in cache:
    //      hidden = LN(context Wo^T + bo + x)
    //      x      = LN(gelu(hidden Wup^T + bup) Wdown^T + bdown + hidden)
    detail::parallel_for(workers, blocks, [&](std::int64_t b, int w) {
        WorkerScratch& ws = scratch[static_cast<std::size_t>(w)];
        const std::int64_t begin = b * block, end = std::min(T, begin + block);
        const std::int64_t rows = end - begin;
        ws.hidden.reserve_at_least(static_cast<std::size_t>(block * E));
        ws.ffn.reserve_at_least(static_cast<std::size_t>(block * F));
        float* hidden = ws.hidden.data();
        float* ffn = ws.ffn.data();
        detail::linear_rows(context + begin * E, E, 0, rows, layer.out, hidden, E,
                            Epilogue{layer.out_bias.data(), x + begin * E, E, nullptr}, ws.packed);
        detail::layer_norm_rows(hidden, rows, E, E, layer.attn_norm_weight.data(),
                                layer.attn_norm_bias.data(), config.norm_eps, avx512);
        detail::linear_rows(hidden, E, 0, rows, layer.up, ffn, F,
                            Epilogue{layer.up_bias.data(), nullptr, 0, &gelu}, ws.packed);
        detail::linear_rows(ffn, F, 0, rows, layer.down, x + begin * E, E,
                            Epilogue{layer.down_bias.data(), hidden, E, nullptr}, ws.packed);
        detail::layer_norm_rows(x + begin * E, rows, E, E, layer.out_norm_weight.data(),
                                layer.out_norm_bias.data(), config.norm_eps, avx512);
    });
}

void BertEncoder::Impl::pool(const Batch& batch, const float* x, float* pooled) const {
    const std::int64_t E = config.n_embd;
    for (std::size_t s = 0; s < batch.sequences.size(); ++s) {
        const std::int64_t begin = batch.offsets[s], end = batch.offsets[s + 1];
        float* out = pooled + static_cast<std::int64_t>(s) * E;
        if (config.pooling == Pooling::cls) {
            std::copy_n(x + begin * E, E, out);
        } else if (config.pooling == Pooling::last) {
            std::copy_n(x + (end - 1) * E, E, out);
        } else {  // mean over every token, [CLS] and [SEP] included, as llama.cpp
            std::vector<double> sum(static_cast<std::size_t>(E), 0.0);
            for (std::int64_t t = begin; t < end; ++t)
                for (std::int64_t i = 0; i < E; ++i)
                    sum[static_cast<std::size_t>(i)] += x[t * E + i];
            const double n = static_cast<double>(end - begin);
            for (std::int64_t i = 0; i < E; ++i)
                out[i] = static_cast<float>(sum[static_cast<std::size_t>(i)] / n);
        }
    }
}

void BertEncoder::Impl::encode_batch(const Batch& batch, float* pooled,
                                     std::vector<WorkerScratch>& scratch) const {
    const std::int64_t E = config.n_embd, T = batch.tokens();
    AlignedFloats x(static_cast<std::size_t>(T * E));
    AlignedFloats qkv(static_cast<std::size_t>(T * 3 * E));
    AlignedFloats context(static_cast<std::size_t>(T * E));
    embed_tokens(batch, x.data());
    for (const PackedLayer& layer : layers)
        layer_forward(layer, batch, x.data(), qkv.data(), context.data(), scratch);
    pool(batch, x.data(), pooled);
}

BertEncoder::BertEncoder(BertModel model, EncoderOptions options)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.config = model.config;
    const bool has_avx512 = detail::cpu_has_avx512();
    switch (options.backend) {
        case EncoderOptions::Backend::native:
            if (!has_avx512)
                throw Error(ErrorCode::unsupported,
                            "the native BERT backend needs AVX-512F, which this CPU lacks");
            m.backend = detail::Backend::native;
            break;
        case EncoderOptions::Backend::blas:
            m.backend = detail::Backend::blas;
            break;
        case EncoderOptions::Backend::automatic:
            m.backend = has_avx512 ? detail::Backend::native : detail::Backend::blas;
            break;
    }
    m.avx512 = m.backend == detail::Backend::native;
    m.threads = options.threads > 0
                    ? options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    m.batch_tokens = std::max(options.batch_tokens, 1);
    // OpenBLAS's thread count is process-wide: the last encoder built with it wins.
    if (m.backend == detail::Backend::blas) openblas_set_num_threads(m.threads);

    m.token_embd = std::move(model.token_embd);
    m.token_type0 = std::move(model.token_type0);
    m.position_embd = std::move(model.position_embd);
    m.embd_norm_weight = std::move(model.embd_norm_weight);
    m.embd_norm_bias = std::move(model.embd_norm_bias);
    const std::int64_t E = m.config.n_embd, F = m.config.n_ff;
    auto rounding = [&](gguf::TensorType type) {
        return options.round_like_ggml ? rounding_for(type) : detail::Rounding::none;
    };
    for (BertLayer& l : model.layers) {
        PackedLayer p;
        if (rounding(l.q_type) == rounding(l.k_type) && rounding(l.q_type) == rounding(l.v_type)) {
            p.qkv.push_back(
                {PackedMatrix::pack(l.qkv_weight.data(), 3 * E, E, m.backend, rounding(l.q_type)),
                 0});
        } else {
            gguf::TensorType types[] = {l.q_type, l.k_type, l.v_type};
            for (std::int64_t i = 0; i < 3; ++i)
                p.qkv.push_back({PackedMatrix::pack(l.qkv_weight.data() + i * E * E, E, E,
                                                    m.backend, rounding(types[i])),
                                 i * E});
        }
        p.out = PackedMatrix::pack(l.out_weight.data(), E, E, m.backend, rounding(l.out_type));
        p.up = PackedMatrix::pack(l.up_weight.data(), F, E, m.backend, rounding(l.up_type));
        p.down = PackedMatrix::pack(l.down_weight.data(), E, F, m.backend, rounding(l.down_type));
        p.qkv_bias = std::move(l.qkv_bias);
        p.out_bias = std::move(l.out_bias);
        p.up_bias = std::move(l.up_bias);
        p.down_bias = std::move(l.down_bias);
        p.attn_norm_weight = std::move(l.attn_norm_weight);
        p.attn_norm_bias = std::move(l.attn_norm_bias);
        p.out_norm_weight = std::move(l.out_norm_weight);
        p.out_norm_bias = std::move(l.out_norm_bias);
        l = BertLayer{};  // release the plain weights as soon as they are packed
        m.layers.push_back(std::move(p));
    }
}

BertEncoder::~BertEncoder() = default;
BertEncoder::BertEncoder(BertEncoder&&) noexcept = default;
BertEncoder& BertEncoder::operator=(BertEncoder&&) noexcept = default;

const BertConfig& BertEncoder::config() const {
    return impl_->config;
}

const char* BertEncoder::backend_name() const {
    return impl_->backend == detail::Backend::native ? "avx512" : "openblas";
}

int BertEncoder::threads() const {
    return impl_->threads;
}

std::vector<float> BertEncoder::encode(std::span<const std::vector<std::int32_t>> sequences) const {
    const Impl& m = *impl_;
    for (std::size_t s = 0; s < sequences.size(); ++s) {
        const auto& ids = sequences[s];
        if (ids.empty())
            throw Error(ErrorCode::invalid_argument,
                        "sequence " + std::to_string(s) + " has no tokens");
        if (ids.size() > static_cast<std::size_t>(m.config.n_ctx))
            throw Error(ErrorCode::invalid_argument,
                        "sequence " + std::to_string(s) + " has " + std::to_string(ids.size()) +
                            " tokens, more than the model's context of " +
                            std::to_string(m.config.n_ctx));
        for (std::int32_t id : ids)
            if (id < 0 || id >= m.config.n_vocab)
                throw Error(ErrorCode::invalid_argument, "sequence " + std::to_string(s) +
                                                             ": token id " + std::to_string(id) +
                                                             " is outside the vocabulary of " +
                                                             std::to_string(m.config.n_vocab));
    }
    const std::int64_t E = m.config.n_embd;
    std::vector<float> pooled(sequences.size() * static_cast<std::size_t>(E));
    std::vector<WorkerScratch> scratch(static_cast<std::size_t>(m.threads));
    for (std::size_t first = 0; first < sequences.size();) {
        Batch batch;
        batch.offsets.push_back(0);
        std::size_t last = first;
        while (last < sequences.size()) {
            const auto len = static_cast<std::int64_t>(sequences[last].size());
            if (last > first && batch.offsets.back() + len > m.batch_tokens) break;
            batch.offsets.push_back(batch.offsets.back() + len);
            ++last;
        }
        batch.sequences = sequences.subspan(first, last - first);
        m.encode_batch(batch, pooled.data() + first * static_cast<std::size_t>(E), scratch);
        first = last;
    }
    return pooled;
}

}  // namespace deskside::bert
