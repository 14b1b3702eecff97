// Command-line parsing for `deskside`. Settings flags (--data, --log-level, ...) are accepted
// anywhere on the line, before or after the subcommand; each subcommand then takes its own
// flags and positional arguments from what is left through CommandArgs.
//
// Precedence of settings: command line > environment > config file > default. The config file
// is --config FILE, else $DESKSIDE_CONFIG, else ./deskside.json if it exists.
// Single-threaded; errors are Error(invalid_argument) with a hint to --help.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/settings.h"

namespace deskside::cli {

struct Invocation {
    std::string command;            // "" when none was given
    std::vector<std::string> args;  // the rest, settings flags removed
    Settings settings;
    bool help = false;  // -h / --help anywhere
};

Invocation parse_invocation(int argc, const char* const* argv);

// Takes flags out of a subcommand's arguments. Call flag()/option() for every flag the command
// knows, then finish() to get the positional arguments; finish() rejects any flag left over.
class CommandArgs {
  public:
    CommandArgs(std::string command, std::vector<std::string> args)
        : command_(std::move(command)), args_(std::move(args)) {}

    bool flag(std::string_view name);
    // "--name VALUE", "--name=VALUE", or the short form "-n VALUE".
    std::optional<std::string> option(std::string_view name, std::string_view short_name = "");
    std::optional<int> int_option(std::string_view name, std::string_view short_name = "");
    std::vector<std::string> finish();

  private:
    std::string command_;
    std::vector<std::string> args_;
};

}  // namespace deskside::cli
