#include "base/dates.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace deskside {

std::optional<std::int64_t> parse_iso_datetime(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    std::string s(text);
    int y = 0, m = 0, d = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
    if (s.size() < 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3)
        return std::nullopt;
    std::int64_t offset = 0;
    if (s.size() > 10 && (s[10] == 'T' || s[10] == ' ')) {
        std::sscanf(s.c_str() + 11, "%2d:%2d:%2d", &hh, &mm, &ss);
        if (std::size_t zone = s.find_first_of("+-", 13); zone != std::string::npos) {
            std::string digits = s.substr(zone + 1);
            std::erase(digits, ':');
            std::sscanf(digits.c_str(), "%2d%2d", &zh, &zm);
            offset = (s[zone] == '+' ? 1 : -1) * (zh * 3600 + zm * 60);
        }
    }
    using namespace std::chrono;
    year_month_day date{year{y}, month(static_cast<unsigned>(m)), day(static_cast<unsigned>(d))};
    if (!date.ok()) return std::nullopt;
    return duration_cast<seconds>(sys_days(date).time_since_epoch()).count() + hh * 3600 + mm * 60 +
           ss - offset;
}

std::string format_utc(std::int64_t unix_seconds, const char* format) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[64];
    std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
    return std::string(buffer, n);
}

}  // namespace deskside
