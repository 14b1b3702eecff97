// Helpers shared by the vector index tests: seeded random unit vectors, and a reference model
// of what an index should hold with brute-force search in double precision. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "store/vector_index.h"

namespace deskside::store::vector_testing {

inline VectorIndexIdentity identity(int dimension, std::string name = "model-a.gguf") {
    return {"gguf", std::move(name), "0123456789abcdef", dimension};
}

// Gaussian rows scaled to unit length: directions uniform on the sphere.
inline std::vector<float> random_unit_vectors(std::size_t count, int dimension,
                                              std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(count * dimension);
    for (std::size_t i = 0; i < count; ++i) {
        double sum = 0;
        for (int d = 0; d < dimension; ++d) {
            float x = normal(rng);
            v[i * dimension + d] = x;
            sum += double{x} * x;
        }
        for (int d = 0; d < dimension; ++d)
            v[i * dimension + d] = static_cast<float>(v[i * dimension + d] / std::sqrt(sum));
    }
    return v;
}

inline std::vector<std::int64_t> id_range(std::int64_t first, std::size_t count) {
    std::vector<std::int64_t> ids(count);
    for (std::size_t i = 0; i < count; ++i) ids[i] = first + static_cast<std::int64_t>(i);
    return ids;
}

inline std::span<const float> row(const std::vector<float>& v, std::size_t i, int dimension) {
    return {v.data() + i * dimension, static_cast<std::size_t>(dimension)};
}

inline double dot(std::span<const float> a, std::span<const float> b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += double{a[i]} * b[i];
    return s;
}

// The reference: what the index should hold, and brute-force search in double precision.
class Model {
  public:
    explicit Model(int dimension) : dim_(dimension) {}
    void put(std::span<const std::int64_t> ids, const std::vector<float>& vectors) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            auto r = row(vectors, i, dim_);
            rows_[ids[i]] = std::vector<float>(r.begin(), r.end());
        }
    }
    void remove(std::span<const std::int64_t> ids) {
        for (auto id : ids) rows_.erase(id);
    }
    std::vector<std::int64_t> top(std::span<const float> query, std::size_t k,
                                  const PassageFilter& filter = {}) const {
        std::vector<std::pair<double, std::int64_t>> scored;
        for (const auto& [id, v] : rows_)
            if (!filter || filter(id)) scored.push_back({-dot(query, v), id});
        std::sort(scored.begin(), scored.end());
        std::vector<std::int64_t> ids;
        for (std::size_t i = 0; i < std::min(k, scored.size()); ++i)
            ids.push_back(scored[i].second);
        return ids;
    }
    const std::map<std::int64_t, std::vector<float>>& rows() const { return rows_; }

  private:
    int dim_;
    std::map<std::int64_t, std::vector<float>> rows_;
};

inline std::vector<std::int64_t> ids_of(const std::vector<VectorHit>& hits) {
    std::vector<std::int64_t> ids;
    for (const auto& h : hits) ids.push_back(h.passage_id);
    return ids;
}

inline double recall(const std::vector<std::int64_t>& truth,
                     const std::vector<std::int64_t>& found) {
    std::set<std::int64_t> t(truth.begin(), truth.end());
    std::size_t hit = 0;
    for (auto id : found) hit += t.count(id);
    return truth.empty() ? 1.0 : static_cast<double>(hit) / truth.size();
}

// Checks every observable of a reader against the model: ids, vectors, exact search.
inline void expect_matches(const VectorIndexReader& reader, const Model& model, int dimension,
                           std::uint64_t seed) {
    ASSERT_EQ(reader.size(), model.rows().size());
    for (const auto& [id, v] : model.rows()) {
        auto stored = reader.vector(id);
        ASSERT_TRUE(stored) << "passage " << id;
        for (int d = 0; d < dimension; ++d) ASSERT_NEAR((*stored)[d], v[d], 1e-6);
    }
    auto queries = random_unit_vectors(5, dimension, seed);
    for (std::size_t q = 0; q < 5; ++q) {
        VectorQuery query;
        query.mode = VectorSearchMode::exact;
        EXPECT_EQ(ids_of(reader.search(row(queries, q, dimension), query)),
                  model.top(row(queries, q, dimension), 10));
    }
}

inline VectorIndexOptions small_graph_options() {
    VectorIndexOptions options;
    options.hnsw_min_rows = 100;
    options.build_threads = 1;
    return options;
}

}  // namespace deskside::store::vector_testing
