// The XLSX extractor on every xlsx file of the corpus (POI and Tika test files: formulas,
// comments, hidden sheets, Strict OOXML, dates, text boxes, charts, headers, the shared-strings
// bomb, .xlsb, encryption, broken zips) and on workbooks built here for the value formatting
// rules and for hostile input (deep nesting, a zip-bomb entry).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"
#include "hand_made_zip.h"

namespace deskside::ingest {
namespace {

using testing::corpus_bytes;
using testing::extract_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::make_zip;
using testing::texts;
using testing::ZipEntry;

const FileType kXlsx{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};

// The failure kind extracting `relative` throws, or nullopt when it parses.
std::optional<FailureKind> failure_of(const std::string& relative,
                                      const ExtractOptions& options = {}) {
    std::string bytes = corpus_bytes(relative);
    try {
        extract_bytes(testing::corpus(relative), bytes, nullptr, options);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    return std::nullopt;
}

std::optional<FailureKind> failure_of_bytes(std::string_view bytes,
                                            const ExtractOptions& options = {}) {
    try {
        extract_bytes("book.xlsx", bytes, &kXlsx, options);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    return std::nullopt;
}

// Blocks at `location`, as text.
std::vector<std::string> at(const ExtractedDocument& document, const std::string& location) {
    std::vector<std::string> out;
    for (const Block& block : document.blocks)
        if (block.location == location) out.push_back(block.text);
    return out;
}

bool has_block(const ExtractedDocument& document, BlockKind kind, const std::string& location,
               const std::string& text) {
    return std::any_of(document.blocks.begin(), document.blocks.end(), [&](const Block& b) {
        return b.kind == kind && b.location == location && b.text == text;
    });
}

// The parts of a minimal workbook around the given sheets (name, xml, hidden); shared strings
// and styles are left out when empty.
std::vector<ZipEntry> workbook_entries(
    const std::vector<std::tuple<std::string, std::string, bool>>& sheets,
    const std::string& shared_strings, const std::string& styles, bool date1904 = false) {
    const std::string ns =
        R"( xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main")"
        R"( xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")";
    const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
    std::string workbook =
        "<workbook" + ns + "><workbookPr date1904=\"" + (date1904 ? "1" : "0") + "\"/><sheets>";
    std::string rels =
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)";
    std::vector<ZipEntry> entries;
    entries.push_back({"_rels/.rels", rels + "<Relationship Id=\"rId1\" Type=\"" + rel +
                                          "officeDocument\" Target=\"xl/workbook.xml\"/>" +
                                          "</Relationships>"});
    for (std::size_t i = 0; i < sheets.size(); ++i) {
        auto& [name, xml, hidden] = sheets[i];
        std::string id = "rId" + std::to_string(i + 1);
        std::string part = "worksheets/sheet" + std::to_string(i + 1) + ".xml";
        workbook += "<sheet name=\"" + name + "\" sheetId=\"" + std::to_string(i + 1) + "\"" +
                    (hidden ? " state=\"hidden\"" : "") + " r:id=\"" + id + "\"/>";
        rels += "<Relationship Id=\"" + id + "\" Type=\"" + rel + "worksheet\" Target=\"" + part +
                "\"/>";
        entries.push_back({"xl/" + part, xml});
    }
    workbook += "</sheets></workbook>";
    if (!shared_strings.empty()) {
        rels += "<Relationship Id=\"rId90\" Type=\"" + rel +
                "sharedStrings\" Target=\"sharedStrings.xml\"/>";
        entries.push_back({"xl/sharedStrings.xml", "<sst" + ns + ">" + shared_strings + "</sst>"});
    }
    if (!styles.empty()) {
        rels += "<Relationship Id=\"rId91\" Type=\"" + rel + "styles\" Target=\"styles.xml\"/>";
        entries.push_back({"xl/styles.xml", "<styleSheet" + ns + ">" + styles + "</styleSheet>"});
    }
    entries.push_back({"xl/workbook.xml", workbook});
    entries.push_back({"xl/_rels/workbook.xml.rels", rels + "</Relationships>"});
    return entries;
}

std::string make_workbook(const std::vector<std::tuple<std::string, std::string, bool>>& sheets,
                          const std::string& shared_strings, const std::string& styles,
                          bool date1904 = false) {
    return make_zip(workbook_entries(sheets, shared_strings, styles, date1904));
}

std::string sheet_xml(const std::string& body) {
    return R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">)" +
           body + "</worksheet>";
}

// ---- the corpus ---------------------------------------------------------------------------------

// Tokens of a text, for comparing with an expected-text file: split on whitespace and the cell
// separator.
std::multiset<std::string> tokens(const std::string& text) {
    std::multiset<std::string> out;
    std::istringstream in(text);
    for (std::string token; in >> token;)
        if (token != "|") out.insert(token);
    return out;
}

// Share of `expected`'s tokens found in `actual` (multiset intersection over |expected|).
double recall(const std::multiset<std::string>& expected, std::multiset<std::string> actual) {
    std::size_t found = 0;
    for (const std::string& token : expected)
        if (auto it = actual.find(token); it != actual.end()) {
            ++found;
            actual.erase(it);
        }
    return expected.empty() ? 1.0 : static_cast<double>(found) / expected.size();
}

// Our text in POI's layout: "(sheet name)" before each sheet's rows.
std::string poi_layout(const ExtractedDocument& document) {
    std::string out, location;
    for (const Block& block : document.blocks) {
        if (block.location != location) out += "(" + (location = block.location) + ")\n";
        out += block.text + "\n";
    }
    return out;
}

TEST(XlsxExtractor, SampleSsMatchesPoiExpectedText) {
    ExtractedDocument document = extract_corpus("xlsx/poi-SampleSS.xlsx");
    EXPECT_EQ(document.format, "xlsx");
    EXPECT_EQ(document.metadata.title, "Sample Spreadsheet");
    EXPECT_EQ(document.metadata.author, "Nick Burch");
    EXPECT_EQ(document.metadata.created, 1199447496);  // 2008-01-04T11:51:36Z
    EXPECT_EQ(at(document, "First Sheet"),
              (std::vector<std::string>{"Test spreadsheet", "2nd row | 2nd row 2nd column",
                                        "This one is red"}));
    EXPECT_EQ(at(document, "Sheet Number 2"),
              (std::vector<std::string>{"Start of 2nd sheet", "Sheet 2 row 2",
                                        "I'm in bold blue, on a yellow background",
                                        "cb=1 | cb=10 | cb=2 | cb=sum", "1 | 10 | 2 | 13"}));
    for (const Block& block : document.blocks) EXPECT_EQ(block.kind, BlockKind::table_row);

    // POI's text after its "Key = value" properties block, compared as whitespace-separated
    // tokens. The one token we do not produce is "=SUM(A7:C7)": we index the formula's cached
    // value (13), POI printed the formula. Threshold 0.95 both ways (measured: 40/41 both ways).
    std::string expected = corpus_bytes("xlsx/poi-SampleSS.expected.txt");
    expected = expected.substr(expected.find("\n\n") + 2);
    std::multiset<std::string> want = tokens(expected), got = tokens(poi_layout(document));
    EXPECT_GE(recall(want, got), 0.95) << poi_layout(document);
    EXPECT_GE(recall(got, want), 0.95) << poi_layout(document);
}

TEST(XlsxExtractor, StrictOoxmlReadsLikeTransitional) {
    ExtractedDocument strict = extract_corpus("xlsx/tika-testEXCEL.strict.xlsx");
    ExtractedDocument transitional = extract_corpus("xlsx/poi-SampleSS.xlsx");
    EXPECT_EQ(texts(strict), texts(transitional));
    ASSERT_EQ(strict.blocks.size(), 8u);
    EXPECT_EQ(strict.blocks[1].location, "First Sheet");
    EXPECT_EQ(strict.blocks[7].text, "1 | 10 | 2 | 13");
    EXPECT_EQ(strict.metadata.title, "Sample Spreadsheet");
}

TEST(XlsxExtractor, HiddenSheetIsIndexedAndMarked) {
    ExtractedDocument document = extract_corpus("xlsx/poi-TwoSheetsOneHidden.xlsx");
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].text, "Sheet1A1");
    EXPECT_EQ(document.blocks[0].location, "Sheet1 (hidden)");
    EXPECT_EQ(document.blocks[1].text, "Sheet2A1");
    EXPECT_EQ(document.blocks[1].location, "Sheet2");
}

