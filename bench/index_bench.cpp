// deskside_index_bench [FOLDER] [--runs N] [--no-recoll]
//
// Indexes FOLDER (default: the shared office corpus) from scratch N times (default 3) with
// Deskside's pipeline and, in the same run, with Recoll's `recollindex` as the baseline. Each
// indexing happens in a child process so that its peak RSS (wait4's ru_maxrss) is its own;
// wall time is taken around the child. Prints one JSON object on stdout; see bench/README.md.
//
// Exit status: 0 when every run finished, 1 when a run failed, 2 for a bad command line.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "ingest/pipeline.h"

namespace deskside::bench {
namespace {

struct ChildRun {
    double wall_s = 0;
    double peak_mib = 0;       // the largest single process (wait4's ru_maxrss)
    double peak_tree_mib = 0;  // the child and all its descendants together (sampled)
    int exit_status = -1;      // the child's exit code; -1 if it was killed by a signal
    std::string output;        // what the child wrote to the pipe
};

// Resident memory of a process and all its descendants, in KiB (0 once it is gone).
std::int64_t tree_rss_kib(pid_t pid) {
    std::int64_t total = 0;
    {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        for (std::string line; std::getline(status, line);)
            if (line.starts_with("VmRSS:")) total += std::atoll(line.c_str() + 6);
    }
    fs::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& task : fs::directory_iterator(tasks, ec)) {
        std::ifstream children(task.path() / "children");
        for (pid_t child; children >> child;) total += tree_rss_kib(child);
    }
    return total;
}

// Runs `body` in a forked child (its return value is the exit status) and measures it.
// The child may write a short report (< 64 KiB) to the file descriptor it is given.
ChildRun run_in_child(const std::function<int(int report_fd)>& body) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::fflush(nullptr);
    auto start = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(fds[0]);
        int rc = 1;
        try {
            rc = body(fds[1]);
        } catch (const std::exception& e) {
            std::string text = std::string("error: ") + e.what() + "\n";
            [[maybe_unused]] auto n = ::write(fds[1], text.data(), text.size());
        }
        ::_exit(rc);
    }
    ::close(fds[1]);
    // Sample the summed RSS of the child's process tree (worker processes included) until it
    // exits: ru_maxrss alone would show only the largest single process.
    std::atomic<bool> done{false};
    std::atomic<std::int64_t> peak_tree_kib{0};
    std::thread sampler([&] {
        while (!done) {
            peak_tree_kib = std::max<std::int64_t>(peak_tree_kib, tree_rss_kib(pid));
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    int status = 0;
    struct rusage usage {};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    done = true;
    sampler.join();
    ChildRun run;
    run.peak_tree_mib = static_cast<double>(peak_tree_kib) / 1024.0;
    run.wall_s = seconds_since(start);
    run.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) run.output.append(buf, n);
    ::close(fds[0]);
    return run;
}

// ---- Deskside

struct DesksideRun {
    ChildRun child;
    ingest::IndexSummary summary;
};

// `deskside index` as users run it: worker processes for extraction, OCR off (the issue's
// yardstick; OCR throughput is deskside_extract_bench's), one extraction thread per core.
DesksideRun run_deskside(const fs::path& folder) {
    TempDir tmp("deskside-index-bench");
    fs::path data = tmp.path() / "data";
    fs::path log = tmp.path() / "index.out";
    DesksideRun run;
    run.child = run_in_child([&](int) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::execl(DESKSIDE_BINARY, "deskside", "index", folder.c_str(), "--data", data.c_str(),
                "--quiet", "--ocr=false", static_cast<char*>(nullptr));
        return 127;
    });
    // deskside index exits 1 when some files failed: that is a finished run.
    if (run.child.exit_status == 1) run.child.exit_status = 0;
    std::ifstream in(log);
    std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto& s = run.summary;
    long long indexed = 0, unchanged = 0, failed = 0, removed = 0, files = 0, passages = 0;
    double mb = 0;
    char duration[32];
    std::size_t at = output.find("indexed ");
    if (at == std::string::npos ||
        std::sscanf(
            output.c_str() + at,
            "indexed %lld, unchanged %lld, failed %lld, removed %lld in %31[^(](%lld files, "
            "%lld passages, %lf MB read)",
            &indexed, &unchanged, &failed, &removed, duration, &files, &passages, &mb) != 8) {
        std::cerr << "deskside index said: " << output << "\n";
        run.child.exit_status = run.child.exit_status == 0 ? 1 : run.child.exit_status;
        return run;
    }
    long long attachments = 0;
    if (std::size_t found = output.find(" of the documents indexed were found inside files");
        found != std::string::npos) {
        std::size_t start = output.rfind('\n', found);
        attachments = std::atoll(output.c_str() + (start == std::string::npos ? 0 : start + 1));
    }
    s.indexed = indexed;
    s.unchanged = unchanged;
    s.failed = failed;
    s.files_seen = files;
    s.passages = passages;
    s.bytes_read = static_cast<std::int64_t>(mb * 1e6);
    s.attachments = attachments;
    return run;
}

