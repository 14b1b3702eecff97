#include "vector_format.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace deskside::store::vec {
namespace {

constexpr char kManifestMagic[8] = {'D', 'S', 'K', 'V', 'M', 'A', 'N', '\0'};
constexpr char kBaseMagic[8] = {'D', 'S', 'K', 'V', 'B', 'A', 'S', '\0'};
constexpr char kDeltaMagic[8] = {'D', 'S', 'K', 'V', 'D', 'E', 'L', '\0'};
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kAlign = 64;
constexpr std::size_t kChecksumBytes = 8;
constexpr std::uint32_t kMaxFiles = 4096;
constexpr std::uint32_t kMaxStringBytes = 4096;

[[noreturn]] void corrupt(const std::string& name, const std::string& problem) {
    throw Error(ErrorCode::corrupt_index, name + ": " + problem +
                                              " (the vector index is damaged: run `deskside "
                                              "index --reembed` to rebuild it)");
}

std::uint64_t align_up(std::uint64_t offset, std::uint64_t alignment) {
    return (offset + alignment - 1) / alignment * alignment;
}

// Little-endian field reads at fixed offsets of an already size-checked buffer.
template <typename T>
T load(std::span<const std::byte> bytes, std::size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

void check_checksum(std::span<const std::byte> bytes, const std::string& name) {
    const std::size_t body = bytes.size() - kChecksumBytes;
    if (load<std::uint64_t>(bytes, body) != XXH3_64bits(bytes.data(), body))
        corrupt(name, "checksum mismatch");
}

void check_magic(std::span<const std::byte> bytes, const char (&magic)[8], const std::string& name,
                 std::size_t min_size) {
    if (bytes.size() < min_size)
        corrupt(name, "truncated file (" + std::to_string(bytes.size()) + " bytes)");
    if (std::memcmp(bytes.data(), magic, sizeof magic) != 0) corrupt(name, "bad magic");
    auto version = load<std::uint32_t>(bytes, 8);
    if (version != kFormatVersion)
        corrupt(name, "format version " + std::to_string(version) + " (this build reads " +
                          std::to_string(kFormatVersion) + ")");
}

void check_ids_ascending(std::span<const std::int64_t> ids, const std::string& name,
                         const char* what) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0) corrupt(name, std::string("negative ") + what);
        if (i > 0 && ids[i] <= ids[i - 1]) corrupt(name, std::string(what) + " not ascending");
    }
}

struct BaseLayout {
    std::uint64_t ids = kHeaderBytes, vectors = 0, index = 0, level0 = 0, upper_offsets = 0,
                  upper = 0, checksum = 0, total = 0;
};

BaseLayout base_layout(std::uint64_t rows, std::uint64_t live, std::uint64_t dimension,
                       std::uint64_t M, std::uint64_t upper_words) {
    BaseLayout layout;
    std::uint64_t offset = layout.ids + 8 * rows;
    layout.vectors = offset = align_up(offset, kAlign);
    offset += 4 * rows * dimension;
    layout.index = offset = align_up(offset, kAlign);
    offset += sizeof(IdRow) * live;
    if (M > 0) {
        layout.level0 = offset = align_up(offset, kAlign);
        offset += 4 * rows * (1 + 2 * M);
        layout.upper_offsets = offset = align_up(offset, kAlign);
        offset += 8 * (rows + 1);
        layout.upper = offset = align_up(offset, kAlign);
        offset += 4 * upper_words;
    }
    layout.checksum = align_up(offset, kAlign);
    layout.total = layout.checksum + kChecksumBytes;
    return layout;
}

std::string identity_text(const VectorIndexIdentity& identity) {
    return identity.kind + " '" + identity.name + "'";
}

std::string identity_details(const VectorIndexIdentity& identity) {
    return identity_text(identity) + " (hash " + (identity.hash.empty() ? "-" : identity.hash) +
           ", " + std::to_string(identity.dimension) + " dimensions)";
}

}  // namespace

