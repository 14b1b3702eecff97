// The OpenDocument extractor on every odf/ file of the corpus (text, spreadsheets,
// presentations, flat XML, encrypted) and on hand-made documents: notes, annotations,
// tracked changes, slides with speaker notes, huge declared repeats, billion laughs, deep
// nesting, a zip bomb and a package without content.xml.
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
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

const Block* find_block(const ExtractedDocument& document, std::string_view text) {
    for (const Block& block : document.blocks)
        if (contains(block.text, text)) return &block;
    return nullptr;
}

std::vector<const Block*> blocks_at(const ExtractedDocument& document, std::string_view location) {
    std::vector<const Block*> out;
    for (const Block& block : document.blocks)
        if (block.location == location) out.push_back(&block);
    return out;
}

ExtractedDocument extract_as(std::string_view format, std::string_view bytes,
                             const ExtractOptions& options = {}) {
    FileType type{std::string(format), "application/vnd.oasis.opendocument"};
    return extract_bytes("made." + std::string(format), bytes, &type, options);
}

std::optional<FailureKind> failure_of(std::string_view format, std::string_view bytes,
                                      const ExtractOptions& options = {}) {
    try {
        extract_as(format, bytes, options);
        return std::nullopt;
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
}

// A flat OpenDocument (.fodt/.fods/.fodp) around `body` (the office:text, office:spreadsheet
// or office:presentation element) with optional parts before the body.
std::string flat(std::string_view kind, std::string_view body, std::string_view before = "") {
    return R"(<?xml version="1.0" encoding="UTF-8"?>)"
           R"(<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" )"
           R"(xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" )"
           R"(xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" )"
           R"(xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" )"
           R"(xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" )"
           R"(xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" )"
           R"(xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" )"
           R"(xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3" )"
           R"(office:mimetype="application/vnd.oasis.opendocument.)" +
           std::string(kind) + R"(">)" + std::string(before) +
           "<office:body><office:" + std::string(kind) + ">" + std::string(body) +
           "</office:" + std::string(kind) + "></office:body></office:document>";
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

// ---- the corpus -----------------------------------------------------------------------------

TEST(OpenDocumentExtractor, SampleSpreadsheetMatchesPoiExpectedText) {
    ExtractedDocument document = extract_corpus("odf/poi-SampleSS.ods");
    EXPECT_EQ(document.format, "ods");
    EXPECT_EQ(document.metadata.title, "Sample Spreadsheet");
    EXPECT_EQ(document.metadata.author, "Nick Burch");
    // POI's expected text is for the same workbook saved as .xlsx: metadata lines, a blank
    // line, then "(Sheet name)" lines before each sheet's tab-separated rows. Sheet names are
    // our blocks' locations; the one formula shows as its value 13 here, not "=SUM(A7:C7)".
    std::string expected = corpus_bytes("xlsx/poi-SampleSS.expected.txt");
    expected = expected.substr(expected.find("\n\n") + 2);
    std::string actual, location;
    for (const Block& block : document.blocks) {
        EXPECT_EQ(block.kind, BlockKind::table_row) << block.text;
        if (block.location != location) actual += "(" + block.location + ")\n";
        location = block.location;
        std::string_view rest = block.text;
        for (std::size_t at; (at = rest.find(" | ")) != std::string_view::npos;) {
            actual += std::string(rest.substr(0, at)) + "\t";
            rest.remove_prefix(at + 3);
        }
        actual += std::string(rest) + "\n";
    }
    double score = words_in_order(expected, actual);
    EXPECT_GE(score, 0.95) << actual;  // threshold: 95% of the expected words, in order
    EXPECT_LT(score, 1.0);             // only "=SUM(A7:C7)" is missing
    EXPECT_EQ(blocks_at(document, "First Sheet").size(), 3u);
    EXPECT_EQ(find_block(document, "cb=1")->text, "cb=1 | cb=10 | cb=2 | cb=sum");
    EXPECT_EQ(find_block(document, "cb=1")->location, "Sheet Number 2");
    EXPECT_TRUE(blocks_at(document, "footer").empty()) << joined(document);  // "Page 1 / 99"
}