TEST(XlsxExtractor, CellCommentsFollowTheirSheet) {
    ExtractedDocument document = extract_corpus("xlsx/poi-commentTest.xlsx");
    EXPECT_EQ(at(document, "Sheet1"), (std::vector<std::string>{"abc", "123"}));
    std::vector<std::string> comments = at(document, "comments, Sheet1");
    ASSERT_EQ(comments.size(), 14u) << joined(document);
    EXPECT_EQ(comments[0], "Shaun Kalley:\nComment A1");
    EXPECT_EQ(comments[13], "Shaun Kalley:\nComment B8");
    EXPECT_EQ(document.blocks.back().kind, BlockKind::paragraph);
}

TEST(XlsxExtractor, InlineStringsAndDateWithoutSharedStrings) {
    ExtractedDocument document = extract_corpus("xlsx/poi-noSharedStringTable.xlsx");
    // A1 is 38819 in a numFmtId 14 (date) style; B1 a plain 123.
    EXPECT_EQ(texts(document), std::vector<std::string>{"2006-04-12 | 123"});
    EXPECT_EQ(document.metadata.author, "David North");
}

TEST(XlsxExtractor, DateFormatsBecomeIsoDates) {
    ExtractedDocument document = extract_corpus("xlsx/tika-testEXCEL_dateFormats.xlsx");
    EXPECT_EQ(at(document, "Munka1"),
              (std::vector<std::string>{"date", "2018-09-20", "1996-08-10"}));
}

