// Writes small hand-made GGUF v3 files (metadata only, no tensors) so that tests can feed the
// vocabulary loader malformed and edge-case vocabularies. Test-only; single-threaded.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace deskside::testing {

class GgufBuilder {
  public:
    GgufBuilder& string(std::string_view key, std::string_view value) {
        begin(key, 8);
        put_string(value);
        return *this;
    }
    GgufBuilder& u32(std::string_view key, std::uint32_t value) {
        begin(key, 4);
        put(value);
        return *this;
    }
    GgufBuilder& i32(std::string_view key, std::int32_t value) {
        begin(key, 5);
        put(value);
        return *this;
    }
    GgufBuilder& boolean(std::string_view key, bool value) {
        begin(key, 7);
        put(static_cast<std::uint8_t>(value ? 1 : 0));
        return *this;
    }
    GgufBuilder& strings(std::string_view key, const std::vector<std::string>& values) {
        begin_array(key, 8, values.size());
        for (const auto& v : values) put_string(v);
        return *this;
    }
    GgufBuilder& floats(std::string_view key, const std::vector<float>& values) {
        begin_array(key, 6, values.size());
        for (float v : values) put(v);
        return *this;
    }
    GgufBuilder& i32s(std::string_view key, const std::vector<std::int32_t>& values) {
        begin_array(key, 5, values.size());
        for (auto v : values) put(v);
        return *this;
    }

    // The whole file: header, then the key/values in the order they were added.
    std::string bytes() const {
        std::string out = "GGUF";
        append(out, std::uint32_t{3});
        append(out, std::uint64_t{0});  // tensors
        append(out, count_);
        return out + body_;
    }
    std::filesystem::path write(const std::filesystem::path& path) const {
        write_file(path, bytes());
        return path;
    }

  private:
    template <typename T>
    static void append(std::string& out, T value) {
        char raw[sizeof(T)];
        std::memcpy(raw, &value, sizeof(T));  // the test machines are little-endian, like GGUF
        out.append(raw, sizeof(T));
    }
    template <typename T>
    void put(T value) {
        append(body_, value);
    }
    void put_string(std::string_view s) {
        put(static_cast<std::uint64_t>(s.size()));
        body_.append(s);
    }
    void begin(std::string_view key, std::uint32_t type) {
        ++count_;
        put_string(key);
        put(type);
    }
    void begin_array(std::string_view key, std::uint32_t element_type, std::size_t n) {
        begin(key, 9);
        put(element_type);
        put(static_cast<std::uint64_t>(n));
    }

    std::string body_;
    std::uint64_t count_ = 0;
};

}  // namespace deskside::testing
