// Search in three modes: keyword (BM25, retriever/keyword_search), vector (nearest passages by
// embedding) and hybrid (both arms fused, retriever/fusion). The collection and type filters
// apply inside both arms before ranking: the keyword arm filters in Xapian, the vector arm
// walks the graph with a passage filter from the catalog.
//
// A HybridSearcher holds read handles on the catalog, the keyword index, the vector index and
// the query embedder; use one per thread. The vector arm sees the vectors committed when it
// was opened. Errors: as KeywordSearcher; Error(invalid_argument) for vector or hybrid mode
// when the data directory has no vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "retriever/fusion.h"
#include "retriever/search_types.h"
#include "store/data_dir.h"
#include "store/vector_index.h"
#include "vectors/embeddings.h"

namespace deskside::retriever {

enum class SearchMode { keyword, vector, hybrid };

SearchMode parse_search_mode(std::string_view name);  // keyword | vector | hybrid
std::string_view search_mode_name(SearchMode mode);

struct HybridOptions {
    FusionOptions fusion;  // its per_document is taken from the request
    int depth = 100;       // candidates taken from each arm before fusion
    int ef_search = 0;     // HNSW beam width; 0 = the reader's default
    // How the vector arm searches: the graph when the index has one (automatic), or exact (the
    // ground truth that `deskside eval` measures the graph's recall against).
    store::VectorSearchMode vector_mode = store::VectorSearchMode::automatic;
    // A filter (collection, type, date) that lets at most this many passages through is searched
    // by scoring just those passages, looked up by id (about 2 ms for 10,000 at 384
    // dimensions); a wider one walks the graph with the filter inside it. Either way the
    // filter's passage list is kept per searcher while the catalog is unchanged.
    std::size_t filter_scan_max = 50'000;
};

class HybridSearcher {
  public:
    HybridSearcher(const store::DataDir& dir, const vectors::EmbeddingConfig& embedding);
    ~HybridSearcher();
    HybridSearcher(HybridSearcher&&) noexcept;

    // True when the data directory has vectors (vector and hybrid modes are available).
    bool has_vectors() const;
    // The embedder's description ("lsa (256-d, corpus-trained)"), or "" without vectors.
    std::string embedder() const;

    SearchResults search(const SearchRequest& request, SearchMode mode,
                         const HybridOptions& options = {});

  private:
    struct State;
    std::unique_ptr<State> state_;
};

// The date range a query's `date:FROM..TO` filter names (either end may be empty; dates as
// YYYY-MM-DD or YYYYMMDD, TO inclusive to the end of its day), so the vector arm filters as the
// keyword arm does. Both unset when the query has no such filter or it does not parse (the
// keyword arm then reports the syntax error).
struct DateBounds {
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
};
DateBounds date_bounds_of_query(std::string_view query);

// The words of a query for the vector arm: field syntax (title:, date:...), operators and
// quotes removed.
std::string plain_words(std::string_view query);

}  // namespace deskside::retriever
