#include "ingest/extraction_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "ingest/extract_failure.h"

extern char** environ;

namespace deskside::ingest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kKillGrace = std::chrono::seconds(5);

// ---- frames: little-endian integers and length-prefixed strings

class FrameWriter {
  public:
    void u64(std::uint64_t value) {
        for (int i = 0; i < 8; ++i) out_ += static_cast<char>((value >> (8 * i)) & 0xFF);
    }
    void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
    void str(std::string_view text) {
        u64(text.size());
        out_.append(text);
    }
    void flag(bool value) { out_ += value ? '\1' : '\0'; }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

class FrameReader {
  public:
    explicit FrameReader(std::string_view in) : in_(in) {}
    std::uint64_t u64() {
        need(8);
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i)
            value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in_[at_ + i]))
                     << (8 * i);
        at_ += 8;
        return value;
    }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    std::string str() {
        std::uint64_t size = u64();
        need(size);
        std::string text(in_.substr(at_, size));
        at_ += size;
        return text;
    }
    std::string_view view() {
        std::uint64_t size = u64();
        need(size);
        std::string_view text = in_.substr(at_, size);
        at_ += size;
        return text;
    }
    bool flag() {
        need(1);
        return in_[at_++] != '\0';
    }

  private:
    void need(std::uint64_t size) const {
        if (size > in_.size() - at_)
            throw Error(ErrorCode::internal, "extraction worker: truncated message");
    }
    std::string_view in_;
    std::size_t at_ = 0;
};

void write_optional(FrameWriter& w, const std::optional<std::int64_t>& value) {
    w.flag(value.has_value());
    w.i64(value.value_or(0));
}

std::optional<std::int64_t> read_optional(FrameReader& r) {
    bool present = r.flag();
    std::int64_t value = r.i64();
    return present ? std::optional<std::int64_t>(value) : std::nullopt;
}

void write_document(FrameWriter& w, const ExtractedDocument& d) {
    w.str(d.format);
    w.str(d.metadata.title);
    w.str(d.metadata.author);
    write_optional(w, d.metadata.created);
    write_optional(w, d.metadata.modified);
    w.str(d.metadata.language);
    w.str(d.metadata.encoding);
    w.u64(d.metadata.fields.size());
    for (const auto& [name, value] : d.metadata.fields) {
        w.str(name);
        w.str(value);
    }
    w.u64(d.blocks.size());
    for (const Block& b : d.blocks) {
        w.u64(static_cast<std::uint64_t>(b.kind));
        w.str(b.text);
        w.i64(b.level);
        w.i64(b.page);
        w.str(b.location);
        w.flag(b.ocr);
    }
    w.u64(d.warnings.size());
    for (const std::string& warning : d.warnings) w.str(warning);
}

ExtractedDocument read_document(FrameReader& r) {
    ExtractedDocument d;
    d.format = r.str();
    d.metadata.title = r.str();
    d.metadata.author = r.str();
    d.metadata.created = read_optional(r);
    d.metadata.modified = read_optional(r);
    d.metadata.language = r.str();
    d.metadata.encoding = r.str();
    for (std::uint64_t n = r.u64(); n > 0; --n) {
        std::string name = r.str();
        d.metadata.fields.emplace_back(std::move(name), r.str());
    }
    std::uint64_t blocks = r.u64();
    d.blocks.reserve(blocks);
    for (std::uint64_t i = 0; i < blocks; ++i) {
        Block b;
        b.kind = static_cast<BlockKind>(r.u64());
        b.text = r.str();
        b.level = static_cast<int>(r.i64());
        b.page = static_cast<int>(r.i64());
        b.location = r.str();
        b.ocr = r.flag();
        d.blocks.push_back(std::move(b));
    }
    for (std::uint64_t n = r.u64(); n > 0; --n) d.warnings.push_back(r.str());
    return d;
}

std::string encode_request(const std::filesystem::path& path, std::string_view bytes,
                           const ExtractOptions& options, const TreeLimits& limits,
                           std::chrono::milliseconds time_limit) {
    FrameWriter w;
    w.str(path.string());
    w.str(bytes);
    w.i64(options.max_output_bytes);
    w.i64(options.max_unpacked_bytes);
    w.i64(options.max_archive_entries);
    w.i64(options.max_nesting_depth);
    w.flag(options.ocr);
    w.str(options.ocr_languages);
    w.i64(options.ocr_dpi);
    w.i64(limits.max_depth);
    w.i64(limits.max_items);
    w.i64(time_limit.count());
    return w.take();
}

