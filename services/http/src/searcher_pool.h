// Pools of read handles for the HTTP workers: HybridSearchers for /api/search and
// GroundedAnswerers for /api/ask. Neither may be shared between threads, so each request
// borrows an idle one (or opens a new one) and gives it back; a pool never holds more handles
// than requests that ran at the same time (at most the worker threads).
//
// Handles see the index as of their opening (the vector arm does not reopen by itself), so
// each is stamped with the index's version when opened: the service's write generation plus
// the vector index's commit generation (which `deskside index` from the command line moves
// too). A handle from an older version is dropped instead of reused.
//
// Thread-safe. A handle whose call failed for a reason other than the request itself (io,
// corrupt_index, ...) is dropped rather than reused; the next request opens a fresh one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/error.h"

namespace deskside::http {

template <typename Handle>
class HandlePool {
  public:
    using Open = std::function<std::unique_ptr<Handle>()>;
    using Version = std::function<std::uint64_t()>;

    HandlePool(Open open, Version version) : open_(std::move(open)), version_(std::move(version)) {}

    // Runs `use(handle)` with a borrowed handle and returns what it returns. Rethrows what
    // `use` or opening throws.
    template <typename Use>
    auto with(Use&& use) {
        std::uint64_t version = version_();
        auto handle = acquire(version);
        try {
            if constexpr (std::is_void_v<decltype(use(*handle))>) {
                use(*handle);
                release(std::move(handle), version);
            } else {
                auto result = use(*handle);
                release(std::move(handle), version);
                return result;
            }
        } catch (const Error& e) {
            if (is_user_error(e.code()) || e.code() == ErrorCode::busy)
                release(std::move(handle), version);
            throw;
        }
    }

  private:
    std::unique_ptr<Handle> acquire(std::uint64_t version) {
        {
            std::lock_guard lock(mutex_);
            if (version != version_seen_) {  // the index moved on: old handles go
                idle_.clear();
                version_seen_ = version;
            }
            if (!idle_.empty()) {
                auto handle = std::move(idle_.back());
                idle_.pop_back();
                return handle;
            }
        }
        // Opening reads the catalog and the indexes: done outside the lock.
        return open_();
    }

    void release(std::unique_ptr<Handle> handle, std::uint64_t version) {
        std::lock_guard lock(mutex_);
        if (version == version_seen_) idle_.push_back(std::move(handle));
    }

    Open open_;
    Version version_;
    std::mutex mutex_;
    std::uint64_t version_seen_ = 0;
    std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace deskside::http
