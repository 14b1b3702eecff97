// GgufFile on malformed input: hand-built corrupt files and truncated copies of a real model must
// each fail with the right ErrorCode and a message that names the file and the problem, and
// never read out of bounds (run these under ASan/valgrind to make that last part bite).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>

#include "base/error.h"
#include "gguf/gguf_file.h"
#include "gguf_builder.h"
#include "test_support.h"

namespace deskside::gguf {
namespace {

using namespace deskside::testing::gguf;
using deskside::testing::read_file;
using deskside::testing::shared_dir;
using deskside::testing::TempDir;
using deskside::testing::write_file;

// Opens `bytes` as a file and returns the error (code, message); fails the test if it opens.
struct Failure {
    ErrorCode code = ErrorCode::internal;
    std::string message;
};

// Each case gets its own file: rewriting one file in place costs milliseconds per write on ext4
// (the truncate-and-rewrite flush), creating a new one does not.
Failure open_fails(const TempDir& dir, const std::string& bytes, const std::string& name = "bad") {
    const auto path =
        dir / (name + "-" + std::to_string(std::hash<std::string>{}(bytes)) + ".gguf");
    write_file(path, bytes);
    try {
        GgufFile::open(path);
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(path.string()), std::string::npos)
            << "message must name the file: " << msg;
        return {e.code(), msg};
    }
    ADD_FAILURE() << name << ": opened a corrupt file";
    return {};
}

#define EXPECT_FAILS_WITH(failure, ecode, text)                                           \
    do {                                                                                  \
        const Failure f_ = (failure);                                                     \
        EXPECT_EQ(f_.code, ErrorCode::ecode) << f_.message;                               \
        EXPECT_NE(f_.message.find(text), std::string::npos) << "message: " << f_.message; \
    } while (0)

FileSpec one_tensor(std::vector<std::int64_t> dims, std::uint32_t type, std::string data) {
    FileSpec f;
    f.kvs = {kv_str("general.architecture", "llama")};
    f.tensors = {{"blk.0.w", std::move(dims), type, {}, std::move(data)}};
    return f;
}

TEST(GgufCorrupt, MissingFileIsNotFound) {
    TempDir dir;
    try {
        GgufFile::open(dir / "nope.gguf");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
        EXPECT_NE(std::string(e.what()).find("nope.gguf"), std::string::npos);
    }
}

TEST(GgufCorrupt, DirectoryIsRefused) {
    TempDir dir;
    try {
        GgufFile::open(dir.path());
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    }
}

TEST(GgufCorrupt, WrongMagic) {
    TempDir dir;
    FileSpec f;
    f.magic = "GGML";
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "not a GGUF file");
    EXPECT_FAILS_WITH(open_fails(dir, "GG"), invalid_argument, "truncated: magic");
    EXPECT_FAILS_WITH(open_fails(dir, ""), invalid_argument, "truncated: magic");
}

TEST(GgufCorrupt, Version1And4AreUnsupported) {
    TempDir dir;
    FileSpec f;
    f.version = 1;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), unsupported, "version 1");
    f.version = 4;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), unsupported, "version 4");
    f.version = 0x03000000;  // a big-endian file
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), unsupported, "big-endian");
}

TEST(GgufCorrupt, StringLengthPastEndOfFile) {
    TempDir dir;
    FileSpec f;
    f.kvs = {kv("general.name", kStr, Bytes().u64(1000000).bytes("short").take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "string length 1000000");
    // A key whose own length runs past the end.
    f.kvs = {Bytes().u64(~std::uint64_t{0}).bytes(std::string(16, 'x')).take()};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "metadata key #0");
    // A tensor name likewise.
    FileSpec t = one_tensor({4}, 0, f32_data(4));
    t.tensors[0].name = "";
    std::string bytes = build(t);
    // The name's u64 length sits right after the metadata; make it huge.
    const std::size_t at = 24 + t.kvs[0].size();
    const std::uint64_t huge = 1ull << 40;
    std::memcpy(bytes.data() + at, &huge, 8);
    EXPECT_FAILS_WITH(open_fails(dir, bytes), invalid_argument, "tensor #0 name");
}

