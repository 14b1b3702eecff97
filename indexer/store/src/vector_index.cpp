// VectorIndexReader: opening a committed state and the checks on queries. The writer is in
// vector_writer.cpp; both share VectorSnapshot.
#include "store/vector_index.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"
#include "vector_format.h"
#include "vector_kernels.h"
#include "vector_snapshot.h"

namespace deskside::store {
namespace {

// A normalised copy of `count` query rows; `usable[i]` is false for a zero row.
std::vector<float> normalised_queries(std::span<const float> queries, std::uint32_t dimension,
                                      std::vector<bool>& usable) {
    if (queries.size() % dimension != 0)
        throw Error(ErrorCode::invalid_argument,
                    "query vector of " + std::to_string(queries.size()) +
                        " floats for a vector index of dimension " + std::to_string(dimension));
    std::vector<float> copy(queries.begin(), queries.end());
    for (float x : copy)
        if (!std::isfinite(x))
            throw Error(ErrorCode::invalid_argument, "query vector has a non-finite value");
    const std::size_t count = copy.size() / dimension;
    usable.assign(count, false);
    for (std::size_t i = 0; i < count; ++i)
        usable[i] = vec::normalise(copy.data() + i * dimension, dimension);
    return copy;
}

}  // namespace

VectorIndexReader::VectorIndexReader(const std::filesystem::path& dir,
                                     const VectorIndexIdentity& expected,
                                     VectorReaderOptions options)
    : options_(options) {
    if (options_.ef_search < 1)
        throw Error(ErrorCode::invalid_argument, "ef_search must be at least 1");
    // Check the identity before reading (and verifying) large files made by another model.
    if (auto manifest = VectorSnapshot::read_manifest(dir);
        manifest && manifest->identity != expected)
        vec::throw_identity_mismatch(dir, manifest->identity, expected);
    snapshot_ = VectorSnapshot::load(dir, options_.verify_checksums);
    if (snapshot_->identity() != expected)  // a re-embedding committed in between
        vec::throw_identity_mismatch(dir, snapshot_->identity(), expected);
}

VectorIndexReader::~VectorIndexReader() = default;
VectorIndexReader::VectorIndexReader(VectorIndexReader&&) noexcept = default;
VectorIndexReader& VectorIndexReader::operator=(VectorIndexReader&&) noexcept = default;

std::optional<VectorIndexIdentity> VectorIndexReader::stored_identity(
    const std::filesystem::path& dir) {
    auto manifest = VectorSnapshot::read_manifest(dir);
    if (!manifest) return std::nullopt;
    return manifest->identity;
}

std::uint64_t VectorIndexReader::current_generation(const std::filesystem::path& dir) {
    auto manifest = VectorSnapshot::read_manifest(dir);
    return manifest ? manifest->generation : 0;
}

std::vector<VectorHit> VectorIndexReader::search(std::span<const float> query,
                                                 const VectorQuery& q) const {
    const std::uint32_t dim = snapshot_->dimension();
    if (query.size() != dim)
        throw Error(ErrorCode::invalid_argument, "query vector of " + std::to_string(query.size()) +
                                                     " floats for a vector index of dimension " +
                                                     std::to_string(dim));
    if (q.ef_search < 0) throw Error(ErrorCode::invalid_argument, "ef_search must not be negative");
    std::vector<bool> usable;
    std::vector<float> unit = normalised_queries(query, dim, usable);
    if (!usable[0] || q.k == 0) return {};
    const std::size_t ef = std::max<std::size_t>(
        q.k, static_cast<std::size_t>(q.ef_search > 0 ? q.ef_search : options_.ef_search));
    if (q.candidates) return snapshot_->search_candidates(unit.data(), q.k, *q.candidates);
    return snapshot_->search(unit.data(), q.k, ef, q.mode, q.filter);
}

std::vector<std::vector<VectorHit>> VectorIndexReader::search_exact_batch(
    std::span<const float> queries, std::size_t k, const PassageFilter& filter) const {
    const std::uint32_t dim = snapshot_->dimension();
    std::vector<bool> usable;
    std::vector<float> unit = normalised_queries(queries, dim, usable);
    auto results = snapshot_->search_exact_batch(unit.data(), usable.size(), k, filter);
    for (std::size_t i = 0; i < results.size(); ++i)
        if (!usable[i]) results[i].clear();
    return results;
}

bool VectorIndexReader::contains(std::int64_t passage_id) const {
    return snapshot_->find(passage_id) != nullptr;
}

std::optional<std::vector<float>> VectorIndexReader::vector(std::int64_t passage_id) const {
    const float* v = snapshot_->find(passage_id);
    if (!v) return std::nullopt;
    return std::vector<float>(v, v + snapshot_->dimension());
}

const VectorIndexIdentity& VectorIndexReader::identity() const {
    return snapshot_->identity();
}
std::uint64_t VectorIndexReader::size() const {
    return snapshot_->live();
}
std::uint64_t VectorIndexReader::generation() const {
    return snapshot_->generation();
}
VectorIndexStats VectorIndexReader::stats() const {
    return snapshot_->stats();
}

}  // namespace deskside::store