TEST(OpenDocumentExtractor, SpreadsheetRepeatsAndSpaces) {
    ExtractedDocument document = extract_corpus("odf/tika-test-columnar.ods");
    ASSERT_EQ(document.blocks.size(), 12u) << joined(document);
    EXPECT_EQ(document.blocks[0].text,
              "Record Number | Square of the Record Number | Description of the Row | Percent "
              "Done | Percent Increment | date | datetime | time");
    EXPECT_EQ(document.blocks[0].location, "testing");
    // number-columns-repeated="2" of "0"; text:s c="11" after a space; 1016 empty cells dropped.
    EXPECT_EQ(document.blocks[1].text,
              "0 | 0 | This is row            0 of           10 | 0% |  | 01-01-1960 | "
              "01Jan60:00:00:01 | 00:00");
    EXPECT_EQ(document.blocks[11].text.substr(0, 9), "10 | 100 ");
    EXPECT_EQ(document.metadata.author, "henry feldman");
}

TEST(OpenDocumentExtractor, LibreOffice13TextSheetAndSlides) {
    ExtractedDocument text = extract_corpus("odf/tika-LibreOfficeWriter_odt_1.3.odt");
    EXPECT_EQ(texts(text), std::vector<std::string>{"This is an example document"});
    EXPECT_EQ(text.metadata.created, parse_iso_datetime("2022-08-24T16:24:00"));
    EXPECT_EQ(text.metadata.modified, parse_iso_datetime("2022-08-24T16:24:49"));

    ExtractedDocument sheet = extract_corpus("odf/tika-LibreOfficeCalc_ods_1.3.ods");
    ASSERT_EQ(sheet.blocks.size(), 2u) << joined(sheet);
    EXPECT_EQ(sheet.blocks[0].text, "This | is | an | example | spreadsheet");
    EXPECT_EQ(sheet.blocks[1].text, "0 | 1 | 2 | 3 | 4");
    EXPECT_EQ(sheet.blocks[1].location, "Sheet1");

    ExtractedDocument slides = extract_corpus("odf/tika-LibreOfficeImpress_odp_1.3.odp");
    EXPECT_EQ(slides.format, "odp");
    ASSERT_EQ(slides.blocks.size(), 2u) << joined(slides);
    EXPECT_EQ(slides.blocks[0].kind, BlockKind::heading);  // the slide's title frame
    EXPECT_EQ(slides.blocks[0].text, "This is");
    EXPECT_EQ(slides.blocks[1].text, "An example Impress file");
    EXPECT_EQ(slides.blocks[1].page, 1);
    EXPECT_EQ(slides.blocks[1].location, "slide 1");
}

TEST(OpenDocumentExtractor, FootersFromMasterPagesWithoutAutoText) {
    ExtractedDocument text = extract_corpus("odf/tika-testFooter.odt");
    EXPECT_EQ(texts(text),
              (std::vector<std::string>{"Here is some text...", "Here is some text on page 2",
                                        "Here is footer text"}));
    EXPECT_EQ(text.blocks[2].location, "footer");

    ExtractedDocument sheet = extract_corpus("odf/tika-testFooter.ods");
    std::vector<const Block*> footers = blocks_at(sheet, "footer");
    ASSERT_EQ(footers.size(), 1u) << joined(sheet);
    EXPECT_EQ(footers[0]->text, "Here is a footer in the center area");
    EXPECT_FALSE(contains(joined(sheet), "???")) << joined(sheet);  // sheet-name fields
    EXPECT_EQ(find_block(sheet, "Data 3")->text, "Data 3 | Data 4");

    ExtractedDocument slides = extract_corpus("odf/tika-testMasterFooter.odp");
    ASSERT_EQ(slides.blocks.size(), 1u) << joined(slides);
    EXPECT_EQ(slides.blocks[0].text, "Master footer is here");
    EXPECT_EQ(slides.blocks[0].location, "footer");
}