TEST(GgufCorrupt, HugeArrayCountIsRefusedBeforeAllocating) {
    TempDir dir;
    FileSpec f;
    f.kvs = {kv("tokenizer.ggml.scores", kArr, Bytes().u32(kF32).u64(1ull << 60).f32(1).take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument,
                      "array count 1152921504606846976");
    f.kvs = {kv("tokenizer.ggml.tokens", kArr, Bytes().u32(kStr).u64(~std::uint64_t{0}).take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "tokenizer.ggml.tokens");
    // Within the file's size in elements but not in bytes: 100 strings need 800 bytes.
    f.kvs = {kv("t", kArr, Bytes().u32(kStr).u64(100).str("a").str("b").take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "array count 100");
    // Nested: an inner array with a huge count.
    f.kvs = {kv("n", kArr, Bytes().u32(kArr).u64(1).u32(kU8).u64(1ull << 50).take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "array count");
}

TEST(GgufCorrupt, HugeHeaderCounts) {
    TempDir dir;
    FileSpec f;
    f.n_kv = 1ull << 62;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "metadata count");
    f = FileSpec{};
    f.n_tensors = 1ull << 62;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "tensor count");
}

TEST(GgufCorrupt, BadValueTypesAndNesting) {
    TempDir dir;
    FileSpec f;
    f.kvs = {kv("k", 13, Bytes().u32(0).take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "unknown value type 13");
    f.kvs = {kv("k", kArr, Bytes().u32(77).u64(0).take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "unknown array element type 77");
    // 9 levels of arrays.
    Bytes deep;
    for (int i = 0; i < 9; ++i) deep.u32(kArr).u64(1);
    deep.u32(kU8).u64(0);
    f.kvs = {kv("deep", kArr, deep.take())};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "nested deeper");
    f.kvs = {kv_u32("a", 1), kv_u32("a", 2)};
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "duplicate metadata key 'a'");
}

TEST(GgufCorrupt, BadAlignment) {
    TempDir dir;
    FileSpec f = one_tensor({4}, 0, f32_data(4));
    f.kvs.push_back(kv_u32("general.alignment", 48));
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "general.alignment");
    f.kvs.back() = kv_u32("general.alignment", 0);
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "general.alignment");
    f.kvs.back() = kv_str("general.alignment", "32");
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "general.alignment");
}

TEST(GgufCorrupt, TooManyDims) {
    TempDir dir;
    FileSpec f = one_tensor({2, 2, 2, 2, 2}, 0, f32_data(32));
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "n_dims 5");
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "blk.0.w");
    // n_dims huge with no dims following: must not try to read 4 billion dims.
    f = one_tensor({4}, 0, f32_data(4));
    f.tensors[0].n_dims = 0xFFFFFFFF;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "n_dims 4294967295");
}

TEST(GgufCorrupt, BadDims) {
    TempDir dir;
    EXPECT_FAILS_WITH(open_fails(dir, build(one_tensor({4, 0}, 0, f32_data(4)))), invalid_argument,
                      "dims[1] is 0, not positive");
    EXPECT_FAILS_WITH(open_fails(dir, build(one_tensor({-4}, 0, f32_data(4)))), invalid_argument,
                      "not positive");
    EXPECT_FAILS_WITH(open_fails(dir, build(one_tensor({1ll << 32, 1ll << 32}, 0, f32_data(4)))),
                      invalid_argument, "overflows");
    // Elements fit in int64 but bytes do not fit in uint64.
    EXPECT_FAILS_WITH(open_fails(dir, build(one_tensor({1ll << 31, 1ll << 31}, 0, f32_data(4)))),
                      invalid_argument, "byte size overflows");
}

