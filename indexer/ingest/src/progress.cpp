#include "ingest/progress.h"

#include <cmath>
#include <string>

namespace deskside::ingest {

std::string format_duration(double seconds) {
    char buffer[64];
    if (seconds < 60) {
        std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    } else if (seconds < 3600) {
        std::snprintf(buffer, sizeof buffer, "%d min %d s", static_cast<int>(seconds) / 60,
                      static_cast<int>(seconds) % 60);
    } else {
        std::snprintf(buffer, sizeof buffer, "%d h %d min", static_cast<int>(seconds) / 3600,
                      (static_cast<int>(seconds) % 3600) / 60);
    }
    return buffer;
}

TerminalProgress::TerminalProgress(std::FILE* out)
    : out_(out), start_(std::chrono::steady_clock::now()) {}

void TerminalProgress::update(const ProgressState& s) {
    auto now = std::chrono::steady_clock::now();
    bool last = s.files_done == s.files_total;
    if (drawn_ && !last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    drawn_ = true;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double fraction = s.bytes_total > 0   ? static_cast<double>(s.bytes_done) / s.bytes_total
                      : s.files_total > 0 ? static_cast<double>(s.files_done) / s.files_total
                                          : 1.0;
    constexpr int kWidth = 24;
    int filled = static_cast<int>(std::lround(fraction * kWidth));
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    double rate = elapsed > 0 ? s.files_done / elapsed : 0;
    double mb_rate = elapsed > 0 ? s.bytes_done / 1e6 / elapsed : 0;
    std::string eta =
        fraction > 0.01 && fraction < 1 ? format_duration(elapsed / fraction - elapsed) : "-";
    std::fprintf(
        out_, "\r\033[K[%s] %lld/%lld files  %.1f/%.1f MB  %.0f files/s  %.1f MB/s  ETA %s",
        bar.c_str(), static_cast<long long>(s.files_done), static_cast<long long>(s.files_total),
        s.bytes_done / 1e6, s.bytes_total / 1e6, rate, mb_rate, eta.c_str());
    if (s.failed > 0) std::fprintf(out_, "  %lld failed", static_cast<long long>(s.failed));
    std::fflush(out_);
}

void TerminalProgress::finish() {
    if (drawn_) std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
}

}  // namespace deskside::ingest