std::string file_name(FileKind kind, std::uint64_t generation) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%s-%016" PRIx64 ".dsv",
                  kind == FileKind::base ? "base" : "delta", generation);
    return buffer;
}

void check_identity(const VectorIndexIdentity& identity) {
    if (identity.dimension <= 0 || static_cast<std::uint32_t>(identity.dimension) > kMaxDimension)
        throw Error(ErrorCode::invalid_argument, "vector dimension " +
                                                     std::to_string(identity.dimension) + " of " +
                                                     identity_text(identity) + " is outside 1.." +
                                                     std::to_string(kMaxDimension));
    if (identity.kind.empty())
        throw Error(ErrorCode::invalid_argument, "the embedder identity has no kind");
    for (const std::string* s : {&identity.kind, &identity.name, &identity.hash})
        if (s->size() > kMaxStringBytes)
            throw Error(ErrorCode::invalid_argument, "embedder identity field longer than " +
                                                         std::to_string(kMaxStringBytes) +
                                                         " bytes");
}

void throw_identity_mismatch(const std::filesystem::path& dir, const VectorIndexIdentity& stored,
                             const VectorIndexIdentity& wanted) {
    throw Error(ErrorCode::invalid_argument,
                "the vectors in " + dir.string() + " were made by " + identity_details(stored) +
                    ", but the embedder is now " + identity_details(wanted) +
                    ": run `deskside index --reembed` to embed every passage again with the "
                    "new model");
}

// ---- MANIFEST

std::string encode_manifest(const Manifest& manifest) {
    std::string out;
    auto put = [&out](const auto& value) {
        out.append(reinterpret_cast<const char*>(&value), sizeof value);
    };
    std::uint32_t identity_bytes = 0;
    for (const std::string* s :
         {&manifest.identity.kind, &manifest.identity.name, &manifest.identity.hash})
        identity_bytes += 4 + static_cast<std::uint32_t>(s->size());
    out.append(kManifestMagic, sizeof kManifestMagic);
    put(kFormatVersion);
    put(static_cast<std::uint32_t>(manifest.identity.dimension));
    put(manifest.generation);
    put(static_cast<std::uint32_t>(manifest.files.size()));
    put(identity_bytes);
    for (const std::string* s :
         {&manifest.identity.kind, &manifest.identity.name, &manifest.identity.hash}) {
        put(static_cast<std::uint32_t>(s->size()));
        out += *s;
    }
    for (const auto& file : manifest.files) {
        put(static_cast<std::uint32_t>(file.kind));
        put(std::uint32_t{0});
        put(file.generation);
        put(file.size);
    }
    put(static_cast<std::uint64_t>(XXH3_64bits(out.data(), out.size())));
    return out;
}