TEST(OpenDocumentExtractor, LargeTextStreamsHeadingsNotesTables) {
    std::string bytes = corpus_bytes("odf/tika-testODT-TIKA-6000.odt");
    FileType type{"odt", "application/vnd.oasis.opendocument.text"};
    auto start = std::chrono::steady_clock::now();
    ExtractedDocument document = extract_bytes("koha.odt", bytes, &type);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(document.metadata.title, "Manuel d\u2019utilisation de Koha");
    EXPECT_EQ(document.metadata.language, "fr-FR");
    ASSERT_GE(document.blocks.size(), 3u);
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].level, 1);
    EXPECT_EQ(document.blocks[1].text, "Utilisation de ce document");
    EXPECT_EQ(document.blocks[1].level, 2);
    EXPECT_EQ(document.blocks[2].text, "Copyright and License");  // <text:s/> first: trimmed
    EXPECT_EQ(document.blocks[2].level, 3);
    const Block* row = find_block(document, "001 | Control number");
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->kind, BlockKind::table_row);
    EXPECT_EQ(row->text, "001 | Control number | Num\u00e9ro de contr\u00f4le | Non");
    std::vector<const Block*> notes = blocks_at(document, "footnotes");
    EXPECT_EQ(notes.size(), 16u);
    const Block* loc = find_block(document, "Library of Congress. Marc Standards");
    ASSERT_NE(loc, nullptr);
    EXPECT_EQ(loc->location, "footnotes");
    // The note's text is not inside the paragraph that cites it.
    const Block* cited = find_block(document, "Enfin, opter pour l\u2019option");
    ASSERT_NE(cited, nullptr);
    EXPECT_FALSE(contains(cited->text, "Ajouter une variable")) << cited->text;
}

TEST(OpenDocumentExtractor, EncryptedFailsEncrypted) {
    try {
        extract_corpus("odf/tika-testODTEncrypted.odt");
        FAIL() << "an encrypted ODT must fail";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::encrypted) << error.what();
    }
}

TEST(OpenDocumentExtractor, FlatXmlWithMacroAndImage) {
    ExtractedDocument document = extract_corpus("odf/tika-testODTMacro.fodt");
    EXPECT_EQ(document.format, "odt");
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"Hello dear user,", "Click the smiley",
                                        "Just one little click\u2026", "- hacker"}));
    EXPECT_FALSE(contains(joined(document), "iVBORw0KGgo"));  // office:binary-data
    EXPECT_EQ(document.metadata.created, parse_iso_datetime("2020-05-18T22:07:17"));
}

TEST(OpenDocumentExtractor, SpansSpacesAndLists) {
    ExtractedDocument styles = extract_corpus("odf/tika-testStyles.odt");
    EXPECT_EQ(texts(styles),
              (std::vector<std::string>{"This is just a test.", "And another test is here.", "One",
                                        "Two", "Three", "First", "Second", "Third"}));
    EXPECT_EQ(styles.metadata.author, "Axel D\ue49afler");  // a private-use character, as saved

    ExtractedDocument neo = extract_corpus("odf/tika-testOpenOffice2.odt");
    EXPECT_EQ(texts(neo), std::vector<std::string>{
                              "This is a sample Open Office document, written in NeoOffice "
                              "2.2.1 for the Mac."});
    EXPECT_EQ(neo.metadata.language, "en-US");
}

TEST(OpenDocumentExtractor, NotAZipFailsCorrupt) {
    // Detection calls these 24 bytes text; named as an ODT they are a corrupt package.
    std::string bytes = corpus_bytes("malformed/tika-testODTnotaZipFile.odt");
    EXPECT_EQ(failure_of("odt", bytes), FailureKind::corrupt);
}

