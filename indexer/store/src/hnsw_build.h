// Building and updating the HNSW graph of a base file with hnswlib (the only place that
// includes hnswlib). The graph lives in hnswlib's memory until write_base() has written it out;
// searches never use hnswlib (VectorSnapshot walks the graph in the mapped file itself, which
// is how the filter and per-query ef work with hnswlib 0.6.2, whose searchKnn has neither).
//
// Insertion runs on `threads` threads (hnswlib's addPoint is thread-safe for distinct ids).
// Failures (out of memory) throw Error(internal). Use a built graph from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "vector_format.h"

namespace deskside::store::vec {

struct GraphBuildParams {
    std::uint32_t dimension = 0;
    std::uint32_t M = 16;
    std::uint32_t ef_construction = 200;
    int threads = 1;
    std::uint64_t seed = 100;
};

// Rows to insert: ids[i] with its unit vector at vectors[i] (memory owned by the caller).
struct RowsToInsert {
    std::vector<std::int64_t> ids;
    std::vector<const float*> vectors;
};

// A new graph holding exactly `rows`.
std::unique_ptr<BaseSource> build_graph(const GraphBuildParams& params, const RowsToInsert& rows);

// The graph of `base` (which has one) loaded into hnswlib, with `removed` ids (live in the base)
// marked deleted and `rows` inserted, replacing the vector of an id already in the base.
std::unique_ptr<BaseSource> update_graph(const BaseView& base, const GraphBuildParams& params,
                                         std::span<const std::int64_t> removed,
                                         const RowsToInsert& rows);

}  // namespace deskside::store::vec
