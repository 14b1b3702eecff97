// VectorIndexWriter: staging, the commit protocol, compaction and clean-up of unreferenced
// files. See store/vector_index.h for the protocol and the file layouts.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"
#include "hnsw_build.h"
#include "store/vector_index.h"
#include "vector_format.h"
#include "vector_kernels.h"
#include "vector_snapshot.h"

namespace deskside::store {
namespace fs = std::filesystem;
namespace {

// flock() on DIR/writer.lock for the writer's lifetime; the kernel drops it if we die.
class DirLock {
  public:
    explicit DirLock(const fs::path& dir) {
        const std::string path = (dir / "writer.lock").string();
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw_io_error("cannot open lock file", path, errno);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            int err = errno;
            ::close(fd_);
            if (err != EWOULDBLOCK) throw_io_error("cannot lock", path, err);
            throw Error(ErrorCode::busy, "another process is writing the vector index in " +
                                             dir.string() + "; wait for it to finish");
        }
    }
    ~DirLock() { ::close(fd_); }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

  private:
    int fd_ = -1;
};

// Rows of a base file without a graph.
class FlatSource : public vec::BaseSource {
  public:
    explicit FlatSource(vec::RowsToInsert rows) : rows_(std::move(rows)) {}
    std::size_t rows() const override { return rows_.ids.size(); }
    std::int64_t id(std::size_t row) const override { return rows_.ids[row]; }
    const float* vector(std::size_t row) const override { return rows_.vectors[row]; }
    vec::GraphShape graph() const override { return {}; }
    int level(std::size_t) const override { return 0; }
    std::span<const std::uint32_t> links(std::size_t, int) const override { return {}; }

  private:
    vec::RowsToInsert rows_;
};

void check_options(const VectorIndexOptions& o) {
    auto bad = [](const std::string& what) {
        throw Error(ErrorCode::invalid_argument, "vector index option " + what);
    };
    if (o.hnsw.M < 2 || o.hnsw.M > static_cast<int>(vec::kMaxM)) bad("M must be in 2..256");
    if (o.hnsw.ef_construction < 1) bad("ef_construction must be at least 1");
    if (!(o.compact_fraction >= 0) || !(o.rebuild_fraction >= 0 && o.rebuild_fraction <= 1))
        bad("compact_fraction / rebuild_fraction out of range");
    if (o.build_threads < 0) bad("build_threads must not be negative");
}

}  // namespace

struct VectorIndexWriter::Impl {
    fs::path dir;
    VectorIndexIdentity identity;
    VectorIndexOptions options;
    StepHook hook;
    std::unique_ptr<DirLock> lock;
    std::shared_ptr<const VectorSnapshot> committed;
    // The next commit must write MANIFEST even without changes: the index is new, or is being
    // re-embedded under a new identity.
    bool manifest_pending = false;
    bool broken = false;  // a failure after a commit was published: open a new writer
    // Staged upserts: id -> row of staged_vectors (rows of replaced or removed ids linger until
    // the commit), and staged removals of committed ids.
    std::unordered_map<std::int64_t, std::size_t> staged_rows;
    std::vector<float> staged_vectors;
    std::set<std::int64_t> staged_removals;

    void step(std::string_view name) const {
        if (hook) hook(name);
    }
    std::uint32_t dimension() const { return static_cast<std::uint32_t>(identity.dimension); }
    bool has_pending() const {
        return manifest_pending || !staged_rows.empty() || !staged_removals.empty();
    }
    void commit();
    // Writes MANIFEST.tmp, renames it over MANIFEST, then clears what was staged and loads the
    // new state.
    void publish(const vec::Manifest& manifest);
    void check_usable() const;
    void remove_unreferenced_files() const;
    bool needs_compaction() const;
    void compact();
};

