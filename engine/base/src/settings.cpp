#include "base/settings.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/error.h"

namespace deskside {
namespace {

std::string describe_type(SettingType type) {
    switch (type) {
        case SettingType::integer:
            return "an integer";
        case SettingType::boolean:
            return "true or false";
        default:
            return "a string";
    }
}

bool parse_bool(std::string_view text, bool* out) {
    if (text == "1" || text == "true" || text == "yes" || text == "on") return *out = true, true;
    if (text == "0" || text == "false" || text == "no" || text == "off") return *out = false, true;
    return false;
}

bool parse_int(std::string_view text, std::int64_t* out) {
    if (text.empty()) return false;
    std::string copy(text);
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(copy.c_str(), &end, 10);
    if (errno != 0 || end != copy.c_str() + copy.size()) return false;
    *out = value;
    return true;
}

}  // namespace

Settings::Settings(std::vector<SettingSpec> specs) : specs_(std::move(specs)) {
    for (const auto& spec : specs_) values_[spec.name] = Value{spec.default_value, "default"};
}

const SettingSpec* Settings::find(std::string_view name) const {
    for (const auto& spec : specs_)
        if (spec.name == name) return &spec;
    return nullptr;
}

const SettingSpec* Settings::find_by_flag(std::string_view flag) const {
    for (const auto& spec : specs_)
        if (!spec.flag.empty() && spec.flag == flag) return &spec;
    return nullptr;
}

void Settings::set(const SettingSpec& spec, std::string text, std::string source) {
    bool b;
    std::int64_t i;
    bool ok = spec.type == SettingType::string ||
              (spec.type == SettingType::boolean && parse_bool(text, &b)) ||
              (spec.type == SettingType::integer && parse_int(text, &i));
    if (!ok) {
        throw Error(ErrorCode::invalid_argument, "setting " + spec.name + " (from " + source +
                                                     ") is '" + text + "' but must be " +
                                                     describe_type(spec.type));
    }
    values_[spec.name] = Value{std::move(text), std::move(source)};
}

void Settings::load_config_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw Error(ErrorCode::not_found, "cannot open config file " + file.string());
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::invalid_argument,
                    "config file " + file.string() + " is not valid JSON: " + e.what());
    }
    if (!root.is_object())
        throw Error(ErrorCode::invalid_argument,
                    "config file " + file.string() + " must hold a JSON object");
    // Flatten nested objects into dotted names.
    std::vector<std::pair<std::string, const nlohmann::json*>> stack{{"", &root}};
    while (!stack.empty()) {
        auto [prefix, node] = stack.back();
        stack.pop_back();
        for (auto it = node->begin(); it != node->end(); ++it) {
            std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
            if (it->is_object()) {
                stack.emplace_back(name, &*it);
                continue;
            }
            const SettingSpec* spec = find(name);
            if (!spec)
                throw Error(ErrorCode::invalid_argument, "config file " + file.string() +
                                                             ": unknown setting '" + name +
                                                             "' (see `deskside help settings`)");
            std::string text = it->is_string() ? it->get<std::string>() : it->dump();
            set(*spec, std::move(text), "config file " + file.string());
        }
    }
}

void Settings::load_environment() {
    for (const auto& spec : specs_) {
        if (spec.env.empty()) continue;
        const char* value = std::getenv(spec.env.c_str());
        if (value && *value) set(spec, value, "environment " + spec.env);
    }
}

void Settings::set_from_command_line(std::string_view name, std::string value) {
    const SettingSpec* spec = find(name);
    if (!spec) throw Error(ErrorCode::internal, "no setting named " + std::string(name));
    set(*spec, std::move(value), "command line " + spec->flag);
}

std::string Settings::get_string(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end())
        throw Error(ErrorCode::internal, "no setting named " + std::string(name));
    return it->second.text;
}

std::int64_t Settings::get_int(std::string_view name) const {
    std::int64_t value = 0;
    parse_int(get_string(name), &value);
    return value;
}

bool Settings::get_bool(std::string_view name) const {
    bool value = false;
    parse_bool(get_string(name), &value);
    return value;
}

std::string Settings::source(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? "" : it->second.source;
}

std::string Settings::help_text() const {
    std::ostringstream out;
    for (const auto& spec : specs_) {
        if (spec.flag.empty()) continue;
        std::string left = "  " + spec.flag;
        if (spec.type != SettingType::boolean) left += " VALUE";
        if (left.size() < 26)
            left.resize(26, ' ');
        else
            left += "  ";
        out << left << spec.help;
        if (!spec.default_value.empty()) out << " [default: " << spec.default_value << "]";
        if (!spec.env.empty()) out << " [env: " << spec.env << "]";
        out << "\n";
    }
    return out.str();
}

std::string Settings::markdown_table() const {
    std::ostringstream out;
    out << "| setting (config key) | type | default | environment | flag | meaning |\n"
        << "|---|---|---|---|---|---|\n";
    for (const auto& spec : specs_) {
        const char* type = spec.type == SettingType::integer   ? "integer"
                           : spec.type == SettingType::boolean ? "boolean"
                                                               : "string";
        out << "| `" << spec.name << "` | " << type << " | `" << spec.default_value << "` | "
            << (spec.env.empty() ? "" : "`" + spec.env + "`") << " | "
            << (spec.flag.empty() ? "" : "`" + spec.flag + "`") << " | " << spec.help << " |\n";
    }
    return out.str();
}

}  // namespace deskside
