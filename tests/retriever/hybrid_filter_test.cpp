// Filters inside the vector arm (retriever/hybrid_search.h): a filter few passages pass is
// searched by scoring just those passages, a wide one by the graph walk with the filter inside
// it; both must give the same passages, only ones the filter allows, in vector and hybrid mode,
// and a searcher must keep answering alike when it reuses a filter's passage list. The paths
// compute cosines with different kernels (a dot per passage, or one matrix-vector product), so
// near-equal scores may swap places: scores are compared rank by rank, not ids.
#include <gtest/gtest.h>

#include "ingest/pipeline.h"
#include "retriever/hybrid_search.h"
#include "test_support.h"
#include "vectors/embeddings.h"

namespace deskside::retriever {
namespace {

class HybridFilterTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        tmp_ = new testing::TempDir();
        const store::DataDir dir(tmp_->path());
        for (auto [folder, collection] :
             {std::pair{"txt", "notes"}, std::pair{"html", "web"}, std::pair{"md", "notes"}}) {
            ingest::IndexOptions options;
            options.roots.push_back(testing::corpus_dir() / folder);
            options.collection = collection;
            ingest::run_index(dir, options, nullptr, Logger());
        }
        vectors::sync_vectors(dir, {}, {});
    }
    static void TearDownTestSuite() { delete tmp_; }

    static testing::TempDir* tmp_;
};
testing::TempDir* HybridFilterTest::tmp_ = nullptr;

TEST_F(HybridFilterTest, ScoringTheAllowedPassagesEqualsFilteringTheWalk) {
    HybridSearcher searcher(store::DataDir(tmp_->path()), {});
    ASSERT_TRUE(searcher.has_vectors());
    HybridOptions by_list;  // every filter here passes few passages: scored by id
    HybridOptions by_walk;
    by_walk.filter_scan_max = 0;  // every filter goes through the search with the filter inside
    int compared = 0;
    for (const char* query : {"document text", "crystalline lens", "table of contents", "email"}) {
        for (const char* collection : {"notes", "web"}) {
            for (SearchMode mode : {SearchMode::vector, SearchMode::hybrid}) {
                SCOPED_TRACE(std::string(query) + " / " + collection + " / " +
                             std::string(search_mode_name(mode)));
                SearchRequest request;
                request.query = query;
                request.collection = collection;
                request.limit = 20;
                request.per_document = 0;
                // Twice each: the second search reuses the filter's passage list.
                for (int round = 0; round < 2; ++round) {
                    const auto listed = searcher.search(request, mode, by_list);
                    const auto walked = searcher.search(request, mode, by_walk);
                    ASSERT_EQ(listed.hits.size(), walked.hits.size());
                    for (std::size_t i = 0; i < listed.hits.size(); ++i)
                        EXPECT_NEAR(listed.hits[i].score, walked.hits[i].score, 1e-4) << i;
                    for (const auto& hit : listed.hits) EXPECT_EQ(hit.collection, collection);
                    if (!listed.hits.empty()) ++compared;
                }
            }
        }
    }
    EXPECT_GE(compared, 12);

    // A type filter goes the same way, and an impossible filter finds nothing.
    SearchRequest html;
    html.types = {"html"};
    html.limit = 50;
    int found = 0;
    for (const char* query : {"document text", "crystalline lens", "table of contents", "email"}) {
        html.query = query;
        const auto hits = searcher.search(html, SearchMode::vector, by_list);
        for (const auto& hit : hits.hits) EXPECT_EQ(hit.format, "html");
        const auto walked = searcher.search(html, SearchMode::vector, by_walk);
        ASSERT_EQ(hits.hits.size(), walked.hits.size());
        for (std::size_t i = 0; i < hits.hits.size(); ++i)
            EXPECT_NEAR(hits.hits[i].score, walked.hits[i].score, 1e-5) << i;
        found += !hits.hits.empty();
    }
    EXPECT_GE(found, 1);
    SearchRequest nowhere = html;
    nowhere.collection = "no-such-collection";
    EXPECT_TRUE(searcher.search(nowhere, SearchMode::vector, by_list).hits.empty());
}

}  // namespace
}  // namespace deskside::retriever
