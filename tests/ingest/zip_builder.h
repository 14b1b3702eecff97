// Builds ZIP archives in memory for tests (hand-made packages: bombs, hostile XML, missing
// parts). Test-only; single-threaded.
#pragma once

#include <zip.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

namespace deskside::ingest::testing {

// Each entry is (name, content); entries are deflated.
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    deskside::testing::TempDir dir;
    std::filesystem::path path = dir.path() / "package.zip";
    int error = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!archive) return {};
    for (const auto& [name, content] : entries) {
        zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
        zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
        if (index < 0) zip_source_free(source);
        zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 9);
    }
    if (zip_close(archive) != 0) {
        zip_discard(archive);
        return {};
    }
    return deskside::testing::read_file(path);
}

}  // namespace deskside::ingest::testing
