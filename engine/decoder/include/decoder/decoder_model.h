// A llama-family decoder (general.architecture llama, qwen2 or qwen3) on a memory-mapped GGUF
// file: loading, per-sequence KV caches and a batched forward pass that returns logits. No
// tokenizer and no sampling here: the generation layer (engine/generation) builds its scheduler
// on DecoderModel::forward and the tokenizer (engine/tokenizer) on DecoderModel::file().
//
// Ownership: a DecoderModel owns the mapping, its thread pool and scratch; a Sequence owns its
// KV cache (it may outlive its model: it then only frees its memory). Threads: config(),
// options(), file() are const and safe from any thread; new_sequence(), fork() and forward()
// must be called from one thread at a time (the scheduler's), and a Sequence is only touched by
// the thread that calls forward(). Errors: open() throws Error(not_found / io) for the file,
// Error(unsupported) for an unknown architecture or tensor type, Error(invalid_argument) for a
// malformed model (naming the stage and the key or tensor) or when the model and its KV cache
// do not fit in memory; forward() throws Error(invalid_argument) for a bad batch before changing
// any sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"

namespace deskside::decoder {

// How RoPE pairs the dimensions of a head: `normal` rotates (2i, 2i+1) (llama), `neox` rotates
// (i, i + n_rot/2) (qwen2, qwen3).
enum class RopeLayout { normal, neox };

// Element type of the KV cache.
enum class KvType { f16, f32 };

// Which build of the kernels runs: `best` = the fastest that this CPU runs and that agrees with
// the portable one in a start-up probe; the others force one (tests, debugging) and make open()
// throw Error(unsupported) where the CPU cannot run it.
enum class KernelChoice { best, avx512, avx2, neon, scalar };

// Hyper-parameters as read from the GGUF (`<arch>.*` keys and tensor shapes).
struct DecoderConfig {
    std::string architecture;         // "llama", "qwen2", "qwen3"
    int n_vocab = 0;                  // rows of token_embd
    int n_embd = 0;                   // <arch>.embedding_length
    int n_layer = 0;                  // <arch>.block_count
    int n_head = 0;                   // <arch>.attention.head_count
    int n_head_kv = 0;                // <arch>.attention.head_count_kv (n_head when absent)
    int head_dim = 0;                 // <arch>.attention.key_length (n_embd / n_head when absent)
    int n_ff = 0;                     // <arch>.feed_forward_length
    int n_ctx_train = 0;              // <arch>.context_length
    int n_rot = 0;                    // <arch>.rope.dimension_count (head_dim when absent)
    float rms_eps = 1e-5f;            // <arch>.attention.layer_norm_rms_epsilon
    float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
    float rope_freq_scale = 1.0f;     // 1 / <arch>.rope.scaling.factor for linear scaling
    RopeLayout rope_layout = RopeLayout::normal;
    bool has_rope_freqs = false;  // rope_freqs.weight divides each frequency (Llama-3.x)
    bool tied_output = false;     // no output.weight: the logits use token_embd
    // YaRN (<arch>.rope.scaling.type = "yarn"): original context and the beta/attn factors.
    bool yarn = false;
    int yarn_orig_ctx = 0;
    float yarn_ext_factor = 0.0f, yarn_attn_factor = 1.0f, yarn_beta_fast = 32.0f,
          yarn_beta_slow = 1.0f;

    int q_dim() const { return n_head * head_dim; }
    int kv_dim() const { return n_head_kv * head_dim; }
};

// Defaults suit one interactive user on a laptop.
struct DecoderOptions {
    // Tokens per sequence (prompt and generated together). 0 = the model's context_length.
    // Capped by the model's context_length. Default 4096.
    int context = 4096;
    // Sequences that may be open at once (KV slots). The memory check counts all of them at
    // full context. Default 1.
    int max_sequences = 1;
    // Worker threads of forward() (the calling thread is one of them). 0 = all cores.
    int threads = 0;
    KvType kv_type = KvType::f16;  // default F16: half the memory, llama.cpp's default too
    // Refuse to open when model bytes + KV cache exceed /proc/meminfo MemAvailable. Default on.
    bool check_memory = true;
    KernelChoice kernels = KernelChoice::best;
};

// What open() compares before loading (see estimate_memory / check_memory).
struct MemoryEstimate {
    std::string model;                  // the file's name, for the message
    std::uint64_t model_bytes = 0;      // tensor data (mapped) + working buffers
    std::uint64_t kv_bytes = 0;         // max_sequences x context x layers x 2 x kv_dim x elem
    std::uint64_t available_bytes = 0;  // MemAvailable at the time of the estimate (0: unknown)
    int context = 0;                    // tokens per sequence after capping
    int sequences = 0;
};

class DecoderModel;
struct SequenceState;

// One sequence's KV cache: the tokens it has seen, at positions 0..length()-1. Move-only; its
// memory grows as tokens are added, up to capacity(), and goes back when it is destroyed.
class Sequence {
  public:
    Sequence(Sequence&&) noexcept;
    Sequence& operator=(Sequence&&) noexcept;
    ~Sequence();

