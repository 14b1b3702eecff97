#include "deadline_guard.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"

namespace deskside::openai_client::detail {

DeadlineGuard::DeadlineGuard(int socket_fd, std::chrono::steady_clock::time_point deadline)
    : fd_(::dup(socket_fd)) {
    if (fd_ < 0) throw_io_error("cannot watch the connection", "socket", errno);
    watcher_ = std::thread([this, deadline] {
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, deadline, [this] { return done_; })) return;
        fired_ = true;
        ::shutdown(fd_, SHUT_RDWR);
    });
}

DeadlineGuard::~DeadlineGuard() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    wake_.notify_one();
    watcher_.join();
    ::close(fd_);
}

void DeadlineGuard::shut_down_now() {
    ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace deskside::openai_client::detail
