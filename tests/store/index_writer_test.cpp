#include "store/index_writer.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "store/consistency.h"
#include "test_support.h"

namespace deskside::store {
namespace {

PendingDocument document_with(const std::string& path, std::vector<std::string> texts) {
    PendingDocument pending;
    pending.document.path = path;
    pending.document.collection = "default";
    pending.document.content_hash = path;
    pending.document.format = "text";
    pending.document.mime = "text/plain";
    pending.document.title = path;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        PassageRecord p;
        p.ordinal = static_cast<int>(i);
        p.text = texts[i];
        pending.passages.push_back(p);
    }
    return pending;
}

std::uint64_t matches(const DataDir& dir, const std::string& term) {
    KeywordIndexReader reader(dir.keyword_index_path());
    return reader.database().get_termfreq(term);
}

TEST(IndexWriter, AddAndRemoveKeepCatalogAndKeywordIndexInStep) {
    testing::TempDir tmp;
    DataDir dir(tmp.path());
    {
        IndexWriter writer(dir, {});
        std::vector<PendingDocument> docs{document_with("/a.txt", {"zebra crossing", "lion"}),
                                          document_with("/b.txt", {"zebra stripes"})};
        writer.add_documents(docs);
        EXPECT_EQ(matches(dir, "zebra"), 2u);
        std::vector<std::int64_t> remove{docs[0].document.id};
        writer.remove_documents(remove);
    }
    EXPECT_EQ(matches(dir, "zebra"), 1u);
    EXPECT_EQ(matches(dir, "lion"), 0u);
    auto report = check_consistency(dir);
    EXPECT_TRUE(report.consistent()) << (report.problems.empty() ? "" : report.problems[0]);
    EXPECT_EQ(report.catalog_passages, 1);
    EXPECT_EQ(report.keyword_passages, 1);
}

TEST(IndexWriter, RecoversDocumentsLeftPendingByACrash) {
    testing::TempDir tmp;
    DataDir dir(tmp.path());
    { IndexWriter writer(dir, {}); }
    {
        // What a crash right after the catalog commit leaves: pending rows, no keyword terms.
        Catalog catalog(dir.catalog_path(), Catalog::Mode::read_write);
        std::vector<PendingDocument> docs{document_with("/c.txt", {"giraffe neck"})};
        catalog.write_pending(docs);
    }
    EXPECT_EQ(matches(dir, "giraffe"), 0u);
    IndexWriter writer(dir, {});
    EXPECT_EQ(writer.recovery().replayed, 1);
    EXPECT_EQ(matches(dir, "giraffe"), 1u);
    EXPECT_EQ(writer.catalog().counts().documents, 1);
    EXPECT_TRUE(check_consistency(dir).consistent());
}

TEST(IndexWriter, FinishesRemovalsLeftByACrash) {
    testing::TempDir tmp;
    DataDir dir(tmp.path());
    std::int64_t id = 0;
    {
        IndexWriter writer(dir, {});
        std::vector<PendingDocument> docs{document_with("/d.txt", {"okapi"})};
        writer.add_documents(docs);
        id = docs[0].document.id;
        std::vector<std::int64_t> ids{id};
        writer.catalog().mark_deleting(ids);  // the crash comes before the keyword delete
    }
    IndexWriter writer(dir, {});
    EXPECT_EQ(writer.recovery().erased, 1);
    EXPECT_EQ(matches(dir, "okapi"), 0u);
    EXPECT_FALSE(writer.catalog().get_document(id));
}

TEST(IndexWriter, ASecondWriterIsRefusedWithBusy) {
    testing::TempDir tmp;
    DataDir dir(tmp.path());
    IndexWriter first(dir, {});
    try {
        IndexWriter second(dir, {});
        FAIL() << "two writers on one data directory";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::busy);
        EXPECT_NE(std::string(e.what()).find("pid"), std::string::npos) << e.what();
    }
}

TEST(IndexWriter, RefusesToMixLanguages) {
    testing::TempDir tmp;
    DataDir dir(tmp.path());
    { IndexWriter writer(dir, {"english"}); }
    try {
        IndexWriter writer(dir, {"french"});
        FAIL() << "opened an English index as French";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
}

TEST(IndexWriter, UnknownLanguageIsAClearError) {
    testing::TempDir tmp;
    try {
        IndexWriter writer(DataDir(tmp.path()), {"klingon"});
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("klingon"), std::string::npos);
    }
}

}  // namespace
}  // namespace deskside::store
