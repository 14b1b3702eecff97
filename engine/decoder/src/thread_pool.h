// ThreadPool: a fixed set of worker threads that stay alive for the model's life, because a
// decode step (tens of microseconds per matrix) is far too short to spawn threads. run() hands
// out tasks [0, count) through an atomic counter; the calling thread is worker 0 and the
// workers are 1..threads()-1, so each can own a scratch slot. Idle workers spin about a
// millisecond (the next layer is usually that close), then sleep on a futex.
// A worker joins a run only while it is open; the caller closes it when it runs out of tasks
// and then waits only for the workers that joined. So a worker that the OS has not scheduled
// (a busy machine) never holds a step up: the caller does its share instead.
// Threads: run() is called by one thread at a time (the model's forward); not reentrant. The
// first exception a task throws is rethrown by run() after every task has stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace deskside::decoder::detail {

class ThreadPool {
  public:
    explicit ThreadPool(int threads);  // threads >= 1 (1: run() is a plain loop)
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return static_cast<int>(workers_.size()) + 1; }

    // fn(task, worker) for every task in [0, count); returns when all are done. With
    // parallel = false (work too small to be worth waking anyone) the caller runs them all.
    template <typename Fn>
    void run(std::int64_t count, Fn&& fn, bool parallel = true) {
        if (count <= 0) return;
        if (workers_.empty() || count == 1 || !parallel) {
            for (std::int64_t i = 0; i < count; ++i) fn(i, 0);
            return;
        }
        run_erased(count, &invoke<std::remove_reference_t<Fn>>, &fn);
    }

  private:
    using Call = void (*)(void* context, std::int64_t task, int worker);
    template <typename Fn>
    static void invoke(void* context, std::int64_t task, int worker) {
        (*static_cast<Fn*>(context))(task, worker);
    }
    void run_erased(std::int64_t count, Call call, void* context);
    void worker_loop(int worker);
    void work(int worker);

    // state_ = generation << 32 | open << 31 | workers that joined and have not finished.
    static constexpr std::uint64_t kOpen = std::uint64_t{1} << 31;
    static constexpr std::uint64_t kActiveMask = kOpen - 1;

    std::vector<std::jthread> workers_;
    std::atomic<std::uint64_t> state_{0};
    std::atomic<std::int64_t> next_{0};  // next task to hand out
    std::atomic<bool> stop_{false};
    std::int64_t count_ = 0;
    Call call_ = nullptr;
    void* context_ = nullptr;
    std::mutex error_mutex_;
    std::exception_ptr error_;
};

}  // namespace deskside::decoder::detail