Manifest decode_manifest(std::span<const std::byte> bytes, const std::string& name) {
    check_magic(bytes, kManifestMagic, name, 32 + 12 + kChecksumBytes);
    check_checksum(bytes, name);
    Manifest manifest;
    auto dimension = load<std::uint32_t>(bytes, 12);
    manifest.generation = load<std::uint64_t>(bytes, 16);
    auto file_count = load<std::uint32_t>(bytes, 24);
    auto identity_bytes = load<std::uint32_t>(bytes, 28);
    if (dimension == 0 || dimension > kMaxDimension)
        corrupt(name, "dimension " + std::to_string(dimension));
    if (manifest.generation == 0) corrupt(name, "generation 0");
    if (file_count > kMaxFiles || identity_bytes > 3 * (4 + kMaxStringBytes) ||
        bytes.size() != 32 + std::uint64_t{identity_bytes} + 24ull * file_count + kChecksumBytes)
        corrupt(name, "sizes do not match the file size");
    manifest.identity.dimension = static_cast<int>(dimension);
    std::size_t offset = 32;
    const std::size_t identity_end = 32 + identity_bytes;
    for (std::string* s :
         {&manifest.identity.kind, &manifest.identity.name, &manifest.identity.hash}) {
        if (offset + 4 > identity_end) corrupt(name, "identity block truncated");
        auto length = load<std::uint32_t>(bytes, offset);
        offset += 4;
        if (length > kMaxStringBytes || offset + length > identity_end)
            corrupt(name, "identity string too long");
        s->assign(reinterpret_cast<const char*>(bytes.data()) + offset, length);
        offset += length;
    }
    if (offset != identity_end) corrupt(name, "identity block size");
    for (std::uint32_t i = 0; i < file_count; ++i, offset += 24) {
        FileEntry file;
        auto kind = load<std::uint32_t>(bytes, offset);
        file.generation = load<std::uint64_t>(bytes, offset + 8);
        file.size = load<std::uint64_t>(bytes, offset + 16);
        if (kind == static_cast<std::uint32_t>(FileKind::base)) {
            if (i != 0) corrupt(name, "a base file that is not listed first");
        } else if (kind != static_cast<std::uint32_t>(FileKind::delta)) {
            corrupt(name, "unknown file kind " + std::to_string(kind));
        } else if (i > 0 && file.generation <= manifest.files.back().generation) {
            corrupt(name, "files not in ascending generation");
        }
        if (load<std::uint32_t>(bytes, offset + 4) != 0) corrupt(name, "reserved field set");
        if (file.generation == 0 || file.generation > manifest.generation ||
            file.size < kHeaderBytes + kChecksumBytes)
            corrupt(name, "bad file entry " + std::to_string(i));
        file.kind = static_cast<FileKind>(kind);
        manifest.files.push_back(file);
    }
    return manifest;
}

// ---- files

MappedFile::MappedFile(const std::filesystem::path& path) : name_(path.string()) {
    int fd = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) throw Error(ErrorCode::not_found, "no such file: " + name_);
        throw_io_error("cannot open", name_, err);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw_io_error("cannot stat", name_, err);
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        int err = errno;
        ::close(fd);  // the mapping keeps the file alive, even after it is unlinked
        if (p == MAP_FAILED) throw_io_error("cannot map", name_, err);
        data_ = static_cast<const std::byte*>(p);
    } else {
        ::close(fd);
    }
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

FileSink::FileSink(std::filesystem::path path)
    : path_(std::move(path)),
      hash_(XXH3_createState(), [](XXH3_state_s* s) { XXH3_freeState(s); }) {
    if (!hash_) throw Error(ErrorCode::internal, "out of memory for a checksum state");
    XXH3_64bits_reset(hash_.get());
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw_io_error("cannot create", path_.string(), errno);
    buffer_.reserve(1 << 20);
}

FileSink::~FileSink() {
    if (fd_ >= 0) {
        ::close(fd_);
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
}

void FileSink::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_io_error("cannot write", path_.string(), errno);
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

void FileSink::write(const void* data, std::size_t size) {
    XXH3_64bits_update(hash_.get(), data, size);
    offset_ += size;
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        std::size_t room = buffer_.capacity() - buffer_.size();
        std::size_t n = std::min(room, size);
        buffer_.insert(buffer_.end(), p, p + n);
        p += n;
        size -= n;
        if (buffer_.size() == buffer_.capacity()) flush();
    }
}

void FileSink::pad_to(std::size_t alignment) {
    static constexpr char zeros[kAlign] = {};
    std::uint64_t target = align_up(offset_, alignment);
    while (offset_ < target) write(zeros, std::min<std::uint64_t>(kAlign, target - offset_));
}

std::uint64_t FileSink::finish() {
    std::uint64_t checksum = XXH3_64bits_digest(hash_.get());
    write(&checksum, sizeof checksum);
    flush();
    if (::fsync(fd_) != 0) throw_io_error("cannot fsync", path_.string(), errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_io_error("cannot close", path_.string(), errno);
    return offset_;
}

void fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_io_error("cannot open directory", dir.string(), errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw_io_error("cannot fsync directory", dir.string(), err);
}

void write_synced(const std::filesystem::path& path, std::string_view bytes) {
    const std::string name = path.string();
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw_io_error("cannot create", name, errno);
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw_io_error("cannot write", name, err);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        throw_io_error("cannot fsync", name, err);
    }
    if (::close(fd) != 0) throw_io_error("cannot close", name, errno);
}

