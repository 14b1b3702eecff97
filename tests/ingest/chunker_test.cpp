#include "ingest/chunker.h"

#include <gtest/gtest.h>

#include "base/utf8.h"
#include "ingest/extractor.h"
#include "test_support.h"

namespace deskside::ingest {
namespace {

std::string words(int count, const std::string& stem = "word") {
    std::string out;
    for (int i = 0; i < count; ++i) {
        out += stem + std::to_string(i);
        out += (i % 12 == 11) ? ". " : " ";
    }
    out.pop_back();
    return out;
}

Block paragraph(std::string text, int page = 0) {
    return Block{BlockKind::paragraph, std::move(text), 0, page, "", false};
}
Block heading(std::string text, int level = 1) {
    return Block{BlockKind::heading, std::move(text), level, 0, "", false};
}

// Every passage's text must be exactly the document text at its code-point offsets.
void expect_offsets_match(const ExtractedDocument& document, const std::vector<Passage>& passages) {
    std::string text = document_text(document);
    std::u32string all;
    for (std::size_t pos = 0; pos < text.size();) all += utf8::decode(text, pos);
    for (const auto& p : passages) {
        ASSERT_LE(p.char_end, static_cast<std::int64_t>(all.size()));
        std::string slice;
        for (auto i = p.char_start; i < p.char_end; ++i)
            utf8::append(slice, all[static_cast<size_t>(i)]);
        EXPECT_EQ(slice, p.text) << "passage " << p.ordinal;
    }
}

TEST(Chunker, CountsWordsAndCjkCharacters) {
    EXPECT_EQ(count_words("three small words"), 3);
    EXPECT_EQ(count_words("  spaced\n\nout  "), 2);
    EXPECT_EQ(count_words("日本語 text"), 4);
}

TEST(Chunker, ShortDocumentIsOnePassage) {
    ExtractedDocument doc;
    doc.blocks = {heading("Intro"), paragraph("A short note about budgets.")};
    auto passages = chunk_document(doc);
    ASSERT_EQ(passages.size(), 1u);
    EXPECT_EQ(passages[0].text, "Intro\n\nA short note about budgets.");
    EXPECT_EQ(passages[0].heading, "Intro");
    expect_offsets_match(doc, passages);
}

TEST(Chunker, PassagesStayWithinBoundsAndCoverTheText) {
    ExtractedDocument doc;
    for (int i = 0; i < 30; ++i)
        doc.blocks.push_back(paragraph(words(60, "p" + std::to_string(i) + "w")));
    auto passages = chunk_document(doc);
    ASSERT_GT(passages.size(), 4u);
    for (std::size_t i = 0; i < passages.size(); ++i) {
        int n = count_words(passages[i].text);
        EXPECT_LE(n, 400) << i;
        if (i + 1 < passages.size()) {
            EXPECT_GE(n, 150) << i;
        }
        EXPECT_EQ(passages[i].ordinal, static_cast<int>(i));
        if (i > 0) {
            // Consecutive passages touch or overlap a little: nothing is lost between them.
            EXPECT_LE(passages[i].char_start, passages[i - 1].char_end + 2);
            EXPECT_GE(passages[i].char_start, passages[i - 1].char_start);
        }
    }
    EXPECT_EQ(passages.front().char_start, 0);
    EXPECT_EQ(passages.back().char_end,
              static_cast<std::int64_t>(utf8::length(document_text(doc))));
    expect_offsets_match(doc, passages);
}

TEST(Chunker, OverlapRepeatsTrailingSentences) {
    ExtractedDocument doc;
    for (int i = 0; i < 12; ++i)
        doc.blocks.push_back(paragraph(words(48, "s" + std::to_string(i) + "w")));
    auto passages = chunk_document(doc);
    ASSERT_GE(passages.size(), 2u);
    EXPECT_LT(passages[1].char_start, passages[0].char_end);  // overlapping span
    int overlap_words = count_words(passages[1].text.substr(
        0, passages[0].text.size() - (passages[1].char_start - passages[0].char_start)));
    EXPECT_GT(overlap_words, 0);
    EXPECT_LE(overlap_words, 30 + 12);
}

TEST(Chunker, HeadingsStartNewPassagesOnceTheCurrentOneIsBigEnough) {
    ExtractedDocument doc;
    doc.blocks = {heading("Part one"), paragraph(words(200, "a")), heading("Part two"),
                  paragraph(words(200, "b"))};
    auto passages = chunk_document(doc);
    ASSERT_EQ(passages.size(), 2u);
    EXPECT_EQ(passages[0].heading, "Part one");
    EXPECT_EQ(passages[1].heading, "Part two");
    EXPECT_EQ(passages[1].text.rfind("Part two", 0), 0u);  // no overlap into a new section
}

TEST(Chunker, PagesAreCarriedIntoPassages) {
    ExtractedDocument doc;
    for (int page = 1; page <= 4; ++page) doc.blocks.push_back(paragraph(words(220, "pg"), page));
    auto passages = chunk_document(doc);
    ASSERT_GE(passages.size(), 4u);
    EXPECT_EQ(passages[0].page, 1);
    EXPECT_EQ(passages.back().page, 4);
    for (std::size_t i = 1; i < passages.size(); ++i)
        EXPECT_GE(passages[i].page, passages[i - 1].page);
}

TEST(Chunker, AnEnormousParagraphWithoutPunctuationIsCutByWords) {
    ExtractedDocument doc;
    std::string run;
    for (int i = 0; i < 2000; ++i) run += "token ";
    doc.blocks = {paragraph(run.substr(0, run.size() - 1))};
    auto passages = chunk_document(doc);
    ASSERT_GE(passages.size(), 5u);
    for (const auto& p : passages) EXPECT_LE(count_words(p.text), 400);
    expect_offsets_match(doc, passages);
}

TEST(Chunker, CjkTextIsCutIntoBoundedPassages) {
    ExtractedDocument doc;
    std::string run;
    for (int i = 0; i < 300; ++i) run += "日本語の文章です。";
    doc.blocks = {paragraph(run)};
    auto passages = chunk_document(doc);
    ASSERT_GE(passages.size(), 5u);
    for (const auto& p : passages) EXPECT_LE(count_words(p.text), 400);
    expect_offsets_match(doc, passages);
}

TEST(Chunker, RealCorpusDocumentsKeepOffsetsExact) {
    auto registry = ExtractorRegistry::with_builtin_extractors();
    for (const char* name : {"txt/chardet-Johab-mdir-doc.txt", "html/tika-tika434.html",
                             "txt/chardet-SHIFT_JIS-_ude_1.txt", "md/tika-testMARKDOWN.md"}) {
        auto path = testing::corpus_dir() / name;
        std::string bytes = testing::read_file(path);
        FileType type = detect_file_type(path, bytes);
        const Extractor* extractor = registry.find(type);
        ASSERT_NE(extractor, nullptr) << name;
        auto doc = extractor->extract(SourceFile{path, bytes, type}, {});
        auto passages = chunk_document(doc);
        ASSERT_FALSE(passages.empty()) << name;
        for (const auto& p : passages) EXPECT_LE(count_words(p.text), 400) << name;
        expect_offsets_match(doc, passages);
    }
}

}  // namespace
}  // namespace deskside::ingest
