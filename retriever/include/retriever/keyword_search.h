// Keyword search over the passages of an index: Xapian's query parser (AND/OR/NOT, "phrases",
// NEAR, wildcards, field prefixes title: author: path: type: collection:, date ranges
// date:2020-01-01..2020-12-31), BM25 ranking, best passage per document, and snippets with the
// matched terms marked.
//
// A KeywordSearcher holds read-only handles on the catalog and the keyword index; use one per
// thread. It sees the index as of its last reopen; search() reopens on its own when a writer
// has moved the index on. A query that does not parse throws Error(query_syntax) with the
// parser's explanation.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "retriever/search_types.h"
#include "retriever/snippet.h"
#include "store/data_dir.h"

namespace deskside::retriever {

class KeywordSearcher {
  public:
    // Throws Error(not_found) if the data directory holds no index.
    explicit KeywordSearcher(const store::DataDir& dir);
    ~KeywordSearcher();
    KeywordSearcher(KeywordSearcher&&) noexcept;

    // with_snippets = false returns the ranking alone (rank, score, passage and document ids;
    // no catalog lookups, no snippets), possibly including passages of a run not yet committed:
    // hybrid search asks for 100 candidates and shows ten, looks those up in the catalog and
    // marks them with snippet_of_last_search().
    SearchResults search(const SearchRequest& request, bool with_snippets = true);

    // A snippet of `text` (a passage's full text) centred on the terms of the last search()'s
    // query, with them marked, as search() makes them; nullopt before any search.
    std::optional<PlainSnippet> snippet_of_last_search(const std::string& text) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace deskside::retriever
