// The fitted LSA model as plain data, and its file format (read and write). An LsaModelData is
// a value: the caller owns it; encode/decode are pure and thread-safe.
//
// Byte layout (little-endian, version 1):
//   0  char[8] magic "DSKLSA\0\0"
//   8  u32 version (1)            12 u32 flags (bit 0: plural stemming; other bits 0)
//  16  u32 dimension k (1..4096)  20 u32 term_count n (1..16M)
//  24  u64 passages fitted on     32 u64 seed
//  40  u32 min_df                 44 u32 power_iterations
//  48  f32 sigma_exponent         52 u32 reserved (0)
//  56  u64 term_bytes (size of the term block)
//  64  f32 singular_values[k] (descending, > 0)
//      f32 idf[n] (finite, > 0)
//      term block: n x { u16 length, UTF-8 bytes }, strictly ascending byte order, no empty term
//      f32 projection[n x k], row-major: row t is term t's vector U_k[t] * sigma^sigma_exponent
//  end-8: u64 checksum = XXH3-64 of every byte before it
//
// decode() throws Error(invalid_argument) naming the file and the problem (bad magic, truncated,
// checksum mismatch, unsorted terms, ...) and Error(unsupported) for another version.
// read_model_file() adds Error(not_found / io); write_model_file() writes a temporary file beside
// the target and renames it over, so a crash never leaves a half-written model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace deskside::lsa {

inline constexpr std::uint32_t kModelFileVersion = 1;
inline constexpr std::uint32_t kFlagStem = 1u << 0;
inline constexpr int kMaxDimension = 4096;
inline constexpr std::uint32_t kMaxTerms = 1u << 24;

struct LsaModelData {
    std::uint32_t flags = 0;
    int dimension = 0;  // k
    std::uint64_t passages = 0;
    std::uint64_t seed = 0;
    std::uint32_t min_df = 0;
    std::uint32_t power_iterations = 0;
    float sigma_exponent = 0.0f;
    std::vector<float> singular_values;  // k
    std::vector<std::string> terms;      // n, ascending
    std::vector<float> idf;              // n
    std::vector<float> projection;       // n x k row-major

    bool operator==(const LsaModelData&) const = default;
};

// The file bytes of `model`. Throws Error(invalid_argument) if the model breaks the invariants
// above (the same checks decode() makes), so a bad model is never written.
std::string encode_model(const LsaModelData& model);

// Parses file bytes; `name` (usually the path) prefixes every error message.
LsaModelData decode_model(std::string_view bytes, std::string_view name);

LsaModelData read_model_file(const std::filesystem::path& path);
void write_model_file(const std::filesystem::path& path, const LsaModelData& model);

// Hex XXH3-128 digest of encode_model(model) (32 characters): the embedder identity's hash.
std::string model_digest(std::string_view encoded);

}  // namespace deskside::lsa