// ---- Recoll

fs::path find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

std::string recoll_version(const fs::path& recollindex) {
    std::string command = "'" + recollindex.string() + "' -h 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return "";
    std::string text;
    char buf[1024];
    while (std::fgets(buf, sizeof buf, pipe)) text += buf;
    ::pclose(pipe);
    auto at = text.find("Recoll version:");
    if (at == std::string::npos) return "";
    auto from = at + std::strlen("Recoll version:") + 1;
    return text.substr(from, text.find('\n', from) - from);
}

// Recoll's view of the last run: CONFDIR/idxstatus.txt ("key = value" lines).
std::map<std::string, std::string> read_key_values(const fs::path& file) {
    std::map<std::string, std::string> values;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find(" = ");
        if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 3);
    }
    return values;
}

std::vector<std::string> read_lines(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

struct RecollRun {
    ChildRun child;
    std::int64_t documents = 0;  // dbtotdocs: Xapian documents (attachments count separately)
    std::int64_t files_done = 0;
    std::int64_t file_errors = 0;
    std::vector<std::string> missing_helpers;  // CONFDIR/missing: "helper (mime type)"
};

RecollRun run_recoll(const fs::path& recollindex, const fs::path& folder) {
    TempDir tmp("deskside-recoll-bench");
    fs::path conf = tmp.path() / "conf";
    fs::create_directories(conf);
    {
        std::ofstream out(conf / "recoll.conf");
        out << "topdirs = \"" << folder.string() << "\"\n"
            << "dbdir = " << (tmp.path() / "xapiandb").string() << "\n"
            << "logfilename = " << (tmp.path() / "recollindex.log").string() << "\n"
            << "loglevel = 2\n"
            << "noaspell = 1\n";
    }
    fs::path log = tmp.path() / "recollindex.out";
    RecollRun run;
    run.child = run_in_child([&](int) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::execl(recollindex.c_str(), "recollindex", "-c", conf.c_str(), "-z",
                static_cast<char*>(nullptr));
        return 127;
    });
    auto status = read_key_values(conf / "idxstatus.txt");
    auto number = [&](const char* key) {
        auto it = status.find(key);
        return it == status.end() ? std::int64_t{0} : std::stoll(it->second);
    };
    run.documents = number("dbtotdocs");
    run.files_done = number("filesdone");
    run.file_errors = number("fileerrors");
    run.missing_helpers = read_lines(conf / "missing");
    return run;
}

// ---- report

void warm_page_cache(const fs::path& folder) {
    std::vector<char> buf(1 << 20);
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        while (in.read(buf.data(), static_cast<std::streamsize>(buf.size()))) {
        }
    }
}

void write_series(JsonWriter& json, std::string_view name, const std::vector<double>& runs,
                  int digits) {
    json.key(name).begin_object();
    json.key("median").value(median(runs), digits);
    json.key("runs").numbers(runs, digits);
    json.end_object();
}

// wall_s, peak_mib, files_per_s, mb_per_s for one tool.
void write_common(JsonWriter& json, const std::vector<ChildRun>& runs, const FolderSize& corpus) {
    std::vector<double> wall, peak, files, mb;
    for (const auto& r : runs) {
        wall.push_back(r.wall_s);
        peak.push_back(r.peak_mib);
        files.push_back(static_cast<double>(corpus.files) / r.wall_s);
        mb.push_back(static_cast<double>(corpus.bytes) / 1e6 / r.wall_s);
    }
    write_series(json, "wall_s", wall, 3);
    write_series(json, "peak_mib", peak, 1);
    std::vector<double> tree;
    for (const auto& r : runs) tree.push_back(r.peak_tree_mib);
    write_series(json, "peak_tree_mib", tree, 1);
    write_series(json, "files_per_s", files, 1);
    write_series(json, "mb_per_s", mb, 2);
}

int usage() {
    std::cerr << "usage: deskside_index_bench [FOLDER] [--runs N] [--no-recoll]\n";
    return 2;
}