// ---- base files

std::uint64_t write_base(const std::filesystem::path& path, const BaseSource& source,
                         std::uint32_t dimension, std::uint64_t generation) {
    const std::uint64_t rows = source.rows();
    const GraphShape graph = source.graph();
    std::vector<IdRow> index;
    index.reserve(rows);
    for (std::uint64_t row = 0; row < rows; ++row)
        if (std::int64_t id = source.id(row); id != kDeletedId) index.push_back({id, row});
    std::sort(index.begin(), index.end(),
              [](const IdRow& a, const IdRow& b) { return a.id < b.id; });
    std::vector<std::uint64_t> upper_offsets;
    if (graph.M > 0) {
        upper_offsets.reserve(rows + 1);
        upper_offsets.push_back(0);
        for (std::uint64_t row = 0; row < rows; ++row)
            upper_offsets.push_back(upper_offsets.back() +
                                    static_cast<std::uint64_t>(source.level(row)) * (1 + graph.M));
    }
    const std::uint64_t upper_words = graph.M > 0 ? upper_offsets.back() : 0;

    FileSink sink(path);
    sink.write(kBaseMagic, sizeof kBaseMagic);
    sink.put(kFormatVersion);
    sink.put(dimension);
    sink.put(generation);
    sink.put(rows);
    sink.put(static_cast<std::uint64_t>(index.size()));
    sink.put(graph.M);
    sink.put(graph.ef_construction);
    sink.put(graph.top_level);
    sink.put(graph.entry);
    sink.put(upper_words);
    for (std::uint64_t row = 0; row < rows; ++row) sink.put(source.id(row));
    sink.pad_to(kAlign);
    for (std::uint64_t row = 0; row < rows; ++row)
        sink.write(source.vector(row), sizeof(float) * dimension);
    sink.pad_to(kAlign);
    sink.write(index.data(), sizeof(IdRow) * index.size());
    if (graph.M > 0) {
        std::vector<std::uint32_t> list;
        auto put_list = [&](std::span<const std::uint32_t> links, std::size_t capacity) {
            list.assign(1 + capacity, 0);
            list[0] = static_cast<std::uint32_t>(links.size());
            std::copy(links.begin(), links.end(), list.begin() + 1);
            sink.write(list.data(), sizeof(std::uint32_t) * list.size());
        };
        sink.pad_to(kAlign);
        for (std::uint64_t row = 0; row < rows; ++row) put_list(source.links(row, 0), 2 * graph.M);
        sink.pad_to(kAlign);
        sink.write(upper_offsets.data(), sizeof(std::uint64_t) * upper_offsets.size());
        sink.pad_to(kAlign);
        for (std::uint64_t row = 0; row < rows; ++row)
            for (int level = 1; level <= source.level(row); ++level)
                put_list(source.links(row, level), graph.M);
    }
    sink.pad_to(kAlign);
    return sink.finish();
}

std::optional<std::uint64_t> BaseView::row_of(std::int64_t id) const {
    const IdRow* end = index + live;
    const IdRow* it =
        std::lower_bound(index, end, id, [](const IdRow& e, std::int64_t v) { return e.id < v; });
    if (it == end || it->id != id) return std::nullopt;
    return it->row;
}

std::uint64_t BaseView::graph_bytes() const {
    if (!has_graph()) return 0;
    return 4 * rows * (1 + 2 * std::uint64_t{graph.M}) + 8 * (rows + 1) + 4 * upper_words;
}

