// GgufFile: maps the file, then parses the header, the metadata and the tensor directory with a
// bounds-checked cursor. Every count and length read from the file is checked against the bytes
// that remain before anything is allocated or dereferenced.
#include "gguf/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "base/error.h"
#include "gguf/tensor_types.h"

namespace deskside::gguf {

namespace {

constexpr std::uint32_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;
// Nested arrays deeper than this are certainly not a model file; the limit keeps the recursive
// parser's stack bounded on hostile input.
constexpr int kMaxArrayDepth = 8;
// Never reserve more than this many elements up front; growth past it is paid for by real bytes.
constexpr std::uint64_t kMaxReserve = 1u << 16;

// A read-only private mapping of a whole file; unmapped on destruction.
class Mapping {
  public:
    Mapping() = default;
    explicit Mapping(const std::filesystem::path& path) {
        const std::string name = path.string();
        int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            if (err == ENOENT || err == ENOTDIR) {
                throw Error(ErrorCode::not_found, name + ": no such model file");
            }
            throw_io_error("cannot open model file", name, err);
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int err = errno;
            ::close(fd);
            throw_io_error("cannot stat model file", name, err);
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            throw Error(ErrorCode::invalid_argument, name + ": not a regular file");
        }
        size_ = static_cast<std::uint64_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                int err = errno;
                ::close(fd);
                throw_io_error("cannot map model file", name, err);
            }
            data_ = static_cast<const std::byte*>(p);
        }
        ::close(fd);  // the mapping keeps its own reference to the file
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    Mapping(Mapping&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    Mapping& operator=(Mapping&& o) noexcept {
        if (this != &o) {
            reset();
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ~Mapping() { reset(); }

    const std::byte* data() const { return data_; }
    std::uint64_t size() const { return size_; }

  private:
    void reset() {
        if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
        data_ = nullptr;
        size_ = 0;
    }
    const std::byte* data_ = nullptr;
    std::uint64_t size_ = 0;
};

// Reads little-endian fields from [data, data + size), throwing a message that names the field
// when the file ends first.
class Cursor {
  public:
    Cursor(const std::byte* data, std::uint64_t size, std::string file)
        : data_(data), size_(size), file_(std::move(file)) {}

    std::uint64_t pos() const { return pos_; }
    std::uint64_t remaining() const { return size_ - pos_; }

    // While reading array elements, the index of the current one, for error messages only (so
    // that no per-element name string is built on the good path).
    void set_element(std::uint64_t i) { element_ = i; }
    void clear_element() { element_ = kNoElement; }

    [[noreturn]] void fail(ErrorCode code, std::string_view what) const {
        throw Error(code, file_ + ": " + std::string(what));
    }

    void need(std::uint64_t n, std::string_view what) const {
        if (n > remaining()) {
            fail(ErrorCode::invalid_argument,
                 "truncated: " + field(what) + " at byte " + std::to_string(pos_) + " needs " +
                     std::to_string(n) + " bytes, the file has " + std::to_string(size_));
        }
    }

    template <typename T>
    T read(std::string_view what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));  // the host is little-endian (x86-64)
        pos_ += sizeof(T);
        return v;
    }

    std::string read_string(std::string_view what) {
        need(8, what);
        auto len = read<std::uint64_t>(what);
        if (len > remaining()) {
            fail(ErrorCode::invalid_argument,
                 "truncated: " + field(what) + " at byte " + std::to_string(pos_) +
                     ": string length " + std::to_string(len) + " runs past the end of the file (" +
                     std::to_string(size_) + " bytes)");
        }
        std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(len));
        pos_ += len;
        return s;
    }

    // A count read from the file whose elements, at `min_bytes` each at the least, cannot fit in
    // what remains: the file is cut short or the count is garbage. Checked before allocating.
    void check_count(std::uint64_t count, std::uint64_t min_bytes, std::string_view what) const {
        if (count <= remaining() / min_bytes) return;
        const std::string need = count <= ~std::uint64_t{0} / min_bytes
                                     ? std::to_string(count * min_bytes)
                                     : std::string("more than 2^64");
        fail(ErrorCode::invalid_argument, "truncated or corrupt: " + std::string(what) + " " +
                                              std::to_string(count) + " needs at least " + need +
                                              " bytes, only " + std::to_string(remaining()) +
                                              " remain after byte " + std::to_string(pos_));
    }

