// HNSW recall against exact search on the data the issue names: 20,000 random unit vectors of
// 64 dimensions (uniform on the sphere, the hard case: no low-dimensional structure to exploit),
// with the default parameters. Labelled slow: building the graph takes a few seconds.
#include <gtest/gtest.h>

#include "store/vector_index.h"
#include "test_support.h"
#include "vector_test_util.h"

namespace deskside::store {
namespace {

using namespace vector_testing;

TEST(VectorIndex, HnswRecallAt10AgainstExactIsAtLeast95Percent) {
    testing::TempDir tmp;
    const int dim = 64;
    const std::size_t n = 20000;
    auto vectors = random_unit_vectors(n, dim, 3);
    {
        VectorIndexWriter writer(tmp.path(), identity(dim));
        writer.put(id_range(1000, n), vectors);
        writer.compact();
        EXPECT_EQ(writer.stats().graph_m, 16);
    }
    VectorIndexReader reader(tmp.path(), identity(dim));
    ASSERT_EQ(reader.stats().delta_files, 0u);
    const std::size_t nq = 200;
    auto queries = random_unit_vectors(nq, dim, 4);
    auto truth = reader.search_exact_batch(queries, 10);
    ASSERT_EQ(truth.size(), nq);
    double total = 0;
    for (std::size_t q = 0; q < nq; ++q) {
        auto hits = reader.search(row(queries, q, dim), {});
        ASSERT_EQ(hits.size(), 10u);
        total += recall(ids_of(truth[q]), ids_of(hits));
        for (const auto& hit : hits)  // graph scores are true inner products
            EXPECT_NEAR(hit.score,
                        dot(row(queries, q, dim), row(vectors, hit.passage_id - 1000, dim)), 1e-5);
        if (q % 40 == 0) {  // batch sgemm and single sgemv agree
            VectorQuery exact;
            exact.mode = VectorSearchMode::exact;
            EXPECT_EQ(ids_of(reader.search(row(queries, q, dim), exact)), ids_of(truth[q]));
        }
    }
    const double mean = total / nq;
    EXPECT_GE(mean, 0.95);
    // ef_search is honoured per query: a narrow beam loses recall, a wide one gains it.
    auto mean_recall = [&](int ef) {
        VectorQuery query;
        query.ef_search = ef;
        double sum = 0;
        for (std::size_t q = 0; q < nq; ++q)
            sum += recall(ids_of(truth[q]), ids_of(reader.search(row(queries, q, dim), query)));
        return sum / nq;
    };
    EXPECT_LT(mean_recall(32), mean - 0.1);
    EXPECT_GE(mean_recall(600), 0.99);
}

}  // namespace
}  // namespace deskside::store