void VectorIndexWriter::Impl::publish(const vec::Manifest& manifest) {
    const fs::path tmp = dir / "MANIFEST.tmp";
    vec::write_synced(tmp, vec::encode_manifest(manifest));
    step("vector-manifest-written");
    std::error_code ec;
    fs::rename(tmp, dir / "MANIFEST", ec);
    if (ec) throw_io_error("cannot rename", tmp.string(), ec.value());
    // Up to here a failure leaves MANIFEST as it was and the call can be retried. From here on
    // the new state is published but our view of it is stale: a failure breaks the writer.
    try {
        vec::fsync_directory(dir);
        step("vector-committed");
        staged_rows.clear();
        std::vector<float>().swap(staged_vectors);  // give the memory back before loading
        staged_removals.clear();
        committed = VectorSnapshot::load(dir, options.verify_checksums, committed.get());
        manifest_pending = false;
        remove_unreferenced_files();
    } catch (...) {
        broken = true;
        throw;
    }
}

void VectorIndexWriter::Impl::check_usable() const {
    if (broken)
        throw Error(ErrorCode::internal,
                    "the vector index writer for " + dir.string() +
                        " failed after publishing a commit; open a new writer to continue");
}

void VectorIndexWriter::Impl::commit() {
    check_usable();
    if (!has_pending()) return;
    vec::Manifest manifest;
    manifest.identity = identity;
    manifest.generation = committed->generation() + 1;
    manifest.files = committed->manifest().files;
    if (!staged_rows.empty() || !staged_removals.empty()) {
        std::vector<std::int64_t> ids;
        ids.reserve(staged_rows.size());
        for (const auto& [id, row] : staged_rows) ids.push_back(id);
        std::sort(ids.begin(), ids.end());
        const std::vector<std::int64_t> removed(staged_removals.begin(), staged_removals.end());
        const std::size_t dim = dimension();
        const fs::path path = dir / vec::file_name(vec::FileKind::delta, manifest.generation);
        const std::uint64_t size = vec::write_delta(
            path, manifest.generation, ids, removed, dimension(),
            [&](std::size_t i) { return staged_vectors.data() + staged_rows.at(ids[i]) * dim; });
        manifest.files.push_back({vec::FileKind::delta, manifest.generation, size});
    }
    vec::fsync_directory(dir);  // the new file's name is durable before MANIFEST points at it
    step("vector-files-written");
    publish(manifest);
    if (!needs_compaction()) return;
    try {
        compact();
    } catch (const Error& e) {  // the commit stands; say so, so that nobody redoes it
        throw Error(e.code(), std::string("the vector index commit is durable, but compacting "
                                          "it failed: ") +
                                  e.what());
    }
}

bool VectorIndexWriter::Impl::needs_compaction() const {
    const auto& files = committed->manifest().files;
    const auto deltas = static_cast<std::size_t>(std::count_if(
        files.begin(), files.end(), [](const auto& f) { return f.kind == vec::FileKind::delta; }));
    if (deltas == 0) return false;
    const vec::BaseView* base = committed->base();
    const double base_rows = base ? static_cast<double>(base->rows) : 0.0;
    const double limit = std::max(static_cast<double>(options.compact_min_rows),
                                  options.compact_fraction * base_rows);
    return deltas > options.max_delta_files || static_cast<double>(committed->delta_rows()) > limit;
}

