// Keyword search over the text, Markdown, HTML and CSV files of the shared office corpus,
// indexed through the real pipeline once for the whole suite.
#include "retriever/keyword_search.h"

#include <gtest/gtest.h>

#include <set>

#include "base/dates.h"
#include "base/error.h"
#include "ingest/pipeline.h"
#include "retriever/hybrid_search.h"
#include "test_support.h"

namespace deskside::retriever {
namespace {

class KeywordSearchTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        tmp_ = new testing::TempDir();
        ingest::IndexOptions options;
        for (const char* folder : {"txt", "html", "md", "csv"})
            options.roots.push_back(testing::corpus_dir() / folder);
        options.collection = "office";
        summary_ = ingest::run_index(store::DataDir(tmp_->path()), options, nullptr, Logger());
    }
    static void TearDownTestSuite() { delete tmp_; }

    SearchResults search(const std::string& query, int limit = 10) {
        KeywordSearcher searcher{store::DataDir(tmp_->path())};
        SearchRequest request;
        request.query = query;
        request.limit = limit;
        return searcher.search(request);
    }
    static bool any_path_contains(const SearchResults& results, const std::string& part) {
        for (const auto& hit : results.hits)
            if (hit.path.find(part) != std::string::npos) return true;
        return false;
    }

    static inline testing::TempDir* tmp_ = nullptr;
    static inline ingest::IndexSummary summary_;
};

TEST_F(KeywordSearchTest, TheCorpusTextFilesAreIndexed) {
    EXPECT_GE(summary_.indexed, 35);
    EXPECT_GT(summary_.passages, summary_.indexed);
}

TEST_F(KeywordSearchTest, FindsAPhraseAndMarksItInTheSnippet) {
    auto results = search("\"Project Gutenberg Etext of Rashomon\"");
    ASSERT_FALSE(results.hits.empty());
    const auto& hit = results.hits[0];
    EXPECT_NE(hit.path.find("chardet-SHIFT_JIS-_ude_1.txt"), std::string::npos);
    EXPECT_NE(hit.snippet.find("Rashomon"), std::string::npos);
    ASSERT_FALSE(hit.highlights.empty());
    EXPECT_EQ(hit.format, "text");
    EXPECT_EQ(hit.collection, "office");
    EXPECT_GT(hit.score, 0);
}

TEST_F(KeywordSearchTest, PhraseOrderMatters) {
    EXPECT_FALSE(any_path_contains(search("\"Rashomon of Etext\""), "SHIFT_JIS-_ude_1"));
    EXPECT_TRUE(any_path_contains(search("Rashomon NEAR AKUTAGAWA"), "SHIFT_JIS-_ude_1"));
}

TEST_F(KeywordSearchTest, BooleanOperatorsNarrowAndWiden) {
    auto both = search("Rashomon AND Gutenberg");
    auto excluded = search("Rashomon AND NOT Gutenberg");
    EXPECT_TRUE(any_path_contains(both, "SHIFT_JIS-_ude_1"));
    EXPECT_FALSE(any_path_contains(excluded, "SHIFT_JIS-_ude_1"));
    auto either = search("Rashomon OR internship", 50);
    EXPECT_TRUE(any_path_contains(either, "SHIFT_JIS-_ude_1"));
    EXPECT_TRUE(any_path_contains(either, "multi-language"));
}

TEST_F(KeywordSearchTest, StemmingMatchesOtherFormsOfAWord) {
    // The corpus has "internship"; "internships" stems to the same term.
    EXPECT_TRUE(any_path_contains(search("internships"), "multi-language"));
}

TEST_F(KeywordSearchTest, WildcardsExpand) {
    EXPECT_TRUE(any_path_contains(search("Rasho*"), "SHIFT_JIS-_ude_1"));
}

TEST_F(KeywordSearchTest, FieldPrefixesSearchTitlePathAndType) {
    // tika-testHTML.html has <title>Title : Test Indexation Html</title>.
    auto by_title = search("title:indexation");
    ASSERT_FALSE(by_title.hits.empty());
    EXPECT_NE(by_title.hits[0].path.find("tika-testHTML"), std::string::npos);
    EXPECT_TRUE(any_path_contains(search("path:chardet"), "chardet-"));
    auto markdown = search("type:markdown");
    ASSERT_EQ(markdown.hits.size(), 1u);
    EXPECT_NE(markdown.hits[0].path.find("tika-testMARKDOWN.md"), std::string::npos);
    for (const auto& hit : search("type:html", 50).hits) EXPECT_EQ(hit.format, "html");
}

TEST_F(KeywordSearchTest, DateRangesFilterByDocumentDate) {
    // Every corpus file carries its file date; none is from before 1990.
    EXPECT_FALSE(search("Rashomon date:1990-01-01..2100-01-01").hits.empty());
    EXPECT_TRUE(search("Rashomon date:1970-01-01..1980-12-31").hits.empty());
}

