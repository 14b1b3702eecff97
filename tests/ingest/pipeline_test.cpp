// The indexing pipeline on real files: incremental re-runs, pruning, bad files, the walk.
#include "ingest/pipeline.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "store/catalog.h"
#include "store/consistency.h"
#include "test_support.h"

namespace deskside::ingest {
namespace {

namespace fs = std::filesystem;

class PipelineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        docs_ = tmp_ / "docs";
        for (const char* name : {"txt/tika-testTXT.txt", "html/tika-testHTML.html",
                                 "md/tika-testMARKDOWN.md", "txt/chardet-SHIFT_JIS-_ude_1.txt"}) {
            fs::path source = testing::corpus_dir() / name;
            testing::write_file(docs_ / fs::path(name).filename(), testing::read_file(source));
        }
    }

    IndexSummary index(IndexOptions options = {}) {
        if (options.roots.empty()) options.roots = {docs_};
        return run_index(dir(), options, nullptr, Logger());
    }
    store::DataDir dir() const { return store::DataDir(tmp_ / "data"); }
    store::Catalog catalog() const {
        return store::Catalog(dir().catalog_path(), store::Catalog::Mode::read_only);
    }
    void expect_consistent() {
        auto report = store::check_consistency(dir());
        EXPECT_TRUE(report.consistent()) << (report.problems.empty() ? "" : report.problems[0]);
    }
    std::string reason_for(const std::string& file_name) {
        for (const auto& f : catalog().failures())
            if (f.path.find(file_name) != std::string::npos) return f.reason;
        return "";
    }

    testing::TempDir tmp_;
    fs::path docs_;
};

TEST_F(PipelineTest, FirstRunIndexesEverythingSecondRunNothing) {
    auto first = index();
    EXPECT_EQ(first.indexed, 4);
    EXPECT_EQ(first.failed, 0);
    EXPECT_GT(first.passages, 4);
    auto second = index();
    EXPECT_EQ(second.indexed, 0);
    EXPECT_EQ(second.unchanged, 4);
    EXPECT_EQ(catalog().counts().documents, 4);
    expect_consistent();
}

TEST_F(PipelineTest, ModifiedFilesAreReindexedInPlace) {
    index();
    auto before = catalog().find_document((docs_ / "tika-testTXT.txt").string());
    ASSERT_TRUE(before);
    testing::write_file(docs_ / "tika-testTXT.txt", "A completely new text about pelicans.");
    auto summary = index();
    EXPECT_EQ(summary.indexed, 1);
    EXPECT_EQ(summary.unchanged, 3);
    auto after = catalog().find_document((docs_ / "tika-testTXT.txt").string());
    EXPECT_EQ(after->id, before->id);
    EXPECT_NE(after->content_hash, before->content_hash);
    auto passages = catalog().passages_of(after->id);
    ASSERT_EQ(passages.size(), 1u);
    EXPECT_EQ(passages[0].text, "A completely new text about pelicans.");
    EXPECT_EQ(catalog().counts().documents, 4);
    expect_consistent();
}

TEST_F(PipelineTest, TouchedButIdenticalFilesAreNotRewritten) {
    index();
    auto path = docs_ / "tika-testHTML.html";
    auto before = catalog().find_document(path.string());
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::hours(1));
    auto summary = index();
    EXPECT_EQ(summary.indexed, 0);
    EXPECT_EQ(summary.unchanged, 4);
    auto after = catalog().find_document(path.string());
    EXPECT_NE(after->mtime_ns, before->mtime_ns);  // the new time is remembered
    EXPECT_EQ(catalog().passages_of(after->id)[0].id, catalog().passages_of(before->id)[0].id);
    EXPECT_EQ(index().unchanged, 4);  // and the next run skips it by size+mtime alone
}

TEST_F(PipelineTest, DeletedFilesArePrunedOnlyWhenAsked) {
    index();
    fs::remove(docs_ / "tika-testMARKDOWN.md");
    auto kept = index();
    EXPECT_EQ(kept.removed, 0);
    EXPECT_EQ(catalog().counts().documents, 4);
    IndexOptions prune;
    prune.prune = true;
    auto pruned = index(prune);
    EXPECT_EQ(pruned.removed, 1);
    EXPECT_EQ(catalog().counts().documents, 3);
    EXPECT_FALSE(catalog().find_document((docs_ / "tika-testMARKDOWN.md").string()));
    expect_consistent();
}

