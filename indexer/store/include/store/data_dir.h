// The data directory: where the catalog, the keyword index and (later) the vector index live,
// and the lock that makes indexing single-writer.
//
//   DIR/catalog.sqlite   documents, passages, failures, runs (SQLite, WAL)
//   DIR/keyword/         the Xapian database of passages
//   DIR/index.lock       held (flock) by the one process writing DIR; holds its pid
//
// DataDir is a value (paths only). WriterLock owns the lock for its lifetime; it is released
// by the kernel if the process dies, so a kill -9 never leaves a stale lock behind.
#pragma once

#include <filesystem>

namespace deskside::store {

class DataDir {
  public:
    explicit DataDir(std::filesystem::path root) : root_(std::move(root)) {}
    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path catalog_path() const { return root_ / "catalog.sqlite"; }
    std::filesystem::path keyword_index_path() const { return root_ / "keyword"; }
    std::filesystem::path lock_path() const { return root_ / "index.lock"; }
    bool exists() const { return std::filesystem::exists(catalog_path()); }
    // Creates the directory if needed; throws Error(io) if it cannot.
    void create() const;
    // Throws Error(not_found) with a hint to run `deskside index` when there is no index yet.
    void require_exists() const;

  private:
    std::filesystem::path root_;
};

class WriterLock {
  public:
    // Takes the lock without waiting. Throws Error(busy) naming the holder's pid if another
    // process holds it.
    explicit WriterLock(const DataDir& dir);
    ~WriterLock();
    WriterLock(const WriterLock&) = delete;
    WriterLock& operator=(const WriterLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace deskside::store
