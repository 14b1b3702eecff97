// The one table of Deskside's settings (name, type, default, environment variable, flag,
// help). `deskside help settings` prints it; docs/configuration.md is generated from it.
#pragma once

#include <vector>

#include "base/settings.h"

namespace deskside::cli {

std::vector<SettingSpec> all_settings();

}  // namespace deskside::cli
