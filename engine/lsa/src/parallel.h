// A minimal fork-join helper for the LSA fit and embed loops: splits [0, count) into contiguous
// blocks, runs one block per thread and joins. Private to deskside_lsa. Callable from any thread;
// the body must only write to its own block. The first exception a block throws is rethrown on
// the calling thread after every block has finished.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace deskside::lsa::detail {

// Threads to use for `requested` (0 = one per hardware thread), never more than `work_items`.
inline int thread_count(int requested, std::size_t work_items) {
    std::size_t n = requested > 0 ? static_cast<std::size_t>(requested)
                                  : std::max(1u, std::thread::hardware_concurrency());
    n = std::min(n, std::max<std::size_t>(work_items, 1));
    return static_cast<int>(n);
}

// Calls body(begin, end, block_index) for `threads` contiguous blocks covering [0, count). Block
// boundaries depend only on count and threads, so per-block results merge deterministically.
template <typename Body>
void parallel_blocks(std::size_t count, int threads, Body&& body) {
    if (threads <= 1 || count <= 1) {
        body(std::size_t{0}, count, 0);
        return;
    }
    std::exception_ptr failure;
    std::mutex failure_mutex;
    std::vector<std::jthread> workers;
    workers.reserve(static_cast<std::size_t>(threads) - 1);
    auto run = [&](int block) {
        const std::size_t begin = count * static_cast<std::size_t>(block) / threads;
        const std::size_t end = count * static_cast<std::size_t>(block + 1) / threads;
        try {
            body(begin, end, block);
        } catch (...) {
            std::lock_guard lock(failure_mutex);
            if (!failure) failure = std::current_exception();
        }
    };
    for (int block = 1; block < threads; ++block) workers.emplace_back(run, block);
    run(0);
    workers.clear();  // joins
    if (failure) std::rethrow_exception(failure);
}

}  // namespace deskside::lsa::detail
