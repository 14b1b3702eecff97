// Query-string parameters of API requests, checked: each helper throws Error(invalid_argument)
// naming the parameter and what it accepts. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api_routes.h"

namespace deskside::http {

const std::string* find_param(const ApiRequest& request, std::string_view name);
int int_param(const ApiRequest& request, std::string_view name, int fallback, int min, int max);
bool bool_param(const ApiRequest& request, std::string_view name);
// Refuses parameters that are not in `allowed` (a typo must not be silently ignored).
void check_params(const ApiRequest& request, const std::set<std::string, std::less<>>& allowed);
// "YYYY-MM-DD" → Unix seconds at the start (or, with end_of_day, the last second) of that day
// in UTC.
std::int64_t date_param(std::string_view name, const std::string& value, bool end_of_day);

bool is_blank(std::string_view text);

// A collection name as `deskside index --collection` accepts it, and safe as a folder name
// under DATA_DIR/uploads: 1..64 bytes of UTF-8, no spaces, ':', '/', '\' or control
// characters, not starting with '.'.
void check_collection_name(const std::string& name);

}  // namespace deskside::http
