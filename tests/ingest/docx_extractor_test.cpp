// The docx extractor on every docx/ file of the corpus (plus the truncated ones in malformed/)
// and on hostile packages built here: billion laughs, deep nesting, a zip bomb, a package
// without its main part, caps and deadlines, repeated headers.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "hand_made_zip.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::corpus_bytes;
using testing::extract_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::texts;

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t occurrences(const std::string& haystack, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size()))
        ++count;
    return count;
}

const Block* find_block(const ExtractedDocument& document, std::string_view text) {
    for (const Block& block : document.blocks)
        if (contains(block.text, text)) return &block;
    return nullptr;
}

// The kind of failure extracting `bytes` as a docx ends with; nullopt when it succeeds.
std::optional<FailureKind> docx_failure(std::string_view bytes, const ExtractOptions& options = {},
                                        ExtractedDocument* out = nullptr) {
    FileType type{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml"};
    try {
        ExtractedDocument document = extract_bytes("hostile.docx", bytes, &type, options);
        if (out) *out = std::move(document);
        return std::nullopt;
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
}

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    std::istringstream in{std::string(text)};
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

// Share of `expected` words found in `actual` in the same order (a greedy subsequence match).
double words_in_order(std::string_view expected, std::string_view actual) {
    std::vector<std::string> want = words_of(expected), have = words_of(actual);
    std::size_t found = 0, at = 0;
    for (const std::string& word : want) {
        auto it = std::find(have.begin() + static_cast<std::ptrdiff_t>(at), have.end(), word);
        if (it == have.end()) continue;
        ++found;
        at = static_cast<std::size_t>(it - have.begin()) + 1;
    }
    return want.empty() ? 1.0 : static_cast<double>(found) / static_cast<double>(want.size());
}

// Hand-made ZIP packages (stored entries, hostile deflate streams): hand_made_zip.h.
using testing::deflated_zeros;
using testing::make_zip;
using testing::ZipEntry;

#define OPC_PACKAGE "http://schemas.openxmlformats.org/package/2006/relationships"
#define OPC_RELS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
constexpr std::string_view kRels =
    R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns=")" OPC_PACKAGE R"(">)"
    R"(<Relationship Id="rId1" Type=")" OPC_RELS R"(/officeDocument" Target="word/document.xml"/>)"
    R"(</Relationships>)";
constexpr std::string_view kW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

std::string document_xml(std::string_view body) {
    return R"(<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w=")" + std::string(kW) +
           R"(" xmlns:r=")" OPC_RELS R"("><w:body>)" + std::string(body) + "</w:body></w:document>";
}

std::string docx_with(std::string_view document, std::vector<ZipEntry> more = {}) {
    std::vector<ZipEntry> entries{{"_rels/.rels", std::string(kRels)},
                                  {"word/document.xml", std::string(document)}};
    for (ZipEntry& entry : more) entries.push_back(std::move(entry));
    return make_zip(entries);
}

// ---- the corpus -----------------------------------------------------------------------------

TEST(DocxExtractor, SampleDocMatchesPoiExpectedText) {
    ExtractedDocument document = extract_corpus("docx/poi-SampleDoc.docx");
    EXPECT_EQ(document.format, "docx");
    EXPECT_EQ(document.metadata.title, "Test Document");
    EXPECT_EQ(document.metadata.author, "Nick Burch");
    EXPECT_EQ(document.metadata.created, parse_iso_datetime("2008-01-04T09:10:00Z"));
    EXPECT_EQ(document.metadata.modified, parse_iso_datetime("2008-01-04T09:15:00Z"));
    // POI's expected file starts with metadata lines ("Author = ..."), then a blank line.
    std::string expected = corpus_bytes("docx/poi-SampleDoc.expected.txt");
    std::string body = expected.substr(expected.find("\n\n") + 2);
    // POI writes the page break as a line holding an em space; it is not a word.
    std::string words;
    for (std::string_view rest = body;;) {
        std::size_t at = rest.find("\u2003");
        words += std::string(rest.substr(0, at)) + " ";
        if (at == std::string_view::npos) break;
        rest.remove_prefix(at + 3);
    }
    body = words;
    // Threshold: at least 95% of the expected words, in order (here all of them).
    EXPECT_GE(words_in_order(body, joined(document)), 0.95) << joined(document);
    EXPECT_EQ(words_in_order(body, joined(document)), 1.0);
    ASSERT_EQ(document.blocks.size(), 6u);
    EXPECT_EQ(document.blocks[0].text, "I am a test document");
    EXPECT_EQ(document.blocks[5].text, "It\u2019s also in blue");
}

