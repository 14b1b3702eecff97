// The vector index: one L2-normalised embedding per catalog passage, searched by inner product
// (= cosine) with an HNSW graph (hnswlib builds it) or exactly with OpenBLAS. The files live in
// DIR/vectors/ and are tied to the embedder that made them (VectorIndexIdentity): opening them
// with another identity is an error telling the user to run `deskside index --reembed`.
//
// Ownership and threads: VectorIndexWriter is the single writer (one per directory: it also
// flock()s DIR/vectors/writer.lock; use it from one thread). A VectorIndexReader is an immutable
// snapshot of one commit: any number of threads may search it at once, and any number of
// processes may open readers while a writer commits (they keep the state they opened; reopen to
// see newer commits). Failures throw deskside::Error: not_found (no vector index yet),
// invalid_argument (identity mismatch, bad input), corrupt_index (a damaged file, named), io,
// busy (another writer).
//
// Commits are atomic. Data files are immutable and named by the generation that created them;
// MANIFEST names the files of the current state. A commit writes its data file(s), fsyncs them
// and the directory, writes MANIFEST.tmp, fsyncs it, renames it over MANIFEST and fsyncs the
// directory. A reader sees the old MANIFEST or the new one, never a mix; a writer killed at any
// instant leaves the last committed state (unreferenced files are removed on the next open).
// Small commits append a delta file; when the deltas grow (VectorIndexOptions) the writer
// compacts everything into a new base file with a fresh or updated graph.
//
// Byte layout (version 1, little-endian, x86-64; every section starts at a file offset that is
// a multiple of 64 and is padded with zero bytes; "end-8" is the last 8 bytes of the file):
//
// MANIFEST
//    0  char[8] "DSKVMAN\0"     8  u32 version (1)        12  u32 dimension D (1..65536)
//   16  u64 generation (>= 1; +1 per commit or compaction)
//   24  u32 file count F (<= 4096)                         28  u32 identity bytes S
//   32  identity: kind, name, hash, each { u32 length (<= 4096), UTF-8 bytes } (S bytes)
//   32+S  F x { u32 kind (1 base, 2 delta), u32 reserved (0), u64 generation, u64 size }:
//         at most one base, first; then deltas in ascending generation (all <= generation).
//         File names: "base-<generation as 16 hex digits>.dsv", "delta-<...>.dsv".
//   end-8  u64 XXH3-64 of every byte before it (no padding in this file)
//
// base-G.dsv (a full snapshot: rows, vectors, graph)
//    0  char[8] "DSKVBAS\0"     8  u32 version (1)        12  u32 dimension D
//   16  u64 generation G        24  u64 rows N (< 2^32)    32  u64 live rows L (<= N)
//   40  u32 M (0 = no graph: exact search only)            44  u32 ef_construction
//   48  i32 top level (-1 without graph)                   52  u32 entry row (0 without graph)
//   56  u64 upper-level words U
//   64  i64 ids[N]: the passage id of each row; -1 marks a deleted row kept as a graph waypoint
//       f32 vectors[N x D], row-major
//       { i64 id, u64 row }[L]: the live rows sorted by id, strictly ascending
//       (only if M > 0:)
//       u32 level0[N x (1 + 2M)]: per row { neighbour count (<= 2M), 2M neighbour rows }
//       u64 upper_offsets[N + 1]: row r's upper lists are upper[offsets[r] .. offsets[r+1]),
//           level(r) lists of (1 + M) words, for levels 1..level(r)
//       u32 upper[U]: per list { neighbour count (<= M), M neighbour rows }; a neighbour on
//           level l has a level >= l; the entry row has the top level
//   end-8  u64 XXH3-64 of every byte before it
//
// delta-G.dsv (the changes of one commit; the newest file wins for each id)
//    0  char[8] "DSKVDEL\0"     8  u32 version (1)        12  u32 dimension D
//   16  u64 generation G        24  u64 upserts P          32  u64 removals R
//   40  24 zero bytes
//   64  i64 upsert ids[P] (strictly ascending), i64 removed ids[R] (strictly ascending, none of
//       them an upsert id)
//       f32 vectors[P x D], row-major, in the order of the upsert ids
//   end-8  u64 XXH3-64 of every byte before it
//
// HNSW parameters: M = 16 and ef_construction = 200 (HnswParams), ef_search = 256
// (VectorReaderOptions, and per query VectorQuery::ef_search). M = 16 keeps the links at ~145
// bytes a row next to 1,536 bytes of a 384-d vector and builds about twice as fast as M = 24;
// ef_construction = 200 is hnswlib's quality setting. ef_search = 256 reaches recall@10 0.978
// on 20,000 random 64-d unit vectors (0.895 at 128, 0.953 at 200). Measured with
// bench/vector_bench.cpp on 1,000,000 384-d vectors from a 32-d subspace (embedding-like):
// recall@10 0.963 at p50 1.8 ms on one core (0.993 at ef 512, 3.0 ms; exact search 160 ms).
// Uniformly random 384-d vectors defeat any graph index (recall@10 0.04 at 1M); lower
// ef_search per query to trade recall for latency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/data_dir.h"