TEST(XlsxExtractor, FormulasShowTheirCachedValues) {
    ExtractedDocument shared = extract_corpus("xlsx/poi-shared_formulas.xlsx");
    std::vector<std::string> rows = at(shared, "Label");
    ASSERT_EQ(rows.size(), 41u);
    EXPECT_EQ(rows[0], "Currently Using");
    // A2 is =B2 (a shared formula, t="str"): the cached text, then B2 itself.
    EXPECT_EQ(rows[1], "ProductionOrderConfirmation | ProductionOrderConfirmation");
    EXPECT_EQ(rows[2], "RequiredAcceptanceDate | RequiredAcceptanceDate");

    ExtractedDocument eval = extract_corpus("xlsx/poi-FormulaEvalTestData_Copy.xlsx");
    std::string text = joined(eval);
    for (const char* sheet : {"EverythingTests", "FinanceLibTests", "StatsLibTests", "misc"})
        EXPECT_FALSE(at(eval, sheet).empty()) << sheet;
    EXPECT_TRUE(has_block(eval, BlockKind::table_row, "EverythingTests",
                          "EXPECTED VALUE | 01 | 2hello world | its TRUE blue | "
                          "99999999990alph4Num3ric | #VALUE! | #VALUE!"));
    EXPECT_TRUE(has_block(eval, BlockKind::table_row, "EverythingTests",
                          "2000-12-25 |  |  | 0"));  // a date cell, then empty middle cells
    EXPECT_TRUE(has_block(eval, BlockKind::table_row, "StatsLibTests",
                          "median | 5.5 | 1 | 0 | 1.5 | 5.37828 | -5.5 | 5 | -6"));
    EXPECT_TRUE(
        has_block(eval, BlockKind::table_row, "misc", "TRUE | 2.3 | 123.23 | FALSE | 3 | 1"));
    // 2/3 as Excel shows it: 15 significant digits, no binary noise.
    EXPECT_NE(text.find("0.666666666666667 | 23 | 133.33 | 34307"), std::string::npos);
    EXPECT_EQ(text.find("0.66666666666666"), text.find("0.666666666666667"));
    EXPECT_TRUE(has_block(eval, BlockKind::paragraph, "comments, EverythingTests",
                          "Amol:\nDollar impl in FormulaEvaluator is little different hence the "
                          "expected values are so. See dev documentation in java file."));
}

