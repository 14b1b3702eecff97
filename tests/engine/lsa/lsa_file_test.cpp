// The LSA model file: round trip, and hand-made corrupt files (bad magic, every truncation,
// flipped bytes, another version, trailing data, and well-sealed files whose content breaks an
// invariant), each an Error with the right code and a message naming the file and the problem.
#include "lsa/lsa_file.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "base/error.h"
#include "test_support.h"

namespace deskside::lsa {
namespace {

constexpr std::size_t kHeader = 64;

LsaModelData small_model() {
    LsaModelData m;
    m.flags = kFlagStem;
    m.dimension = 2;
    m.passages = 10;
    m.seed = 7;
    m.min_df = 2;
    m.power_iterations = 2;
    m.sigma_exponent = 0.0f;
    m.singular_values = {3.0f, 1.5f};
    m.terms = {"alpha", "beta", "東京"};
    m.idf = {1.5f, 2.0f, 2.5f};
    m.projection = {0.6f, 0.8f, -0.8f, 0.6f, 0.0f, 1.0f};
    return m;
}

// Recomputes the trailing checksum, so a test can reach the content checks behind it.
void reseal(std::string& bytes) {
    const std::uint64_t sum = XXH3_64bits(bytes.data(), bytes.size() - 8);
    std::memcpy(bytes.data() + bytes.size() - 8, &sum, 8);
}

template <typename T>
void poke(std::string& bytes, std::size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

// Runs decode_model and returns the Error it throws (fails the test if none).
Error decode_error(const std::string& bytes) {
    try {
        decode_model(bytes, "model.lsa");
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "decode_model accepted a bad file";
    return Error(ErrorCode::internal, "none");
}

void expect_invalid(const std::string& bytes, const std::string& problem) {
    const Error e = decode_error(bytes);
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.lsa: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
}

TEST(LsaFile, EncodesTheDocumentedLayout) {
    const std::string bytes = encode_model(small_model());
    // header + 2 singular values + 3 idf + terms (2+5, 2+4, 2+6) + 3x2 projection + checksum
    EXPECT_EQ(bytes.size(), kHeader + 8 + 12 + 21 + 24 + 8);
    EXPECT_EQ(bytes.substr(0, 8), std::string("DSKLSA\0\0", 8));
    std::uint32_t version = 0, k = 0, n = 0;
    std::memcpy(&version, bytes.data() + 8, 4);
    std::memcpy(&k, bytes.data() + 16, 4);
    std::memcpy(&n, bytes.data() + 20, 4);
    EXPECT_EQ(version, 1u);
    EXPECT_EQ(k, 2u);
    EXPECT_EQ(n, 3u);
}

TEST(LsaFile, RoundTripsThroughBytesAndFiles) {
    const LsaModelData model = small_model();
    EXPECT_EQ(decode_model(encode_model(model), "model.lsa"), model);

    testing::TempDir dir;
    write_model_file(dir / "model.lsa", model);
    EXPECT_EQ(read_model_file(dir / "model.lsa"), model);
    EXPECT_FALSE(std::filesystem::exists(dir / "model.lsa.tmp"));
    // Writing again replaces the file.
    LsaModelData other = model;
    other.seed = 8;
    write_model_file(dir / "model.lsa", other);
    EXPECT_EQ(read_model_file(dir / "model.lsa"), other);
}

TEST(LsaFile, DigestFollowsTheBytes) {
    const std::string a = encode_model(small_model());
    LsaModelData changed = small_model();
    changed.projection[5] = 0.999f;
    const std::string b = encode_model(changed);
    EXPECT_EQ(model_digest(a).size(), 32u);
    EXPECT_EQ(model_digest(a), model_digest(a));
    EXPECT_NE(model_digest(a), model_digest(b));
}

TEST(LsaFile, MissingFileIsNotFound) {
    testing::TempDir dir;
    try {
        read_model_file(dir / "absent.lsa");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
        EXPECT_NE(std::string(e.what()).find("absent.lsa"), std::string::npos);
    }
}

TEST(LsaFile, CorruptFileFromDiskNamesThePath) {
    testing::TempDir dir;
    std::string bytes = encode_model(small_model());
    bytes[kHeader + 9] ^= 0x40;
    testing::write_file(dir / "bad.lsa", bytes);
    try {
        read_model_file(dir / "bad.lsa");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find((dir / "bad.lsa").string()), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos);
    }
}

TEST(LsaFile, BadMagic) {
    std::string bytes = encode_model(small_model());
    bytes[0] = 'G';
    expect_invalid(bytes, "bad magic");
    expect_invalid("", "bad magic");
    expect_invalid("GGUF", "bad magic");
}

TEST(LsaFile, EveryTruncationIsAnError) {
    const std::string bytes = encode_model(small_model());
    for (std::size_t size = 8; size < bytes.size(); ++size) {
        const Error e = decode_error(bytes.substr(0, size));
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << size;
        EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
}

TEST(LsaFile, EveryFlippedByteIsAnError) {
    const std::string bytes = encode_model(small_model());
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        std::string flipped = bytes;
        flipped[at] ^= 0x01;
        const Error e = decode_error(flipped);
        // A flipped version field says "unsupported"; anything else is a corrupt file.
        if (at >= 8 && at < 12) {
            EXPECT_EQ(e.code(), ErrorCode::unsupported) << at;
        } else {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << at << ": " << e.what();
        }
    }
}

TEST(LsaFile, OtherVersionIsUnsupported) {
    std::string bytes = encode_model(small_model());
    poke<std::uint32_t>(bytes, 8, 2);
    reseal(bytes);
    const Error e = decode_error(bytes);
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
}

TEST(LsaFile, TrailingData) {
    std::string bytes = encode_model(small_model());
    bytes += '\0';
    expect_invalid(bytes, "trailing data");
}

TEST(LsaFile, SealedFilesWithBrokenContent) {
    const std::string good = encode_model(small_model());
    const std::size_t idf_at = kHeader + 8;
    const std::size_t terms_at = idf_at + 12;
    const std::size_t projection_at = terms_at + 21;
    struct Corruption {
        const char* problem;
        std::function<void(std::string&)> apply;
    };
    const std::vector<Corruption> corruptions = {
        {"dimension 0", [](std::string& b) { poke<std::uint32_t>(b, 16, 0); }},
        {"term count 0", [](std::string& b) { poke<std::uint32_t>(b, 20, 0); }},
        {"unknown LSA flags", [](std::string& b) { poke<std::uint32_t>(b, 12, 6); }},
        {"reserved header field", [](std::string& b) { poke<std::uint32_t>(b, 52, 1); }},
        {"term block size", [](std::string& b) { poke<std::uint64_t>(b, 56, 1); }},
        {"truncated", [](std::string& b) { poke<std::uint64_t>(b, 56, 22); }},
        {"sigma exponent is not finite",
         [](std::string& b) { poke(b, 48, std::numeric_limits<float>::infinity()); }},
        {"singular value 1", [](std::string& b) { poke(b, kHeader + 4, 5.0f); }},
        {"idf of term 2", [=](std::string& b) { poke(b, idf_at + 8, -1.0f); }},
        {"not strictly ascending", [=](std::string& b) { b[terms_at + 2] = 'z'; }},
        {"term block ends inside term 2",
         [=](std::string& b) { poke<std::uint16_t>(b, terms_at + 13, 7); }},
        {"bytes after the last term",
         [=](std::string& b) {
             poke<std::uint16_t>(b, terms_at + 13, 0);  // an empty last term, 6 stray bytes
         }},
        {"term 2 is not UTF-8", [=](std::string& b) { b[terms_at + 15] = '\xFF'; }},
        {"projection value 3 is not finite",
         [=](std::string& b) { poke(b, projection_at + 12, std::nanf("")); }},
    };
    for (const Corruption& c : corruptions) {
        std::string bytes = good;
        c.apply(bytes);
        reseal(bytes);
        expect_invalid(bytes, c.problem);
    }
}

TEST(LsaFile, EncodeRefusesABrokenModel) {
    LsaModelData m = small_model();
    m.terms = {"beta", "alpha", "東京"};
    EXPECT_THROW(encode_model(m), Error);
    m = small_model();
    m.projection.pop_back();
    EXPECT_THROW(encode_model(m), Error);
    testing::TempDir dir;
    EXPECT_THROW(write_model_file(dir / "m.lsa", m), Error);
    EXPECT_FALSE(std::filesystem::exists(dir / "m.lsa"));
}

}  // namespace
}  // namespace deskside::lsa
