// Extraction as `deskside index` runs it: in worker processes (a parser crash or hang costs one
// file, recorded with its reason), attachments indexed as documents of their own and kept in
// step with the file that holds them, and the whole shared office corpus in one run.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "process.h"
#include "test_support.h"

namespace deskside {
namespace {

namespace fs = std::filesystem;
using testing::run_deskside;

nlohmann::json status_json(const std::string& data) {
    auto status = run_deskside({"status", "--json", "--errors", "--data", data});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return nlohmann::json::parse(status.out, nullptr, false);
}

std::map<std::string, std::string> errors_by_file_name(const nlohmann::json& status) {
    std::map<std::string, std::string> out;
    if (!status.contains("errors")) return out;
    for (const auto& error : status["errors"])
        out[fs::path(error["path"].get<std::string>()).filename().string()] =
            error["reason"].get<std::string>();
    return out;
}

TEST(Extraction, AParserCrashOrHangCostsOneFile) {
    testing::TempDir tmp;
    testing::write_file(tmp / "docs/good.txt", "The quarterly budget for the lighthouse keepers.");
    testing::write_file(tmp / "docs/crash-me.txt", "This file makes the parser die.");
    testing::write_file(tmp / "docs/hang-me.txt", "This file makes the parser hang.");
    testing::write_file(tmp / "docs/after.txt", "Harbour pilots read the tide tables.");
    std::string data = (tmp / "data").string();
    auto indexed = run_deskside(
        {"index", (tmp / "docs").string(), "--data", data, "--file-timeout", "2", "--threads", "1"},
        {"DESKSIDE_TEST_WORKER_CRASH=crash-me", "DESKSIDE_TEST_WORKER_HANG=hang-me"});
    EXPECT_EQ(indexed.exit_code, 1) << indexed.out << indexed.err;
    EXPECT_NE(indexed.out.find("indexed 2, unchanged 0, failed 2"), std::string::npos)
        << indexed.out;
    auto errors = errors_by_file_name(status_json(data));
    EXPECT_TRUE(errors["crash-me.txt"].starts_with("crashed: ")) << errors["crash-me.txt"];
    EXPECT_NE(errors["crash-me.txt"].find("signal 6"), std::string::npos);
    EXPECT_TRUE(errors["hang-me.txt"].starts_with("timeout: ")) << errors["hang-me.txt"];
    // Both good files, before and after the crash, are searchable.
    EXPECT_EQ(run_deskside({"search", "lighthouse", "--data", data}).exit_code, 0);
    auto after = run_deskside({"search", "tide", "tables", "--data", data});
    EXPECT_NE(after.out.find("after.txt"), std::string::npos) << after.out;
}

TEST(Extraction, AttachmentsAreDocumentsThatFollowTheirMessage) {
    testing::TempDir tmp;
    fs::path mail = tmp / "docs/mail.eml";
    testing::write_file(mail,
                        testing::read_file(testing::corpus_dir() /
                                           "email/tika-testRFC822_multipart_attachments.eml"));
    std::string data = (tmp / "data").string();
    auto indexed = run_deskside({"index", (tmp / "docs").string(), "--data", data});
    ASSERT_EQ(indexed.exit_code, 0) << indexed.out << indexed.err;
    EXPECT_NE(indexed.out.find("indexed 3,"), std::string::npos) << indexed.out;
    auto found = run_deskside({"search", "TXTB", "--json", "--data", data});
    auto results = nlohmann::json::parse(found.out, nullptr, false);
    ASSERT_TRUE(results.contains("results")) << found.out;
    ASSERT_EQ(results["results"].size(), 1u) << found.out;
    EXPECT_EQ(results["results"][0]["path"], mail.string() + "//2-Test TxtB.txt");
    auto from = run_deskside({"search", "from:bunny", "--data", data});
    EXPECT_NE(from.out.find("mail.eml"), std::string::npos) << from.out;

    // The message changes and loses its attachments: they leave the index with it.
    testing::write_file(
        mail, "From: a@example.com\nTo: b@example.com\nSubject: Plain\n\nNo files now.\n");
    auto again = run_deskside({"index", (tmp / "docs").string(), "--data", data});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(status_json(data)["documents"], 1);
    EXPECT_NE(run_deskside({"search", "TXTB", "--data", data}).out.find("no results"),
              std::string::npos);

    // The file goes: --prune takes it and everything that came out of it.
    testing::write_file(mail,
                        testing::read_file(testing::corpus_dir() /
                                           "email/tika-testRFC822_multipart_attachments.eml"));
    run_deskside({"index", (tmp / "docs").string(), "--data", data});
    EXPECT_EQ(status_json(data)["documents"], 3);
    fs::remove(mail);
    run_deskside({"index", (tmp / "docs").string(), "--prune", "--data", data});
    EXPECT_EQ(status_json(data)["documents"], 0);
}

// The whole corpus: documents with text (attachments included; the comparison with Recoll is
// deskside_index_bench's), and every failure saying why in one of the known kinds.
TEST(Extraction, TheWholeOfficeCorpusInOneRun) {
    testing::TempDir tmp;
    std::string data = (tmp / "data").string();
    auto indexed = run_deskside(
        {"index", testing::corpus_dir().string(), "--ocr=false", "--data", data, "--quiet"});
    EXPECT_EQ(indexed.exit_code, 1) << indexed.out << indexed.err;  // some files are bad on purpose
    nlohmann::json status = status_json(data);
    // 244 files, about 30 refused with reasons (encrypted, corrupt, empty...); over 40
    // documents come out of the others (attachments, mbox messages, embedded files).
    EXPECT_GE(status["documents"].get<int>(), 250) << status.dump(2);
    const std::vector<std::string> kinds = {"corrupt", "encrypted", "unsupported", "too large",
                                            "empty"};
    for (const auto& error : status["errors"]) {
        std::string reason = error["reason"];
        bool known = false;
        for (const auto& kind : kinds) known = known || reason.starts_with(kind + ": ");
        EXPECT_TRUE(known) << error["path"] << ": " << reason;
    }
    EXPECT_EQ(run_deskside({"status", "--check", "--data", data}).exit_code, 0);
}

}  // namespace
}  // namespace deskside