    std::string field(std::string_view what) const {
        std::string f(what);
        if (element_ != kNoElement) f += " element " + std::to_string(element_);
        return f;
    }

  private:
    static constexpr std::uint64_t kNoElement = ~std::uint64_t{0};
    const std::byte* data_;
    std::uint64_t size_;
    std::uint64_t pos_ = 0;
    std::string file_;
    std::uint64_t element_ = kNoElement;
};

bool known_value_type(std::uint32_t t) {
    return t <= static_cast<std::uint32_t>(ValueType::float64);
}

// The fewest bytes one element of type `t` can take, to bound counts read from the file.
std::uint64_t min_value_bytes(ValueType t) {
    switch (t) {
        case ValueType::uint8:
        case ValueType::int8:
        case ValueType::boolean:
            return 1;
        case ValueType::uint16:
        case ValueType::int16:
            return 2;
        case ValueType::uint32:
        case ValueType::int32:
        case ValueType::float32:
            return 4;
        case ValueType::string:
        case ValueType::uint64:
        case ValueType::int64:
        case ValueType::float64:
            return 8;
        case ValueType::array:
            return 4 + 8;
    }
    return 1;
}

Value read_value(Cursor& c, ValueType type, std::string_view what, int depth) {
    Value v;
    v.type = type;
    switch (type) {
        case ValueType::uint8:
            v.data = std::uint64_t{c.read<std::uint8_t>(what)};
            break;
        case ValueType::int8:
            v.data = std::int64_t{c.read<std::int8_t>(what)};
            break;
        case ValueType::uint16:
            v.data = std::uint64_t{c.read<std::uint16_t>(what)};
            break;
        case ValueType::int16:
            v.data = std::int64_t{c.read<std::int16_t>(what)};
            break;
        case ValueType::uint32:
            v.data = std::uint64_t{c.read<std::uint32_t>(what)};
            break;
        case ValueType::int32:
            v.data = std::int64_t{c.read<std::int32_t>(what)};
            break;
        case ValueType::uint64:
            v.data = c.read<std::uint64_t>(what);
            break;
        case ValueType::int64:
            v.data = c.read<std::int64_t>(what);
            break;
        case ValueType::float32:
            v.data = double{c.read<float>(what)};
            break;
        case ValueType::float64:
            v.data = c.read<double>(what);
            break;
        case ValueType::boolean:
            v.data = c.read<std::uint8_t>(what) != 0;
            break;
        case ValueType::string:
            v.data = c.read_string(what);
            break;
        case ValueType::array: {
            if (depth >= kMaxArrayDepth) {
                c.fail(ErrorCode::invalid_argument, c.field(what) + ": arrays nested deeper than " +
                                                        std::to_string(kMaxArrayDepth));
            }
            auto elem_raw = c.read<std::uint32_t>(what);
            if (!known_value_type(elem_raw)) {
                c.fail(ErrorCode::invalid_argument,
                       c.field(what) + ": unknown array element type " + std::to_string(elem_raw));
            }
            auto elem = static_cast<ValueType>(elem_raw);
            auto count = c.read<std::uint64_t>(what);
            c.check_count(count, min_value_bytes(elem), c.field(what) + " array count");
            Value::Array arr;
            arr.reserve(static_cast<std::size_t>(std::min(count, kMaxReserve)));
            for (std::uint64_t i = 0; i < count; ++i) {
                c.set_element(i);
                arr.push_back(read_value(c, elem, what, depth + 1));
            }
            c.clear_element();
            v.data = std::move(arr);
            break;
        }
    }
    return v;
}

bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t limit) {
    return a != 0 && b > limit / a;
}

}  // namespace

// ---- Value --------------------------------------------------------------------------------------

