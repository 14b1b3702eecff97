// A pool of KeywordSearchers for the HTTP workers. A KeywordSearcher must not be shared
// between threads, so each search borrows an idle one (or opens a new one) and gives it back
// afterwards; the pool never holds more searchers than searches that ran at the same time.
//
// Thread-safe. A searcher whose search failed for a reason other than the request itself
// (io, corrupt_index, ...) is dropped rather than reused; the next search opens a fresh one.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "retriever/keyword_search.h"
#include "store/data_dir.h"

namespace deskside::http {

class SearcherPool {
  public:
    explicit SearcherPool(store::DataDir dir) : dir_(std::move(dir)) {}

    // Throws what KeywordSearcher throws: Error(query_syntax), Error(not_found), ...
    retriever::SearchResults search(const retriever::SearchRequest& request);

  private:
    std::unique_ptr<retriever::KeywordSearcher> acquire();
    void release(std::unique_ptr<retriever::KeywordSearcher> searcher);

    store::DataDir dir_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<retriever::KeywordSearcher>> idle_;
};

}  // namespace deskside::http
