#include "base/settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/error.h"
#include "test_support.h"

namespace deskside {
namespace {

std::vector<SettingSpec> specs() {
    return {
        {"data", SettingType::string, "./deskside-data", "DESKSIDE_TEST_DATA", "--data",
         "data dir"},
        {"index.max_file_mb", SettingType::integer, "256", "DESKSIDE_TEST_MAX", "--max-file-mb",
         "limit"},
        {"index.include_hidden", SettingType::boolean, "false", "", "--include-hidden", "hidden"}};
}

TEST(Settings, PrecedenceIsCommandLineThenEnvironmentThenConfigThenDefault) {
    testing::TempDir dir;
    testing::write_file(dir / "deskside.json",
                        R"({"data": "/from/config", "index": {"max_file_mb": 64}})");
    Settings settings(specs());
    EXPECT_EQ(settings.get_string("data"), "./deskside-data");
    settings.load_config_file(dir / "deskside.json");
    EXPECT_EQ(settings.get_string("data"), "/from/config");
    EXPECT_EQ(settings.get_int("index.max_file_mb"), 64);
    ::setenv("DESKSIDE_TEST_DATA", "/from/env", 1);
    settings.load_environment();
    ::unsetenv("DESKSIDE_TEST_DATA");
    EXPECT_EQ(settings.get_string("data"), "/from/env");
    EXPECT_EQ(settings.get_int("index.max_file_mb"), 64);
    settings.set_from_command_line("data", "/from/flag");
    EXPECT_EQ(settings.get_string("data"), "/from/flag");
    EXPECT_EQ(settings.source("data"), "command line --data");
}

TEST(Settings, UnknownConfigKeysAndBadValuesAreErrorsThatNameTheSetting) {
    testing::TempDir dir;
    testing::write_file(dir / "typo.json", R"({"index": {"max_file_md": 64}})");
    Settings settings(specs());
    try {
        settings.load_config_file(dir / "typo.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("index.max_file_md"), std::string::npos) << e.what();
    }
    testing::write_file(dir / "bad.json", R"({"index": {"max_file_mb": "lots"}})");
    try {
        settings.load_config_file(dir / "bad.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("integer"), std::string::npos) << e.what();
    }
    testing::write_file(dir / "broken.json", "{not json");
    EXPECT_THROW(settings.load_config_file(dir / "broken.json"), Error);
}

TEST(Settings, HelpAndDocsListEverySetting) {
    Settings settings(specs());
    std::string help = settings.help_text();
    EXPECT_NE(help.find("--max-file-mb VALUE"), std::string::npos);
    EXPECT_NE(help.find("[env: DESKSIDE_TEST_DATA]"), std::string::npos);
    std::string table = settings.markdown_table();
    EXPECT_NE(table.find("`index.include_hidden`"), std::string::npos);
}

}  // namespace
}  // namespace deskside
