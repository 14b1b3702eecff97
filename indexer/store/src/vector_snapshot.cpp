#include "vector_snapshot.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <utility>

#include "base/error.h"
#include "vector_kernels.h"

namespace deskside::store {
namespace fs = std::filesystem;
namespace {

constexpr int kLoadAttempts = 8;
constexpr std::size_t kExactBlockRows = 8192;  // rows per sgemm block in batch search
constexpr std::size_t kExactScanRows = 65536;  // rows per sgemv block in single search

// Keeps the best k (score, id) pairs; ties go to the smaller id so results are deterministic.
class TopK {
  public:
    explicit TopK(std::size_t k) : k_(k) {}
    // Whether a hit with this score and id would be kept (cheap test before the filter).
    bool accepts(float score, std::int64_t id) const {
        return k_ > 0 && (heap_.size() < k_ || better(VectorHit{id, score}, heap_.front()));
    }
    void push(float score, std::int64_t id) {
        if (!accepts(score, id)) return;
        if (heap_.size() == k_) {
            std::pop_heap(heap_.begin(), heap_.end(), better);
            heap_.pop_back();
        }
        heap_.push_back(VectorHit{id, score});
        std::push_heap(heap_.begin(), heap_.end(), better);
    }
    std::vector<VectorHit> take() {
        std::sort_heap(heap_.begin(), heap_.end(), better);
        return std::move(heap_);
    }

  private:
    static bool better(const VectorHit& a, const VectorHit& b) {
        return a.score > b.score || (a.score == b.score && a.passage_id < b.passage_id);
    }
    std::size_t k_;
    std::vector<VectorHit> heap_;  // the worst kept hit at the front
};

// The k best of two ranked lists.
std::vector<VectorHit> merge(std::vector<VectorHit> a, const std::vector<VectorHit>& b,
                             std::size_t k) {
    TopK top(k);
    for (const auto& hit : a) top.push(hit.score, hit.passage_id);
    for (const auto& hit : b) top.push(hit.score, hit.passage_id);
    return top.take();
}

// Exact top-k over `rows` contiguous vectors; `id_of(row)` gives the id or a negative value for
// a row that must be skipped. One sgemv per block keeps the scores in cache (and the row counts
// within BLAS's 32-bit integers).
template <typename IdOf>
std::vector<VectorHit> exact_scan(const float* vectors, std::size_t rows, std::uint32_t dimension,
                                  const float* query, std::size_t k, const PassageFilter& filter,
                                  IdOf id_of) {
    TopK top(k);
    std::vector<float> scores(std::min(rows, kExactScanRows));
    for (std::size_t first = 0; first < rows && k > 0; first += kExactScanRows) {
        const std::size_t block = std::min(kExactScanRows, rows - first);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(block),
                    static_cast<blasint>(dimension), 1.0f, vectors + first * dimension,
                    static_cast<blasint>(dimension), query, 1, 0.0f, scores.data(), 1);
        for (std::size_t r = 0; r < block; ++r) {
            std::int64_t id = id_of(first + r);
            if (id < 0 || !top.accepts(scores[r], id)) continue;
            if (filter && !filter(id)) continue;
            top.push(scores[r], id);
        }
    }
    return top.take();
}

// Exact top-k of many queries over `rows` contiguous vectors, one sgemm per block of rows.
template <typename IdOf>
void exact_scan_batch(const float* vectors, std::size_t rows, std::uint32_t dimension,
                      const float* queries, std::size_t count, const PassageFilter& filter,
                      IdOf id_of, std::vector<TopK>& tops) {
    std::vector<float> scores;
    for (std::size_t first = 0; first < rows; first += kExactBlockRows) {
        const std::size_t block = std::min(kExactBlockRows, rows - first);
        scores.resize(block * count);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(block),
                    static_cast<blasint>(count), static_cast<blasint>(dimension), 1.0f,
                    vectors + first * dimension, static_cast<blasint>(dimension), queries,
                    static_cast<blasint>(dimension), 0.0f, scores.data(),
                    static_cast<blasint>(count));
        for (std::size_t r = 0; r < block; ++r) {
            std::int64_t id = id_of(first + r);
            if (id < 0) continue;
            int allowed = -1;  // the filter is asked at most once per row
            for (std::size_t q = 0; q < count; ++q) {
                float score = scores[r * count + q];
                if (!tops[q].accepts(score, id)) continue;
                if (allowed < 0) allowed = !filter || filter(id);
                if (allowed) tops[q].push(score, id);
            }
        }
    }
}

}  // namespace