TEST(XlsxExtractor, BigNumbersKeepTheirDigits) {
    ExtractedDocument document = extract_corpus("xlsx/tika-testEXCEL_big_numbers.xlsx");
    // The second row holds 1234567890123451 (=A2+1): Excel keeps 15 digits and shows ...450.
    EXPECT_EQ(texts(document), (std::vector<std::string>{"123456789012345 | 123456789012346",
                                                         "1234567890123450 | 1234567890123450"}));
}

TEST(XlsxExtractor, BasicWorkbookRowsAndMetadata) {
    ExtractedDocument document = extract_corpus("xlsx/tika-testEXCEL.xlsx");
    std::vector<std::string> rows = at(document, "Feuil1");
    ASSERT_EQ(rows.size(), 18u);
    EXPECT_EQ(rows[0], "Sample Excel Worksheet - Numbers and their Squares");
    EXPECT_EQ(rows[1], "Number | Square");
    EXPECT_EQ(rows[16], "15 | 225");
    EXPECT_EQ(rows[17], "Written and saved in Microsoft Excel X for Mac Service Release 1.");
    EXPECT_EQ(document.metadata.title, "Simple Excel document");
    EXPECT_EQ(document.metadata.author, "Keith Bennett");
}

TEST(XlsxExtractor, MacroWorkbookIsReadLikeAnyOther) {
    ExtractedDocument document = extract_corpus("xlsx/tika-testEXCEL_macro.xlsm");
    EXPECT_EQ(at(document, "Sheet1"),
              (std::vector<std::string>{"This is a blank worksheet",
                                        "However, a macro is about to be created"}));
}

TEST(XlsxExtractor, TextBoxesAndChartTitles) {
    ExtractedDocument textbox = extract_corpus("xlsx/tika-testEXCEL_textbox.xlsx");
    ASSERT_EQ(textbox.blocks.size(), 1u);
    EXPECT_EQ(textbox.blocks[0].kind, BlockKind::paragraph);
    EXPECT_EQ(textbox.blocks[0].text, "this is some autoshape text");
    EXPECT_EQ(textbox.blocks[0].location, "Sheet1");

    ExtractedDocument charts = extract_corpus("xlsx/tika-testEXCEL_charts.xlsx");
    EXPECT_TRUE(has_block(charts, BlockKind::table_row, "Sheet1", "MONTH | NUMBER"));
    EXPECT_TRUE(has_block(charts, BlockKind::table_row, "Sheet1", "January | 5"));
    EXPECT_TRUE(has_block(charts, BlockKind::paragraph, "Sheet1", "wants a peach"));
}

TEST(XlsxExtractor, HeadersAndFootersWithoutCodes) {
    ExtractedDocument document = extract_corpus("xlsx/tika-testEXCEL_headers_footers.xlsx");
    EXPECT_EQ(at(document, "header"),
              std::vector<std::string>{"Header - Corporate Spreadsheet\nHeader - For Internal Use "
                                       "Only\nHeader - Author: John Smith"});
    EXPECT_EQ(at(document, "footer"),
              std::vector<std::string>{"Footer - Corporate Spreadsheet\nFooter - For Internal Use "
                                       "Only\nFooter - Author: John Smith"});
    EXPECT_TRUE(
        has_block(document, BlockKind::table_row, "Sheet1", "John Smith1 | 1 Corporate HQ"));
    EXPECT_EQ(document.metadata.title, "Internal spreadsheet");
}

