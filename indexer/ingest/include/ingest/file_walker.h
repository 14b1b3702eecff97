// Walks the folders given to `deskside index` and lists the files to consider, with their size
// and modification time. Skips hidden entries (names starting with '.') and system/temporary
// files (Thumbs.db, desktop.ini, Office lock files "~$*", editor backups "*~") unless asked not
// to; follows symbolic links but never enters a directory twice (loops are cut by device and
// inode). Names that are not valid UTF-8 are reported, not silently dropped.
// Pure function of the file system; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::ingest {

struct WalkOptions {
    bool include_hidden = false;                      // index hidden and system files too
    std::vector<std::filesystem::path> exclude_dirs;  // e.g. the data directory itself
};

struct WalkedFile {
    std::filesystem::path path;  // absolute, lexically normal, as reached (links not resolved)
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
};

struct WalkProblem {
    std::string path;    // UTF-8, invalid bytes escaped as \xNN
    std::string reason;  // one line
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
};

struct WalkResult {
    std::vector<WalkedFile> files;      // sorted by path
    std::vector<WalkProblem> problems;  // unreadable folders, non-UTF-8 names, broken links
};

// Throws Error(not_found) if a root does not exist.
WalkResult walk_files(const std::vector<std::filesystem::path>& roots, const WalkOptions& options);

// The absolute, lexically normal form used for every path in the catalog.
std::filesystem::path normalized_path(const std::filesystem::path& path);

// True when `path` is `root` or lies below it (both normalised catalog paths; "/a/bc" is not
// under "/a/b").
bool is_under(std::string_view path, std::string_view root);

}  // namespace deskside::ingest