TEST(DocxExtractor, HeadingsFromStyleNamesAndOutlineLevels) {
    ExtractedDocument unicode = extract_corpus("docx/poi-HeaderFooterUnicode.docx");
    const Block* moliere = find_block(unicode, "Moli\u00e8re");
    ASSERT_NE(moliere, nullptr);
    EXPECT_EQ(moliere->kind, BlockKind::heading);
    EXPECT_EQ(moliere->level, 1);
    EXPECT_EQ(find_block(unicode, "EUR - \u20ac")->kind, BlockKind::paragraph);

    ExtractedDocument comments = extract_corpus("docx/pydocx-comments-rich-para.docx");
    const Block* h2 = find_block(comments, "Paragraph with Heading 2 paragraph style.");
    ASSERT_NE(h2, nullptr);
    EXPECT_EQ(h2->kind, BlockKind::heading);
    EXPECT_EQ(h2->level, 2);
    EXPECT_EQ(h2->location, "comments");

    ExtractedDocument resume = extract_corpus("docx/tika-testWORD_template.dotx");
    for (const char* heading : {"Objective", "Experience", "Education", "References"}) {
        const Block* block = find_block(resume, heading);
        ASSERT_NE(block, nullptr) << heading;
        EXPECT_EQ(block->kind, BlockKind::heading) << heading;
    }
}

TEST(DocxExtractor, TablesRowByRowMergedCellsOnceNestedFlattened) {
    ExtractedDocument cells = extract_corpus("docx/pydocx-tbl-cell-access.docx");
    std::vector<std::string> rows;
    for (const Block& block : cells.blocks) {
        EXPECT_EQ(block.kind, BlockKind::table_row);
        rows.push_back(block.text);
    }
    ASSERT_GE(rows.size(), 9u);
    EXPECT_EQ(rows[0], "1 | 2 | 3");
    EXPECT_EQ(rows[2], "7 | 8 | 9");
    EXPECT_EQ(rows[4], "4 | 6");     // "4" spans two grid columns: written once
    EXPECT_EQ(rows[8], "7 |  | 9");  // vertically merged "5" is not repeated below

    ExtractedDocument nested = extract_corpus("docx/pydocx-blk-paras-and-tables.docx");
    const Block* outer = find_block(nested, "Text before");
    ASSERT_NE(outer, nullptr);
    EXPECT_EQ(outer->kind, BlockKind::table_row);
    EXPECT_EQ(outer->text, "Text before Table Between Text after");
    EXPECT_EQ(find_block(nested, "Left-side")->text, "Left-side | Right-side");
    EXPECT_EQ(find_block(nested, "Left-side")->location, "header");

    ExtractedDocument various = extract_corpus("docx/tika-testWORD_various.docx");
    const Block* row = find_block(various, "Row 2 Col 1");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->kind, BlockKind::table_row);
    EXPECT_EQ(row->text, "Row 2 Col 1 | Row 2 Col 2 | Row 2 Col 3");
}