int run_main(int argc, char** argv) {
    fs::path folder;
    int runs = 3;
    bool with_recoll = true;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
            if (runs < 1) return usage();
        } else if (arg == "--no-recoll") {
            with_recoll = false;
        } else if (arg.starts_with("-") || !folder.empty()) {
            return usage();
        } else {
            folder = arg;
        }
    }
    if (folder.empty()) folder = default_corpus();
    if (!fs::is_directory(folder)) {
        std::cerr << "deskside_index_bench: not a folder: " << folder << "\n";
        return 2;
    }
    folder = fs::canonical(folder);
    FolderSize corpus = folder_size(folder);

    fs::path recollindex = with_recoll ? find_on_path("recollindex") : fs::path();
    std::string recoll_note;
    if (!with_recoll)
        recoll_note = "skipped (--no-recoll)";
    else if (recollindex.empty())
        recoll_note = "recollindex not found on PATH (Debian: recollcmd)";

    warm_page_cache(folder);
    std::vector<DesksideRun> desk;
    std::vector<RecollRun> recoll;
    bool all_ok = true;
    for (int i = 0; i < runs; ++i) {
        desk.push_back(run_deskside(folder));
        all_ok = all_ok && desk.back().child.exit_status == 0;
        std::cerr << "run " << i + 1 << ": deskside " << desk.back().child.wall_s << " s";
        if (!recollindex.empty()) {
            recoll.push_back(run_recoll(recollindex, folder));
            all_ok = all_ok && recoll.back().child.exit_status == 0;
            std::cerr << ", recoll " << recoll.back().child.wall_s << " s";
        }
        std::cerr << "\n";
    }

    JsonWriter json;
    json.begin_object();
    json.key("benchmark").value("index");
    json.key("machine").begin_object();
    json.key("nproc").value(static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
    json.end_object();
    json.key("corpus").begin_object();
    json.key("folder").value(folder.string());
    json.key("files").value(corpus.files);
    json.key("bytes").value(corpus.bytes);
    json.key("mb").value(static_cast<double>(corpus.bytes) / 1e6, 2);
    json.end_object();
    json.key("runs").value(runs);

    std::vector<ChildRun> children;
    std::vector<double> passages_per_s;
    for (const auto& r : desk) {
        children.push_back(r.child);
        passages_per_s.push_back(static_cast<double>(r.summary.passages) / r.child.wall_s);
    }
    const auto& last = desk.back().summary;
    json.key("deskside").begin_object();
    write_common(json, children, corpus);
    write_series(json, "passages_per_s", passages_per_s, 1);
    json.key("files_seen").value(last.files_seen);
    json.key("indexed").value(last.indexed);
    json.key("documents_from_inside_files").value(last.attachments);
    json.key("unchanged").value(last.unchanged);
    json.key("failed").value(last.failed);
    json.key("passages").value(last.passages);
    json.key("bytes_read").value(last.bytes_read);
    json.key("exit_status").value(desk.back().child.exit_status);
    json.end_object();

    double desk_wall = median([&] {
        std::vector<double> v;
        for (const auto& r : desk) v.push_back(r.child.wall_s);
        return v;
    }());
    if (recoll.empty()) {
        json.key("recoll").null();
        json.key("recoll_note").value(recoll_note);
        json.key("ratio_recoll_over_deskside_wall").null();
    } else {
        children.clear();
        std::vector<double> wall;
        for (const auto& r : recoll) {
            children.push_back(r.child);
            wall.push_back(r.child.wall_s);
        }
        const auto& lr = recoll.back();
        json.key("recoll").begin_object();
        json.key("version").value(recoll_version(recollindex));
        write_common(json, children, corpus);
        json.key("files_done").value(lr.files_done);
        json.key("file_errors").value(lr.file_errors);
        json.key("documents").value(lr.documents);
        json.key("missing_helpers").begin_array();
        for (const auto& helper : lr.missing_helpers) json.value(helper);
        json.end_array();
        json.key("exit_status").value(lr.child.exit_status);
        json.end_object();
        json.key("ratio_recoll_over_deskside_wall").value(median(wall) / desk_wall, 2);
    }
    json.key("notes").begin_array();
    json.value("files_per_s and mb_per_s use the folder's file count and size for both tools");
    json.value(
        "peak_mib: wait4 ru_maxrss of the child, the largest single process among it and "
        "its waited-for helpers, not their sum");
    json.value("page cache warmed by reading the folder once before the first run");
    if (!recoll.empty()) {
        json.value("not like-for-like: Deskside extracted text from " +
                   std::to_string(last.indexed) + " files (" + std::to_string(last.failed) +
                   " recorded as failures, mostly unsupported formats); Recoll processed " +
                   std::to_string(recoll.back().files_done) + " with " +
                   std::to_string(recoll.back().file_errors) +
                   " errors (some for the missing helpers listed)");
    }
    json.end_array();
    json.end_object();
    std::cout << json.str() << "\n";
    return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    try {
        return deskside::bench::run_main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "deskside_index_bench: " << e.what() << "\n";
        return 1;
    }
}
