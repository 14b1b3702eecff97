// Embeddings of a data directory: which embedder makes them (a BERT-family GGUF model when one
// is configured, else the corpus-trained LSA embedder whose model lives in DIR/vectors/), and
// keeping the vector index in step with the catalog after each `deskside index` run.
//
// The catalog is the truth; vectors are derived from it like the keyword index. sync_vectors
// embeds every indexed passage that has no vector and removes vectors of passages that are
// gone, committing every few batches, so an interrupted run resumes where it stopped. A
// vector index made by another embedder is never mixed with new vectors: sync refuses with
// the --reembed hint, and --reembed rebuilds it.
//
// Functions run on the calling thread (embedders use their own threads). They throw
// deskside::Error (busy when another process holds the vector writer lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "embed/embedder.h"
#include "store/data_dir.h"
#include "store/vector_index.h"

namespace deskside::vectors {

struct EmbeddingConfig {
    bool enabled = true;
    std::filesystem::path model;  // a GGUF embedding model; empty = the LSA embedder
    int threads = 0;              // 0 = one per core
};

// Where a data directory keeps its fitted LSA model.
std::filesystem::path lsa_model_path(const store::DataDir& dir);

store::VectorIndexIdentity to_index_identity(const embed::EmbedderIdentity& identity);

// A one-line description: "gguf all-MiniLM-L6-v2.gguf (384-d)" or "lsa (256-d, corpus-trained)".
std::string describe(const store::VectorIndexIdentity& identity);

struct SyncOptions {
    bool reembed = false;             // drop every vector (and refit LSA), embed everything again
    std::size_t batch = 64;           // passages per embed() call
    std::size_t commit_every = 4096;  // passages between commits (resumability)
    std::size_t lsa_max_fit_passages = 200000;  // LSA is fitted on at most this many passages
    store::VectorIndexOptions index;            // graph and compaction parameters
};

struct SyncSummary {
    std::string embedder;  // describe()
    std::int64_t embedded = 0;
    std::int64_t removed = 0;
    std::int64_t total = 0;  // vectors after the sync
    bool refitted = false;   // the LSA model was (re)fitted
    double seconds = 0;
};

using SyncProgress = std::function<void(std::int64_t done, std::int64_t total)>;

SyncSummary sync_vectors(const store::DataDir& dir, const EmbeddingConfig& config,
                         const SyncOptions& options, const SyncProgress& progress = {});

// The embedder for queries against DIR's vectors: the configured GGUF model, or DIR's LSA
// model. Returns null when DIR has no vector index. Throws Error(invalid_argument) when the
// vectors were made by another embedder than the one configured (naming both).
std::unique_ptr<embed::Embedder> open_query_embedder(const store::DataDir& dir,
                                                     const EmbeddingConfig& config);

}  // namespace deskside::vectors