BaseView parse_base(std::span<const std::byte> bytes, const std::string& name,
                    std::uint32_t dimension, std::uint64_t generation, bool verify_checksum) {
    check_magic(bytes, kBaseMagic, name, kHeaderBytes + kChecksumBytes);
    BaseView view;
    view.dimension = load<std::uint32_t>(bytes, 12);
    view.generation = load<std::uint64_t>(bytes, 16);
    view.rows = load<std::uint64_t>(bytes, 24);
    view.live = load<std::uint64_t>(bytes, 32);
    view.graph.M = load<std::uint32_t>(bytes, 40);
    view.graph.ef_construction = load<std::uint32_t>(bytes, 44);
    view.graph.top_level = load<std::int32_t>(bytes, 48);
    view.graph.entry = load<std::uint32_t>(bytes, 52);
    view.upper_words = load<std::uint64_t>(bytes, 56);
    if (view.dimension != dimension)
        corrupt(name, "dimension " + std::to_string(view.dimension) + ", MANIFEST says " +
                          std::to_string(dimension));
    if (view.generation != generation) corrupt(name, "generation does not match its name");
    if (view.rows > kMaxRows || view.live > view.rows) corrupt(name, "row counts");
    const std::uint32_t M = view.graph.M;
    if (M == 0) {
        if (view.graph.top_level != -1 || view.graph.entry != 0 || view.upper_words != 0)
            corrupt(name, "graph fields set without a graph");
    } else if (M < 2 || M > kMaxM || view.rows == 0 || view.graph.top_level < 0 ||
               view.graph.top_level > 64 || view.graph.entry >= view.rows ||
               view.upper_words > view.rows * 65ull * (1 + M)) {
        corrupt(name, "graph header");
    }
    const BaseLayout layout = base_layout(view.rows, view.live, dimension, M, view.upper_words);
    if (bytes.size() != layout.total)
        corrupt(name, "truncated or oversized: " + std::to_string(bytes.size()) +
                          " bytes, the header implies " + std::to_string(layout.total));
    if (verify_checksum) check_checksum(bytes, name);
    view.file_bytes = bytes.size();
    const std::byte* base = bytes.data();
    view.ids = reinterpret_cast<const std::int64_t*>(base + layout.ids);
    view.vectors = reinterpret_cast<const float*>(base + layout.vectors);
    view.index = reinterpret_cast<const IdRow*>(base + layout.index);

    std::uint64_t live = 0;
    for (std::uint64_t row = 0; row < view.rows; ++row) {
        if (view.ids[row] >= 0)
            ++live;
        else if (view.ids[row] != kDeletedId)
            corrupt(name, "negative passage id at row " + std::to_string(row));
    }
    if (live != view.live) corrupt(name, "live row count");
    for (std::uint64_t i = 0; i < view.live; ++i) {
        const IdRow& e = view.index[i];
        if ((i > 0 && e.id <= view.index[i - 1].id) || e.row >= view.rows ||
            view.ids[e.row] != e.id)
            corrupt(name, "id index entry " + std::to_string(i));
    }
    if (M == 0) return view;

    view.level0 = reinterpret_cast<const std::uint32_t*>(base + layout.level0);
    view.upper_offsets = reinterpret_cast<const std::uint64_t*>(base + layout.upper_offsets);
    view.upper = reinterpret_cast<const std::uint32_t*>(base + layout.upper);
    if (view.upper_offsets[0] != 0 || view.upper_offsets[view.rows] != view.upper_words)
        corrupt(name, "upper-level offsets");
    int top = -1;
    for (std::uint64_t row = 0; row < view.rows; ++row) {
        std::uint64_t from = view.upper_offsets[row], to = view.upper_offsets[row + 1];
        if (to < from || (to - from) % (1 + M) != 0 || (to - from) / (1 + M) > 64)
            corrupt(name, "upper-level offsets of row " + std::to_string(row));
        top = std::max(top, view.level(row));
    }
    if (top != view.graph.top_level || view.level(view.graph.entry) != top)
        corrupt(name, "top level or entry row");
    for (std::uint64_t row = 0; row < view.rows; ++row) {
        for (int level = 0; level <= view.level(row); ++level) {
            const std::uint32_t* list = view.list(row, level);
            const std::uint32_t capacity = level == 0 ? 2 * M : M;
            if (list[0] > capacity) corrupt(name, "link count of row " + std::to_string(row));
            for (std::uint32_t j = 1; j <= list[0]; ++j)
                if (list[j] >= view.rows || view.level(list[j]) < level)
                    corrupt(name, "link out of range at row " + std::to_string(row));
        }
    }
    return view;
}