std::string encode_items(const std::vector<ExtractedItem>& items) {
    FrameWriter w;
    w.u64(items.size());
    for (const ExtractedItem& item : items) {
        w.str(item.inner_path);
        w.str(item.name);
        w.str(item.type.format);
        w.str(item.type.mime);
        w.i64(item.size);
        w.str(item.content_hash);
        w.str(item.failure);
        w.flag(item.document.has_value());
        if (item.document) write_document(w, *item.document);
    }
    return w.take();
}

std::vector<ExtractedItem> decode_items(std::string_view frame) {
    FrameReader r(frame);
    std::vector<ExtractedItem> items(r.u64());
    for (ExtractedItem& item : items) {
        item.inner_path = r.str();
        item.name = r.str();
        item.type.format = r.str();
        item.type.mime = r.str();
        item.size = r.i64();
        item.content_hash = r.str();
        item.failure = r.str();
        if (r.flag()) item.document = read_document(r);
    }
    return items;
}

// ---- raw I/O

bool write_all(int fd, std::string_view data, bool is_socket) {
    while (!data.empty()) {
        ssize_t n = is_socket ? ::send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                              : ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool write_frame(int fd, std::string_view payload, bool is_socket) {
    FrameWriter header;
    header.u64(payload.size());
    std::string head = header.take();
    return write_all(fd, head, is_socket) && write_all(fd, payload, is_socket);
}

enum class ReadStatus { ok, closed, timed_out };

// Reads exactly `size` bytes, waiting at most until `deadline`.
ReadStatus read_exact(int fd, char* out, std::size_t size, Clock::time_point deadline) {
    while (size > 0) {
        if (deadline != Clock::time_point::max()) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return ReadStatus::timed_out;
            pollfd p{fd, POLLIN, 0};
            int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
            if (ready < 0 && errno == EINTR) continue;
            if (ready == 0) return ReadStatus::timed_out;
        }
        ssize_t n = ::read(fd, out, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ReadStatus::closed;
        out += n;
        size -= static_cast<std::size_t>(n);
    }
    return ReadStatus::ok;
}

ReadStatus read_frame(int fd, std::string& payload, Clock::time_point deadline) {
    char head[8];
    if (ReadStatus s = read_exact(fd, head, 8, deadline); s != ReadStatus::ok) return s;
    std::uint64_t size = FrameReader(std::string_view(head, 8)).u64();
    if (size > (std::uint64_t{8} << 30)) return ReadStatus::closed;
    payload.resize(size);
    return read_exact(fd, payload.data(), size, deadline);
}

// Test hooks: make the worker crash or hang on a file whose path contains the given text, so
// the tests can prove the batch survives both (nothing in the corpus crashes poppler).
void apply_test_hooks(const std::string& path) {
    if (const char* crash = std::getenv("DESKSIDE_TEST_WORKER_CRASH");
        crash && *crash && path.find(crash) != std::string::npos)
        std::abort();
    if (const char* hang = std::getenv("DESKSIDE_TEST_WORKER_HANG");
        hang && *hang && path.find(hang) != std::string::npos)
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

}  // namespace

ExtractionWorker::ExtractionWorker(WorkerCommand command, std::chrono::seconds time_limit)
    : command_(std::move(command)), time_limit_(time_limit) {}

ExtractionWorker::~ExtractionWorker() {
    stop(false);
}

void ExtractionWorker::start() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw_io_error("cannot create a socket pair for", "the extraction worker", errno);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args{command_.program.string()};
    args.insert(args.end(), command_.arguments.begin(), command_.arguments.end());
    args.push_back("--memory-limit-mb=" + std::to_string(command_.memory_limit_mb));
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // One OpenMP thread per worker (Tesseract): the workers are already one per core. OpenMP
    // reads this only at process start, hence here.
    std::vector<std::string> environment;
    for (char** entry = environ; *entry; ++entry) environment.emplace_back(*entry);
    if (!std::getenv("OMP_THREAD_LIMIT")) environment.emplace_back("OMP_THREAD_LIMIT=1");
    std::vector<char*> envp;
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    int error =
        ::posix_spawn(&pid, command_.program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (error != 0) {
        ::close(fds[0]);
        throw Error(ErrorCode::internal, "cannot start the extraction worker " +
                                             command_.program.string() + ": " +
                                             std::strerror(error));
    }
    socket_ = fds[0];
    pid_ = pid;
}

void ExtractionWorker::stop(bool kill_first) {
    if (socket_ >= 0) ::close(socket_);  // the worker sees end-of-file and exits
    socket_ = -1;
    if (pid_ > 0) {
        if (kill_first) ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    pid_ = -1;
}

std::string ExtractionWorker::death_reason() {
    int status = 0;
    pid_t done = 0;
    // The socket closed: the worker is dead or dying; reap it (kill it if it lingers).
    for (int i = 0; i < 50 && done == 0; ++i) {
        done = ::waitpid(pid_, &status, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (done != pid_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    ::close(socket_);
    socket_ = -1;
    if (WIFSIGNALED(status)) {
        int signal_number = WTERMSIG(status);
        return "crashed: the parser process died on this file (signal " +
               std::to_string(signal_number) + ", " + strsignal(signal_number) +
               "); the file was skipped and the batch went on";
    }
    return "crashed: the parser process exited (status " + std::to_string(WEXITSTATUS(status)) +
           ") on this file; the file was skipped and the batch went on";
}

std::vector<ExtractedItem> ExtractionWorker::extract(const std::filesystem::path& path,
                                                     std::string_view bytes,
                                                     const ExtractOptions& options,
                                                     const TreeLimits& limits) {
    auto failed = [&](std::string reason) {
        ExtractedItem item;
        item.size = static_cast<std::int64_t>(bytes.size());
        item.failure = std::move(reason);
        return std::vector<ExtractedItem>{std::move(item)};
    };
    std::string request =
        encode_request(path, bytes, options, limits,
                       std::chrono::duration_cast<std::chrono::milliseconds>(time_limit_));
    bool sent = false;
    for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
        if (pid_ < 0) start();
        sent = write_frame(socket_, request, true);
        if (!sent) stop(true);  // died idle (killed from outside?): start a fresh one
    }
    if (!sent) throw Error(ErrorCode::internal, "the extraction worker does not accept work");

    std::string response;
    switch (read_frame(socket_, response, Clock::now() + time_limit_ + kKillGrace)) {
        case ReadStatus::ok:
            return decode_items(response);
        case ReadStatus::timed_out:
            stop(true);
            return failed("timeout: extraction took longer than " +
                          std::to_string(time_limit_.count()) +
                          " s (index.file_timeout_s); the file was skipped");
        case ReadStatus::closed:
            break;
    }
    return failed(death_reason());
}

int run_extraction_worker(std::int64_t memory_limit_mb) {
    // The protocol runs on a private copy of the socket; stdout itself goes to /dev/null so
    // that a library printing to stdout cannot corrupt a frame.
    int channel = ::dup(0);
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (channel < 0 || null_fd < 0) return 3;
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::close(null_fd);
    if (memory_limit_mb > 0) {
        rlimit limit{};
        limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(memory_limit_mb) << 20;
        ::setrlimit(RLIMIT_AS, &limit);
    }
    const ExtractorRegistry registry = ExtractorRegistry::with_builtin_extractors();
    for (;;) {
        std::string request;
        if (read_frame(channel, request, Clock::time_point::max()) != ReadStatus::ok) return 0;
        FrameReader r(request);
        std::string path = r.str();
        std::string_view bytes = r.view();
        ExtractOptions options;
        options.max_output_bytes = r.i64();
        options.max_unpacked_bytes = r.i64();
        options.max_archive_entries = static_cast<int>(r.i64());
        options.max_nesting_depth = static_cast<int>(r.i64());
        options.ocr = r.flag();
        options.ocr_languages = r.str();
        options.ocr_dpi = static_cast<int>(r.i64());
        TreeLimits limits;
        limits.max_depth = static_cast<int>(r.i64());
        limits.max_items = static_cast<int>(r.i64());
        options.deadline = Clock::now() + std::chrono::milliseconds(r.i64());
        apply_test_hooks(path);
        std::vector<ExtractedItem> items = extract_tree(registry, path, bytes, options, limits);
        if (!write_frame(channel, encode_items(items), false)) return 0;
    }
}

}  // namespace deskside::ingest
