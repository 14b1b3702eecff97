// DecoderModel: loading (the stages of hparams.h and model_weights.h, then the memory check),
// sequences and the batched forward pass (micro-batches of forward.h).
#include "decoder/decoder_model.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "base/error.h"
#include "forward.h"
#include "hparams.h"
#include "kernels.h"
#include "load_error.h"
#include "model_weights.h"
#include "rope.h"
#include "sequence_state.h"
#include "thread_pool.h"

namespace deskside::decoder {
namespace {

// Token rows per pass through the weights: bounds the working buffers (llama.cpp's n_ubatch).
constexpr std::size_t kMicroBatch = 512;

std::uint64_t mem_available() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t value = 0;
    std::string unit;
    while (in >> key >> value) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return value * 1024;
    }
    return 0;
}

std::string size_text(std::uint64_t bytes) {
    char buf[32];
    const double gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
    if (gib >= 1.0) {
        std::snprintf(buf, sizeof buf, "%.1f GiB", gib);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    return buf;
}

int effective_context(const DecoderConfig& c, const DecoderOptions& o) {
    if (o.context <= 0) return c.n_ctx_train;
    return std::min(o.context, c.n_ctx_train);
}

int effective_threads(const DecoderOptions& o) {
    if (o.threads > 0) return o.threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

struct DecoderModel::Impl {
    gguf::GgufFile file;
    DecoderConfig config;
    DecoderOptions options;
    detail::ModelWeights weights;
    detail::Rope rope;
    detail::Kernels kernels;
    std::unique_ptr<detail::ThreadPool> pool;
    std::shared_ptr<std::atomic<int>> open_sequences = std::make_shared<std::atomic<int>>(0);
    detail::Workspace workspace;
    std::vector<detail::TokenRow> rows;

    explicit Impl(gguf::GgufFile f) : file(std::move(f)) {}
};

// ---- Sequence ----

Sequence::Sequence(std::unique_ptr<SequenceState> state) : state_(std::move(state)) {}
Sequence::Sequence(Sequence&&) noexcept = default;
Sequence& Sequence::operator=(Sequence&&) noexcept = default;
Sequence::~Sequence() = default;

int Sequence::length() const {
    return state_ ? state_->length : 0;
}

int Sequence::capacity() const {
    return state_ ? state_->capacity : 0;
}

void Sequence::truncate(int n) {
    if (!state_ || n < 0 || n > state_->length)
        throw Error(ErrorCode::invalid_argument, "cannot truncate a sequence of " +
                                                     std::to_string(length()) + " tokens to " +
                                                     std::to_string(n));
    state_->length = n;
}

// ---- loading ----

DecoderConfig DecoderModel::read_config(const gguf::GgufFile& file) {
    return detail::read_decoder_config(file);
}

MemoryEstimate DecoderModel::estimate_memory(const gguf::GgufFile& file,
                                             const DecoderOptions& options) {
    const DecoderConfig c = read_config(file);
    MemoryEstimate e;
    e.model = file.path().filename().string();
    e.context = effective_context(c, options);
    e.sequences = std::max(1, options.max_sequences);
    for (const gguf::TensorInfo& t : file.tensors()) e.model_bytes += t.bytes;
    // Working buffers of one micro-batch (activations, logits of its last rows).
    const std::uint64_t per_row =
        4ull * (4ull * c.n_embd + 3ull * c.q_dim() + 2ull * c.kv_dim() + 4ull * c.n_ff);
    e.model_bytes +=
        per_row * kMicroBatch + 4ull * c.n_vocab * static_cast<std::uint64_t>(e.sequences);
    const std::uint64_t elem = options.kv_type == KvType::f16 ? 2 : 4;
    e.kv_bytes = static_cast<std::uint64_t>(e.sequences) * static_cast<std::uint64_t>(e.context) *
                 static_cast<std::uint64_t>(c.n_layer) * 2ull *
                 static_cast<std::uint64_t>(c.kv_dim()) * elem;
    e.available_bytes = mem_available();
    return e;
}

void DecoderModel::check_memory(const MemoryEstimate& e) {
    if (e.available_bytes == 0 || e.model_bytes + e.kv_bytes <= e.available_bytes) return;
    std::string tokens = std::to_string(e.context) + " tokens";
    if (e.sequences > 1) tokens = std::to_string(e.sequences) + " sequences of " + tokens;
    throw Error(ErrorCode::invalid_argument,
                e.model + ": memory: needs " + size_text(e.model_bytes + e.kv_bytes) + " (model " +
                    size_text(e.model_bytes) + " + KV cache " + size_text(e.kv_bytes) + " for " +
                    tokens + "), " + size_text(e.available_bytes) +
                    " available; lower llm.context");
}

DecoderModel DecoderModel::open(const std::filesystem::path& path, const DecoderOptions& options) {
    auto impl = std::make_unique<Impl>(gguf::GgufFile::open(path));
    const gguf::GgufFile& file = impl->file;
    impl->config = read_config(file);  // stages 1 and 2
    const DecoderConfig& c = impl->config;

    // Stage 3: tensors.
    const detail::ArchSpec& arch = *detail::find_arch(c.architecture);
    const detail::TensorLoader loader(file, c);
    detail::load_model_tensors(loader, impl->weights);
    impl->weights.layers.resize(static_cast<std::size_t>(c.n_layer));
    for (int l = 0; l < c.n_layer; ++l)
        arch.load_layer(loader, l, impl->weights.layers[static_cast<std::size_t>(l)]);

    if (options.max_sequences < 1)
        throw Error(ErrorCode::invalid_argument, "decoder: max_sequences must be at least 1, not " +
                                                     std::to_string(options.max_sequences));
    if (options.check_memory) check_memory(estimate_memory(file, options));

    impl->options = options;
    impl->options.context = effective_context(c, options);
    impl->options.threads = effective_threads(options);
    impl->rope = detail::Rope(c, impl->weights.rope_freqs);
    if (options.kernels == KernelChoice::best) {
        impl->kernels = detail::select_kernels();
    } else {
        const detail::Isa isa = options.kernels == KernelChoice::avx512 ? detail::Isa::avx512
                                : options.kernels == KernelChoice::avx2 ? detail::Isa::avx2
                                : options.kernels == KernelChoice::neon ? detail::Isa::neon
                                                                        : detail::Isa::scalar;
        if (!detail::make_kernels(isa, impl->kernels))
            throw Error(ErrorCode::unsupported, "decoder: the " +
                                                    std::string(detail::isa_name(isa)) +
                                                    " kernels do not run on this CPU");
    }
    impl->pool = std::make_unique<detail::ThreadPool>(impl->options.threads);
    return DecoderModel(std::move(impl));
}

DecoderModel::DecoderModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DecoderModel::DecoderModel(DecoderModel&&) noexcept = default;
DecoderModel& DecoderModel::operator=(DecoderModel&&) noexcept = default;
DecoderModel::~DecoderModel() = default;

const DecoderConfig& DecoderModel::config() const {
    return impl_->config;
}

const DecoderOptions& DecoderModel::options() const {
    return impl_->options;
}

const gguf::GgufFile& DecoderModel::file() const {
    return impl_->file;
}

std::string_view DecoderModel::kernel_name() const {
    return detail::isa_name(impl_->kernels.isa);
}

// ---- sequences ----

Sequence DecoderModel::new_sequence() {
    const int limit = impl_->options.max_sequences;
    int open = impl_->open_sequences->load();
    do {
        if (open >= limit)
            throw Error(ErrorCode::busy,
                        "all " + std::to_string(limit) + " sequences of the decoder are in use");
    } while (!impl_->open_sequences->compare_exchange_weak(open, open + 1));
    return Sequence(std::make_unique<SequenceState>(
        impl_.get(), impl_->open_sequences, impl_->options.context, impl_->config.n_layer,
        impl_->config.kv_dim(), impl_->options.kv_type));
}

Sequence DecoderModel::fork(const Sequence& source) {
    if (!source.state_ || source.state_->owner != impl_.get())
        throw Error(ErrorCode::invalid_argument, "fork: the sequence belongs to another model");
    Sequence copy = new_sequence();
    copy.state_->copy_from(*source.state_);
    return copy;
}

// ---- forward ----

Logits DecoderModel::forward(std::span<const SequenceBatch> batch) {
    Logits out;
    forward(batch, out);
    return out;
}

void DecoderModel::forward(std::span<const SequenceBatch> batch, Logits& out) {
    const DecoderConfig& c = impl_->config;
    auto bad = [](const std::string& what) {
        throw Error(ErrorCode::invalid_argument, "forward: " + what);
    };
    if (batch.empty()) bad("the batch is empty");
    std::set<const SequenceState*> seen;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const SequenceBatch& e = batch[i];
        const std::string entry = "entry " + std::to_string(i) + ": ";
        if (!e.sequence || !e.sequence->state_) bad(entry + "no sequence");
        const SequenceState& s = *e.sequence->state_;
        if (s.owner != impl_.get()) bad(entry + "the sequence belongs to another model");
        if (!seen.insert(&s).second) bad(entry + "the same sequence is in the batch twice");
        if (e.tokens.empty()) bad(entry + "no tokens");
        for (std::int32_t t : e.tokens)
            if (t < 0 || t >= c.n_vocab)
                bad(entry + "token " + std::to_string(t) + " is outside the vocabulary (0.." +
                    std::to_string(c.n_vocab - 1) + ")");
        if (static_cast<std::size_t>(s.length) + e.tokens.size() >
            static_cast<std::size_t>(s.capacity))
            bad(entry + "the sequence holds " + std::to_string(s.length) + " tokens; " +
                std::to_string(e.tokens.size()) + " more exceed its context of " +
                std::to_string(s.capacity));
    }
    for (const SequenceBatch& e : batch)
        e.sequence->state_->reserve(e.sequence->state_->length + static_cast<int>(e.tokens.size()));

    // Logits layout, then the token rows in order.
    out.n_vocab_ = c.n_vocab;
    out.rows_.resize(batch.size());
    out.first_row_.resize(batch.size());
    std::size_t total = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        out.first_row_[i] = total;
        out.rows_[i] = batch[i].all_logits ? static_cast<int>(batch[i].tokens.size()) : 1;
        total += static_cast<std::size_t>(out.rows_[i]);
    }
    out.data_.resize(total * static_cast<std::size_t>(c.n_vocab));
    std::vector<detail::TokenRow>& rows = impl_->rows;
    rows.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const SequenceBatch& e = batch[i];
        SequenceState* s = e.sequence->state_.get();
        const auto n = e.tokens.size();
        for (std::size_t j = 0; j < n; ++j) {
            detail::TokenRow r;
            r.token = e.tokens[j];
            r.position = s->length + static_cast<int>(j);
            r.sequence = s;
            if (e.all_logits) {
                r.logits = out.data_.data() +
                           (out.first_row_[i] + j) * static_cast<std::size_t>(c.n_vocab);
            } else if (j + 1 == n) {
                r.logits =
                    out.data_.data() + out.first_row_[i] * static_cast<std::size_t>(c.n_vocab);
            }
            rows.push_back(r);
        }
    }
    const detail::ModelContext model{c, impl_->weights, impl_->rope, impl_->kernels, *impl_->pool};
    for (std::size_t at = 0; at < rows.size(); at += kMicroBatch) {
        const std::size_t n = std::min(kMicroBatch, rows.size() - at);
        detail::forward_rows(model, std::span<const detail::TokenRow>(rows.data() + at, n),
                             impl_->workspace);
    }
    for (const SequenceBatch& e : batch)
        e.sequence->state_->length += static_cast<int>(e.tokens.size());
}

}  // namespace deskside::decoder
