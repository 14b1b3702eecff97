// The digest that identifies a model file in an EmbedderIdentity: XXH3-128 of the whole file
// (fast: ~GB/s, so hashing a 100 MB model costs well under a second), as 32 lower-case hex
// digits of its canonical (big-endian) form. Thread-safe. Throws Error(not_found) for a missing
// file and Error(io) when it cannot be read.
#pragma once

#include <filesystem>
#include <string>

namespace deskside::bert::detail {

std::string xxh3_128_file_hex(const std::filesystem::path& path);

}  // namespace deskside::bert::detail
