// The converter runner of converter_process.h: posix_spawn with pipes and a memfd, a poll
// loop enforcing the output cap and time limit, RAII for every descriptor and the child.
#include "legacy/converter_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "base/error.h"

extern char** environ;

namespace deskside::ingest::legacy {
namespace {

constexpr int kInputFd = 3;  // the document appears to the child as /dev/fd/3
constexpr std::size_t kMaxStderr = 64 * 1024;

// An owned file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

[[noreturn]] void os_error(std::string_view what) {
    throw_io_error(what, "converter", errno);
}

// `fd` moved above the standard descriptors and kInputFd (close-on-exec), so that the child's
// dup2 onto 0..3 never clobbers another of our descriptors (a daemon may run with 0..2 closed).
Fd high_fd(int fd) {
    if (fd < 0) os_error("pipe");
    if (fd > kInputFd) return Fd(fd);
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, kInputFd + 1);
    ::close(fd);
    if (moved < 0) os_error("fcntl");
    return Fd(moved);
}

std::pair<Fd, Fd> make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) os_error("pipe");
    return {high_fd(fds[0]), high_fd(fds[1])};
}

// The document as an anonymous in-memory file.
Fd memory_file(std::string_view bytes) {
    Fd fd = high_fd(memfd_create("deskside-document", MFD_CLOEXEC));
    for (std::size_t done = 0; done < bytes.size();) {
        ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) os_error("write");
        done += static_cast<std::size_t>(n);
    }
    return fd;
}

// posix_spawn_file_actions_t and posix_spawnattr_t with their destroy calls.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// The child until it is reaped; killed and reaped on destruction if still running.
class Child {
  public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ > 0) {
            kill();
            wait();
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    void kill() const {
        if (pid_ > 0) ::kill(pid_, SIGKILL);
    }
    int wait() {
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

  private:
    pid_t pid_;
};

std::string trimmed_first_line(std::string_view text) {
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
            line.remove_prefix(1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
            line.remove_suffix(1);
        if (!line.empty()) return std::string(line.substr(0, 300));
    }
    return {};
}

}  // namespace

std::string ConverterResult::first_message() const {
    std::string line = trimmed_first_line(err);
    return line.empty() ? trimmed_first_line(out) : line;
}

std::optional<std::filesystem::path> find_program(std::string_view program,
                                                  std::string_view search_path) {
    std::string path_value;
    if (search_path.empty()) {
        const char* env = std::getenv("PATH");
        path_value = env ? env : "/usr/local/bin:/usr/bin:/bin";
        search_path = path_value;
    }
    while (true) {
        std::size_t colon = search_path.find(':');
        std::string_view dir = search_path.substr(0, colon);
        if (!dir.empty()) {
            std::filesystem::path candidate = std::filesystem::path(dir) / program;
            struct stat info;
            if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
                ::access(candidate.c_str(), X_OK) == 0)
                return candidate;
        }
        if (colon == std::string_view::npos) return std::nullopt;
        search_path.remove_prefix(colon + 1);
    }
}

ConverterResult run_converter(const std::filesystem::path& executable,
                              const ConverterRequest& request) {
    using Clock = std::chrono::steady_clock;
    Clock::time_point stop = request.deadline;
    Clock::time_point now = Clock::now();
    if (request.time_limit.count() > 0 && stop - now > request.time_limit)
        stop = now + request.time_limit;

    Fd input = memory_file(request.input);
    auto [out_read, out_write] = make_pipe();
    auto [err_read, err_write] = make_pipe();

    SpawnSetup setup;
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), 1);
    posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), 2);
    posix_spawn_file_actions_adddup2(&setup.actions, input.get(), kInputFd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Descriptors this process opened without close-on-exec (other libraries' files and
    // sockets) stay out of the converter.
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, kInputFd + 1);
#endif
    // The child starts with default signal handling and nothing blocked, whatever this
    // process (a server ignoring SIGPIPE, a thread blocking signals) has set.
    sigset_t no_signals, default_signals;
    sigemptyset(&no_signals);
    sigemptyset(&default_signals);
    sigaddset(&default_signals, SIGPIPE);
    posix_spawnattr_setsigmask(&setup.attributes, &no_signals);
    posix_spawnattr_setsigdefault(&setup.attributes, &default_signals);
    posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> args;
    args.push_back(executable.filename().string());
    args.insert(args.end(), request.args.begin(), request.args.end());
    args.push_back("/dev/fd/" + std::to_string(kInputFd));
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    int spawn_error = posix_spawn(&pid, executable.c_str(), &setup.actions, &setup.attributes,
                                  argv.data(), environ);
    if (spawn_error != 0) {
        errno = spawn_error;
        os_error("posix_spawn " + executable.string());
    }
    Child child(pid);
    out_write.reset();
    err_write.reset();
    input.reset();

    ConverterResult result;
    const std::size_t max_out =
        static_cast<std::size_t>(std::max<std::int64_t>(0, request.max_output_bytes));
    bool out_open = true, err_open = true;
    char buffer[65536];
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            child.kill();
            break;
        }
        pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                         {err_open ? err_read.get() : -1, POLLIN, 0}};
        int ready = ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR) os_error("poll");
        if (ready <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                (i == 0 ? out_open : err_open) = false;
                continue;
            }
            if (i == 0) {
                std::size_t room = max_out - std::min(max_out, result.out.size());
                result.out.append(buffer, std::min(room, static_cast<std::size_t>(n)));
                if (static_cast<std::size_t>(n) > room) {
                    result.output_truncated = true;
                    child.kill();
                    out_open = err_open = false;
                }
            } else if (result.err.size() < kMaxStderr) {
                result.err.append(
                    buffer, std::min(kMaxStderr - result.err.size(), static_cast<std::size_t>(n)));
            }
        }
    }
    int status = child.wait();
    if (WIFEXITED(status)) {
        result.exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

}  // namespace deskside::ingest::legacy