TEST_F(PipelineTest, PruneOnlyTouchesTheFoldersGiven) {
    testing::write_file(tmp_ / "other" / "note.txt", "Notes on the aviary budget.");
    IndexOptions other;
    other.roots = {tmp_ / "other"};
    index(other);
    index();
    IndexOptions prune;
    prune.prune = true;
    EXPECT_EQ(index(prune).removed, 0);
    EXPECT_TRUE(catalog().find_document((tmp_ / "other" / "note.txt").string()));
}

TEST_F(PipelineTest, BadFilesAreRecordedWithAReasonAndTheBatchGoesOn) {
    testing::write_file(docs_ / "empty.txt", "");
    std::string binary(4096, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>((i * 37) % 256);
    testing::write_file(docs_ / "blob.txt", binary);
    testing::write_file(docs_ / "big.txt", std::string(2 << 20, 'a'));
    testing::write_file(docs_ / std::string("caf\xE9.txt"), "A file whose name is Latin-1.");
    testing::write_file(docs_ / "report.pdf",
                        testing::read_file(testing::corpus_dir() / "pdf" / "pdfminer-aes-128.pdf"));
    fs::create_symlink(docs_ / "missing-target.txt", docs_ / "dangling.txt");

    IndexOptions options;
    options.max_file_bytes = 1 << 20;
    auto summary = index(options);
    EXPECT_EQ(summary.indexed, 4);
    EXPECT_EQ(summary.failed, 6);
    EXPECT_EQ(catalog().counts().failed, 6);
    EXPECT_NE(reason_for("empty.txt").find("empty"), std::string::npos) << reason_for("empty.txt");
    EXPECT_NE(reason_for("blob.txt").find("binary"), std::string::npos) << reason_for("blob.txt");
    EXPECT_NE(reason_for("big.txt").find("limit"), std::string::npos) << reason_for("big.txt");
    EXPECT_NE(reason_for("caf\\xE9.txt").find("UTF-8"), std::string::npos);
    EXPECT_TRUE(reason_for("report.pdf").starts_with("encrypted: ")) << reason_for("report.pdf");
    EXPECT_NE(reason_for("dangling.txt").find("link"), std::string::npos)
        << reason_for("dangling.txt");
    expect_consistent();

    // Fixing a file clears its failure on the next run.
    testing::write_file(docs_ / "empty.txt", "Now there is text about herons.");
    auto again = index(options);
    EXPECT_EQ(again.indexed, 1);
    EXPECT_EQ(reason_for("empty.txt"), "");
}

TEST_F(PipelineTest, AFileThatTurnsBadLeavesTheIndex) {
    index();
    testing::write_file(docs_ / "tika-testTXT.txt", "");
    auto summary = index();
    EXPECT_EQ(summary.failed, 1);
    EXPECT_FALSE(catalog().find_document((docs_ / "tika-testTXT.txt").string()));
    expect_consistent();
}

TEST_F(PipelineTest, HiddenFilesAndSymlinkLoopsAreHandled) {
    testing::write_file(docs_ / ".hidden" / "secret.txt", "hidden words");
    testing::write_file(docs_ / ".dotfile.txt", "dot words");
    testing::write_file(docs_ / "~$lock.docx", "lock");
    fs::create_directory_symlink(docs_, docs_ / "loop");
    auto summary = index();
    EXPECT_EQ(summary.indexed, 4);  // loop entered once at most, hidden skipped
    EXPECT_EQ(summary.failed, 0);
    IndexOptions hidden;
    hidden.walk.include_hidden = true;
    auto with_hidden = index(hidden);
    EXPECT_GE(with_hidden.indexed, 2);
}

TEST_F(PipelineTest, TheDataDirectoryInsideTheFolderIsNotIndexed) {
    IndexOptions options;
    options.roots = {tmp_.path()};  // holds both docs/ and data/
    auto summary = index(options);
    EXPECT_EQ(summary.indexed, 4);
    EXPECT_EQ(summary.failed, 0);
}

TEST_F(PipelineTest, MovingAFileToAnotherCollectionRewritesIt) {
    index();
    IndexOptions legal;
    legal.collection = "legal";
    auto summary = index(legal);
    EXPECT_EQ(summary.indexed, 4);
    EXPECT_EQ(catalog().find_document((docs_ / "tika-testTXT.txt").string())->collection, "legal");
    expect_consistent();
}

TEST_F(PipelineTest, MissingRootIsAClearError) {
    IndexOptions options;
    options.roots = {tmp_ / "no-such-folder"};
    EXPECT_THROW(index(options), Error);
}

}  // namespace
}  // namespace deskside::ingest