VisitedPool::Lease VisitedPool::acquire() {
    std::unique_ptr<List> list;
    {
        std::lock_guard lock(mutex_);
        if (!free_.empty()) {
            list = std::move(free_.back());
            free_.pop_back();
        }
    }
    if (!list) {
        list = std::make_unique<List>();
        list->marks.assign(rows_, 0);
    }
    if (++list->tag == 0) {  // the tag wrapped: old marks could collide
        std::fill(list->marks.begin(), list->marks.end(), 0);
        list->tag = 1;
    }
    return Lease(*this, std::move(list));
}

void VisitedPool::release(std::unique_ptr<List> list) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(list));
}

// ---- loading

std::optional<vec::Manifest> VectorSnapshot::read_manifest(const fs::path& dir) {
    std::optional<vec::MappedFile> file;
    try {
        file.emplace(dir / "MANIFEST");
    } catch (const Error& e) {
        if (e.code() == ErrorCode::not_found) return std::nullopt;
        throw;
    }
    return vec::decode_manifest(file->bytes(), file->name());
}

std::shared_ptr<const VectorSnapshot> VectorSnapshot::empty(const VectorIndexIdentity& identity,
                                                            std::uint64_t generation) {
    std::shared_ptr<VectorSnapshot> snapshot(new VectorSnapshot());
    snapshot->manifest_.identity = identity;
    snapshot->manifest_.generation = generation;
    return snapshot;
}

std::shared_ptr<const VectorSnapshot> VectorSnapshot::load(const fs::path& dir,
                                                           bool verify_checksums,
                                                           const VectorSnapshot* previous) {
    for (int attempt = 0; attempt < kLoadAttempts; ++attempt) {
        auto manifest = read_manifest(dir);
        if (!manifest)
            throw Error(ErrorCode::not_found,
                        "no vector index in " + dir.string() +
                            ": run `deskside index` to embed the passages first");
        std::shared_ptr<VectorSnapshot> snapshot(new VectorSnapshot());
        snapshot->manifest_ = std::move(*manifest);
        try {
            snapshot->load_files(dir, verify_checksums, previous);
        } catch (const Error& e) {
            if (e.code() != ErrorCode::not_found) throw;
            // A file named by MANIFEST is gone: a compaction committed and cleaned up between our
            // two reads (then read the new MANIFEST), or the directory is damaged.
            auto now = read_manifest(dir);
            if (now && now->generation != snapshot->manifest_.generation) continue;
            throw Error(ErrorCode::corrupt_index, std::string(e.what()) + " (named by " +
                                                      (dir / "MANIFEST").string() +
                                                      "; the vector index is damaged: run "
                                                      "`deskside index --reembed` to rebuild it)");
        }
        snapshot->build_overlay();
        return snapshot;
    }
    throw Error(ErrorCode::busy, "the vector index in " + dir.string() +
                                     " kept changing while it was opened; try again");
}

void VectorSnapshot::load_files(const fs::path& dir, bool verify, const VectorSnapshot* previous) {
    const std::uint32_t dim = dimension();
    for (const auto& entry : manifest_.files) {
        const fs::path path = dir / vec::file_name(entry.kind, entry.generation);
        if (entry.kind == vec::FileKind::base && previous && previous->base_file_ &&
            previous->base_.generation == entry.generation) {
            base_file_ = previous->base_file_;
            base_ = previous->base_;
            continue;
        }
        if (entry.kind == vec::FileKind::delta && previous) {
            auto same =
                std::find_if(previous->deltas_.begin(), previous->deltas_.end(),
                             [&](const auto& d) { return d.generation == entry.generation; });
            if (same != previous->deltas_.end()) {
                deltas_.push_back(*same);
                continue;
            }
        }
        auto file = std::make_shared<const vec::MappedFile>(path);
        if (file->bytes().size() != entry.size)
            throw Error(ErrorCode::corrupt_index,
                        file->name() + ": " + std::to_string(file->bytes().size()) +
                            " bytes, MANIFEST says " + std::to_string(entry.size) +
                            " (the vector index is damaged: run `deskside index --reembed` to "
                            "rebuild it)");
        if (entry.kind == vec::FileKind::base) {
            base_ = vec::parse_base(file->bytes(), file->name(), dim, entry.generation, verify);
            base_file_ = std::move(file);
        } else {
            deltas_.push_back(vec::parse_delta(std::move(file), dim, entry.generation, verify));
        }
    }
}