TEST(XlsxExtractor, RealWorldSpecWorkbook) {
    ExtractedDocument document =
        extract_corpus("xlsx/tika-CVLKRA-KYC_Download_File_Structure_V3.1.xlsx");
    EXPECT_TRUE(has_block(document, BlockKind::table_row, "KYC HEADER",
                          "1 | POS CODE | VARCHAR | 20 | M | M | ALL INTERMEDIARIES TO ENTER THEIR "
                          "OWN POS CODE | COMPANY_CODE | COMPANY_CODE"));
    EXPECT_TRUE(has_block(document, BlockKind::table_row, "Country Master", "001 | Afghanistan"));
    EXPECT_FALSE(at(document, "Country Master (2) (hidden)").empty());
    // Each distinct header once, though several sheets carry headers.
    std::vector<std::string> headers = at(document, "header");
    EXPECT_EQ(headers.front(), "KYC INFORMATION FILE HEADER\nCVL-KRA KYC DOWNLOAD FILE STRUCUTRE");
    EXPECT_EQ(std::set<std::string>(headers.begin(), headers.end()).size(), headers.size());
    EXPECT_EQ(at(document, "footer"), std::vector<std::string>{"Confidential\nPage"});
    // Sheets come in workbook order.
    auto first = [&](const std::string& location) {
        return std::find_if(document.blocks.begin(), document.blocks.end(),
                            [&](const Block& b) { return b.location == location; });
    };
    EXPECT_LT(first("KYC HEADER"), first("KYC"));
    EXPECT_LT(first("KYC"), first("KYC TRAILER"));
    EXPECT_LT(first("State Master"), first("Country Master"));
}

TEST(XlsxExtractor, RefusedAndBrokenFiles) {
    EXPECT_EQ(failure_of("xlsx/tika-testEXCEL.xlsb"), FailureKind::unsupported);
    EXPECT_EQ(failure_of("xlsx/tika-testEXCEL_protected_passtika.xlsx"), FailureKind::encrypted);
    EXPECT_EQ(failure_of("malformed/poi-invalid.xlsx"), FailureKind::corrupt);
    EXPECT_EQ(failure_of("malformed/poi-xlsx-corrupted.xlsx"), FailureKind::corrupt);

    std::string bytes = corpus_bytes("xlsx/tika-testEXCEL.xlsb");
    try {
        extract_bytes(testing::corpus("xlsx/tika-testEXCEL.xlsb"), bytes);
        ADD_FAILURE() << ".xlsb parsed";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("save it as .xlsx"), std::string::npos);
    }
    // The same bytes under another name are still recognised as a binary workbook.
    EXPECT_EQ(failure_of_bytes(bytes), FailureKind::unsupported);
}

TEST(XlsxExtractor, SharedStringsBombFailsFast) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of("xlsx/poi-poc-shared-strings.xlsx"), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));

    // Under a small output cap, the plain cap trips before the amplification check.
    ExtractOptions options;
    options.max_output_bytes = 4 << 20;
    start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of("xlsx/poi-poc-shared-strings.xlsx", options), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(XlsxExtractor, OutputCapAndDeadline) {
    ExtractOptions small;
    small.max_output_bytes = 200;
    EXPECT_EQ(failure_of("xlsx/tika-testEXCEL_headers_footers.xlsx", small),
              FailureKind::too_large);
    ExtractOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(failure_of("xlsx/poi-SampleSS.xlsx", late), FailureKind::timeout);
}

TEST(XlsxExtractor, ConcurrentExtractionsAgree) {
    // One extractor, several threads, as in the pipeline's worker pool.
    const std::vector<std::string> files = {"xlsx/poi-SampleSS.xlsx", "xlsx/poi-commentTest.xlsx",
                                            "xlsx/tika-testEXCEL_charts.xlsx",
                                            "pptx/tika-testPPT_various.pptx"};
    std::vector<std::vector<std::string>> expected;
    for (const std::string& file : files) expected.push_back(texts(extract_corpus(file)));
    std::vector<std::string> bytes;
    for (const std::string& file : files) bytes.push_back(corpus_bytes(file));
    std::atomic<int> mismatches = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                std::size_t i = static_cast<std::size_t>(t + round) % files.size();
                FileType type = testing::detect(files[i], bytes[i]);
                if (texts(extract_bytes(files[i], bytes[i], &type)) != expected[i]) ++mismatches;
            }
        });
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(mismatches, 0);
}

