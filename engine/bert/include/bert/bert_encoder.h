// The BERT forward pass, as llama.cpp's build_bert graph computes it: token + type-0 +
// position embeddings and LayerNorm; per layer (post-LN) fused Q/K/V projection, softmax
// attention per sequence and head, output projection + residual + LayerNorm, GELU FFN +
// residual + LayerNorm; then the model's pooling. Sequences of different lengths are packed
// into one [total_tokens x n_embd] matrix (no padding) for every projection; attention runs per
// sequence. A row's result never depends on the other sequences of the batch.
//
// The encoder owns its weights (repacked from a BertModel for the chosen backend) and is
// immutable after construction: encode() is const and may be called from several threads at
// once; each call parallelises itself over EncoderOptions::threads. Errors: Error(
// invalid_argument) for an empty sequence, a sequence longer than the model's context or a
// token id out of the vocabulary (message names the sequence and the id).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "bert/bert_model.h"

namespace deskside::bert {

struct EncoderOptions {
    // Threads per encode() call; 0 = one per core (std::thread::hardware_concurrency).
    int threads = 0;
    // Matrix-product backend: auto = our AVX-512 kernel when the CPU has AVX-512, else
    // OpenBLAS; blas forces OpenBLAS (cblas_sgemm, openblas_set_num_threads(threads)); native
    // forces the AVX-512 kernel and is refused (Error(unsupported)) on a CPU without it.
    enum class Backend { automatic, native, blas } backend = Backend::automatic;
    // encode() runs its sequences in groups of at most this many tokens (a longer sequence
    // forms its own group), which bounds the working memory to ~batch_tokens x (6 n_embd)
    // floats; bigger groups amortise nothing further once the matrices are a few thousand rows.
    int batch_tokens = 4096;
    // Round each projection's input as ggml's CPU matmul does for the weight's type (to half
    // for F16 weights, to 8-bit blocks for Q8_0 and other quantised weights), which reproduces
    // llama.cpp's vectors ~10x more closely at a negligible cost; false keeps the activations
    // in float (marginally closer to the unquantised model).
    bool round_like_ggml = true;
};

class BertEncoder {
  public:
    BertEncoder(BertModel model, EncoderOptions options = {});
    ~BertEncoder();
    BertEncoder(BertEncoder&&) noexcept;
    BertEncoder& operator=(BertEncoder&&) noexcept;

    const BertConfig& config() const;
    // The backend in use: "avx512" or "openblas".
    const char* backend_name() const;
    int threads() const;

    // Pooled, NOT normalised vectors (llama_get_embeddings_seq), row-major
    // [sequences.size() x n_embd]. Each sequence holds token ids including [CLS]/[SEP].
    std::vector<float> encode(std::span<const std::vector<std::int32_t>> sequences) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskside::bert
