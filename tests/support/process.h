// Runs the deskside binary (or any program) as a child process for CLI tests: captures exit
// status, stdout and stderr; can start it in the background and kill it. Test-only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

namespace deskside::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

class Process {
  public:
    // Starts `argv` with extra environment entries ("NAME=value").
    Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
        int out_pipe[2], err_pipe[2];
        if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out_pipe[1], STDOUT_FILENO);
            ::dup2(err_pipe[1], STDERR_FILENO);
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, STDIN_FILENO);
            for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        out_fd_ = out_pipe[0];
        err_fd_ = err_pipe[0];
    }
    ~Process() {
        if (pid_ > 0 && !waited_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }

    void kill_now() { ::kill(pid_, SIGKILL); }

    ProcessResult wait() {
        // Drain both pipes until the child closes them, then reap it.
        std::vector<pollfd> fds{{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
        std::string* sinks[] = {&result_.out, &result_.err};
        int open_fds = 2;
        while (open_fds > 0) {
            if (::poll(fds.data(), fds.size(), -1) < 0) break;
            for (int i = 0; i < 2; ++i) {
                if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
                char buffer[8192];
                ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
                if (n > 0) {
                    sinks[i]->append(buffer, static_cast<size_t>(n));
                } else {
                    ::close(fds[i].fd);
                    fds[i].fd = -1;
                    --open_fds;
                }
            }
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        waited_ = true;
        if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) result_.signal = WTERMSIG(status);
        return result_;
    }

  private:
    pid_t pid_ = -1;
    int out_fd_ = -1, err_fd_ = -1;
    bool waited_ = false;
    ProcessResult result_;
};

// Runs the deskside binary built with the tests to completion.
inline ProcessResult run_deskside(std::vector<std::string> args,
                                  const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), DESKSIDE_BINARY);
    return Process(args, env).wait();
}

}  // namespace deskside::testing