// ---- delta files

std::uint64_t write_delta(const std::filesystem::path& path, std::uint64_t generation,
                          std::span<const std::int64_t> upsert_ids,
                          std::span<const std::int64_t> removed_ids, std::uint32_t dimension,
                          const std::function<const float*(std::size_t)>& vector_of) {
    FileSink sink(path);
    sink.write(kDeltaMagic, sizeof kDeltaMagic);
    sink.put(kFormatVersion);
    sink.put(dimension);
    sink.put(generation);
    sink.put(static_cast<std::uint64_t>(upsert_ids.size()));
    sink.put(static_cast<std::uint64_t>(removed_ids.size()));
    sink.pad_to(kAlign);
    sink.write(upsert_ids.data(), 8 * upsert_ids.size());
    sink.write(removed_ids.data(), 8 * removed_ids.size());
    sink.pad_to(kAlign);
    for (std::size_t i = 0; i < upsert_ids.size(); ++i)
        sink.write(vector_of(i), sizeof(float) * dimension);
    sink.pad_to(kAlign);
    return sink.finish();
}

DeltaView parse_delta(std::shared_ptr<const MappedFile> file, std::uint32_t dimension,
                      std::uint64_t generation, bool verify_checksum) {
    const std::span<const std::byte> bytes = file->bytes();
    const std::string& name = file->name();
    check_magic(bytes, kDeltaMagic, name, kHeaderBytes + kChecksumBytes);
    if (load<std::uint32_t>(bytes, 12) != dimension) corrupt(name, "dimension mismatch");
    DeltaView delta;
    delta.generation = load<std::uint64_t>(bytes, 16);
    auto upserts = load<std::uint64_t>(bytes, 24);
    auto removals = load<std::uint64_t>(bytes, 32);
    if (delta.generation != generation) corrupt(name, "generation does not match its name");
    if (upserts > kMaxRows || removals > kMaxRows) corrupt(name, "row counts");
    const std::uint64_t vectors_at = align_up(kHeaderBytes + 8 * (upserts + removals), kAlign);
    const std::uint64_t checksum_at = align_up(vectors_at + 4ull * dimension * upserts, kAlign);
    if (bytes.size() != checksum_at + kChecksumBytes)
        corrupt(name, "truncated or oversized: " + std::to_string(bytes.size()) +
                          " bytes, the header implies " +
                          std::to_string(checksum_at + kChecksumBytes));
    if (verify_checksum) check_checksum(bytes, name);
    auto ids = reinterpret_cast<const std::int64_t*>(bytes.data() + kHeaderBytes);
    delta.upsert_ids = {ids, upserts};
    delta.removed_ids = {ids + upserts, removals};
    check_ids_ascending(delta.upsert_ids, name, "upsert ids");
    check_ids_ascending(delta.removed_ids, name, "removed ids");
    // Both lists are ascending: one merge pass finds an id in both.
    for (std::size_t i = 0, j = 0; i < delta.upsert_ids.size() && j < delta.removed_ids.size();) {
        if (delta.upsert_ids[i] == delta.removed_ids[j])
            corrupt(name, "an id both upserted and removed");
        delta.upsert_ids[i] < delta.removed_ids[j] ? ++i : ++j;
    }
    delta.vectors = reinterpret_cast<const float*>(bytes.data() + vectors_at);
    delta.file = std::move(file);
    return delta;
}

}  // namespace deskside::store::vec
