// One committed state of the vector index, loaded: the base file (mapped, validated), the
// deltas after it merged into an overlay, and the searches over both (HNSW walk of the base
// graph with the filter applied inside it; exact scoring with OpenBLAS). Private to
// deskside_store; VectorIndexReader and VectorIndexWriter share it.
//
// A snapshot is immutable once loaded, so any number of threads may search it at once (the
// pool of visited-lists is the only shared mutable part, behind a mutex). Loading throws
// Error(not_found) without a MANIFEST and Error(corrupt_index) naming a damaged file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "store/vector_index.h"
#include "vector_format.h"

namespace deskside::store {

// Visited-marks for graph walks, reused between searches: a 16-bit tag per row, so clearing
// is needed only once every 65,535 searches.
class VisitedPool {
  public:
    struct List {
        std::vector<std::uint16_t> marks;
        std::uint16_t tag = 0;
    };
    class Lease {
      public:
        Lease(VisitedPool& pool, std::unique_ptr<List> list)
            : pool_(pool), list_(std::move(list)) {}
        ~Lease() { pool_.release(std::move(list_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        List& operator*() const { return *list_; }

      private:
        VisitedPool& pool_;
        std::unique_ptr<List> list_;
    };

    explicit VisitedPool(std::size_t rows) : rows_(rows) {}
    void resize(std::size_t rows) { rows_ = rows; }  // before the first acquire()
    Lease acquire();

  private:
    void release(std::unique_ptr<List> list);
    std::size_t rows_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<List>> free_;
};

class VectorSnapshot {
  public:
    // Reads MANIFEST and the files it names; retries when a compaction replaces them between
    // the two reads. `previous` (a writer's last snapshot) lends its already-verified files.
    static std::shared_ptr<const VectorSnapshot> load(const std::filesystem::path& dir,
                                                      bool verify_checksums,
                                                      const VectorSnapshot* previous = nullptr);
    // The state before the first commit.
    static std::shared_ptr<const VectorSnapshot> empty(const VectorIndexIdentity& identity,
                                                       std::uint64_t generation);
    // MANIFEST of `dir`, or nullopt if there is none.
    static std::optional<vec::Manifest> read_manifest(const std::filesystem::path& dir);

    const vec::Manifest& manifest() const { return manifest_; }
    const VectorIndexIdentity& identity() const { return manifest_.identity; }
    std::uint64_t generation() const { return manifest_.generation; }
    std::uint32_t dimension() const {
        return static_cast<std::uint32_t>(manifest_.identity.dimension);
    }
    std::uint64_t live() const;
    const float* find(std::int64_t id) const;    // nullptr if absent
    std::vector<std::int64_t> live_ids() const;  // ascending
    VectorIndexStats stats() const;

    // `query` is unit length (dimension() floats); ef >= k.
    // Exact top-k among the live vectors of `ids` (VectorQuery::candidates).
    std::vector<VectorHit> search_candidates(const float* query, std::size_t k,
                                             const std::vector<std::int64_t>& ids) const;
    std::vector<VectorHit> search(const float* query, std::size_t k, std::size_t ef,
                                  VectorSearchMode mode, const PassageFilter& filter) const;
    std::vector<std::vector<VectorHit>> search_exact_batch(const float* queries, std::size_t count,
                                                           std::size_t k,
                                                           const PassageFilter& filter) const;

    // For compaction.
    const vec::BaseView* base() const { return base_file_ ? &base_ : nullptr; }
    bool base_row_live(std::size_t row) const { return !hidden_[row]; }
    std::uint64_t hidden_rows() const { return hidden_count_; }
    std::span<const std::int64_t> overlay_ids() const { return overlay_ids_; }
    const float* overlay_vector(std::size_t i) const { return overlay_vectors_ + i * dimension(); }
    std::uint64_t delta_rows() const;  // upserts and removals in all deltas

  private:
    VectorSnapshot() : visited_(0) {}
    void load_files(const std::filesystem::path& dir, bool verify, const VectorSnapshot* previous);
    void build_overlay();
    std::vector<VectorHit> search_graph(const float* query, std::size_t k, std::size_t ef,
                                        const PassageFilter& filter) const;

    vec::Manifest manifest_;
    std::shared_ptr<const vec::MappedFile> base_file_;
    vec::BaseView base_;
    std::vector<vec::DeltaView> deltas_;
    std::vector<std::uint8_t> hidden_;  // per base row: deleted, or replaced/removed by a delta
    std::uint64_t hidden_count_ = 0;
    // Live ids whose newest version is in a delta (ascending) and their vectors: views into the
    // one delta file when there is one, else into the gathered copies below.
    std::span<const std::int64_t> overlay_ids_;
    const float* overlay_vectors_ = nullptr;
    std::vector<std::int64_t> gathered_ids_;
    std::vector<float> gathered_vectors_;
    mutable VisitedPool visited_;
};

}  // namespace deskside::store
