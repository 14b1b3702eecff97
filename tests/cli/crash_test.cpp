// kill -9 at any moment of `deskside index`, then run it again: the index must be consistent
// (catalog and keyword index agree), with every file indexed exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "process.h"
#include "store/catalog.h"
#include "store/consistency.h"
#include "test_support.h"

namespace deskside {
namespace {

namespace fs = std::filesystem;
using testing::run_deskside;

// Many real documents: the corpus's text files, each copied under several names with a line
// that makes every copy distinct (so each is its own document with its own passages).
int make_documents(const fs::path& folder, int copies) {
    int count = 0;
    for (const char* name :
         {"txt/chardet-SHIFT_JIS-_ude_1.txt", "txt/chardet-Johab-mdir-doc.txt",
          "html/tika-tika434.html", "html/tika-resume.html", "txt/tika-multi-language.txt"}) {
        std::string original = testing::read_file(testing::corpus_dir() / name);
        for (int i = 0; i < copies; ++i) {
            fs::path target = folder / ("copy" + std::to_string(i)) / fs::path(name).filename();
            std::string marker = "\n\nuniquemarker" + std::to_string(count) + "\n";
            bool html = target.extension() == ".html";
            testing::write_file(target,
                                html ? original + "<p>" + marker + "</p>" : original + marker);
            ++count;
        }
    }
    return count;
}

void expect_complete_and_consistent(const fs::path& data, int documents) {
    store::DataDir dir(data);
    auto report = store::check_consistency(dir);
    EXPECT_TRUE(report.consistent()) << report.problems.front();
    EXPECT_EQ(report.unfinished_documents, 0);
    EXPECT_EQ(report.catalog_passages, report.keyword_passages);
    store::Catalog catalog(dir.catalog_path(), store::Catalog::Mode::read_only);
    EXPECT_EQ(catalog.counts().documents, documents);
    // Each distinct marker is found in exactly one document.
    for (int i : {0, documents / 2, documents - 1}) {
        auto result = run_deskside({"search", "uniquemarker" + std::to_string(i), "--json",
                                    "--per-doc", "0", "--data", data.string()});
        auto json = nlohmann::json::parse(result.out);
        EXPECT_EQ(json["results"].size(), 1u) << "uniquemarker" << i;
    }
}

class CrashTest : public ::testing::Test {
  protected:
    fs::path docs() const { return tmp_ / "docs"; }
    fs::path data() const { return tmp_ / "data"; }
    testing::TempDir tmp_;
};

// A kill at each step of the commit protocol, exactly.
TEST_F(CrashTest, KilledAtEveryStepOfTheCommitOrderAndResumed) {
    int documents = make_documents(docs(), 4);
    for (const char* step : {"catalog-pending", "keyword-commit"}) {
        SCOPED_TRACE(step);
        fs::remove_all(data());
        auto killed = run_deskside({"index", docs().string(), "--data", data().string()},
                                   {std::string("DESKSIDE_TEST_KILL_AT=") + step + ":1"});
        EXPECT_EQ(killed.signal, SIGKILL);
        auto status = nlohmann::json::parse(
            run_deskside({"status", "--json", "--data", data().string()}).out);
        EXPECT_GT(status["unfinished"].get<int>(), 0);  // the killed batch is still pending
        EXPECT_FALSE(status["last_run"]["completed"].get<bool>());
        auto resumed = run_deskside({"index", docs().string(), "--data", data().string()});
        EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
        EXPECT_NE(resumed.out.find("recovered an interrupted run"), std::string::npos)
            << resumed.out;
        expect_complete_and_consistent(data(), documents);
    }
    // Removal steps: delete some files and prune, killed mid-removal.
    for (const char* step : {"catalog-deleting", "keyword-delete-commit"}) {
        SCOPED_TRACE(step);
        fs::remove_all(data());
        ASSERT_EQ(run_deskside({"index", docs().string(), "--data", data().string()}).exit_code, 0);
        fs::path copy = docs() / "copy9";
        testing::write_file(copy / "gone.txt", "soon to be removed, with the word ephemeral");
        ASSERT_EQ(run_deskside({"index", docs().string(), "--data", data().string()}).exit_code, 0);
        fs::remove_all(copy);
        auto killed = run_deskside({"index", docs().string(), "--prune", "--data", data().string()},
                                   {std::string("DESKSIDE_TEST_KILL_AT=") + step + ":1"});
        EXPECT_EQ(killed.signal, SIGKILL);
        auto resumed =
            run_deskside({"index", docs().string(), "--prune", "--data", data().string()});
        EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
        auto search = nlohmann::json::parse(
            run_deskside({"search", "ephemeral", "--json", "--data", data().string()}).out);
        EXPECT_TRUE(search["results"].empty());
        expect_complete_and_consistent(data(), documents);
    }
}

// kill -9 at random moments while a larger batch runs, several times in a row.
TEST_F(CrashTest, KilledAtRandomMomentsAndResumed) {
    int documents = make_documents(docs(), 40);
    std::mt19937 random(20261121);
    std::uniform_int_distribution<int> delay_ms(20, 400);
    int killed_runs = 0;
    for (int round = 0; round < 6; ++round) {
        testing::Process run(
            {DESKSIDE_BINARY, "index", docs().string(), "--data", data().string()});
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        run.kill_now();
        auto result = run.wait();
        if (result.signal == SIGKILL) ++killed_runs;
    }
    EXPECT_GT(killed_runs, 0);
    auto final_run = run_deskside({"index", docs().string(), "--data", data().string()});
    EXPECT_EQ(final_run.exit_code, 0) << final_run.err;
    expect_complete_and_consistent(data(), documents);
    auto check = run_deskside({"status", "--check", "--data", data().string()});
    EXPECT_EQ(check.exit_code, 0) << check.out;
}

}  // namespace
}  // namespace deskside