namespace deskside::store {

// Who made the vectors: the embedder's identity as plain values (store does not depend on the
// engine; copy embed::EmbedderIdentity's fields in).
struct VectorIndexIdentity {
    std::string kind;   // "gguf" or "lsa"
    std::string name;   // model file name, or "lsa"
    std::string hash;   // hex digest of the model
    int dimension = 0;  // 1..65536

    bool operator==(const VectorIndexIdentity&) const = default;
};

// Where the vector index of a data directory lives: DIR/vectors.
inline std::filesystem::path vector_index_path(const DataDir& dir) {
    return dir.root() / "vectors";
}

struct HnswParams {
    int M = 16;                 // links per row on levels >= 1 (2M on level 0); 2..256
    int ef_construction = 200;  // beam width while inserting; >= M
};

struct VectorIndexOptions {
    HnswParams hnsw;
    // Fewer live vectors than this: the base file has no graph and search is exact (a scan of
    // 10,000 x 384 floats takes about a millisecond).
    std::size_t hnsw_min_rows = 10000;
    // A commit compacts the deltas into a new base when they hold more rows than
    // max(compact_min_rows, compact_fraction x base rows), or there are more than
    // max_delta_files of them. Searches scan the deltas exactly, so this bounds their cost.
    std::size_t compact_min_rows = 20000;
    double compact_fraction = 0.1;
    std::size_t max_delta_files = 16;
    // A compaction rebuilds the graph from scratch when deleted rows would exceed this share
    // of its rows; otherwise it updates the existing graph (hnswlib marks deletions).
    double rebuild_fraction = 0.25;
    int build_threads = 0;         // graph insertion threads; 0 = one per core. 1 is deterministic.
    std::uint64_t seed = 100;      // hnswlib's level generator
    bool verify_checksums = true;  // check file checksums on open (reads every byte once)
};

struct VectorReaderOptions {
    int ef_search = 256;           // default beam width of HNSW queries (>= k is enforced)
    bool verify_checksums = true;  // check file checksums on open (reads every byte once)
};

struct VectorHit {
    std::int64_t passage_id = 0;
    float score = 0;  // inner product with the normalised query: cosine similarity

    bool operator==(const VectorHit&) const = default;
};

// Called on the searching thread for candidate passages; true keeps the passage.
using PassageFilter = std::function<bool(std::int64_t passage_id)>;

enum class VectorSearchMode {
    automatic,  // the graph if the base has one, else exact
    hnsw,       // the graph (exact when the base has none)
    exact,      // score every row with OpenBLAS
};

struct VectorQuery {
    std::size_t k = 10;
    int ef_search = 0;  // 0: the reader's default
    VectorSearchMode mode = VectorSearchMode::automatic;
    // Applied inside the search (during the graph walk, before ranking), so k filtered hits come
    // back when k exist and the graph reaches them. A very selective filter makes the graph walk
    // visit most rows: use mode = exact when few passages pass.
    PassageFilter filter;
    // When set, only these passages are candidates, each scored exactly against the query: the
    // fast path for a filter few passages pass (their vectors are looked up by id, so the cost
    // follows the list, not the index). Ids without a live vector are skipped; `filter` and
    // `mode` are not consulted. Not owned: must outlive the call.
    const std::vector<std::int64_t>* candidates = nullptr;
};

struct VectorIndexStats {
    std::uint64_t generation = 0;
    std::uint64_t live = 0;          // searchable vectors
    std::uint64_t base_rows = 0;     // rows in the base file (deleted waypoints included)
    std::uint64_t deleted_rows = 0;  // base rows that are deleted or replaced by a delta
    std::uint64_t delta_rows = 0;    // live vectors held in delta files
    std::uint64_t delta_files = 0;
    int graph_m = 0;  // 0: no graph
    int graph_top_level = -1;
    std::uint64_t vector_bytes = 0;  // flat float vectors (base and deltas)
    std::uint64_t graph_bytes = 0;   // HNSW links and their offsets
    std::uint64_t id_bytes = 0;      // row ids and the sorted id index
    std::uint64_t file_bytes = 0;    // all files of the committed state
};

class VectorSnapshot;  // the loaded state of one commit (private)

class VectorIndexReader {
  public:
    // Opens the last committed state of `dir` (vector_index_path()). Throws Error(not_found) if
    // there is none, Error(invalid_argument) if it was made by another embedder than `expected`
    // (with the `deskside index --reembed` hint), Error(corrupt_index) naming a damaged file.
    VectorIndexReader(const std::filesystem::path& dir, const VectorIndexIdentity& expected,
                      VectorReaderOptions options = {});
    ~VectorIndexReader();
    VectorIndexReader(VectorIndexReader&&) noexcept;
    VectorIndexReader& operator=(VectorIndexReader&&) noexcept;

