#include "cli/arguments.h"

#include <cstdlib>
#include <filesystem>

#include "base/error.h"
#include "cli/settings_table.h"

namespace deskside::cli {

Invocation parse_invocation(int argc, const char* const* argv) {
    Invocation inv{"", {}, Settings(all_settings()), false};
    std::vector<std::pair<const SettingSpec*, std::string>> from_line;
    std::string config_file;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {  // everything after is positional
            for (++i; i < argc; ++i) inv.args.emplace_back(argv[i]);
            break;
        }
        if (arg == "-h" || arg == "--help") {
            inv.help = true;
            continue;
        }
        std::string name = arg, value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        if (name == "--config") {
            if (!has_value) {
                if (i + 1 >= argc)
                    throw Error(ErrorCode::invalid_argument, "--config needs a file name");
                value = argv[++i];
            }
            config_file = value;
            continue;
        }
        if (const SettingSpec* spec = inv.settings.find_by_flag(name)) {
            if (spec->type == SettingType::boolean && !has_value) {
                value = "true";
            } else if (!has_value) {
                if (i + 1 >= argc)
                    throw Error(ErrorCode::invalid_argument,
                                name + " needs a value (see deskside --help)");
                value = argv[++i];
            }
            from_line.emplace_back(spec, value);
            continue;
        }
        if (inv.command.empty() && arg.rfind("-", 0) != 0) {
            inv.command = arg;
            continue;
        }
        inv.args.push_back(arg);
    }
    if (config_file.empty()) {
        if (const char* env = std::getenv("DESKSIDE_CONFIG"); env && *env)
            config_file = env;
        else if (std::filesystem::exists("deskside.json"))
            config_file = "deskside.json";
    }
    if (!config_file.empty()) inv.settings.load_config_file(config_file);
    inv.settings.load_environment();
    for (auto& [spec, value] : from_line) inv.settings.set_from_command_line(spec->name, value);
    return inv;
}

bool CommandArgs::flag(std::string_view name) {
    for (auto it = args_.begin(); it != args_.end(); ++it) {
        if (*it == name) {
            args_.erase(it);
            return true;
        }
    }
    return false;
}

std::optional<std::string> CommandArgs::option(std::string_view name, std::string_view short_name) {
    for (std::size_t i = 0; i < args_.size(); ++i) {
        const std::string& arg = args_[i];
        std::string prefix = std::string(name) + "=";
        if (arg.rfind(prefix, 0) == 0) {
            std::string value = arg.substr(prefix.size());
            args_.erase(args_.begin() + static_cast<long>(i));
            return value;
        }
        if (arg == name || (!short_name.empty() && arg == short_name)) {
            if (i + 1 >= args_.size())
                throw Error(
                    ErrorCode::invalid_argument,
                    std::string(name) + " needs a value (see deskside " + command_ + " --help)");
            std::string value = args_[i + 1];
            args_.erase(args_.begin() + static_cast<long>(i),
                        args_.begin() + static_cast<long>(i) + 2);
            return value;
        }
    }
    return std::nullopt;
}

std::optional<int> CommandArgs::int_option(std::string_view name, std::string_view short_name) {
    auto text = option(name, short_name);
    if (!text) return std::nullopt;
    char* end = nullptr;
    long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 0 || value > 1'000'000)
        throw Error(
            ErrorCode::invalid_argument,
            std::string(name) + " must be a whole number from 0 to 1000000, not '" + *text + "'");
    return static_cast<int>(value);
}

std::vector<std::string> CommandArgs::finish() {
    for (const auto& arg : args_) {
        if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9'))
            throw Error(ErrorCode::invalid_argument, "unknown option " + arg + " for `deskside " +
                                                         command_ + "` (see deskside " + command_ +
                                                         " --help)");
    }
    return args_;
}

}  // namespace deskside::cli