std::optional<std::int64_t> Value::as_int() const {
    if (const auto* u = std::get_if<std::uint64_t>(&data)) {
        if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return {};
        return static_cast<std::int64_t>(*u);
    }
    if (const auto* i = std::get_if<std::int64_t>(&data)) return *i;
    return {};
}

std::optional<double> Value::as_float() const {
    if (const auto* d = std::get_if<double>(&data)) return *d;
    if (const auto* u = std::get_if<std::uint64_t>(&data)) return static_cast<double>(*u);
    if (const auto* i = std::get_if<std::int64_t>(&data)) return static_cast<double>(*i);
    return {};
}

std::optional<bool> Value::as_bool() const {
    if (const auto* b = std::get_if<bool>(&data)) return *b;
    return {};
}

const std::string* Value::as_string() const {
    return std::get_if<std::string>(&data);
}

const Value::Array* Value::as_array() const {
    return std::get_if<Array>(&data);
}

std::int64_t TensorInfo::elements() const {
    std::int64_t n = 1;
    for (auto d : dims) n *= d;  // validated not to overflow at open
    return n;
}

// ---- GgufFile -----------------------------------------------------------------------------------

struct GgufFile::State {
    std::filesystem::path path;
    Mapping mapping;
    std::uint32_t version = 0;
    std::uint32_t alignment = kDefaultAlignment;
    std::uint64_t data_offset = 0;
    std::vector<std::pair<std::string, Value>> metadata;
    std::map<std::string, std::size_t, std::less<>> metadata_index;
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::size_t, std::less<>> tensor_index;
};

GgufFile::GgufFile(std::unique_ptr<State> state) : state_(std::move(state)) {}
GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

