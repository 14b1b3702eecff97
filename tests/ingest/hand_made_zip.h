// Builds small ZIP packages in memory for the office extractor tests: stored entries
// with real CRCs, and hand-made hostile entries (a deflate stream of hundreds of megabytes of
// zeros, with honest or lying sizes). Test-only; pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::ingest::testing {

struct ZipEntry {
    std::string name;
    std::string data;  // stored as is, or the raw deflate stream when `deflated`
    bool deflated = false;
    std::uint32_t declared_size = 0;  // for deflated entries: the size the headers claim
};

inline std::uint32_t crc32(std::string_view data) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char byte : data) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

// A ZIP archive of `entries` (no data descriptors, no extra fields, 1980-01-01 timestamps).
inline std::string make_zip(const std::vector<ZipEntry>& entries) {
    auto put16 = [](std::string& out, std::uint32_t v) {
        out += static_cast<char>(v & 0xFF);
        out += static_cast<char>((v >> 8) & 0xFF);
    };
    auto put32 = [&](std::string& out, std::uint32_t v) {
        put16(out, v & 0xFFFF);
        put16(out, v >> 16);
    };
    std::string out, directory;
    for (const ZipEntry& entry : entries) {
        std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        std::uint32_t crc = entry.deflated ? 0 : crc32(entry.data);
        std::uint32_t size =
            entry.deflated ? entry.declared_size : static_cast<std::uint32_t>(entry.data.size());
        std::uint32_t method = entry.deflated ? 8 : 0;
        auto common = [&](std::string& header) {
            put16(header, 20);  // version needed
            put16(header, 0);   // flags
            put16(header, method);
            put16(header, 0);     // time
            put16(header, 0x21);  // date: 1980-01-01
            put32(header, crc);
            put32(header, static_cast<std::uint32_t>(entry.data.size()));
            put32(header, size);
            put16(header, static_cast<std::uint32_t>(entry.name.size()));
            put16(header, 0);  // extra field length
        };
        put32(out, 0x04034b50);
        common(out);
        out += entry.name;
        out += entry.data;
        put32(directory, 0x02014b50);
        put16(directory, 20);  // version made by
        common(directory);
        put16(directory, 0);  // comment length
        put16(directory, 0);  // disk
        put16(directory, 0);  // internal attributes
        put32(directory, 0);  // external attributes
        put32(directory, offset);
        directory += entry.name;
    }
    std::uint32_t directory_offset = static_cast<std::uint32_t>(out.size());
    out += directory;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put16(out, static_cast<std::uint32_t>(entries.size()));
    put32(out, static_cast<std::uint32_t>(directory.size()));
    put32(out, directory_offset);
    put16(out, 0);
    return out;
}

// A raw deflate stream (one fixed-Huffman block) that inflates to 1 + 258 * `matches` zero
// bytes: a literal 0, then back-references of length 258 at distance 1, 13 bits each. About
// 4 MB of stream make 600 MB, without spending the time to compress them.
inline std::string deflated_zeros(std::uint64_t matches) {
    std::string out;
    std::uint32_t buffer = 0;
    int used = 0;
    auto bit = [&](std::uint32_t b) {
        buffer |= b << used;
        if (++used == 8) {
            out += static_cast<char>(buffer);
            buffer = 0;
            used = 0;
        }
    };
    auto huffman = [&](std::uint32_t code, int length) {  // Huffman codes go MSB first
        for (int i = length - 1; i >= 0; --i) bit((code >> i) & 1);
    };
    out.reserve(static_cast<std::size_t>(matches * 13 / 8 + 16));
    bit(1);  // BFINAL
    bit(1);  // BTYPE = 01 (fixed Huffman), low bit first
    bit(0);
    huffman(0x30, 8);  // literal 0
    for (std::uint64_t i = 0; i < matches; ++i) {
        huffman(0xC5, 8);  // length code 285: 258 bytes
        huffman(0x00, 5);  // distance code 0: distance 1
    }
    huffman(0x00, 7);  // end of block (256)
    if (used > 0) out += static_cast<char>(buffer);
    return out;
}

}  // namespace deskside::ingest::testing
