// A small logging facade: levels, a component name and key=value fields.
//
// A Logger holds a shared Sink; copies share it. The sink decides where lines go (stderr by
// default, a test can capture them). Sinks must be thread-safe; StderrSink serialises writes.
// Nothing here is global: whoever needs to log is handed a Logger.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deskside {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Parses "debug" | "info" | "warn" | "error" | "off"; throws Error(invalid_argument) otherwise.
LogLevel parse_log_level(std::string_view name);

using LogFields = std::vector<std::pair<std::string, std::string>>;

class LogSink {
  public:
    virtual ~LogSink() = default;
    virtual void write(LogLevel level, std::string_view component, std::string_view message,
                       const LogFields& fields) = 0;
};

// Writes "level component: message key=value ..." lines to stderr, one write per line.
class StderrSink : public LogSink {
  public:
    void write(LogLevel level, std::string_view component, std::string_view message,
               const LogFields& fields) override;

  private:
    std::mutex mutex_;
};

class Logger {
  public:
    // A logger that drops everything.
    Logger() = default;
    Logger(std::shared_ptr<LogSink> sink, LogLevel threshold, std::string component = "deskside")
        : sink_(std::move(sink)), threshold_(threshold), component_(std::move(component)) {}

    // The same sink and level, another component name.
    Logger child(std::string component) const {
        return Logger(sink_, threshold_, std::move(component));
    }

    bool enabled(LogLevel level) const { return sink_ && level >= threshold_; }
    void log(LogLevel level, std::string_view message, const LogFields& fields = {}) const {
        if (enabled(level)) sink_->write(level, component_, message, fields);
    }
    void debug(std::string_view m, const LogFields& f = {}) const { log(LogLevel::debug, m, f); }
    void info(std::string_view m, const LogFields& f = {}) const { log(LogLevel::info, m, f); }
    void warn(std::string_view m, const LogFields& f = {}) const { log(LogLevel::warn, m, f); }
    void error(std::string_view m, const LogFields& f = {}) const { log(LogLevel::error, m, f); }

  private:
    std::shared_ptr<LogSink> sink_;
    LogLevel threshold_ = LogLevel::off;
    std::string component_;
};

}  // namespace deskside
