// Dates as documents write them and as Deskside shows them: parsing ISO 8601 date-times into
// Unix seconds, and formatting Unix seconds in UTC. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace deskside {

// Unix seconds from "YYYY-MM-DD[( |T)HH:MM[:SS][.fff][Z|+HH:MM|-HHMM]]" (surrounding
// whitespace ignored); nullopt if it is not such a date or names an impossible day.
std::optional<std::int64_t> parse_iso_datetime(std::string_view text);

// `unix_seconds` in UTC through strftime's `format` ("%Y-%m-%d", "%Y%m%d", ...).
std::string format_utc(std::int64_t unix_seconds, const char* format);

}  // namespace deskside
