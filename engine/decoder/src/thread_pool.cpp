#include "thread_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DESKSIDE_PAUSE() _mm_pause()
#else
#define DESKSIDE_PAUSE() std::this_thread::yield()
#endif

namespace deskside::decoder::detail {
namespace {

// How long an idle worker spins before it sleeps: longer than the gap between two matrix
// products of a decode step, far shorter than the pause between two requests.
constexpr auto kSpinTime = std::chrono::microseconds(1000);

std::uint32_t generation_of(std::uint64_t state) {
    return static_cast<std::uint32_t>(state >> 32);
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
    const int helpers = threads > 1 ? threads - 1 : 0;
    workers_.reserve(static_cast<std::size_t>(helpers));
    for (int w = 1; w <= helpers; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    // A new generation, closed: workers wake, see stop_ and leave.
    const std::uint64_t next = (std::uint64_t{generation_of(state_.load()) + 1u} << 32);
    state_.store(next, std::memory_order_release);
    state_.notify_all();
    workers_.clear();  // joins
}

void ThreadPool::work(int worker) {
    try {
        for (std::int64_t i = next_.fetch_add(1, std::memory_order_relaxed); i < count_;
             i = next_.fetch_add(1, std::memory_order_relaxed))
            call_(context_, i, worker);
    } catch (...) {
        std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        next_.store(count_, std::memory_order_relaxed);  // hand out nothing more
    }
}

void ThreadPool::worker_loop(int worker) {
    std::uint32_t seen = 0;
    for (;;) {
        std::uint64_t s = state_.load(std::memory_order_acquire);
        if (generation_of(s) == seen) {
            const auto until = std::chrono::steady_clock::now() + kSpinTime;
            for (int i = 0; generation_of(s) == seen; ++i) {
                DESKSIDE_PAUSE();
                s = state_.load(std::memory_order_acquire);
                if ((i & 255) == 255 && generation_of(s) == seen &&
                    std::chrono::steady_clock::now() > until) {
                    state_.wait(s, std::memory_order_acquire);
                    s = state_.load(std::memory_order_acquire);
                }
            }
        }
        if (stop_.load(std::memory_order_acquire)) return;
        seen = generation_of(s);
        // Join while the run is open (one more active worker); a closed run is over for us.
        bool joined = false;
        while ((s & kOpen) && generation_of(s) == seen) {
            if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
                joined = true;
                break;
            }
        }
        if (!joined) continue;
        work(worker);
        state_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run_erased(std::int64_t count, Call call, void* context) {
    count_ = count;
    call_ = call;
    context_ = context;
    error_ = nullptr;
    next_.store(0, std::memory_order_relaxed);
    // Every worker of the previous run has finished (active was 0 when it returned).
    const std::uint64_t gen = generation_of(state_.load(std::memory_order_relaxed)) + 1u;
    state_.store((gen << 32) | kOpen, std::memory_order_release);
    state_.notify_all();
    work(0);
    // Close the run, then wait for the workers that joined it.
    std::uint64_t s = state_.fetch_and(~kOpen, std::memory_order_acq_rel) & ~kOpen;
    while ((s & kActiveMask) != 0) {
        DESKSIDE_PAUSE();
        s = state_.load(std::memory_order_acquire);
    }
    if (error_) {
        std::exception_ptr error = error_;
        error_ = nullptr;
        std::rethrow_exception(error);
    }
}

}  // namespace deskside::decoder::detail