    // The identity stored in `dir`, or nullopt if there is no vector index.
    static std::optional<VectorIndexIdentity> stored_identity(const std::filesystem::path& dir);
    // The generation of the last commit in `dir` (0 if none): reopen when it differs.
    static std::uint64_t current_generation(const std::filesystem::path& dir);

    // Top-k passages by score (descending; ties by ascending id). `query` has dimension()
    // floats; it is normalised here (a zero query finds nothing). Throws
    // Error(invalid_argument) for a wrong dimension or non-finite values.
    std::vector<VectorHit> search(std::span<const float> query, const VectorQuery& q) const;
    // Exact top-k for many queries at once (row-major [n x dimension()]) with one sgemm per
    // block of rows: the ground truth for recall measurements.
    std::vector<std::vector<VectorHit>> search_exact_batch(std::span<const float> queries,
                                                           std::size_t k,
                                                           const PassageFilter& filter = {}) const;

    bool contains(std::int64_t passage_id) const;
    // The stored (normalised) vector of a passage.
    std::optional<std::vector<float>> vector(std::int64_t passage_id) const;
    const VectorIndexIdentity& identity() const;
    int dimension() const { return identity().dimension; }
    std::uint64_t size() const;  // live vectors
    std::uint64_t generation() const;
    VectorIndexStats stats() const;

  private:
    std::shared_ptr<const VectorSnapshot> snapshot_;
    VectorReaderOptions options_;
};

class VectorIndexWriter {
  public:
    enum class Mode {
        open_or_create,  // keep the vectors; a different stored identity is an error
        recreate,        // start empty with `identity` (re-embedding); readers keep seeing the
                         // old vectors until the first commit replaces them all at once
    };
    // Called at each named step of a commit ("vector-files-written", "vector-manifest-written",
    // "vector-committed", and "vector-base-written" when compacting). Tests use it to kill the
    // process at a precise point; production passes nothing.
    using StepHook = std::function<void(std::string_view step)>;

    // Creates `dir` if needed and takes its writer lock (Error(busy) if held), removes files
    // left by an interrupted commit, and loads the committed state.
    VectorIndexWriter(const std::filesystem::path& dir, const VectorIndexIdentity& identity,
                      VectorIndexOptions options = {}, Mode mode = Mode::open_or_create,
                      StepHook hook = {});
    ~VectorIndexWriter();
    VectorIndexWriter(const VectorIndexWriter&) = delete;
    VectorIndexWriter& operator=(const VectorIndexWriter&) = delete;

    // Stages vectors (row-major [ids.size() x dimension]) for passage ids (>= 0), adding or
    // replacing; rows are L2-normalised on the way in. Throws Error(invalid_argument) for a
    // negative id, a repeated id, a wrong size or non-finite values (nothing is staged then).
    void put(std::span<const std::int64_t> ids, std::span<const float> vectors);
    // Stages removals; ids without a vector are ignored.
    void remove(std::span<const std::int64_t> ids);
    bool has_pending() const;
    // Makes every staged change durable and visible to new readers, atomically; then compacts
    // if the deltas have outgrown VectorIndexOptions. An error before the new MANIFEST is in
    // place leaves the last commit and the staged changes (retry, or drop the writer); an
    // error after it (rare: fsync, reading back) leaves the commit done and the writer
    // unusable; an error while compacting says that the commit itself is durable.
    void commit();
    // Commits, then folds every delta into a new base file with its graph (if any deltas).
    void compact();

    // The committed state (staged changes not included).
    bool contains(std::int64_t passage_id) const;
    std::vector<std::int64_t> committed_ids() const;  // ascending
    std::uint64_t size() const;
    std::uint64_t generation() const;
    VectorIndexStats stats() const;
    const VectorIndexIdentity& identity() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace deskside::store
