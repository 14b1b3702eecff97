// The vector index's files (byte layouts in store/vector_index.h): encoding and validating
// parsing of MANIFEST, base and delta files, and the file plumbing they share (a mapped
// read-only file, a checksumming write-then-fsync sink). Private to deskside_store.
//
// Parsers trust nothing: every count, offset and graph link is checked before use, so a
// damaged file throws Error(corrupt_index) naming it and the problem, never reads out of
// bounds. Objects here are used by one thread at a time; parsed views are immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/vector_index.h"

struct XXH3_state_s;

namespace deskside::store::vec {

inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::uint32_t kMaxDimension = 65536;
inline constexpr std::uint32_t kMaxM = 256;
inline constexpr std::uint64_t kMaxRows = 0xFFFFFFFEull;  // row numbers are u32
inline constexpr std::int64_t kDeletedId = -1;

enum class FileKind : std::uint32_t { base = 1, delta = 2 };

struct FileEntry {
    FileKind kind = FileKind::delta;
    std::uint64_t generation = 0;
    std::uint64_t size = 0;
};

struct Manifest {
    VectorIndexIdentity identity;
    std::uint64_t generation = 0;
    std::vector<FileEntry> files;  // at most one base, first; then deltas, ascending
};

std::string file_name(FileKind kind, std::uint64_t generation);
std::string encode_manifest(const Manifest& manifest);
// `name` (the path) starts every error message.
Manifest decode_manifest(std::span<const std::byte> bytes, const std::string& name);
// Throws Error(invalid_argument) for an identity that cannot be stored.
void check_identity(const VectorIndexIdentity& identity);
// Throws Error(invalid_argument): the vectors in `dir` were made by another embedder.
[[noreturn]] void throw_identity_mismatch(const std::filesystem::path& dir,
                                          const VectorIndexIdentity& stored,
                                          const VectorIndexIdentity& wanted);

// ---- files

// A whole file mapped read-only. Throws Error(not_found) / Error(io).
class MappedFile {
  public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    std::span<const std::byte> bytes() const { return {data_, size_}; }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

// Writes a new file through a buffer, hashing every byte; finish() appends the XXH3-64
// checksum, fsyncs and closes. A sink destroyed before finish() removes its file.
class FileSink {
  public:
    explicit FileSink(std::filesystem::path path);
    ~FileSink();
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;
    void write(const void* data, std::size_t size);
    template <typename T>
    void put(const T& value) {
        write(&value, sizeof value);
    }
    void pad_to(std::size_t alignment);  // zero bytes up to the next multiple
    std::uint64_t offset() const { return offset_; }
    std::uint64_t finish();  // returns the file size

  private:
    void flush();
    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::vector<char> buffer_;
    std::unique_ptr<XXH3_state_s, void (*)(XXH3_state_s*)> hash_;
};

void fsync_directory(const std::filesystem::path& dir);
// Creates (or truncates) `path`, writes `bytes` and fsyncs it.
void write_synced(const std::filesystem::path& path, std::string_view bytes);

// ---- base files

struct GraphShape {
    std::uint32_t M = 0;  // 0: no graph
    std::uint32_t ef_construction = 0;
    std::int32_t top_level = -1;
    std::uint32_t entry = 0;
};

struct IdRow {
    std::int64_t id;
    std::uint64_t row;
};

// What a base file is written from: a graph built by hnswlib, or plain rows.
class BaseSource {
  public:
    virtual ~BaseSource() = default;
    virtual std::size_t rows() const = 0;
    virtual std::int64_t id(std::size_t row) const = 0;  // kDeletedId for a deleted row
    virtual const float* vector(std::size_t row) const = 0;
    virtual GraphShape graph() const = 0;
    // Graph only: the row's top level, and its neighbours on `level` (0..level(row)).
    virtual int level(std::size_t row) const = 0;
    virtual std::span<const std::uint32_t> links(std::size_t row, int level) const = 0;
};

// Writes and fsyncs a base file; returns its size.
std::uint64_t write_base(const std::filesystem::path& path, const BaseSource& source,
                         std::uint32_t dimension, std::uint64_t generation);

// A validated base file: pointers into its mapping (which must outlive the view).
struct BaseView {
    std::uint32_t dimension = 0;
    std::uint64_t generation = 0;
    std::uint64_t rows = 0;
    std::uint64_t live = 0;
    GraphShape graph;
    std::uint64_t upper_words = 0;
    std::uint64_t file_bytes = 0;
    const std::int64_t* ids = nullptr;
    const float* vectors = nullptr;
    const IdRow* index = nullptr;  // `live` entries, ascending id
    const std::uint32_t* level0 = nullptr;
    const std::uint64_t* upper_offsets = nullptr;
    const std::uint32_t* upper = nullptr;

    bool has_graph() const { return graph.M != 0; }
    const float* vector(std::size_t row) const { return vectors + row * dimension; }
    int level(std::size_t row) const {
        return static_cast<int>((upper_offsets[row + 1] - upper_offsets[row]) / (1 + graph.M));
    }
    // { count, neighbours... } of `row` on `level` (0..level(row)).
    const std::uint32_t* list(std::size_t row, int level) const {
        if (level == 0) return level0 + row * (1 + 2 * std::size_t{graph.M});
        return upper + upper_offsets[row] + static_cast<std::size_t>(level - 1) * (1 + graph.M);
    }
    std::optional<std::uint64_t> row_of(std::int64_t id) const;
    std::uint64_t graph_bytes() const;
};

BaseView parse_base(std::span<const std::byte> bytes, const std::string& name,
                    std::uint32_t dimension, std::uint64_t generation, bool verify_checksum);

// ---- delta files

// A validated delta file: views into its mapping, which it keeps alive.
struct DeltaView {
    std::uint64_t generation = 0;
    std::span<const std::int64_t> upsert_ids;   // ascending
    std::span<const std::int64_t> removed_ids;  // ascending, disjoint from upsert_ids
    const float* vectors = nullptr;             // upsert_ids.size() x dimension
    std::shared_ptr<const MappedFile> file;
};

// Writes and fsyncs a delta file; vector_of(i) is the vector of upsert_ids[i]. Returns its size.
std::uint64_t write_delta(const std::filesystem::path& path, std::uint64_t generation,
                          std::span<const std::int64_t> upsert_ids,
                          std::span<const std::int64_t> removed_ids, std::uint32_t dimension,
                          const std::function<const float*(std::size_t)>& vector_of);
DeltaView parse_delta(std::shared_ptr<const MappedFile> file, std::uint32_t dimension,
                      std::uint64_t generation, bool verify_checksum);

}  // namespace deskside::store::vec