GgufFile GgufFile::open(const std::filesystem::path& path) {
    auto st = std::make_unique<State>();
    st->path = path;
    st->mapping = Mapping(path);
    const std::uint64_t size = st->mapping.size();
    Cursor c(st->mapping.data(), size, path.string());

    // Header.
    auto magic = c.read<std::uint32_t>("magic");
    if (std::memcmp(&magic, "GGUF", 4) != 0) {
        c.fail(ErrorCode::invalid_argument, "not a GGUF file (bad magic)");
    }
    st->version = c.read<std::uint32_t>("version");
    if (st->version == 1) {
        c.fail(ErrorCode::unsupported, "GGUF version 1 is not supported (only 2 and 3)");
    }
    if (st->version != 2 && st->version != 3) {
        std::string hint = (st->version & 0xFFFFu) == 0 ? " (a big-endian file?)" : "";
        c.fail(ErrorCode::unsupported, "GGUF version " + std::to_string(st->version) +
                                           " is not supported (only 2 and 3)" + hint);
    }
    auto tensor_count = c.read<std::uint64_t>("tensor count");
    auto metadata_count = c.read<std::uint64_t>("metadata count");
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor entry at
    // least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
    c.check_count(metadata_count, 13, "metadata count");
    c.check_count(tensor_count, 24, "tensor count");

    // Metadata.
    st->metadata.reserve(static_cast<std::size_t>(std::min(metadata_count, kMaxReserve)));
    for (std::uint64_t i = 0; i < metadata_count; ++i) {
        const std::string where = "metadata key #" + std::to_string(i);
        std::string key = c.read_string(where);
        const std::string what = "metadata '" + key + "'";
        auto type_raw = c.read<std::uint32_t>(what + " (value type)");
        if (!known_value_type(type_raw)) {
            c.fail(ErrorCode::invalid_argument,
                   what + ": unknown value type " + std::to_string(type_raw));
        }
        Value v = read_value(c, static_cast<ValueType>(type_raw), what, 0);
        if (!st->metadata_index.emplace(key, st->metadata.size()).second) {
            c.fail(ErrorCode::invalid_argument, "duplicate metadata key '" + key + "'");
        }
        st->metadata.emplace_back(std::move(key), std::move(v));
    }

    if (auto it = st->metadata_index.find("general.alignment"); it != st->metadata_index.end()) {
        auto a = st->metadata[it->second].second.as_int();
        if (!a || *a <= 0 || *a > (1 << 30) || (*a & (*a - 1)) != 0) {
            c.fail(ErrorCode::invalid_argument,
                   "general.alignment must be a positive power of two");
        }
        st->alignment = static_cast<std::uint32_t>(*a);
    }

    // Tensor directory.
    st->tensors.reserve(static_cast<std::size_t>(std::min(tensor_count, kMaxReserve)));
    for (std::uint64_t i = 0; i < tensor_count; ++i) {
        TensorInfo t;
        t.name = c.read_string("tensor #" + std::to_string(i) + " name");
        const std::string what = "tensor '" + t.name + "'";
        auto n_dims = c.read<std::uint32_t>(what + " n_dims");
        if (n_dims > kMaxDims) {
            c.fail(ErrorCode::invalid_argument, what + ": n_dims " + std::to_string(n_dims) +
                                                    " is more than " + std::to_string(kMaxDims));
        }
        std::uint64_t elements = 1;
        for (std::uint32_t d = 0; d < n_dims; ++d) {
            auto dim = c.read<std::int64_t>(what + " dims[" + std::to_string(d) + "]");
            if (dim <= 0) {
                c.fail(ErrorCode::invalid_argument, what + ": dims[" + std::to_string(d) + "] is " +
                                                        std::to_string(dim) + ", not positive");
            }
            if (mul_overflows(elements, static_cast<std::uint64_t>(dim),
                              std::numeric_limits<std::int64_t>::max())) {
                c.fail(ErrorCode::invalid_argument, what + ": element count overflows");
            }
            elements *= static_cast<std::uint64_t>(dim);
            t.dims.push_back(dim);
        }
        auto type_raw = c.read<std::uint32_t>(what + " type");
        t.type = static_cast<TensorType>(type_raw);
        const int block = block_elements(t.type);
        if (block == 0) {
            c.fail(ErrorCode::unsupported,
                   what + " has unknown tensor type " + std::to_string(type_raw));
        }
        t.offset = c.read<std::uint64_t>(what + " offset");
        if (t.offset % st->alignment != 0) {
            c.fail(ErrorCode::invalid_argument, what + ": offset " + std::to_string(t.offset) +
                                                    " is not a multiple of the alignment " +
                                                    std::to_string(st->alignment));
        }
        const std::int64_t row = t.dims.empty() ? 1 : t.dims[0];
        if (row % block != 0) {
            c.fail(ErrorCode::invalid_argument, what + ": row length " + std::to_string(row) +
                                                    " is not a multiple of " +
                                                    std::string(tensor_type_name(t.type)) +
                                                    "'s block of " + std::to_string(block));
        }
        const std::uint64_t rows = elements / static_cast<std::uint64_t>(row);
        const std::uint64_t blocks_per_row = static_cast<std::uint64_t>(row / block);
        const std::uint64_t bb = block_bytes(t.type);
        if (mul_overflows(blocks_per_row, bb, std::numeric_limits<std::uint64_t>::max()) ||
            mul_overflows(blocks_per_row * bb, rows, std::numeric_limits<std::uint64_t>::max())) {
            c.fail(ErrorCode::invalid_argument, what + ": byte size overflows");
        }
        t.bytes = blocks_per_row * bb * rows;
        if (!st->tensor_index.emplace(t.name, st->tensors.size()).second) {
            c.fail(ErrorCode::invalid_argument, "duplicate tensor name '" + t.name + "'");
        }
        st->tensors.push_back(std::move(t));
    }

    // Data section: starts at the next multiple of the alignment.
    const std::uint64_t data_start = (c.pos() + st->alignment - 1) / st->alignment * st->alignment;
    if (!st->tensors.empty() && data_start > size) {
        c.fail(ErrorCode::invalid_argument, "truncated: the tensor data section starts at byte " +
                                                std::to_string(data_start) + ", the file has " +
                                                std::to_string(size));
    }
    st->data_offset = st->tensors.empty() ? c.pos() : data_start;
    const std::uint64_t data_size = st->tensors.empty() ? 0 : size - data_start;
    std::vector<std::size_t> order(st->tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (auto& t : st->tensors) {
        if (t.offset > data_size || t.bytes > data_size - t.offset) {
            constexpr std::uint64_t kMax = ~std::uint64_t{0};
            const bool wraps =
                t.offset > kMax - data_start || t.bytes > kMax - data_start - t.offset;
            c.fail(ErrorCode::invalid_argument,
                   "truncated: tensor '" + t.name + "' ends at byte " +
                       (wraps ? std::string("(past 2^64)")
                              : std::to_string(data_start + t.offset + t.bytes)) +
                       ", the file has " + std::to_string(size));
        }
        t.data = st->mapping.data() + data_start + t.offset;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return st->tensors[a].offset < st->tensors[b].offset;
    });
    for (std::size_t i = 1; i < order.size(); ++i) {
        const auto& prev = st->tensors[order[i - 1]];
        const auto& cur = st->tensors[order[i]];
        if (prev.offset + prev.bytes > cur.offset) {
            c.fail(ErrorCode::invalid_argument,
                   "tensor '" + cur.name + "' (offset " + std::to_string(cur.offset) +
                       ") overlaps tensor '" + prev.name + "' (offset " +
                       std::to_string(prev.offset) + ", " + std::to_string(prev.bytes) + " bytes)");
        }
    }
    return GgufFile(std::move(st));
}