TEST(OpenDocumentExtractor, EveryCorpusFile) {
    struct Case {
        const char* path;
        const char* phrase;
        std::optional<FailureKind> failure = std::nullopt;
    };
    const Case cases[] = {
        {"odf/poi-SampleSS.ods", "I'm in bold blue, on a yellow background"},
        {"odf/tika-LibreOfficeCalc_ods_1.3.ods", "example | spreadsheet"},
        {"odf/tika-LibreOfficeImpress_odp_1.3.odp", "An example Impress file"},
        {"odf/tika-LibreOfficeWriter_odt_1.3.odt", "This is an example document"},
        {"odf/tika-test-columnar.ods", "Square of the Record Number"},
        {"odf/tika-testFooter.ods", "Here is a footer in the center area"},
        {"odf/tika-testFooter.odt", "Here is some text on page 2"},
        {"odf/tika-testMasterFooter.odp", "Master footer is here"},
        {"odf/tika-testODT-TIKA-6000.odt", "Le module acquisitions"},
        {"odf/tika-testODTEncrypted.odt", nullptr, FailureKind::encrypted},
        {"odf/tika-testODTMacro.fodt", "Hello dear user,"},
        {"odf/tika-testOpenOffice2.odt", "written in NeoOffice 2.2.1"},
        {"odf/tika-testStyles.odt", "And another test is here."},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        try {
            ExtractedDocument document = extract_corpus(c.path);
            EXPECT_FALSE(c.failure) << "expected a failure";
            EXPECT_TRUE(contains(joined(document), c.phrase)) << joined(document);
            for (const Block& block : document.blocks) {
                EXPECT_FALSE(block.text.empty());
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.front())));
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.back())));
                EXPECT_FALSE(block.text.starts_with("\u00a0")) << block.text;
            }
        } catch (const Error& error) {
            ASSERT_TRUE(c.failure) << error.what();
            EXPECT_EQ(failure_kind_of(error.what()), *c.failure) << error.what();
        }
    }
}

// ---- hand-made documents --------------------------------------------------------------------

TEST(OpenDocumentExtractor, NotesAnnotationsTrackedChangesAndInlineMarks) {
    std::string body =
        R"(<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>)"
        R"(<text:p>Removed sentence.</text:p></text:deletion></text:changed-region>)"
        R"(</text:tracked-changes>)"
        R"(<text:h text:outline-level="2">Section <text:span>two</text:span></text:h>)"
        R"(<text:p>Cited<text:note text:note-class="footnote">)"
        R"(<text:note-citation>1</text:note-citation>)"
        R"(<text:note-body><text:p>The footnote.</text:p></text:note-body></text:note> here)"
        R"(<office:annotation><dc:creator>Ann Author</dc:creator><dc:date>2020-01-01</dc:date>)"
        R"(<text:p>A remark.</text:p></office:annotation>.</text:p>)"
        R"(<text:p>End<text:note text:note-class="endnote">)"
        R"(<text:note-citation>i</text:note-citation>)"
        R"(<text:note-body><text:p>The endnote.</text:p></text:note-body></text:note></text:p>)"
        R"(<text:p>a<text:tab/>b<text:line-break/>  c<text:s text:c="1000000000"/>d</text:p>)"
        R"(<text:p><text:ruby><text:ruby-base>東京</text:ruby-base>)"
        R"(<text:ruby-text>とうきょう</text:ruby-text></text:ruby></text:p>)";
    ExtractedDocument document = extract_as("odt", flat("text", body));
    std::string all = joined(document);
    EXPECT_FALSE(contains(all, "Removed sentence.")) << all;
    EXPECT_FALSE(contains(all, "Ann Author")) << all;
    ASSERT_EQ(document.blocks.size(), 8u) << all;
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].level, 2);
    EXPECT_EQ(document.blocks[0].text, "Section two");
    EXPECT_EQ(document.blocks[1].text, "Cited here.");
    EXPECT_EQ(document.blocks[2].text, "End");
    EXPECT_EQ(document.blocks[3].text.substr(0, 5), "a\tb\nc");
    EXPECT_LE(document.blocks[3].text.size(), 200u);  // text:s c="1000000000" is capped
    EXPECT_TRUE(document.blocks[3].text.ends_with(" d"));
    EXPECT_EQ(document.blocks[4].text, "東京");
    EXPECT_EQ(document.blocks[5].text, "The footnote.");
    EXPECT_EQ(document.blocks[5].location, "footnotes");
    EXPECT_EQ(document.blocks[6].text, "The endnote.");
    EXPECT_EQ(document.blocks[6].location, "endnotes");
    EXPECT_EQ(document.blocks[7].text, "A remark.");
    EXPECT_EQ(document.blocks[7].location, "comments");
}

