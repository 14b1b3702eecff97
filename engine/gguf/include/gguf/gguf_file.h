// A GGUF model file (versions 2 and 3), memory-mapped read-only: its metadata key/values and its
// tensor directory, validated against the file's length when opened, so that a truncated or
// corrupt file is an error that names the problem and never an out-of-bounds read.
//
// Byte layout (little-endian):
//   "GGUF" u32 version, u64 tensor_count, u64 metadata_count   (v1 used u32 counts: refused)
//   metadata_count x { string key, u32 value_type, value }
//     string = u64 length + bytes (no NUL); array = u32 element_type, u64 count, elements
//   tensor_count x { string name, u32 n_dims, u64 dims[n_dims], u32 tensor_type, u64 offset }
//   padding to `general.alignment` (default 32), then the tensor data; each tensor's offset is
//   relative to the start of the data section and is a multiple of the alignment.
//   (A file with no tensors, such as llama.cpp's vocab-only files, may end right after the
//   metadata, without padding.)
//
// open() checks, before reading or allocating anything: every length and count against the bytes
// left; value types; arrays nested at most 8 deep; unique keys and tensor names; general.alignment
// a power of two; n_dims <= 4; dims positive with no overflow; tensor types known; rows a whole
// number of blocks; offsets aligned; tensor data inside the file and not overlapping.
//
// A GgufFile owns its mapping; TensorInfo::data points into it and lives as long as the file.
// The file must not be truncated by someone else while open (the mapping would fault). Reads are
// const and thread-safe after open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace deskside::gguf {

enum class ValueType : std::uint32_t {
    uint8 = 0,
    int8 = 1,
    uint16 = 2,
    int16 = 3,
    uint32 = 4,
    int32 = 5,
    float32 = 6,
    boolean = 7,
    string = 8,
    array = 9,
    uint64 = 10,
    int64 = 11,
    float64 = 12,
};

// ggml's type numbers, as stored in the file.
enum class TensorType : std::uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
};

// One metadata value. Arrays hold their elements (strings included) in one vector.
struct Value {
    using Array = std::vector<Value>;
    ValueType type = ValueType::uint8;
    std::variant<std::uint64_t, std::int64_t, double, bool, std::string, Array> data;

    std::optional<std::int64_t> as_int() const;  // any integer type (uint64 above INT64_MAX: no)
    std::optional<double> as_float() const;      // float32/float64, and integers
    std::optional<bool> as_bool() const;
    const std::string* as_string() const;
    const Array* as_array() const;
};

struct TensorInfo {
    std::string name;
    TensorType type = TensorType::F32;
    std::vector<std::int64_t> dims;   // ggml order: dims[0] is the row length (contiguous)
    std::uint64_t offset = 0;         // from the start of the data section
    std::uint64_t bytes = 0;          // size of the data
    const std::byte* data = nullptr;  // into the mapping
    std::int64_t elements() const;
};

class GgufFile {
  public:
    // Maps and validates the file. Throws Error(not_found / io) when it cannot be read,
    // Error(invalid_argument) for a malformed file ("model.gguf: truncated: tensor
    // 'blk.0.attn_q.weight' ends at byte 812345, the file has 800000"), Error(unsupported) for
    // version 1 or a tensor type this build cannot size. A count that the rest of the file cannot
    // hold reads "truncated or corrupt: ...".
    static GgufFile open(const std::filesystem::path& path);

    GgufFile(GgufFile&&) noexcept;
    GgufFile& operator=(GgufFile&&) noexcept;
    ~GgufFile();

    const std::filesystem::path& path() const;
    std::uint32_t version() const;
    std::uint64_t file_size() const;
    std::uint32_t alignment() const;
    // Byte at which the tensor data section starts (a multiple of alignment()); for a file with
    // no tensors, where the directory ends.
    std::uint64_t data_offset() const;

    // Metadata in file order; find() by key.
    const std::vector<std::pair<std::string, Value>>& metadata() const;
    const Value* find(std::string_view key) const;
    std::optional<std::string> get_string(std::string_view key) const;
    std::optional<std::int64_t> get_int(std::string_view key) const;
    std::optional<double> get_float(std::string_view key) const;
    std::optional<bool> get_bool(std::string_view key) const;
    // String arrays (tokenizer.ggml.tokens) and numeric arrays (scores, token_type).
    std::vector<std::string> get_strings(std::string_view key) const;
    std::vector<double> get_floats(std::string_view key) const;
    std::vector<std::int64_t> get_ints(std::string_view key) const;

    const std::vector<TensorInfo>& tensors() const;
    const TensorInfo* find_tensor(std::string_view name) const;

  private:
    struct State;
    explicit GgufFile(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace deskside::gguf
