// Test-only: rewrites a GGUF file through GgufFile with edits (metadata set or removed, tensors
// dropped, renamed, retyped or reshaped while keeping their bytes), so tests can make corrupt or
// foreign variants of the real shared models. It validates nothing on purpose. Single-threaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "test_support.h"

namespace deskside::testing {

struct GgufTensorCopy {
    std::string name;
    std::vector<std::int64_t> dims;
    std::uint32_t type = 0;
    std::string data;
};

class GgufRewrite {
  public:
    explicit GgufRewrite(const std::filesystem::path& source) {
        auto file = gguf::GgufFile::open(source);
        metadata_ = file.metadata();
        for (const auto& t : file.tensors())
            tensors_.push_back({t.name, t.dims, static_cast<std::uint32_t>(t.type),
                                std::string(reinterpret_cast<const char*>(t.data), t.bytes)});
    }

    GgufRewrite& set(const std::string& key, gguf::Value value) {
        for (auto& [k, v] : metadata_)
            if (k == key) {
                v = std::move(value);
                return *this;
            }
        metadata_.emplace_back(key, std::move(value));
        return *this;
    }
    GgufRewrite& set_string(const std::string& key, const std::string& text) {
        return set(key, make(gguf::ValueType::string, text));
    }
    GgufRewrite& set_u32(const std::string& key, std::uint32_t v) {
        return set(key, make(gguf::ValueType::uint32, std::uint64_t{v}));
    }
    GgufRewrite& set_f32(const std::string& key, float v) {
        return set(key, make(gguf::ValueType::float32, static_cast<double>(v)));
    }
    GgufRewrite& set_bool(const std::string& key, bool v) {
        return set(key, make(gguf::ValueType::boolean, v));
    }
    GgufRewrite& remove(const std::string& key) {
        std::erase_if(metadata_, [&](const auto& kv) { return kv.first == key; });
        return *this;
    }
    GgufRewrite& drop_tensor(const std::string& name) {
        std::erase_if(tensors_, [&](const auto& t) { return t.name == name; });
        return *this;
    }
    GgufRewrite& edit_tensor(const std::string& name,
                             const std::function<void(GgufTensorCopy&)>& f) {
        for (auto& t : tensors_)
            if (t.name == name) f(t);
        return *this;
    }

    void write(const std::filesystem::path& path) const {
        std::string out = "GGUF";
        put<std::uint32_t>(out, 3);
        put<std::uint64_t>(out, tensors_.size());
        put<std::uint64_t>(out, metadata_.size());
        for (const auto& [key, value] : metadata_) {
            put_string(out, key);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(value.type));
            put_value(out, value);
        }
        std::uint64_t offset = 0;
        for (const auto& t : tensors_) {
            put_string(out, t.name);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(t.dims.size()));
            for (auto d : t.dims) put<std::uint64_t>(out, static_cast<std::uint64_t>(d));
            put<std::uint32_t>(out, t.type);
            put<std::uint64_t>(out, offset);
            offset += padded(t.data.size());
        }
        out.resize(padded(out.size()), '\0');
        for (const auto& t : tensors_) {
            out += t.data;
            out.resize(padded(out.size()), '\0');
        }
        write_file(path, out);
    }

  private:
    static constexpr std::uint64_t kAlignment = 32;

    template <typename T>
    static gguf::Value make(gguf::ValueType type, T data) {
        gguf::Value value;
        value.type = type;
        value.data.emplace<T>(std::move(data));
        return value;
    }
    static std::uint64_t padded(std::uint64_t n) {
        return (n + kAlignment - 1) / kAlignment * kAlignment;
    }

    template <typename T>
    static void put(std::string& out, T v) {
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    static void put_string(std::string& out, const std::string& s) {
        put<std::uint64_t>(out, s.size());
        out += s;
    }
    static void put_value(std::string& out, const gguf::Value& v) {
        using gguf::ValueType;
        switch (v.type) {
            case ValueType::uint8:
                put<std::uint8_t>(out, static_cast<std::uint8_t>(*v.as_int()));
                break;
            case ValueType::int8:
                put<std::int8_t>(out, static_cast<std::int8_t>(*v.as_int()));
                break;
            case ValueType::uint16:
                put<std::uint16_t>(out, static_cast<std::uint16_t>(*v.as_int()));
                break;
            case ValueType::int16:
                put<std::int16_t>(out, static_cast<std::int16_t>(*v.as_int()));
                break;
            case ValueType::uint32:
                put<std::uint32_t>(out, static_cast<std::uint32_t>(*v.as_int()));
                break;
            case ValueType::int32:
                put<std::int32_t>(out, static_cast<std::int32_t>(*v.as_int()));
                break;
            case ValueType::uint64:
                put<std::uint64_t>(out, static_cast<std::uint64_t>(*v.as_int()));
                break;
            case ValueType::int64:
                put<std::int64_t>(out, *v.as_int());
                break;
            case ValueType::float32:
                put<float>(out, static_cast<float>(*v.as_float()));
                break;
            case ValueType::float64:
                put<double>(out, *v.as_float());
                break;
            case ValueType::boolean:
                put<std::uint8_t>(out, *v.as_bool() ? 1 : 0);
                break;
            case ValueType::string:
                put_string(out, *v.as_string());
                break;
            case ValueType::array: {
                const auto& items = *v.as_array();
                put<std::uint32_t>(out,
                                   static_cast<std::uint32_t>(items.empty() ? gguf::ValueType::uint8
                                                                            : items[0].type));
                put<std::uint64_t>(out, items.size());
                for (const auto& item : items) put_value(out, item);
                break;
            }
        }
    }

    std::vector<std::pair<std::string, gguf::Value>> metadata_;
    std::vector<GgufTensorCopy> tensors_;
};

}  // namespace deskside::testing