TEST(OpenDocumentExtractor, TablesNestedFlattenedCoveredCellsOnce) {
    std::string body =
        R"(<table:table table:name="T"><table:table-row>)"
        R"(<table:table-cell table:number-columns-spanned="2">)"
        R"(<text:p>wide</text:p></table:table-cell>)"
        R"(<table:covered-table-cell/><table:table-cell><text:p>right</text:p></table:table-cell>)"
        R"(</table:table-row><table:table-row><table:table-cell><text:p>outer</text:p>)"
        R"(<table:table><table:table-row><table:table-cell>)"
        R"(<text:p>inner 1</text:p></table:table-cell>)"
        R"(<table:table-cell><text:p>inner 2</text:p>)"
        R"(</table:table-cell></table:table-row></table:table>)"
        R"(</table:table-cell><table:table-cell><text:p>last</text:p></table:table-cell>)"
        R"(</table:table-row></table:table>)";
    ExtractedDocument document = extract_as("odt", flat("text", body));
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"wide |  | right", "outer inner 1 inner 2 | last"}));
    EXPECT_EQ(document.blocks[0].kind, BlockKind::table_row);
    EXPECT_EQ(document.blocks[0].location, "");  // a text table is not a sheet
}

TEST(OpenDocumentExtractor, HugeDeclaredRepeatsStayBounded) {
    std::string body =
        R"(<table:table table:name="Bomb">)"
        R"(<table:table-row table:number-rows-repeated="1000000000">)"
        R"(<table:table-cell table:number-columns-repeated="1000000000"><text:p>x</text:p>)"
        R"(</table:table-cell></table:table-row>)"
        R"(<table:table-row table:number-rows-repeated="1048000">)"
        R"(<table:table-cell table:number-columns-repeated="16384"/></table:table-row>)"
        R"(<table:table-row><table:table-cell>)"
        R"(<text:p>last<office:annotation><dc:creator>me</dc:creator>)"
        R"(<text:p>cell note</text:p></office:annotation>)"
        R"(</text:p></table:table-cell></table:table-row>)"
        R"(</table:table>)";
    auto start = std::chrono::steady_clock::now();
    ExtractedDocument document = extract_as("ods", flat("spreadsheet", body));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    ASSERT_EQ(document.blocks.size(), 18u) << joined(document).substr(0, 500);
    EXPECT_EQ(document.blocks[0].text.size(), 16 + 15 * 3u);  // 16 cells of "x", 15 " | "
    EXPECT_EQ(document.blocks[0].location, "Bomb");
    EXPECT_EQ(document.blocks[16].text, "last");
    EXPECT_EQ(document.blocks[17].text, "cell note");
    EXPECT_EQ(document.blocks[17].location, "comments");
}

TEST(OpenDocumentExtractor, SlidesWithSpeakerNotesAndFooterDeclaration) {
    std::string slide =
        R"(<draw:page draw:name="p%"><draw:frame presentation:class="title">)"
        R"(<draw:text-box><text:p>Title %</text:p></draw:text-box></draw:frame>)"
        R"(<draw:frame presentation:class="outline" presentation:placeholder="true">)"
        R"(<draw:text-box><text:p>Click to add Text</text:p></draw:text-box></draw:frame>)"
        R"(<draw:custom-shape><text:p>Shape %</text:p></draw:custom-shape>)"
        R"(<presentation:notes><draw:page-thumbnail/><draw:frame presentation:class="notes">)"
        R"(<draw:text-box><text:p>Say % things</text:p></draw:text-box></draw:frame>)"
        R"(</presentation:notes></draw:page>)";
    std::string body = R"(<presentation:footer-decl presentation:name="f1">Company footer)"
                       R"(</presentation:footer-decl>)";
    for (char n : {'1', '2'}) {
        std::string page = slide;
        for (std::size_t at; (at = page.find('%')) != std::string::npos;) page[at] = n;
        body += page;
    }
    ExtractedDocument document = extract_as("odp", flat("presentation", body));
    EXPECT_FALSE(contains(joined(document), "Click to add")) << joined(document);
    ASSERT_EQ(document.blocks.size(), 7u) << joined(document);
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].text, "Title 1");
    EXPECT_EQ(document.blocks[3].text, "Title 2");
    EXPECT_EQ(document.blocks[3].page, 2);
    EXPECT_EQ(document.blocks[3].location, "slide 2");
    EXPECT_EQ(document.blocks[4].text, "Shape 2");
    EXPECT_EQ(document.blocks[5].text, "Say 2 things");
    EXPECT_EQ(document.blocks[5].page, 2);
    EXPECT_EQ(document.blocks[5].location, "notes, slide 2");
    EXPECT_EQ(document.blocks[6].text, "Company footer");
    EXPECT_EQ(document.blocks[6].location, "footer");
}

