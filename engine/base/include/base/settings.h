// Every user-facing setting of Deskside, declared once (name, type, default, environment
// variable, command-line flag, help) and resolved with a fixed precedence:
//     command line  >  environment  >  config file (JSON)  >  default.
//
// A Settings object owns its values; it is filled on one thread at start-up and then only
// read, so concurrent reads are safe. Bad values throw Error(invalid_argument) naming the
// setting, where it came from, and what is accepted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace deskside {

enum class SettingType { string, integer, boolean };

struct SettingSpec {
    std::string name;  // dotted key, also the config-file path: "index.max_file_mb"
    SettingType type = SettingType::string;
    std::string default_value;  // as text; "" for an unset string
    std::string env;            // environment variable, e.g. "DESKSIDE_DATA"; "" for none
    std::string flag;           // command-line flag, e.g. "--data"; "" for none
    std::string help;
};

class Settings {
  public:
    explicit Settings(std::vector<SettingSpec> specs);

    const std::vector<SettingSpec>& specs() const { return specs_; }
    const SettingSpec* find_by_flag(std::string_view flag) const;
    const SettingSpec* find(std::string_view name) const;

    // Reads a JSON object whose nested keys mirror the dotted names ({"index":{"max_file_mb":64}}).
    // Unknown keys are an error (a typo must not be silently ignored).
    void load_config_file(const std::filesystem::path& file);
    // Reads each spec's environment variable when it is set and not empty.
    void load_environment();
    void set_from_command_line(std::string_view name, std::string value);

    std::string get_string(std::string_view name) const;
    std::int64_t get_int(std::string_view name) const;
    bool get_bool(std::string_view name) const;
    // "default", "config", "environment" or "command line".
    std::string source(std::string_view name) const;

    // Help lines for the settings that have a flag, aligned for a terminal.
    std::string help_text() const;
    // A Markdown table of every setting, for docs/configuration.md.
    std::string markdown_table() const;

  private:
    struct Value {
        std::string text;
        std::string source;
    };
    void set(const SettingSpec& spec, std::string text, std::string source);

    std::vector<SettingSpec> specs_;
    std::map<std::string, Value, std::less<>> values_;
};

}  // namespace deskside
