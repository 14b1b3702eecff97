#include "base/log.h"

#include <unistd.h>

#include "base/error.h"

namespace deskside {

LogLevel parse_log_level(std::string_view name) {
    if (name == "debug") return LogLevel::debug;
    if (name == "info") return LogLevel::info;
    if (name == "warn") return LogLevel::warn;
    if (name == "error") return LogLevel::error;
    if (name == "off") return LogLevel::off;
    throw Error(ErrorCode::invalid_argument, "unknown log level '" + std::string(name) +
                                                 "': use debug, info, warn, error or off");
}

void StderrSink::write(LogLevel level, std::string_view component, std::string_view message,
                       const LogFields& fields) {
    static constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
    std::string line = kNames[static_cast<int>(level)];
    line += ' ';
    line += component;
    line += ": ";
    line += message;
    for (const auto& [key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        bool quote = value.empty() || value.find(' ') != std::string::npos;
        if (quote) line += '"';
        line += value;
        if (quote) line += '"';
    }
    line += '\n';
    std::lock_guard lock(mutex_);
    // One write() per line so concurrent processes do not interleave partial lines.
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace deskside