const std::filesystem::path& GgufFile::path() const {
    return state_->path;
}
std::uint32_t GgufFile::version() const {
    return state_->version;
}
std::uint64_t GgufFile::file_size() const {
    return state_->mapping.size();
}
std::uint32_t GgufFile::alignment() const {
    return state_->alignment;
}
std::uint64_t GgufFile::data_offset() const {
    return state_->data_offset;
}

const std::vector<std::pair<std::string, Value>>& GgufFile::metadata() const {
    return state_->metadata;
}

const Value* GgufFile::find(std::string_view key) const {
    auto it = state_->metadata_index.find(key);
    return it == state_->metadata_index.end() ? nullptr : &state_->metadata[it->second].second;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
    const Value* v = find(key);
    if (v == nullptr) return {};
    if (const auto* s = v->as_string()) return *s;
    return {};
}

std::optional<std::int64_t> GgufFile::get_int(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_int();
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_float();
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
    const Value* v = find(key);
    return v == nullptr ? std::nullopt : v->as_bool();
}

std::vector<std::string> GgufFile::get_strings(std::string_view key) const {
    std::vector<std::string> out;
    const Value* v = find(key);
    const Value::Array* arr = v == nullptr ? nullptr : v->as_array();
    if (arr == nullptr) return out;
    out.reserve(arr->size());
    for (const auto& e : *arr) {
        const std::string* s = e.as_string();
        if (s == nullptr) return {};
        out.push_back(*s);
    }
    return out;
}

std::vector<double> GgufFile::get_floats(std::string_view key) const {
    std::vector<double> out;
    const Value* v = find(key);
    const Value::Array* arr = v == nullptr ? nullptr : v->as_array();
    if (arr == nullptr) return out;
    out.reserve(arr->size());
    for (const auto& e : *arr) {
        auto f = e.as_float();
        if (!f) return {};
        out.push_back(*f);
    }
    return out;
}

std::vector<std::int64_t> GgufFile::get_ints(std::string_view key) const {
    std::vector<std::int64_t> out;
    const Value* v = find(key);
    const Value::Array* arr = v == nullptr ? nullptr : v->as_array();
    if (arr == nullptr) return out;
    out.reserve(arr->size());
    for (const auto& e : *arr) {
        auto i = e.as_int();
        if (!i) return {};
        out.push_back(*i);
    }
    return out;
}

const std::vector<TensorInfo>& GgufFile::tensors() const {
    return state_->tensors;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
    auto it = state_->tensor_index.find(name);
    return it == state_->tensor_index.end() ? nullptr : &state_->tensors[it->second];
}

}  // namespace deskside::gguf