TEST(DocxExtractor, TrackedChangesKeepInsertionsDropDeletions) {
    ExtractedDocument delins = extract_corpus("docx/poi-delins.docx");
    std::string text = joined(delins);
    EXPECT_TRUE(contains(text, "March 2009: Apache Tika Release")) << text;  // w:ins
    EXPECT_FALSE(contains(text, "Maang Tika")) << text;                      // w:del
    EXPECT_FALSE(contains(text, "DragonLance")) << text;
    EXPECT_FALSE(contains(text, "HYPERLINK")) << text;  // field instructions
    EXPECT_TRUE(contains(text, "Apache Tika is a subproject of the Lucene"));

    ExtractedDocument word2006 = extract_corpus("docx/tika-testWORD_2006ml.docx");
    std::string all = joined(word2006);
    EXPECT_FALSE(contains(all, "Deleted paragraph1")) << all;
    EXPECT_FALSE(contains(all, "Del r1c1")) << all;  // a deleted table row
    EXPECT_FALSE(contains(all, "R2c1")) << all;
    EXPECT_TRUE(find_block(word2006, "R4c1 | R3c2"));  // cell R3c1 replaced by R4c1
    EXPECT_FALSE(contains(all, "PAGEREF")) << all;
    EXPECT_FALSE(contains(all, "CITATION")) << all;
    EXPECT_TRUE(contains(all, "Table 1: Table1 Caption"));  // a SEQ field's result stays
}

TEST(DocxExtractor, HeadersFootersNotesAndComments) {
    ExtractedDocument document = extract_corpus("docx/poi-headerFooter.docx");
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].text, "This is a simple header\u2026");
    EXPECT_EQ(document.blocks[0].location, "header");
    EXPECT_EQ(document.blocks[1].text, "\u2026 and this is a simple footer.");
    EXPECT_EQ(document.blocks[1].location, "footer");

    ExtractedDocument footnotes = extract_corpus("docx/poi-footnotes.docx");
    ASSERT_EQ(footnotes.blocks.size(), 2u);
    EXPECT_EQ(footnotes.blocks[1].text, "snoska");
    EXPECT_EQ(footnotes.blocks[1].location, "footnotes");

    ExtractedDocument endnotes = extract_corpus("docx/poi-endnotes.docx");
    EXPECT_EQ(endnotes.blocks.back().text, "XXX");
    EXPECT_EQ(endnotes.blocks.back().location, "endnotes");

    ExtractedDocument table_note = extract_corpus("docx/tika-testWORD_endnote_table.docx");
    const Block* note_row = find_block(table_note, "The Cat Property Act 2025");
    ASSERT_NE(note_row, nullptr);
    EXPECT_EQ(note_row->kind, BlockKind::table_row);
    EXPECT_EQ(note_row->location, "endnotes");

    ExtractedDocument comment = extract_corpus("docx/poi-comment.docx");
    ASSERT_EQ(comment.blocks.size(), 2u);
    EXPECT_EQ(comment.blocks[0].text, "This is the first line");
    EXPECT_EQ(comment.blocks[0].location, "comments");
    EXPECT_EQ(comment.metadata.language, "de-AT");

    ExtractedDocument word2006 = extract_corpus("docx/tika-testWORD_2006ml.docx");
    EXPECT_EQ(find_block(word2006, "And this is the footnote")->location, "footnotes");
    EXPECT_EQ(find_block(word2006, "This is an endnote")->location, "endnotes");
    EXPECT_EQ(find_block(word2006, "This is a comment")->location, "comments");
    EXPECT_EQ(find_block(word2006, "Odd page header")->location, "header");
    EXPECT_EQ(find_block(word2006, "First page footer")->location, "footer");
    EXPECT_EQ(word2006.metadata.title, "My Document Title");
    EXPECT_EQ(word2006.metadata.author, "This is the Author");

    ExtractedDocument odd_even = extract_corpus("docx/pydocx-doc-odd-even-hdrs.docx");
    EXPECT_EQ(find_block(odd_even, "Even page header.")->location, "header");
    EXPECT_EQ(find_block(odd_even, "Odd page header.")->location, "header");
}

