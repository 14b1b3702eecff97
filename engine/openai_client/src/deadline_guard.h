// DeadlineGuard: the hard bound on one exchange's time. It keeps its own duplicate of a
// connected socket's descriptor and, if the deadline passes before it is destroyed, shuts the
// socket down, which wakes any read or write blocked on it in whatever library layer (Poco's TLS
// code retries timed-out reads several times, so socket timeouts alone can let a stalled
// handshake take five times the limit). Holding a duplicate means the descriptor it shuts down
// can never be one the process has meanwhile reused for another connection.
//
// One guard per connection, owned by one thread; its watcher thread only sleeps and shuts down.
// The constructor throws Error(io) if the descriptor cannot be duplicated.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace deskside::openai_client::detail {

class DeadlineGuard {
  public:
    DeadlineGuard(int socket_fd, std::chrono::steady_clock::time_point deadline);
    ~DeadlineGuard();
    DeadlineGuard(const DeadlineGuard&) = delete;
    DeadlineGuard& operator=(const DeadlineGuard&) = delete;

    // True once the deadline passed and the socket was shut down.
    bool fired() const { return fired_; }
    // Shuts the socket down now (the caller is leaving), without counting as fired.
    void shut_down_now();

  private:
    int fd_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::atomic<bool> fired_{false};
    std::thread watcher_;
};

}  // namespace deskside::openai_client::detail