// ---- hand-made workbooks ---------------------------------------------------------------------

TEST(XlsxExtractor, CellValuesAreFormattedAsExcelShowsThem) {
    const std::string strings =
        "<si><t>Name</t></si>"
        "<si><r><t>Ja</t></r><r><t>pan</t></r><rPh sb=\"0\" eb=\"1\"><t>ジャパン</t></rPh></si>"
        "<si><t>Tab_x0009_separated_x0000_</t></si>";
    const std::string styles =
        R"(<numFmts count="4"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd\ hh:mm"/>)"
        R"(<numFmt numFmtId="165" formatCode="&quot;Day&quot; 0"/>)"
        R"(<numFmt numFmtId="166" formatCode="[Red]0.00"/>)"
        R"(<numFmt numFmtId="167" formatCode="[$-409]d\-mmm\-yy;@"/></numFmts>)"
        R"(<cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>)"
        R"(<xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="20"/><xf numFmtId="167"/>)"
        R"(</cellXfs>)";
    const std::string data = sheet_xml(
        "<sheetData>"
        R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>)"
        R"(<row r="2"><c r="A2" s="1"><v>39813</v></c>)"
        R"(<c r="B2" s="2"><v>39813.572916666664</v></c><c r="C2" s="3"><v>5</v></c>)"
        R"(<c r="D2" s="4"><v>1.5</v></c><c r="E2" s="5"><v>0.75</v></c>)"
        R"(<c r="F2" s="6"><v>44256</v></c></row>)"
        R"(<row r="3"><c r="A3" t="b"><v>1</v></c><c r="C3" t="e"><v>#DIV/0!</v></c></row>)"
        R"(<row r="4"><c r="B4" t="inlineStr"><is><t>inline text</t></is></c>)"
        R"(<c r="C4"><f>0.1+0.2</f><v>0.30000000000000004</v></c>)"
        R"(<c r="D4" t="str"><f>A1&amp;"ed"</f><v>Named</v></c><c r="E4"><v>1E+20</v></c>)"
        R"(<c r="F4" s="1"><v>60</v></c><c r="G4" t="d"><v>2021-03-04T05:06:00</v></c></row>)"
        R"(<row r="5"><c r="A5" t="s"><v>2</v></c><c r="B5"><v>-1.0000000000000001E-4</v></c>)"
        R"(<c r="C5"><v>123.0</v></c><c r="D5"><v>1234567890123451</v></c>)"
        R"(<c r="E5" t="s"><v>99</v></c><c r="F5" t="b"><v>0</v></c></row>)"
        R"(<row r="6"><c r="A6" s="3"/><c r="B6"/></row>)"
        "</sheetData>"
        R"(<headerFooter><oddHeader>&amp;L&amp;"Arial,Bold"&amp;14Quarterly &amp;&amp; annual)"
        R"(&amp;R&amp;KFF0000Confidential</oddHeader><oddFooter>&amp;CPage &amp;P</oddFooter>)"
        "</headerFooter>");
    const std::string secret = sheet_xml(
        R"(<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>hidden text</t></is></c></row>)"
        "</sheetData>");
    std::string book =
        make_workbook({{"Data", data, false}, {"Secret", secret, true}}, strings, styles);
    ExtractedDocument document = extract_bytes("book.xlsx", book, &kXlsx);
    EXPECT_EQ(at(document, "Data"),
              (std::vector<std::string>{
                  "Name | Japan",  // rich runs joined, phonetic guide left out
                  // date, date-time, a quoted "d" is no date, nor is [Red], time, locale date
                  "2008-12-31 | 2008-12-31 13:45 | 5 | 1.5 | 18:00 | 2021-03-01",
                  "TRUE |  | #DIV/0!",  // the empty middle cell keeps the columns
                  // leading empty cell dropped; cached formula values; 1900's phantom Feb 29
                  "inline text | 0.3 | Named | 1e+20 | 1900-02-29 | 2021-03-04 05:06",
                  // _x0009_ escape; no float noise; no ".0"; 15 digits; a bad index is empty
                  "Tab separated | -0.0001 | 123 | 1234567890123450 |  | FALSE"}));
    EXPECT_EQ(at(document, "Secret (hidden)"), std::vector<std::string>{"hidden text"});
    EXPECT_EQ(at(document, "header"), std::vector<std::string>{"Quarterly & annual\nConfidential"});
    EXPECT_EQ(at(document, "footer"), std::vector<std::string>{"Page"});
    for (const Block& block : document.blocks) EXPECT_EQ(block.page, 0);
}