TEST(DocxExtractor, TextBoxesOnceAcrossAlternateContent) {
    ExtractedDocument document = extract_corpus("docx/tika-testWORD_text_box.docx");
    std::string text = joined(document);
    EXPECT_EQ(occurrences(text, "This text is inside of a text box in the body of the document."),
              1u)
        << text;
    EXPECT_EQ(occurrences(text, "inside of a text box in the header"), 1u) << text;
    EXPECT_EQ(occurrences(text, "inside of a text box in the footer"), 1u) << text;
    EXPECT_TRUE(contains(text, "This text is directly in the body of the document."));
    EXPECT_FALSE(contains(text, "1295400")) << text;  // drawing offsets are not text
    EXPECT_EQ(find_block(document, "in the header")->location, "header");

    ExtractedDocument word2006 = extract_corpus("docx/tika-testWORD_2006ml.docx");
    std::string all = joined(word2006);
    EXPECT_EQ(occurrences(all, "This is a text box"), 1u) << all;
    EXPECT_EQ(occurrences(all, "This is text within a shape"), 1u) << all;
    EXPECT_EQ(occurrences(all, "This is an engaging title page"), 1u) << all;
}

TEST(DocxExtractor, ListsHyperlinksCheckboxesPhoneticGuides) {
    ExtractedDocument various = extract_corpus("docx/tika-testWORD_various.docx");
    EXPECT_TRUE(find_block(various, "\u2022 Bullet 1"));
    EXPECT_TRUE(find_block(various, "1) Number bullet 1"));
    EXPECT_TRUE(find_block(various, "3) Number bullet 3"));
    EXPECT_TRUE(
        find_block(various, "\U00010332\U0001033F\U00010344\U00010339\U00010343\U0001033A"));

    ExtractedDocument numbered = extract_corpus("docx/tika-testWORD_numbered_list.docx");
    EXPECT_TRUE(find_block(numbered, "1) This"));
    EXPECT_TRUE(find_block(numbered, "a) Is"));
    EXPECT_TRUE(find_block(numbered, "6. six"));  // a list that starts at 6
    EXPECT_EQ(find_block(numbered, "Footnote list 2a")->location, "footnotes");

    ExtractedDocument links = extract_corpus("docx/pydocx-par-hyperlinks.docx");
    ASSERT_EQ(links.blocks.size(), 3u);
    EXPECT_EQ(links.blocks[2].text,
              "Three hyperlinks: the first one here, the second one, and the third.");

    ExtractedDocument boxes = extract_corpus("docx/poi-checkboxes.docx");
    EXPECT_TRUE(find_block(boxes, "unchecked: \u2610"));
    EXPECT_TRUE(find_block(boxes, "Or checked: \u2612"));
    EXPECT_FALSE(contains(joined(boxes), "FORMCHECKBOX"));

    ExtractedDocument ruby = extract_corpus("docx/tika-testWORD_phonetic.docx");
    ASSERT_EQ(ruby.blocks.size(), 1u);
    EXPECT_EQ(ruby.blocks[0].text, "\u6771\u4eac");  // 東京, without its reading とうきょう
}

TEST(DocxExtractor, AltChunkHtmlIsExtractedInPlace) {
    ExtractedDocument document = extract_corpus("docx/tika-testAltChunkHTML.docx");
    ASSERT_EQ(document.blocks.size(), 5u) << joined(document);
    EXPECT_EQ(document.blocks[0].text, "Simple paragraph with a emphasized word.");
    EXPECT_EQ(document.blocks[2].kind, BlockKind::table_row);
    EXPECT_EQ(document.blocks[2].text, "Col 1 | Col 2");
    EXPECT_EQ(document.blocks[4].text, "ROW 2 | ROW 2");
}