TEST(GgufCorrupt, MisalignedOffset) {
    TempDir dir;
    FileSpec f = one_tensor({4}, 0, f32_data(4));
    f.tensors[0].offset = 16;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument,
                      "offset 16 is not a multiple of the alignment 32");
}

TEST(GgufCorrupt, DataPastEndOfFile) {
    TempDir dir;
    FileSpec f = one_tensor({64}, 0, f32_data(16));  // needs 256 bytes, has 64
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument,
                      "truncated: tensor 'blk.0.w' ends at byte");
    // An offset far past the end (patched in: the builder would try to write there).
    f = one_tensor({4}, 0, f32_data(4));
    std::string far = build(f);
    const std::uint64_t huge = 1ull << 62;
    std::memcpy(far.data() + far.find("blk.0.w") + 7 + 4 + 8 + 4, &huge, 8);
    EXPECT_FAILS_WITH(open_fails(dir, far), invalid_argument,
                      "truncated: tensor 'blk.0.w' ends at byte");
    // Directory ends, but the padding before the data section is missing.
    f = one_tensor({4}, 0, "");
    std::string bytes = build(f);
    const std::size_t dir_end = bytes.find("blk.0.w") + 7 + 4 + 8 + 4 + 8;
    ASSERT_NE(dir_end % 32, 0u);
    bytes.resize(dir_end);
    EXPECT_FAILS_WITH(open_fails(dir, bytes), invalid_argument, "data section starts at byte");
}

TEST(GgufCorrupt, UnknownTensorType) {
    TempDir dir;
    FileSpec f = one_tensor({32}, 99, std::string(128, '\0'));
    const Failure fail = open_fails(dir, build(f));
    EXPECT_EQ(fail.code, ErrorCode::unsupported) << fail.message;
    EXPECT_NE(fail.message.find("99"), std::string::npos) << fail.message;
    EXPECT_NE(fail.message.find("'blk.0.w'"), std::string::npos) << fail.message;
    // Removed type numbers (Q4_2 = 4, Q4_0_4_4 = 31) are unknown too.
    f.tensors[0].type = 4;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), unsupported, "tensor type 4");
    f.tensors[0].type = 31;
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), unsupported, "tensor type 31");
}

TEST(GgufCorrupt, RowNotAMultipleOfTheBlock) {
    TempDir dir;
    // Q8_0 (8) with rows of 20: the block is 32.
    FileSpec f = one_tensor({20, 2}, 8, std::string(68, '\0'));
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument,
                      "row length 20 is not a multiple of Q8_0's block of 32");
    // Q4_K (12) with rows of 64.
    f = one_tensor({64}, 12, std::string(144, '\0'));
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "block of 256");
}

TEST(GgufCorrupt, OverlappingTensorsAndDuplicateNames) {
    TempDir dir;
    FileSpec f = one_tensor({16}, 0, f32_data(16));  // 64 bytes at 0
    f.tensors.push_back({"blk.0.v", {16}, 0, 32, f32_data(16)});
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument, "overlaps");
    f.tensors[1].offset = 64;
    f.tensors[1].name = "blk.0.w";
    EXPECT_FAILS_WITH(open_fails(dir, build(f)), invalid_argument,
                      "duplicate tensor name 'blk.0.w'");
    f.tensors[1].name = "blk.0.v";
    write_file(dir / "ok.gguf", build(f));
    EXPECT_EQ(GgufFile::open(dir / "ok.gguf").tensors().size(), 2u);
}