TEST(OpenDocumentExtractor, BillionLaughsIsNeverExpanded) {
    std::string dtd =
        R"(<!DOCTYPE office:document [<!ENTITY lol "lollollollollollollollollollol">)";
    for (int level = 1; level <= 9; ++level) {
        std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
        dtd += "<!ENTITY lol" + std::to_string(level) + " \"";
        for (int i = 0; i < 10; ++i) dtd += "&" + previous + ";";
        dtd += "\">";
    }
    dtd += "]>";
    std::string xml = flat("text", "<text:p>before &lol9; after</text:p>");
    xml.insert(xml.find("?>") + 2, dtd);
    auto start = std::chrono::steady_clock::now();
    try {
        ExtractedDocument document = extract_as("odt", xml);
        EXPECT_LT(joined(document).size(), 1000u) << "entities were expanded";
        EXPECT_FALSE(contains(joined(document), "lollol"));
    } catch (const Error& error) {
        FailureKind kind = failure_kind_of(error.what());
        EXPECT_TRUE(kind == FailureKind::too_large || kind == FailureKind::corrupt) << error.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(OpenDocumentExtractor, DeepNestingFailsTooLarge) {
    std::string nested;
    for (int i = 0; i < 10000; ++i) nested += "<text:section>";
    nested += "<text:p>deep</text:p>";
    for (int i = 0; i < 10000; ++i) nested += "</text:section>";
    EXPECT_EQ(failure_of("odt", flat("text", nested)), FailureKind::too_large);
}

TEST(OpenDocumentExtractor, ZipBombAndMissingContent) {
    const std::uint32_t matches = 600u * 1024 * 1024 / 258;  // 600 MB of zeros
    std::string mimetype = "application/vnd.oasis.opendocument.text";
    auto start = std::chrono::steady_clock::now();
    std::string bomb =
        make_zip({{"mimetype", mimetype},
                  {"content.xml", deflated_zeros(matches), true, 1 + 258 * matches}});
    EXPECT_EQ(failure_of("odt", bomb), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));

    std::string empty = make_zip({{"mimetype", mimetype}, {"styles.xml", "<x/>"}});
    try {
        extract_as("odt", empty);
        FAIL() << "a package without content.xml must fail";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::corrupt);
        EXPECT_TRUE(contains(error.what(), "content.xml")) << error.what();
    }

    // The zipped form reads like the flat one.
    std::string content = flat("text", "<text:p>zipped text</text:p>");
    ExtractedDocument zipped =
        extract_as("odt", make_zip({{"mimetype", mimetype}, {"content.xml", content}}));
    EXPECT_EQ(texts(zipped), std::vector<std::string>{"zipped text"});
}

TEST(OpenDocumentExtractor, OutputCapAndDeadline) {
    std::string bytes = corpus_bytes("odf/tika-testODT-TIKA-6000.odt");
    ExtractOptions small;
    small.max_output_bytes = 10000;
    EXPECT_EQ(failure_of("odt", bytes, small), FailureKind::too_large);
    ExtractOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(failure_of("odt", bytes, late), FailureKind::timeout);
}

}  // namespace
}  // namespace deskside::ingest