TEST(DocxExtractor, EmbeddedObjectsBecomeAttachmentsImagesDoNot) {
    ExtractedDocument embedded = extract_corpus("docx/tika-testWORD_embeded.docx");
    std::vector<std::string> names;
    for (const EmbeddedFile& file : embedded.attachments) names.push_back(file.name);
    EXPECT_EQ(names, (std::vector<std::string>{"Microsoft_Office_Word_97_-_2003_Document1.doc",
                                               "Microsoft_Office_PowerPoint_Presentation2.pptx",
                                               "Microsoft_Office_Excel_Worksheet1.xlsx"}));
    EXPECT_TRUE(embedded.attachments[0].bytes.starts_with("\xD0\xCF\x11\xE0"));  // OLE2
    EXPECT_TRUE(embedded.attachments[1].bytes.starts_with("PK\x03\x04"));
    EXPECT_EQ(embedded.attachments[2].bytes.size(), 14294u);
    EXPECT_TRUE(find_block(embedded, "The Alfresco logo is above this"));

    ExtractedDocument word2006 = extract_corpus("docx/tika-testWORD_2006ml.docx");
    EXPECT_EQ(word2006.attachments.size(), 4u);  // .xlsx, .ppt and two OLE objects (PDF...)
    ExtractedDocument recursive = extract_corpus("docx/tika-test_recursive_embedded.docx");
    ASSERT_EQ(recursive.attachments.size(), 1u);
    EXPECT_EQ(recursive.attachments[0].name, "oleObject1.bin");
    EXPECT_EQ(texts(recursive), std::vector<std::string>{"embed_0"});

    for (const char* images : {"docx/tika-testWORD_3imgs.docx", "docx/pydocx-having-images.docx",
                               "docx/tika-testWORD_embedded_pics.docx"})
        EXPECT_TRUE(extract_corpus(images).attachments.empty()) << images;
}

// Every docx file of the corpus and the truncated ones: parsed with a phrase that is really in
// it, parsed with no text (the pipeline records "empty"), or failed with the right kind.
TEST(DocxExtractor, EveryCorpusFile) {
    struct Case {
        const char* path;
        const char* phrase;  // nullptr: no blocks expected
        std::optional<FailureKind> failure = std::nullopt;
    };
    const Case cases[] = {
        {"docx/poi-HeaderFooterUnicode.docx", "L'Avare ou l'\u00c9cole du mensonge"},
        {"docx/poi-SampleDoc.docx", "I am Calibri (Body) in font size 11"},
        {"docx/poi-bug56075-changeTracking_on.docx", "Change Tracking ON"},
        {"docx/poi-checkboxes.docx", "This is a small test for checkboxes"},
        {"docx/poi-comment.docx", "This is the second line"},
        {"docx/poi-delins.docx", "Apache Tika 0.3 has been released."},
        {"docx/poi-documentProtection_trackedChanges_no_password.docx",
         "Tracked changed senza password."},
        {"docx/poi-endnotes.docx", "A place on Saturn's satellite Rhea"},
        {"docx/poi-footnotes.docx", "Eto ochen prostoy text so snoskoy"},
        {"docx/poi-headerFooter.docx", "This is a simple header"},
        {"docx/poi-protected_agile.docx", nullptr, FailureKind::encrypted},
        {"docx/pydocx-blk-paras-and-tables.docx", "Donec semper facilisis metus"},
        {"docx/pydocx-comments-rich-para.docx", "Text with hyperlink https://google.com embedded."},
        {"docx/pydocx-doc-odd-even-hdrs.docx", "Second Page."},
        {"docx/pydocx-having-images.docx", nullptr},  // images only
        {"docx/pydocx-par-hyperlinks.docx", "One awesome hyperlink."},
        {"docx/pydocx-sct-first-page-hdrftr.docx", "Page 4, First Page of second section."},
        {"docx/pydocx-tbl-cell-access.docx", "4 | 5 | 6"},
        {"docx/pydocx-tbl-having-tables.docx", nullptr},  // empty tables only
        {"docx/tika-testAltChunkHTML.docx", "Example of a table:"},
        // Tika's OCR sample: the image holds more text, but two paragraphs are real text.
        {"docx/tika-testOCR.docx", "Here is an embedded image:"},
        {"docx/tika-testWORD_2006ml.docx", "The quick brown fox jumped over the lazy brown dog."},
        {"docx/tika-testWORD_3imgs.docx", "More images follow...."},
        {"docx/tika-testWORD_embedded_pics.docx", "Deeply embedded"},
        {"docx/tika-testWORD_embeded.docx", "The quick brown fox jumps over the lazy dog"},
        {"docx/tika-testWORD_endnote_table.docx", "Maecenas porttitor congue massa."},
        {"docx/tika-testWORD_macros.docm", "The quick brown fox."},
        {"docx/tika-testWORD_numbered_list.docx", "Greek numbering with crazy format - beta"},
        {"docx/tika-testWORD_phonetic.docx", "\u6771\u4eac"},
        {"docx/tika-testWORD_template.dotx", "References are available upon request."},
        {"docx/tika-testWORD_text_box.docx", "directly in the body"},
        {"docx/tika-testWORD_various.docx", "Suddenly some Japanese text:"},
        {"docx/tika-test_recursive_embedded.docx", "embed_0"},
        {"malformed/tika-testWORD_truncated.docx", nullptr, FailureKind::corrupt},
        {"malformed/poi-truncated62886.docx", nullptr, FailureKind::corrupt},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        try {
            ExtractedDocument document = extract_corpus(c.path);
            EXPECT_FALSE(c.failure) << "expected a failure";
            EXPECT_EQ(document.format, "docx");
            if (c.phrase)
                EXPECT_TRUE(contains(joined(document), c.phrase)) << joined(document);
            else
                EXPECT_TRUE(document.blocks.empty()) << joined(document);
            for (const Block& block : document.blocks) {
                EXPECT_FALSE(block.text.empty());
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.front())));
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.back())));
            }
        } catch (const Error& error) {
            ASSERT_TRUE(c.failure) << error.what();
            EXPECT_EQ(failure_kind_of(error.what()), *c.failure) << error.what();
        }
    }
}

