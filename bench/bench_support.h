// Small helpers shared by the benchmark programs in bench/: where the shared corpus is, a
// temporary directory that removes itself, the size of a folder, order statistics, this
// process's peak memory and CPU time, and a minimal JSON writer for the figures they print.
//
// Header-only, no state beyond the objects themselves; use each object from one thread.
// Failures to create or remove temporary files throw std::runtime_error.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace deskside::bench {

namespace fs = std::filesystem;

// $DESKSIDE_SHARED, else ../shared beside the source tree.
inline fs::path shared_dir() {
    if (const char* env = std::getenv("DESKSIDE_SHARED"); env && *env) return env;
    return fs::path(DESKSIDE_SOURCE_DIR) / ".." / "shared";
}

inline fs::path default_corpus() {
    return fs::weakly_canonical(shared_dir() / "corpus" / "office");
}

// A fresh directory under $TMPDIR (else /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    explicit TempDir(const std::string& stem) {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + stem + ".XXXXXX";
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed: " + pattern);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Regular files under a folder and their total size, hidden entries skipped like the indexer.
struct FolderSize {
    std::int64_t files = 0;
    std::int64_t bytes = 0;
};

inline FolderSize folder_size(const fs::path& root) {
    FolderSize size;
    auto options = fs::directory_options::skip_permission_denied;
    for (auto it = fs::recursive_directory_iterator(root, options);
         it != fs::recursive_directory_iterator(); ++it) {
        std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        std::error_code ec;
        if (it->is_regular_file(ec)) {
            ++size.files;
            size.bytes += static_cast<std::int64_t>(it->file_size(ec));
        }
    }
    return size;
}

// Peak resident memory of this process so far, MiB (getrusage reports KiB on Linux).
inline double peak_rss_mib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// CPU seconds of this process so far (all threads), user + system.
inline double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The q-quantile (0..1) by linear interpolation between closest ranks; 0 for no values.
inline double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    double pos = q * static_cast<double>(values.size() - 1);
    auto lo = static_cast<std::size_t>(std::floor(pos));
    auto hi = static_cast<std::size_t>(std::ceil(pos));
    return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

inline double median(const std::vector<double>& values) {
    return quantile(values, 0.5);
}

inline double mean(const std::vector<double>& values) {
    if (values.empty()) return 0;
    double sum = 0;
    for (double v : values) sum += v;
    return sum / static_cast<double>(values.size());
}

inline double round_to(double value, int digits) {
    double scale = std::pow(10.0, digits);
    return std::round(value * scale) / scale;
}

// Writes pretty-printed JSON: objects one member a line, arrays of numbers on one line.
// REQUIRES: calls nest properly (key() before each member of an object).
class JsonWriter {
  public:
    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    JsonWriter& key(std::string_view name) {
        separate();
        out_ += quote(name) + ": ";
        after_key_ = true;
        return *this;
    }
    void value(double v, int digits = 3) {
        char buf[64];
        if (!std::isfinite(v)) {
            scalar("null");
            return;
        }
        std::snprintf(buf, sizeof buf, "%.*f", digits, v);
        std::string text = buf;
        if (text.find('.') != std::string::npos) {
            while (text.back() == '0') text.pop_back();
            if (text.back() == '.') text.pop_back();
        }
        scalar(text == "-0" ? "0" : text);
    }
    void value(std::int64_t v) { scalar(std::to_string(v)); }
    void value(int v) { scalar(std::to_string(v)); }
    void value(bool v) { scalar(v ? "true" : "false"); }
    void value(std::string_view v) { scalar(quote(v)); }
    void value(const char* v) { scalar(quote(v)); }
    void null() { scalar("null"); }
    void numbers(const std::vector<double>& values, int digits = 3) {
        separate();
        out_ += '[';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i) out_ += ", ";
            JsonWriter inner;
            inner.after_key_ = true;
            inner.value(values[i], digits);
            out_ += inner.out_;
        }
        out_ += ']';
        after_key_ = false;
    }
    const std::string& str() const { return out_; }

  private:
    static std::string quote(std::string_view s) {
        std::string q = "\"";
        for (unsigned char c : s) {
            if (c == '"' || c == '\\') {
                q += '\\';
                q += static_cast<char>(c);
            } else if (c == '\n') {
                q += "\\n";
            } else if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                q += buf;
            } else {
                q += static_cast<char>(c);
            }
        }
        return q + "\"";
    }
    void separate() {
        if (after_key_) return;
        if (!first_.empty() && !first_.back()) out_ += ',';
        if (!first_.empty()) {
            first_.back() = false;
            out_ += '\n' + std::string(first_.size() * 2, ' ');
        }
    }
    void scalar(std::string_view text) {
        separate();
        out_ += text;
        after_key_ = false;
    }
    void open(char bracket) {
        separate();
        out_ += bracket;
        after_key_ = false;
        first_.push_back(true);
    }
    void close(char bracket) {
        bool empty = first_.back();
        first_.pop_back();
        if (!empty) out_ += '\n' + std::string(first_.size() * 2, ' ');
        out_ += bracket;
        after_key_ = false;
    }

    std::string out_;
    std::vector<bool> first_;  // per open container: no member written yet
    bool after_key_ = false;   // the next value follows "key": on the same line
};

}  // namespace deskside::bench