    int length() const;    // tokens in the cache = position of the next token
    int capacity() const;  // DecoderOptions::context after capping
    // Forgets the tokens from position n on (0 <= n <= length()), e.g. to reuse a shared prompt
    // prefix or to undo a step. Throws Error(invalid_argument) otherwise.
    void truncate(int n);
    void clear() { truncate(0); }

  private:
    friend class DecoderModel;
    explicit Sequence(std::unique_ptr<SequenceState> state);
    std::unique_ptr<SequenceState> state_;
};

// One entry of a forward() batch: `tokens` are appended to `sequence` at positions
// sequence->length() .. + tokens.size() - 1. A prefill is one entry with many tokens; a batched
// decode step is one entry per sequence with one token each; both may be mixed in one call.
struct SequenceBatch {
    Sequence* sequence = nullptr;
    std::span<const std::int32_t> tokens;  // at least one, each in [0, n_vocab)
    bool all_logits = false;               // logits of every new position, not only the last
};

// The logits of one forward() call, n_vocab floats per row: for each batch entry, one row (its
// last token) or, with all_logits, one row per token in order.
class Logits {
  public:
    int n_vocab() const { return n_vocab_; }
    std::size_t entries() const { return rows_.size(); }
    int rows(std::size_t entry) const { return rows_[entry]; }
    // The row after the last token of `entry`.
    std::span<const float> last(std::size_t entry) const { return row(entry, rows_[entry] - 1); }
    // Row r (0 <= r < rows(entry)) of `entry`; r is the token's index within entry.tokens when
    // all_logits was set.
    std::span<const float> row(std::size_t entry, int r) const {
        return {data_.data() + (first_row_[entry] + static_cast<std::size_t>(r)) *
                                   static_cast<std::size_t>(n_vocab_),
                static_cast<std::size_t>(n_vocab_)};
    }

  private:
    friend class DecoderModel;
    int n_vocab_ = 0;
    std::vector<float> data_;
    std::vector<std::size_t> first_row_;
    std::vector<int> rows_;
};

class DecoderModel {
  public:
    // Opens and validates `path` in stages (architecture -> hyper-parameters -> tensors), then
    // checks memory (when options.check_memory) and starts the thread pool. Weights stay in the
    // mapping as stored (quantised); nothing is dequantised up front.
    static DecoderModel open(const std::filesystem::path& path, const DecoderOptions& options = {});

    // Reads only the hyper-parameters (architecture and keys, plus token_embd's shape).
    static DecoderConfig read_config(const gguf::GgufFile& file);
    // Memory needed by `file` with `options` and MemAvailable now.
    static MemoryEstimate estimate_memory(const gguf::GgufFile& file,
                                          const DecoderOptions& options);
    // Throws Error(invalid_argument) when estimate.model_bytes + kv_bytes > available_bytes
    // (available_bytes 0 = unknown: passes): "model.gguf: memory: needs 9.1 GiB (model 4.2 GiB +
    // KV cache 4.9 GiB for 32768 tokens), 6.0 GiB available; lower llm.context".
    static void check_memory(const MemoryEstimate& estimate);

    DecoderModel(DecoderModel&&) noexcept;
    DecoderModel& operator=(DecoderModel&&) noexcept;
    ~DecoderModel();

    const DecoderConfig& config() const;
    const DecoderOptions& options() const;  // effective: context capped, threads resolved
    const gguf::GgufFile& file() const;     // for the tokenizer and chat template
    // The kernels chosen by the start-up probe: "avx512", "avx2", "neon" or "scalar".
    std::string_view kernel_name() const;

    // A new, empty sequence. Throws Error(busy) when options().max_sequences are open.
    Sequence new_sequence();
    // A new sequence holding a copy of `source`'s cache (a shared prompt prefix). Same limit.
    Sequence fork(const Sequence& source);

    // Runs all entries through the model in one pass over the weights and appends their tokens
    // to their sequences. REQUIRES (else Error(invalid_argument), nothing changed): at least one
    // entry; each sequence from this model, distinct, non-null; tokens non-empty and in range;
    // length() + tokens.size() <= capacity(). Rows of one entry do not depend on the other
    // entries, but the batch size picks the product kernels (matrix-vector or GEMM), so batching
    // changes logits by float rounding; with quantised weights the 8-bit rounding of every
    // product's input amplifies that (measured up to 2% of max|logit| on a Q4_K_M model).
    Logits forward(std::span<const SequenceBatch> batch);
    // Same, reusing `out`'s storage (a decode loop does not reallocate its logits).
    void forward(std::span<const SequenceBatch> batch, Logits& out);

  private:
    struct Impl;
    explicit DecoderModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskside::decoder