// ---- hostile and hand-made packages ---------------------------------------------------------

TEST(DocxExtractor, BillionLaughsIsNeverExpanded) {
    std::string dtd = R"(<!DOCTYPE w:document [<!ENTITY lol "lollollollollollollollollollol">)";
    for (int level = 1; level <= 9; ++level) {
        std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
        dtd += "<!ENTITY lol" + std::to_string(level) + " \"";
        for (int i = 0; i < 10; ++i) dtd += "&" + previous + ";";
        dtd += "\">";
    }
    dtd += "]>";
    std::string xml = document_xml("<w:p><w:r><w:t>before &lol9; after</w:t></w:r></w:p>");
    xml.insert(xml.find("?>") + 2, dtd);
    auto start = std::chrono::steady_clock::now();
    ExtractedDocument document;
    std::optional<FailureKind> failure = docx_failure(docx_with(xml), {}, &document);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    if (failure) {
        EXPECT_TRUE(*failure == FailureKind::too_large || *failure == FailureKind::corrupt);
    } else {
        EXPECT_LT(joined(document).size(), 1000u) << "entities were expanded";
        EXPECT_FALSE(contains(joined(document), "lollol"));
    }
}

TEST(DocxExtractor, DeepNestingFailsTooLarge) {
    std::string nested;
    for (int i = 0; i < 10000; ++i) nested += "<w:sdt><w:sdtContent>";
    nested += "<w:p><w:r><w:t>deep</w:t></w:r></w:p>";
    for (int i = 0; i < 10000; ++i) nested += "</w:sdtContent></w:sdt>";
    EXPECT_EQ(docx_failure(docx_with(document_xml(nested))), FailureKind::too_large);
}

TEST(DocxExtractor, ZipBombFailsTooLargeQuickly) {
    const std::uint32_t matches = 600u * 1024 * 1024 / 258;  // 600 MB of zeros, ~4 MB packed
    std::string bomb = deflated_zeros(matches);
    const std::uint32_t size = 1 + 258 * matches;
    auto start = std::chrono::steady_clock::now();
    // Truthful sizes: refused before inflating anything.
    std::string honest =
        make_zip({{"_rels/.rels", std::string(kRels)}, {"word/document.xml", bomb, true, size}});
    EXPECT_EQ(docx_failure(honest), FailureKind::too_large);
    // A header that claims 1 KB: the bytes really inflated are counted as they come.
    ExtractOptions options;
    options.max_unpacked_bytes = 32 << 20;
    std::string lying =
        make_zip({{"_rels/.rels", std::string(kRels)}, {"word/document.xml", bomb, true, 1024}});
    std::optional<FailureKind> failure = docx_failure(lying, options);
    ASSERT_TRUE(failure);
    EXPECT_TRUE(*failure == FailureKind::too_large || *failure == FailureKind::corrupt);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(DocxExtractor, MissingMainPartFailsCorruptNamingIt) {
    std::string package =
        make_zip({{"_rels/.rels", std::string(kRels)}, {"word/styles.xml", "<w:styles/>"}});
    FileType type{"docx", ""};
    try {
        extract_bytes("no-main.docx", package, &type);
        FAIL() << "a package without word/document.xml must fail";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::corrupt);
        EXPECT_TRUE(contains(error.what(), "word/document.xml")) << error.what();
    }
}