TEST_F(KeywordSearchTest, RequestDateBoundsFilterLikeTheQuerySyntax) {
    KeywordSearcher searcher{store::DataDir(tmp_->path())};
    SearchRequest request;
    request.query = "Rashomon";
    request.date_from = *parse_iso_datetime("1990-01-01");
    EXPECT_FALSE(searcher.search(request).hits.empty());
    request.date_from.reset();
    request.date_to = *parse_iso_datetime("1980-12-31");
    EXPECT_TRUE(searcher.search(request).hits.empty());
    // Both bounds on the day of the document itself keep it: the range is inclusive.
    request.date_to.reset();
    auto all = searcher.search(request);
    ASSERT_FALSE(all.hits.empty());
    ASSERT_TRUE(all.hits[0].date);
    request.date_from = *all.hits[0].date;
    request.date_to = *all.hits[0].date;
    EXPECT_FALSE(searcher.search(request).hits.empty());
}

TEST(DateBoundsOfQuery, ReadsTheDateFilterOfAQuery) {
    auto bounds = date_bounds_of_query("lease notice date:2020-01-01..2021-06-30");
    EXPECT_EQ(bounds.from, parse_iso_datetime("2020-01-01"));
    EXPECT_EQ(bounds.to, *parse_iso_datetime("2021-06-30") + 86399);
    bounds = date_bounds_of_query("date:20200101..");
    EXPECT_EQ(bounds.from, parse_iso_datetime("2020-01-01"));
    EXPECT_FALSE(bounds.to);
    EXPECT_FALSE(date_bounds_of_query("update:2020..2021").from);
    EXPECT_FALSE(date_bounds_of_query("plain words").to);
    // Two filters narrow to their intersection.
    bounds = date_bounds_of_query("date:2019-01-01..2021-01-01 date:2020-01-01..2022-01-01");
    EXPECT_EQ(bounds.from, parse_iso_datetime("2020-01-01"));
    EXPECT_EQ(bounds.to, *parse_iso_datetime("2021-01-01") + 86399);
    // A date that does not parse gives no bounds (the keyword arm reports it).
    EXPECT_FALSE(date_bounds_of_query("date:yesterday..today").from);
}

TEST_F(KeywordSearchTest, ChineseJapaneseAndKoreanAreSearchable) {
    EXPECT_TRUE(any_path_contains(search("定額給付金"), "SHIFT_JIS"));
    EXPECT_TRUE(any_path_contains(search("陳水扁"), "Big5"));
    EXPECT_TRUE(any_path_contains(search("한나라당"), "EUC-KR"));
    auto hit = search("定額給付金").hits.at(0);
    ASSERT_FALSE(hit.highlights.empty());
    EXPECT_EQ(hit.highlights[0].end - hit.highlights[0].start, 5);  // one mark for 5 characters
}

TEST_F(KeywordSearchTest, CyrillicFromLegacyEncodingsIsSearchable) {
    auto results = search("Superjob");
    EXPECT_TRUE(any_path_contains(results, "tika-resume"));
}

TEST_F(KeywordSearchTest, CollectionFilter) {
    KeywordSearcher searcher{store::DataDir(tmp_->path())};
    SearchRequest request;
    request.query = "Rashomon";
    request.collection = "office";
    EXPECT_FALSE(searcher.search(request).hits.empty());
    request.collection = "elsewhere";
    EXPECT_TRUE(searcher.search(request).hits.empty());
}

TEST_F(KeywordSearchTest, OneResultPerDocumentUnlessAskedForMore) {
    KeywordSearcher searcher{store::DataDir(tmp_->path())};
    SearchRequest request;
    request.query = "Gutenberg";
    request.limit = 50;
    auto per_doc = searcher.search(request);
    std::set<std::int64_t> docs;
    for (const auto& hit : per_doc.hits) EXPECT_TRUE(docs.insert(hit.document_id).second);
    request.per_document = 0;
    auto all = searcher.search(request);
    EXPECT_GT(all.hits.size(), per_doc.hits.size());
}

TEST_F(KeywordSearchTest, PagingContinuesTheRanking) {
    KeywordSearcher searcher{store::DataDir(tmp_->path())};
    SearchRequest request;
    request.query = "Gutenberg";
    request.per_document = 0;
    request.limit = 4;
    auto first = searcher.search(request);
    request.offset = 2;
    request.limit = 2;
    auto second = searcher.search(request);
    ASSERT_EQ(first.hits.size(), 4u);
    ASSERT_EQ(second.hits.size(), 2u);
    EXPECT_EQ(second.hits[0].passage_id, first.hits[2].passage_id);
    EXPECT_EQ(second.hits[0].rank, 3);
}

TEST_F(KeywordSearchTest, SyntaxErrorsAreExplainedNotCrashes) {
    for (const char* bad : {"budget AND (", "title:(", "\"unclosed AND OR"}) {
        try {
            auto results = search(bad);
            // Xapian's parser repairs some inputs (an unclosed quote); those must still work.
            SUCCEED();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::query_syntax) << bad;
            EXPECT_NE(std::string(e.what()).find("cannot parse"), std::string::npos);
        }
    }
    try {
        search("foo AND (");
        FAIL() << "an unbalanced bracket must be a syntax error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::query_syntax);
    }
}

TEST_F(KeywordSearchTest, SearchingWithoutAnIndexSaysWhatToDo) {
    testing::TempDir empty;
    try {
        KeywordSearcher searcher{store::DataDir(empty.path())};
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::not_found);
        EXPECT_NE(std::string(e.what()).find("deskside index"), std::string::npos);
    }
}

}  // namespace
}  // namespace deskside::retriever
