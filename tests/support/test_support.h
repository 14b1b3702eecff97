// Helpers every test uses: where the shared material is, and a private temporary directory per
// test (removed on destruction) so tests never share /tmp state. Test-only; single-threaded.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace deskside::testing {

// $DESKSIDE_SHARED, else ../shared beside the source tree.
inline std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("DESKSIDE_SHARED"); env && *env) return env;
    return std::filesystem::path(DESKSIDE_SOURCE_DIR) / ".." / "shared";
}

inline std::filesystem::path corpus_dir() {
    return shared_dir() / "corpus" / "office";
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void write_file(const std::filesystem::path& path, std::string_view content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

class TempDir {
  public:
    TempDir() {
        std::random_device rd;
        auto base = std::filesystem::temp_directory_path();
        for (;;) {
            path_ = base / ("deskside-test-" + std::to_string(rd()));
            if (std::filesystem::create_directory(path_)) break;
        }
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace deskside::testing