TEST(DocxExtractor, MainPartFoundWithoutPackageRelationships) {
    std::string package =
        make_zip({{"word/document.xml", document_xml("<w:p><w:r><w:t>no rels</w:t></w:r></w:p>")}});
    ExtractedDocument document;
    EXPECT_EQ(docx_failure(package, {}, &document), std::nullopt);
    EXPECT_EQ(texts(document), std::vector<std::string>{"no rels"});
}

TEST(DocxExtractor, IdenticalHeadersOfSeveralSectionsOnce) {
    const std::string header = R"(<w:hdr xmlns:w=")" + std::string(kW) +
                               R"("><w:p><w:r><w:t>ACME Confidential</w:t></w:r></w:p></w:hdr>)";
    const std::string rels =
        R"(<Relationships xmlns=")" OPC_PACKAGE R"(">)"
        R"(<Relationship Id="h1" Type=")" OPC_RELS R"(/header" Target="header1.xml"/>)"
        R"(<Relationship Id="h2" Type=")" OPC_RELS R"(/header" Target="header2.xml"/>)"
        R"(<Relationship Id="h3" Type=")" OPC_RELS R"(/header" Target="/word/header3.xml"/>)"
        R"(</Relationships>)";
    std::string package = docx_with(document_xml("<w:p><w:r><w:t>Body</w:t></w:r></w:p>"),
                                    {{"word/_rels/document.xml.rels", rels},
                                     {"word/header1.xml", header},
                                     {"word/header2.xml", header},
                                     {"word/header3.xml", header}});
    ExtractedDocument document;
    ASSERT_EQ(docx_failure(package, {}, &document), std::nullopt);
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[1].text, "ACME Confidential");
    EXPECT_EQ(document.blocks[1].location, "header");
}

TEST(DocxExtractor, OutputCapAndDeadline) {
    std::string bytes = corpus_bytes("docx/tika-testWORD_endnote_table.docx");  // 70 KB of text
    FileType type{"docx", ""};
    ExtractOptions small;
    small.max_output_bytes = 4096;
    try {
        extract_bytes("endnote_table.docx", bytes, &type, small);
        ADD_FAILURE() << "over max_output_bytes must fail";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::too_large) << error.what();
    }
    ExtractOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    try {
        extract_bytes("endnote_table.docx", bytes, &type, late);
        ADD_FAILURE() << "past the deadline must fail";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::timeout) << error.what();
    }
}

TEST(DocxExtractor, SafeFromSeveralThreads) {
    std::string first = corpus_bytes("docx/tika-testWORD_2006ml.docx");
    std::string second = corpus_bytes("docx/tika-testWORD_numbered_list.docx");
    std::string expected_first = joined(extract_bytes("a.docx", first));
    std::string expected_second = joined(extract_bytes("b.docx", second));
    std::vector<std::string> results(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i)
        threads.emplace_back(
            [&, i] { results[i] = joined(extract_bytes("t.docx", i % 2 ? second : first)); });
    for (std::thread& thread : threads) thread.join();
    for (std::size_t i = 0; i < results.size(); ++i)
        EXPECT_EQ(results[i], i % 2 ? expected_second : expected_first);
}

}  // namespace
}  // namespace deskside::ingest
