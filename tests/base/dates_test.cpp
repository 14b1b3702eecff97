#include "base/dates.h"

#include <gtest/gtest.h>

namespace deskside {
namespace {

TEST(Dates, ParsesIsoDatesAndDateTimesWithZones) {
    EXPECT_EQ(parse_iso_datetime("1970-01-02"), 86400);
    EXPECT_EQ(parse_iso_datetime(" 2024-03-01T12:00:00Z "), 1709294400);
    EXPECT_EQ(parse_iso_datetime("2024-03-01T14:00:00+02:00"), 1709294400);
    EXPECT_EQ(parse_iso_datetime("2024-03-01 07:00-0500"), 1709294400);
    EXPECT_FALSE(parse_iso_datetime("2024-02-30"));  // no such day
    EXPECT_FALSE(parse_iso_datetime("March 1st"));
    EXPECT_FALSE(parse_iso_datetime(""));
}

TEST(Dates, FormatsInUtc) {
    EXPECT_EQ(format_utc(1709294400, "%Y-%m-%d"), "2024-03-01");
    EXPECT_EQ(format_utc(1709294400, "%Y%m%d"), "20240301");
    EXPECT_EQ(format_utc(0, "%Y-%m-%dT%H:%M:%SZ"), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace deskside
