// Test-only: writes GGUF files byte by byte, so tests can build both well-formed files with every
// value type and deliberately corrupt ones (bad counts, lengths, offsets, types). It checks
// nothing on purpose. Single-threaded.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace deskside::testing::gguf {

// Little-endian byte string builder.
class Bytes {
  public:
    Bytes& u8(std::uint8_t v) { return raw(&v, 1); }
    Bytes& u16(std::uint16_t v) { return raw(&v, 2); }
    Bytes& u32(std::uint32_t v) { return raw(&v, 4); }
    Bytes& u64(std::uint64_t v) { return raw(&v, 8); }
    Bytes& i8(std::int8_t v) { return raw(&v, 1); }
    Bytes& i16(std::int16_t v) { return raw(&v, 2); }
    Bytes& i32(std::int32_t v) { return raw(&v, 4); }
    Bytes& i64(std::int64_t v) { return raw(&v, 8); }
    Bytes& f32(float v) { return raw(&v, 4); }
    Bytes& f64(double v) { return raw(&v, 8); }
    Bytes& str(const std::string& s) {
        u64(s.size());
        s_ += s;
        return *this;
    }
    Bytes& bytes(const std::string& b) {
        s_ += b;
        return *this;
    }
    Bytes& raw(const void* p, std::size_t n) {
        s_.append(static_cast<const char*>(p), n);
        return *this;
    }
    const std::string& data() const { return s_; }
    std::string take() { return std::move(s_); }

  private:
    std::string s_;
};

// GGUF value type numbers.
enum : std::uint32_t {
    kU8 = 0,
    kI8 = 1,
    kU16 = 2,
    kI16 = 3,
    kU32 = 4,
    kI32 = 5,
    kF32 = 6,
    kBool = 7,
    kStr = 8,
    kArr = 9,
    kU64 = 10,
    kI64 = 11,
    kF64 = 12,
};

// One encoded key/value: key, u32 type, payload (already encoded).
inline std::string kv(const std::string& key, std::uint32_t type, const std::string& payload) {
    return Bytes().str(key).u32(type).bytes(payload).take();
}
inline std::string kv_u32(const std::string& key, std::uint32_t v) {
    return kv(key, kU32, Bytes().u32(v).take());
}
inline std::string kv_str(const std::string& key, const std::string& v) {
    return kv(key, kStr, Bytes().str(v).take());
}
inline std::string kv_strings(const std::string& key, const std::vector<std::string>& v) {
    Bytes b;
    b.u32(kStr).u64(v.size());
    for (const auto& s : v) b.str(s);
    return kv(key, kArr, b.take());
}

struct TensorSpec {
    TensorSpec(std::string n, std::vector<std::int64_t> d, std::uint32_t t,
               std::optional<std::uint64_t> off, std::string bytes)
        : name(std::move(n)), dims(std::move(d)), type(t), offset(off), data(std::move(bytes)) {}
    std::string name;
    std::vector<std::int64_t> dims;
    std::uint32_t type = 0;               // F32
    std::optional<std::uint64_t> offset;  // default: packed, aligned
    std::string data;                     // the tensor's bytes
    std::optional<std::uint32_t> n_dims;  // default: dims.size()
};

struct FileSpec {
    std::string magic = "GGUF";
    std::uint32_t version = 3;
    std::vector<std::string> kvs;  // encoded with kv()
    std::vector<TensorSpec> tensors;
    std::uint32_t alignment = 32;  // used for layout only; add general.alignment to kvs yourself
    std::optional<std::uint64_t> n_tensors;  // default: tensors.size()
    std::optional<std::uint64_t> n_kv;       // default: kvs.size()
};

inline std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) / a * a;
}

// The file's bytes: header, metadata, directory, padding, then each tensor's data at its offset.
inline std::string build(const FileSpec& f) {
    Bytes b;
    b.raw(f.magic.data(), 4).u32(f.version);
    b.u64(f.n_tensors.value_or(f.tensors.size())).u64(f.n_kv.value_or(f.kvs.size()));
    for (const auto& k : f.kvs) b.bytes(k);
    std::vector<std::uint64_t> offsets;
    std::uint64_t next = 0;
    for (const auto& t : f.tensors) {
        const std::uint64_t off = t.offset.value_or(next);
        offsets.push_back(off);
        next = align_up(std::max(next, off + t.data.size()), f.alignment);
        b.str(t.name).u32(t.n_dims.value_or(static_cast<std::uint32_t>(t.dims.size())));
        for (auto d : t.dims) b.i64(d);
        b.u32(t.type).u64(off);
    }
    std::string out = b.take();
    if (f.tensors.empty()) return out;
    out.resize(align_up(out.size(), f.alignment), '\0');
    const std::size_t data_start = out.size();
    for (std::size_t i = 0; i < f.tensors.size(); ++i) {
        const std::size_t at = data_start + offsets[i];
        if (out.size() < at + f.tensors[i].data.size()) out.resize(at + f.tensors[i].data.size());
        std::memcpy(out.data() + at, f.tensors[i].data.data(), f.tensors[i].data.size());
    }
    return out;
}

// n float32 values 0, 1, 2, ... as bytes.
inline std::string f32_data(std::size_t n) {
    Bytes b;
    for (std::size_t i = 0; i < n; ++i) b.f32(static_cast<float>(i));
    return b.take();
}

}  // namespace deskside::testing::gguf