void VectorIndexWriter::Impl::compact() {
    const auto state = committed;  // keeps the mapped base and the overlay alive
    const vec::BaseView* base = state->base();
    const auto overlay = state->overlay_ids();
    const std::uint64_t generation = state->generation() + 1;

    vec::RowsToInsert changed;  // the overlay: newest versions from the deltas
    for (std::size_t i = 0; i < overlay.size(); ++i) {
        changed.ids.push_back(overlay[i]);
        changed.vectors.push_back(state->overlay_vector(i));
    }
    auto all_live = [&] {
        vec::RowsToInsert rows;
        if (base)
            for (std::uint64_t row = 0; row < base->rows; ++row)
                if (state->base_row_live(row)) {
                    rows.ids.push_back(base->ids[row]);
                    rows.vectors.push_back(base->vector(row));
                }
        rows.ids.insert(rows.ids.end(), changed.ids.begin(), changed.ids.end());
        rows.vectors.insert(rows.vectors.end(), changed.vectors.begin(), changed.vectors.end());
        return rows;
    };

    vec::GraphBuildParams params;
    params.dimension = dimension();
    params.M = static_cast<std::uint32_t>(options.hnsw.M);
    params.ef_construction = static_cast<std::uint32_t>(options.hnsw.ef_construction);
    params.threads = options.build_threads > 0
                         ? options.build_threads
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    params.seed = options.seed;

    std::unique_ptr<vec::BaseSource> source;
    const std::uint64_t live = state->live();
    if (live == 0 || live < options.hnsw_min_rows) {
        source = std::make_unique<FlatSource>(all_live());
    } else if (base && base->has_graph()) {
        // Base rows hidden by a delta are replaced (updated in place by hnswlib) or removed
        // (marked deleted). Too many deleted rows slow walks down: then rebuild instead.
        std::vector<std::int64_t> removed;
        std::uint64_t deleted = 0, added = 0;
        for (std::uint64_t row = 0; row < base->rows; ++row) {
            const std::int64_t id = base->ids[row];
            if (id == vec::kDeletedId) {
                ++deleted;
            } else if (!state->base_row_live(row) &&
                       !std::binary_search(overlay.begin(), overlay.end(), id)) {
                removed.push_back(id);
            }
        }
        for (std::int64_t id : overlay) added += base->row_of(id) ? 0 : 1;
        const double rows_after = static_cast<double>(base->rows + added);
        if (static_cast<double>(deleted + removed.size()) > options.rebuild_fraction * rows_after)
            source = vec::build_graph(params, all_live());
        else
            source = vec::update_graph(*base, params, removed, changed);
    } else {
        source = vec::build_graph(params, all_live());
    }

    const fs::path path = dir / vec::file_name(vec::FileKind::base, generation);
    const std::uint64_t size = vec::write_base(path, *source, dimension(), generation);
    source.reset();  // hnswlib's copy of the graph and vectors
    vec::fsync_directory(dir);
    step("vector-base-written");
    vec::Manifest manifest;
    manifest.identity = identity;
    manifest.generation = generation;
    manifest.files.push_back({vec::FileKind::base, generation, size});
    publish(manifest);
}

// Removes data files MANIFEST does not name (left by an interrupted commit, or replaced by a
// compaction) and a stale MANIFEST.tmp. Readers that still use a removed file keep it open.
void VectorIndexWriter::Impl::remove_unreferenced_files() const {
    std::unordered_set<std::string> keep;
    try {
        if (auto manifest = VectorSnapshot::read_manifest(dir))
            for (const auto& f : manifest->files) keep.insert(vec::file_name(f.kind, f.generation));
    } catch (const Error&) {
        return;  // a damaged MANIFEST (being replaced by a re-embedding): keep everything
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool data_file =
            (name.starts_with("base-") || name.starts_with("delta-")) && name.ends_with(".dsv");
        if ((data_file && !keep.contains(name)) || name == "MANIFEST.tmp") {
            std::error_code ignored;  // best effort: the next clean-up retries
            fs::remove(entry.path(), ignored);
        }
    }
}