// Truncated copies of a real model, cut at 20 points from the magic to the last tensor's data.
TEST(GgufCorrupt, TruncatedRealModelAtTwentyPoints) {
    const auto src = shared_dir() / "models" / "derived" / "stories260K-Q4_0.gguf";
    const std::string bytes = read_file(src);
    const auto whole = GgufFile::open(src);
    std::uint64_t data_end = 0;
    for (const auto& t : whole.tensors()) {
        data_end = std::max(data_end, whole.data_offset() + t.offset + t.bytes);
    }
    ASSERT_LE(data_end, bytes.size());
    const std::uint64_t d = whole.data_offset();
    const std::uint64_t cuts[] = {0,           3,
                                  4,           7,
                                  8,           15,
                                  16,          23,  // inside the header fields
                                  24 + 5,      d / 64,
                                  d / 16,      d / 8,
                                  d / 4,  // metadata (tokens, scores, token types)
                                  d / 2,       d * 3 / 4,
                                  d * 15 / 16, d - 1,  // late metadata and the tensor directory
                                  d + 1,       (d + data_end) / 2,
                                  data_end - 1};  // tensor data
    TempDir dir;
    int failures = 0;
    for (std::uint64_t cut : cuts) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        const Failure f = open_fails(dir, bytes.substr(0, cut), "cut" + std::to_string(cut));
        EXPECT_EQ(f.code, ErrorCode::invalid_argument) << f.message;
        EXPECT_NE(f.message.find("truncated"), std::string::npos) << f.message;
        failures += f.code == ErrorCode::invalid_argument;
    }
    EXPECT_EQ(failures, 20);
}

// Every prefix of a small hand-built file fails cleanly; only the whole file opens.
TEST(GgufCorrupt, EveryPrefixOfASmallFileFails) {
    FileSpec f;
    f.kvs = {kv_str("general.architecture", "llama"),
             kv_strings("tokenizer.ggml.tokens", {"a", "bc"}),
             kv("nested", kArr,
                Bytes().u32(kArr).u64(2).u32(kI16).u64(1).i16(5).u32(kF64).u64(1).f64(2).take()),
             kv("f", kF32, Bytes().f32(1).take())};
    f.tensors = {{"w", {32, 2}, 8, {}, std::string(68, '\x01')}, {"n", {3}, 0, {}, f32_data(3)}};
    const std::string bytes = build(f);
    TempDir dir;
    write_file(dir / "whole.gguf", bytes);
    ASSERT_NO_THROW(GgufFile::open(dir / "whole.gguf"));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const auto path = dir / ("prefix" + std::to_string(n) + ".gguf");
        write_file(path, bytes.substr(0, n));
        try {
            GgufFile::open(path);
            ADD_FAILURE() << "prefix of " << n << " bytes opened";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << n << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
        }
    }
}

// Random byte flips in the header, metadata and directory: open either succeeds or throws
// deskside::Error; nothing else escapes and nothing crashes.
TEST(GgufCorrupt, RandomByteFlipsNeverCrash) {
    FileSpec f;
    f.kvs = {kv_str("general.architecture", "llama"),
             kv_strings("tokenizer.ggml.tokens", {"a", "bc"}),
             kv("nested", kArr, Bytes().u32(kArr).u64(1).u32(kU32).u64(2).u32(1).u32(2).take())};
    f.tensors = {{"w", {32, 2}, 8, {}, std::string(68, '\x01')}, {"n", {3}, 0, {}, f32_data(3)}};
    const std::string bytes = build(f);
    TempDir dir;
    write_file(dir / "whole.gguf", bytes);
    const std::size_t meta_end = GgufFile::open(dir / "whole.gguf").data_offset();
    std::mt19937 rng(1234);
    int opened = 0, refused = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const auto path = dir / ("flip" + std::to_string(iter) + ".gguf");
        std::string b = bytes;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) {
            const std::size_t at = rng() % meta_end;
            b[at] = static_cast<char>(rng() & 0xFF);
        }
        write_file(path, b);
        try {
            const auto g = GgufFile::open(path);
            for (const auto& t : g.tensors()) EXPECT_LE(t.offset + t.bytes, g.file_size());
            ++opened;
        } catch (const Error&) {
            ++refused;
        }
    }
    EXPECT_EQ(opened + refused, 400);
    EXPECT_GT(refused, 100);  // most flips land in lengths, counts and types
}

}  // namespace
}  // namespace deskside::gguf
