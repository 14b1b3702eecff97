#include "searcher_pool.h"

#include "base/error.h"

namespace deskside::http {

retriever::SearchResults SearcherPool::search(const retriever::SearchRequest& request) {
    auto searcher = acquire();
    try {
        auto results = searcher->search(request);
        release(std::move(searcher));
        return results;
    } catch (const Error& e) {
        // The request was at fault, not the searcher's handles: keep it.
        if (is_user_error(e.code())) release(std::move(searcher));
        throw;
    }
}

std::unique_ptr<retriever::KeywordSearcher> SearcherPool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto searcher = std::move(idle_.back());
            idle_.pop_back();
            return searcher;
        }
    }
    // Opening reads the catalog and the Xapian database: done outside the lock.
    return std::make_unique<retriever::KeywordSearcher>(dir_);
}

void SearcherPool::release(std::unique_ptr<retriever::KeywordSearcher> searcher) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(searcher));
}

}  // namespace deskside::http
