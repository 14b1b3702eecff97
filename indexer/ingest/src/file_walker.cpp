#include "ingest/file_walker.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/utf8.h"

namespace deskside::ingest {
namespace {

bool is_skipped_name(const std::string& name) {
    if (name.empty() || name[0] == '.') return true;
    if (name.size() >= 2 && name[0] == '~' && name[1] == '$') return true;  // Office lock file
    if (name.back() == '~') return true;                                    // editor backup
    static const char* kSystemNames[] = {"Thumbs.db", "desktop.ini",  "ehthumbs.db",
                                         "Icon\r",    "$RECYCLE.BIN", "System Volume Information",
                                         "lost+found"};
    for (const char* system : kSystemNames)
        if (name == system) return true;
    return false;
}

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

struct DirCloser {
    void operator()(DIR* dir) const { closedir(dir); }
};

class Walker {
  public:
    Walker(const WalkOptions& options, WalkResult& result) : options_(options), result_(result) {
        for (const auto& dir : options.exclude_dirs) {
            struct stat st {};
            if (::stat(dir.c_str(), &st) == 0) excluded_.insert({st.st_dev, st.st_ino});
        }
    }

    void visit(const std::filesystem::path& path, bool is_root) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            int err = errno;
            if (is_root)
                throw Error(ErrorCode::not_found,
                            "cannot index " + path.string() + ": " + std::strerror(err));
            problem(path,
                    err == ENOENT ? "broken symbolic link"
                                  : std::string("cannot stat: ") + std::strerror(err),
                    nullptr);
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            if (excluded_.count({st.st_dev, st.st_ino})) return;
            if (!visited_dirs_.insert({st.st_dev, st.st_ino}).second) return;  // loop or repeat
            visit_directory(path);
        } else if (S_ISREG(st.st_mode)) {
            if (!visited_files_.insert({st.st_dev, st.st_ino}).second && !is_root) {
                // The same file reached twice (hard or symbolic link): index it once.
                return;
            }
            if (!utf8::is_valid(path.string())) {
                problem(path, "file name is not valid UTF-8: rename the file to index it", &st);
                return;
            }
            result_.files.push_back(
                WalkedFile{path, static_cast<std::int64_t>(st.st_size), mtime_ns(st)});
        }
        // Sockets, FIFOs and devices are not documents: skipped silently.
    }

  private:
    void visit_directory(const std::filesystem::path& dir) {
        std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
        if (!handle) {
            problem(dir, std::string("cannot read folder: ") + std::strerror(errno), nullptr);
            return;
        }
        std::vector<std::string> names;
        while (dirent* entry = ::readdir(handle.get())) {
            std::string name = entry->d_name;
            if (name == "." || name == "..") continue;
            if (!options_.include_hidden && is_skipped_name(name)) continue;
            names.push_back(std::move(name));
        }
        handle.reset();
        std::sort(names.begin(), names.end());
        for (const auto& name : names) visit(dir / name, false);
    }

    void problem(const std::filesystem::path& path, std::string reason, const struct stat* st) {
        WalkProblem p;
        p.path = utf8::escape_invalid(path.string());
        p.reason = std::move(reason);
        if (st) {
            p.size = static_cast<std::int64_t>(st->st_size);
            p.mtime_ns = mtime_ns(*st);
        }
        result_.problems.push_back(std::move(p));
    }

    const WalkOptions& options_;
    WalkResult& result_;
    std::set<std::pair<dev_t, ino_t>> visited_dirs_, visited_files_, excluded_;
};

}  // namespace

bool is_under(std::string_view path, std::string_view root) {
    if (path == root) return true;
    return !root.empty() && path.size() > root.size() && path.substr(0, root.size()) == root &&
           (root.back() == '/' || path[root.size()] == '/');
}

std::filesystem::path normalized_path(const std::filesystem::path& path) {
    auto normal = std::filesystem::absolute(path).lexically_normal();
    if (normal.has_filename() || normal == normal.root_path()) return normal;
    return normal.parent_path();  // drop a trailing separator
}

WalkResult walk_files(const std::vector<std::filesystem::path>& roots, const WalkOptions& options) {
    WalkResult result;
    Walker walker(options, result);
    for (const auto& root : roots) walker.visit(normalized_path(root), true);
    std::sort(result.files.begin(), result.files.end(),
              [](const WalkedFile& a, const WalkedFile& b) { return a.path < b.path; });
    result.files.erase(
        std::unique(result.files.begin(), result.files.end(),
                    [](const WalkedFile& a, const WalkedFile& b) { return a.path == b.path; }),
        result.files.end());
    return result;
}

}  // namespace deskside::ingest
