#include "store/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.h"

namespace deskside::store {

void DataDir::create() const {
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec) throw_io_error("cannot create data directory", root_.string(), ec.value());
}

void DataDir::require_exists() const {
    if (!exists())
        throw Error(ErrorCode::not_found,
                    "no index in " + root_.string() + ": run `deskside index FOLDER --data " +
                        root_.string() +
                        "` first, or pass the --data directory that holds the index");
}

WriterLock::WriterLock(const DataDir& dir) {
    dir.create();
    std::string path = dir.lock_path().string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_io_error("cannot open lock file", path, errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buffer[32] = {};
        ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) throw_io_error("cannot lock", path, err);
        std::string holder = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "unknown";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
            holder.pop_back();
        throw Error(ErrorCode::busy, "another deskside process (pid " + holder +
                                         ") is indexing into " + dir.root().string() +
                                         "; wait for it to finish, or stop it, then run again");
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

WriterLock::~WriterLock() {
    if (fd_ >= 0) {
        [[maybe_unused]] auto truncated = ::ftruncate(fd_, 0);
        ::close(fd_);  // releases the flock
    }
}

}  // namespace deskside::store