void VectorSnapshot::build_overlay() {
    // Every id a delta touches and where that version is; the newest delta wins.
    struct Touch {
        std::int64_t id;
        std::size_t delta;
        std::int64_t row;  // -1: removed
    };
    std::vector<Touch> touches;
    for (std::size_t d = 0; d < deltas_.size(); ++d) {
        const auto& delta = deltas_[d];
        for (std::size_t i = 0; i < delta.upsert_ids.size(); ++i)
            touches.push_back({delta.upsert_ids[i], d, static_cast<std::int64_t>(i)});
        for (auto id : delta.removed_ids) touches.push_back({id, d, -1});
    }
    std::sort(touches.begin(), touches.end(), [](const Touch& a, const Touch& b) {
        return a.id < b.id || (a.id == b.id && a.delta > b.delta);
    });
    const std::uint32_t dim = dimension();
    if (base_file_) {
        hidden_.assign(base_.rows, 0);
        for (std::uint64_t row = 0; row < base_.rows; ++row)
            if (base_.ids[row] == vec::kDeletedId) hidden_[row] = 1;
    }
    for (std::size_t i = 0; i < touches.size(); ++i) {
        if (i > 0 && touches[i].id == touches[i - 1].id) continue;  // an older version
        const Touch& t = touches[i];
        if (base_file_)
            if (auto row = base_.row_of(t.id)) hidden_[*row] = 1;
        if (t.row < 0) continue;
        if (deltas_.size() == 1) continue;  // the delta itself is the overlay
        gathered_ids_.push_back(t.id);
        const float* v = deltas_[t.delta].vectors + static_cast<std::size_t>(t.row) * dim;
        gathered_vectors_.insert(gathered_vectors_.end(), v, v + dim);
    }
    if (deltas_.size() == 1) {  // one delta: its upserts are exactly the newest versions
        overlay_ids_ = deltas_[0].upsert_ids;
        overlay_vectors_ = deltas_[0].vectors;
    } else {
        overlay_ids_ = gathered_ids_;
        overlay_vectors_ = gathered_vectors_.data();
    }
    hidden_count_ = static_cast<std::uint64_t>(std::count(hidden_.begin(), hidden_.end(), 1));
    visited_.resize(base_file_ ? base_.rows : 0);
}

// ---- queries about the state

std::uint64_t VectorSnapshot::live() const {
    std::uint64_t base_rows = base_file_ ? base_.rows - hidden_count_ : 0;
    return base_rows + overlay_ids_.size();
}

std::uint64_t VectorSnapshot::delta_rows() const {
    std::uint64_t rows = 0;
    for (const auto& d : deltas_) rows += d.upsert_ids.size() + d.removed_ids.size();
    return rows;
}

const float* VectorSnapshot::find(std::int64_t id) const {
    auto it = std::lower_bound(overlay_ids_.begin(), overlay_ids_.end(), id);
    if (it != overlay_ids_.end() && *it == id)
        return overlay_vector(static_cast<std::size_t>(it - overlay_ids_.begin()));
    if (!base_file_) return nullptr;
    auto row = base_.row_of(id);
    if (!row || hidden_[*row]) return nullptr;  // hidden: removed by a delta
    return base_.vector(*row);
}

std::vector<std::int64_t> VectorSnapshot::live_ids() const {
    std::vector<std::int64_t> ids;
    ids.reserve(live());
    if (base_file_)
        for (std::uint64_t i = 0; i < base_.live; ++i)
            if (!hidden_[base_.index[i].row]) ids.push_back(base_.index[i].id);
    const auto middle = ids.size();
    ids.insert(ids.end(), overlay_ids_.begin(), overlay_ids_.end());
    std::inplace_merge(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(middle), ids.end());
    return ids;
}

VectorIndexStats VectorSnapshot::stats() const {
    VectorIndexStats s;
    s.generation = generation();
    s.live = live();
    s.delta_rows = overlay_ids_.size();
    s.delta_files = deltas_.size();
    const std::uint64_t dim = dimension();
    s.vector_bytes = 4 * dim * overlay_ids_.size();
    s.id_bytes = 8 * overlay_ids_.size();
    if (base_file_) {
        s.base_rows = base_.rows;
        s.deleted_rows = hidden_count_;
        s.graph_m = static_cast<int>(base_.graph.M);
        s.graph_top_level = base_.graph.top_level;
        s.vector_bytes += 4 * dim * base_.rows;
        s.graph_bytes = base_.graph_bytes();
        s.id_bytes += 8 * base_.rows + sizeof(vec::IdRow) * base_.live;
    }
    for (const auto& f : manifest_.files) s.file_bytes += f.size;
    return s;
}

// ---- searches

std::vector<VectorHit> VectorSnapshot::search_candidates(
    const float* query, std::size_t k, const std::vector<std::int64_t>& ids) const {
    const vec::DotFunction dot = vec::dot_kernel();
    const std::uint32_t dim = dimension();
    TopK top(k);
    for (std::int64_t id : ids)
        if (const float* v = find(id)) top.push(dot(v, query, dim), id);
    return top.take();
}