TEST(XlsxExtractor, Date1904System) {
    const std::string styles =
        R"(<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs>)";
    const std::string data = sheet_xml(
        R"(<sheetData><row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>1.5</v></c>)"
        R"(<c r="C1" s="1"><v>37986</v></c></row></sheetData>)");
    std::string book = make_workbook({{"Mac", data, false}}, "", styles, /*date1904=*/true);
    EXPECT_EQ(texts(extract_bytes("book.xlsx", book, &kXlsx)),
              std::vector<std::string>{"1904-01-01 | 1904-01-02 12:00 | 2008-01-01"});
}

TEST(XlsxExtractor, EmptyWorkbookHasNoBlocks) {
    std::string book = make_workbook({{"Empty", sheet_xml("<sheetData/>"), false}}, "", "");
    ExtractedDocument document = extract_bytes("book.xlsx", book, &kXlsx);
    EXPECT_TRUE(document.blocks.empty()) << joined(document);
}

TEST(XlsxExtractor, PackageWithoutWorkbookIsCorrupt) {
    std::string zip = make_zip({{"[Content_Types].xml", "<Types/>"}, {"xl/styles.xml", "<a/>"}});
    try {
        extract_bytes("book.xlsx", zip, &kXlsx);
        ADD_FAILURE() << "parsed";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::corrupt);
        EXPECT_NE(std::string(error.what()).find("xl/workbook.xml"), std::string::npos);
    }
}

TEST(XlsxExtractor, TruncatedPackageIsCorrupt) {
    std::string bytes = corpus_bytes("xlsx/poi-SampleSS.xlsx");
    EXPECT_EQ(failure_of_bytes(std::string_view(bytes).substr(0, bytes.size() / 2)),
              FailureKind::corrupt);
}

TEST(XlsxExtractor, DeepNestingFailsTooLarge) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<x>";
    for (int i = 0; i < 100000; ++i) deep += "</x>";
    std::string book = make_workbook(
        {{"Deep",
          sheet_xml("<sheetData><row r=\"1\"><c r=\"A1\">" + deep + "</c></row></sheetData>"),
          false}},
        "", "");
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of_bytes(book), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(XlsxExtractor, ZipBombEntryFailsTooLarge) {
    // 600 MB of zeros as the sheet: 4 MB of deflate stream.
    const std::uint64_t matches = (600ull << 20) / 258;
    std::string zeros = testing::deflated_zeros(matches);
    auto bomb = [&](std::uint32_t declared) {
        std::vector<ZipEntry> entries = workbook_entries({{"Bomb", "", false}}, "", "");
        for (ZipEntry& entry : entries)
            if (entry.name == "xl/worksheets/sheet1.xml")
                entry = {entry.name, zeros, true, declared};
        return make_zip(entries);
    };
    // Honest sizes: refused before inflating anything (600 MB > the 512 MB default budget).
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of_bytes(bomb(static_cast<std::uint32_t>(1 + 258 * matches))),
              FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    // Lying sizes (the header claims 1 KB): stopped by the bytes actually inflated.
    ExtractOptions options;
    options.max_unpacked_bytes = 16 << 20;
    start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of_bytes(bomb(1024), options), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

}  // namespace
}  // namespace deskside::ingest
