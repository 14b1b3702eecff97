#include "store/catalog.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "test_support.h"

namespace deskside::store {
namespace {

PendingDocument make_document(const std::string& path, int passages) {
    PendingDocument pending;
    pending.document.path = path;
    pending.document.collection = "default";
    pending.document.size = 100;
    pending.document.mtime_ns = 42;
    pending.document.content_hash = "abc";
    pending.document.format = "text";
    pending.document.mime = "text/plain";
    pending.document.title = "Title of " + path;
    for (int i = 0; i < passages; ++i) {
        PassageRecord p;
        p.ordinal = i;
        p.text = "passage " + std::to_string(i) + " of " + path;
        p.char_start = i * 100;
        p.char_end = i * 100 + 50;
        p.page = i + 1;
        pending.passages.push_back(p);
    }
    return pending;
}

TEST(Catalog, WritesPendingDocumentsWithPassagesAndIds) {
    testing::TempDir dir;
    Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_write);
    std::vector<PendingDocument> docs{make_document("/a.txt", 3), make_document("/b.txt", 1)};
    catalog.write_pending(docs);
    EXPECT_GT(docs[0].document.id, 0);
    EXPECT_NE(docs[0].document.id, docs[1].document.id);
    EXPECT_GT(docs[0].passages[2].id, docs[0].passages[0].id);

    auto stored = catalog.find_document("/a.txt");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->state, DocumentState::pending);
    EXPECT_EQ(stored->passage_count, 3);
    // Pending documents are not counted as searchable.
    EXPECT_EQ(catalog.counts().documents, 0);
    EXPECT_EQ(catalog.counts().pending, 2);

    std::vector<std::int64_t> ids{docs[0].document.id, docs[1].document.id};
    catalog.mark_indexed(ids);
    auto counts = catalog.counts();
    EXPECT_EQ(counts.documents, 2);
    EXPECT_EQ(counts.passages, 4);
    EXPECT_EQ(counts.pending, 0);
    auto passages = catalog.passages_of(docs[0].document.id);
    ASSERT_EQ(passages.size(), 3u);
    EXPECT_EQ(passages[1].text, "passage 1 of /a.txt");
    EXPECT_EQ(passages[1].page, 2);
}

TEST(Catalog, RewritingADocumentReplacesItsPassagesAndNeverReusesIds) {
    testing::TempDir dir;
    Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_write);
    std::vector<PendingDocument> first{make_document("/a.txt", 3)};
    catalog.write_pending(first);
    std::int64_t old_last = first[0].passages.back().id;
    std::vector<PendingDocument> second{make_document("/a.txt", 2)};
    catalog.write_pending(second);
    EXPECT_EQ(second[0].document.id, first[0].document.id);  // same path, same document
    EXPECT_GT(second[0].passages.front().id, old_last);
    EXPECT_EQ(catalog.passages_of(first[0].document.id).size(), 2u);
}

TEST(Catalog, FailuresAreRecordedAndClearedWhenTheFileIndexes) {
    testing::TempDir dir;
    Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_write);
    catalog.record_failure({"/a.txt", "default", "not a text file (binary data)", 10, 20, 0});
    catalog.record_failure({"/a.txt", "default", "empty file", 0, 21, 0});  // replaces
    ASSERT_EQ(catalog.failures().size(), 1u);
    EXPECT_EQ(catalog.failures()[0].reason, "empty file");
    std::vector<PendingDocument> docs{make_document("/a.txt", 1)};
    catalog.write_pending(docs);
    EXPECT_TRUE(catalog.failures().empty());
}

TEST(Catalog, ErasingADocumentRemovesItsPassages) {
    testing::TempDir dir;
    Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_write);
    std::vector<PendingDocument> docs{make_document("/a.txt", 2)};
    catalog.write_pending(docs);
    std::vector<std::int64_t> passage_ids{docs[0].passages[0].id, docs[0].passages[1].id};
    std::vector<std::int64_t> ids{docs[0].document.id};
    catalog.erase_documents(ids);
    EXPECT_FALSE(catalog.find_document("/a.txt"));
    EXPECT_TRUE(catalog.get_passages(passage_ids).empty());
}

TEST(Catalog, RefusesAFileThatIsNotACatalog) {
    testing::TempDir dir;
    testing::write_file(dir / "catalog.sqlite",
                        "this is not a database, just some text that is long enough");
    try {
        Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_only);
        FAIL() << "opened a non-catalog";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::corrupt_index) << e.what();
    }
}

TEST(Catalog, RunsAreRecorded) {
    testing::TempDir dir;
    Catalog catalog(dir / "catalog.sqlite", Catalog::Mode::read_write);
    RunRecord run;
    run.id = catalog.begin_run("/docs\n");
    auto open = catalog.last_run();
    ASSERT_TRUE(open);
    EXPECT_EQ(open->finished_at, 0);  // an interrupted run stays visible as unfinished
    run.indexed = 5;
    run.failed = 2;
    run.seconds = 1.25;
    catalog.finish_run(run);
    auto done = catalog.last_run();
    EXPECT_GT(done->finished_at, 0);
    EXPECT_EQ(done->indexed, 5);
    EXPECT_EQ(done->failed, 2);
    EXPECT_DOUBLE_EQ(done->seconds, 1.25);
}

}  // namespace
}  // namespace deskside::store