std::vector<VectorHit> VectorSnapshot::search(const float* query, std::size_t k, std::size_t ef,
                                              VectorSearchMode mode,
                                              const PassageFilter& filter) const {
    const std::uint32_t dim = dimension();
    std::vector<VectorHit> hits;
    if (base_file_ && base_.rows > hidden_count_) {
        if (base_.has_graph() && mode != VectorSearchMode::exact)
            hits = search_graph(query, k, ef, filter);
        else
            hits = exact_scan(base_.vectors, base_.rows, dim, query, k, filter,
                              [this](std::size_t row) {
                                  return hidden_[row] ? std::int64_t{-1} : base_.ids[row];
                              });
    }
    if (overlay_ids_.empty()) return hits;
    auto overlay = exact_scan(overlay_vectors_, overlay_ids_.size(), dim, query, k, filter,
                              [this](std::size_t i) { return overlay_ids_[i]; });
    return merge(std::move(hits), overlay, k);
}

std::vector<std::vector<VectorHit>> VectorSnapshot::search_exact_batch(
    const float* queries, std::size_t count, std::size_t k, const PassageFilter& filter) const {
    std::vector<TopK> tops(count, TopK(k));
    const std::uint32_t dim = dimension();
    if (base_file_ && count > 0)
        exact_scan_batch(
            base_.vectors, base_.rows, dim, queries, count, filter,
            [this](std::size_t row) { return hidden_[row] ? std::int64_t{-1} : base_.ids[row]; },
            tops);
    if (count > 0)
        exact_scan_batch(
            overlay_vectors_, overlay_ids_.size(), dim, queries, count, filter,
            [this](std::size_t i) { return overlay_ids_[i]; }, tops);
    std::vector<std::vector<VectorHit>> results;
    results.reserve(count);
    for (auto& top : tops) results.push_back(top.take());
    return results;
}

// The HNSW search of hnswlib's searchKnn (greedy descent through the upper levels, then a beam
// of width ef on level 0), reading the graph straight from the mapped base file. Rows that are
// deleted, replaced by a delta or rejected by the filter still guide the walk but never enter
// the results; while such rows exist the walk goes on until it holds ef acceptable rows, as
// hnswlib 0.7's filtered search does.
std::vector<VectorHit> VectorSnapshot::search_graph(const float* query, std::size_t k,
                                                    std::size_t ef,
                                                    const PassageFilter& filter) const {
    const vec::DotFunction dot = vec::dot_kernel();
    const std::size_t dim = dimension();
    auto score_of = [&](std::uint32_t row) { return dot(query, base_.vector(row), dim); };
    auto allowed = [&](std::uint32_t row) {
        return !hidden_[row] && (!filter || filter(base_.ids[row]));
    };

    std::uint32_t current = base_.graph.entry;
    float current_score = score_of(current);
    for (int level = base_.graph.top_level; level > 0; --level) {
        for (bool changed = true; changed;) {
            changed = false;
            const std::uint32_t* list = base_.list(current, level);
            for (std::uint32_t j = 1; j <= list[0]; ++j) {
                float s = score_of(list[j]);
                if (s > current_score) {
                    current_score = s;
                    current = list[j];
                    changed = true;
                }
            }
        }
    }

    using Entry = std::pair<float, std::uint32_t>;  // (score, row)
    struct WorstFirst {
        bool operator()(const Entry& a, const Entry& b) const { return a.first > b.first; }
    };
    std::priority_queue<Entry, std::vector<Entry>, WorstFirst> top;  // kept rows, worst on top
    std::priority_queue<Entry> candidates;                           // to expand, best on top
    const bool restricted = filter || hidden_count_ > 0;
    float bound = -std::numeric_limits<float>::infinity();  // the worst kept score

    auto lease = visited_.acquire();
    auto& visited = *lease;
    visited.marks[current] = visited.tag;
    if (allowed(current)) {
        top.emplace(current_score, current);
        bound = current_score;
    }
    candidates.emplace(current_score, current);
    while (!candidates.empty()) {
        const Entry next = candidates.top();
        if (next.first < bound && (top.size() == ef || !restricted)) break;
        candidates.pop();
        const std::uint32_t* list = base_.list(next.second, 0);
        const std::uint32_t count = list[0];
        if (count > 0) __builtin_prefetch(base_.vector(list[1]));
        for (std::uint32_t j = 1; j <= count; ++j) {
            const std::uint32_t row = list[j];
            if (j < count) {
                __builtin_prefetch(base_.vector(list[j + 1]));
                __builtin_prefetch(&visited.marks[list[j + 1]]);
            }
            if (visited.marks[row] == visited.tag) continue;
            visited.marks[row] = visited.tag;
            const float s = score_of(row);
            if (top.size() < ef || s > bound) {
                candidates.emplace(s, row);
                if (allowed(row)) {
                    top.emplace(s, row);
                    if (top.size() > ef) top.pop();
                }
                if (!top.empty()) bound = top.top().first;
            }
        }
    }
    TopK best(k);
    for (; !top.empty(); top.pop()) best.push(top.top().first, base_.ids[top.top().second]);
    return best.take();
}

}  // namespace deskside::store