VectorIndexWriter::VectorIndexWriter(const fs::path& dir, const VectorIndexIdentity& identity,
                                     VectorIndexOptions options, Mode mode, StepHook hook)
    : impl_(std::make_unique<Impl>()) {
    vec::check_identity(identity);
    check_options(options);
    Impl& w = *impl_;
    w.dir = dir;
    w.identity = identity;
    w.options = options;
    w.hook = std::move(hook);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_io_error("cannot create vector index directory", dir.string(), ec.value());
    w.lock = std::make_unique<DirLock>(dir);
    std::optional<vec::Manifest> manifest;
    try {
        manifest = VectorSnapshot::read_manifest(dir);
    } catch (const Error& e) {
        // Re-embedding replaces everything, so it is also the way out of a damaged index.
        if (mode != Mode::recreate || e.code() != ErrorCode::corrupt_index) throw;
    }
    if (!manifest || mode == Mode::recreate) {
        // New files get generations above every file present, so none is ever overwritten.
        std::uint64_t generation = manifest ? manifest->generation : 0;
        std::error_code ignored;
        for (const auto& entry : fs::directory_iterator(dir, ignored)) {
            const std::string name = entry.path().filename().string();
            const auto dash = name.find('-');
            if (name.ends_with(".dsv") && dash != std::string::npos)
                generation = std::max<std::uint64_t>(
                    generation, std::strtoull(name.c_str() + dash + 1, nullptr, 16));
        }
        w.committed = VectorSnapshot::empty(identity, generation);
        w.manifest_pending = true;
    } else {
        if (manifest->identity != identity)
            vec::throw_identity_mismatch(dir, manifest->identity, identity);
        w.committed = VectorSnapshot::load(dir, options.verify_checksums);
    }
    w.remove_unreferenced_files();
}

VectorIndexWriter::~VectorIndexWriter() = default;

void VectorIndexWriter::put(std::span<const std::int64_t> ids, std::span<const float> vectors) {
    Impl& w = *impl_;
    w.check_usable();
    const std::size_t dim = w.dimension();
    if (vectors.size() != ids.size() * dim)
        throw Error(ErrorCode::invalid_argument,
                    std::to_string(vectors.size()) + " floats for " + std::to_string(ids.size()) +
                        " vectors of dimension " + std::to_string(dim));
    std::unordered_set<std::int64_t> seen;
    for (std::int64_t id : ids) {
        if (id < 0)
            throw Error(ErrorCode::invalid_argument, "negative passage id " + std::to_string(id));
        if (!seen.insert(id).second)
            throw Error(ErrorCode::invalid_argument,
                        "passage id " + std::to_string(id) + " given twice in one put");
    }
    for (float x : vectors)
        if (!std::isfinite(x))
            throw Error(ErrorCode::invalid_argument, "vector has a non-finite value");
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto [it, inserted] = w.staged_rows.try_emplace(ids[i], w.staged_vectors.size() / dim);
        if (inserted) w.staged_vectors.resize(w.staged_vectors.size() + dim);
        float* row = w.staged_vectors.data() + it->second * dim;
        std::copy_n(vectors.data() + i * dim, dim, row);
        vec::normalise(row, dim);
        w.staged_removals.erase(ids[i]);
    }
}

void VectorIndexWriter::remove(std::span<const std::int64_t> ids) {
    Impl& w = *impl_;
    w.check_usable();
    for (std::int64_t id : ids) {
        w.staged_rows.erase(id);
        if (w.committed->find(id)) w.staged_removals.insert(id);
    }
}

bool VectorIndexWriter::has_pending() const {
    return impl_->has_pending();
}
void VectorIndexWriter::commit() {
    impl_->commit();
}

void VectorIndexWriter::compact() {
    impl_->commit();
    if (!impl_->committed->manifest().files.empty() &&
        impl_->committed->manifest().files.back().kind == vec::FileKind::delta)
        impl_->compact();
}

bool VectorIndexWriter::contains(std::int64_t passage_id) const {
    return impl_->committed->find(passage_id) != nullptr;
}
std::vector<std::int64_t> VectorIndexWriter::committed_ids() const {
    return impl_->committed->live_ids();
}
std::uint64_t VectorIndexWriter::size() const {
    return impl_->committed->live();
}
std::uint64_t VectorIndexWriter::generation() const {
    return impl_->committed->generation();
}
VectorIndexStats VectorIndexWriter::stats() const {
    return impl_->committed->stats();
}
const VectorIndexIdentity& VectorIndexWriter::identity() const {
    return impl_->identity;
}

}  // namespace deskside::store
