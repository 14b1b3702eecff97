// parallel_for: runs fn(item, worker) for item in [0, count) on `threads` threads (the calling
// thread is worker 0; workers are numbered 0..threads-1, so each can own a scratch slot),
// handing out items through an atomic counter so uneven items balance.
// Threads live for one call: the encoder's stages are long enough (milliseconds) that spawning
// costs nothing measurable, and no pool has to be shared between concurrent embed() calls.
// The first exception thrown by fn is rethrown on the calling thread after all threads joined.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace deskside::bert::detail {

template <typename Fn>
void parallel_for(int threads, std::int64_t count, Fn&& fn) {
    if (count <= 0) return;
    int n = static_cast<int>(std::min<std::int64_t>(std::max(threads, 1), count));
    if (n == 1) {
        for (std::int64_t i = 0; i < count; ++i) fn(i, 0);
        return;
    }
    std::atomic<std::int64_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&](int worker) {
        try {
            for (std::int64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1))
                fn(i, worker);
        } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            next.store(count);  // stop handing out work
        }
    };
    {
        std::vector<std::jthread> helpers;
        helpers.reserve(static_cast<std::size_t>(n - 1));
        for (int t = 1; t < n; ++t) helpers.emplace_back(work, t);
        work(0);
    }  // jthreads join here
    if (error) std::rethrow_exception(error);
}

}  // namespace deskside::bert::detail
