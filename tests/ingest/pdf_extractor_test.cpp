// The PDF extractor on every PDF of the office corpus (each has an expected outcome: text with
// phrases and scripts, empty, encrypted or corrupt), on reading order, pages, labels, metadata,
// OCR and attachments, on hand-made hostile PDFs, and the layout, clean-up and raw-byte helpers
// of src/pdf/ on their own.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"
#include "pdf/bidi.h"
#include "pdf/page_layout.h"
#include "pdf/raw_bytes.h"
#include "pdf/text_cleanup.h"

namespace deskside::ingest {
namespace {

using testing::count_code_points;
using testing::joined;

const FileType kPdf{"pdf", "application/pdf"};

ExtractOptions without_ocr() {
    ExtractOptions options;
    options.ocr = false;
    return options;
}

ExtractedDocument extract_pdf_bytes(std::string_view bytes,
                                    const ExtractOptions& options = without_ocr()) {
    return testing::extract_bytes("test.pdf", bytes, &kPdf, options);
}

// Corpus PDFs extracted without OCR, once per test binary: several tests look at the big ones.
const ExtractedDocument& corpus_pdf(const std::string& name) {
    static std::map<std::string, ExtractedDocument> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        std::string bytes = testing::corpus_bytes("pdf/" + name);
        it = cache
                 .emplace(name, testing::extract_bytes(testing::corpus("pdf/" + name), bytes, &kPdf,
                                                       without_ocr()))
                 .first;
    }
    return it->second;
}

// The failure kind of extracting `bytes`, or nullopt when it succeeds.
std::optional<FailureKind> failure_of(std::string_view bytes,
                                      const ExtractOptions& options = without_ocr()) {
    try {
        extract_pdf_bytes(bytes, options);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    return std::nullopt;
}

std::string failure_reason(std::string_view bytes, const ExtractOptions& options = without_ocr()) {
    try {
        extract_pdf_bytes(bytes, options);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

bool has_warning(const ExtractedDocument& document, std::string_view part) {
    return std::any_of(document.warnings.begin(), document.warnings.end(),
                       [&](const std::string& w) { return contains(w, part); });
}

int last_page(const ExtractedDocument& document) {
    int page = 0;
    for (const Block& block : document.blocks) page = std::max(page, block.page);
    return page;
}

// The first block holding `phrase`, or nullptr.
const Block* block_with(const ExtractedDocument& document, std::string_view phrase) {
    for (const Block& block : document.blocks)
        if (contains(block.text, phrase)) return &block;
    return nullptr;
}

bool is_hebrew(char32_t cp) {
    return cp >= 0x05D0 && cp <= 0x05EA;
}
bool is_thai(char32_t cp) {
    return cp >= 0x0E01 && cp <= 0x0E5B;
}
bool is_presentation_form(char32_t cp) {
    return cp >= 0xFB00 && cp <= 0xFEFC;
}

// A PDF with one page per content stream, Helvetica as /F1, and a correct xref table. Objects
// in `extra` are numbered from 4 + 2 * pages.size(), for `catalog_extra` to refer to.
std::string make_pdf(const std::vector<std::string>& pages, const std::string& catalog_extra = "",
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> objects;
    std::string kids;
    for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(4 + 2 * i) + " 0 R ";
    objects.push_back("<< /Type /Catalog /Pages 2 0 R " + catalog_extra + ">>");
    objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " +
                      std::to_string(pages.size()) + " >>");
    objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    for (std::size_t i = 0; i < pages.size(); ++i) {
        objects.push_back(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << "
            "/Font << /F1 3 0 R >> >> /Contents " +
            std::to_string(5 + 2 * i) + " 0 R >>");
        objects.push_back("<< /Length " + std::to_string(pages[i].size()) + " >>\nstream\n" +
                          pages[i] + "\nendstream");
    }
    objects.insert(objects.end(), extra.begin(), extra.end());
    std::string pdf = "%PDF-1.4\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    std::size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t offset : offsets) {
        char entry[21];
        std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
        pdf += entry;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

// Text lines at (x, y) in 11-point Helvetica.
std::string lines_at(const std::vector<std::tuple<int, int, std::string>>& lines) {
    std::string content;
    for (const auto& [x, y, text] : lines)
        content += "BT /F1 11 Tf " + std::to_string(x) + " " + std::to_string(y) + " Td (" + text +
                   ") Tj ET\n";
    return content;
}

// ---- every corpus PDF ---------------------------------------------------------------------

enum class Outcome { text, empty, encrypted, corrupt };

struct Expected {
    const char* name;
    Outcome outcome;
    const char* phrase = nullptr;  // for text: a phrase truly in the file
    int pages = 0;                 // for text: the last page with text
};

// What each file yields without OCR. Limits of poppler itself show here too: pdfjs-TAMReview
// (pages 2+), pdfjs-ThuluthFeatures, pdfjs-XiaoBiaoSong and pdfjs-issue12963 use fonts whose
// glyphs map to the wrong characters (pdftotext prints the same). pdfjs-noembed-sjis and
// pdfjs-vertical use non-embedded Japanese fonts and need poppler-data (deploy/install.sh).
const Expected kExpected[] = {
    {"pdfjs-ArabicCIDTrueType.pdf", Outcome::text, "انواع الخطوط العربية", 1},
    {"pdfjs-TAMReview.pdf", Outcome::text, "Overview of the Technology Acceptance Model", 23},
    {"pdfjs-ThuluthFeatures.pdf", Outcome::text, nullptr, 1},
    {"pdfjs-XiaoBiaoSong.pdf", Outcome::text, nullptr, 1},
    {"pdfjs-bug1627427_reduced.pdf", Outcome::text, "눈이 올 듯하더니", 1},
    {"pdfjs-empty_protected.pdf", Outcome::empty},
    {"pdfjs-freeculture.pdf", Outcome::text, "LAWRENCE LESSIG", 352},
    {"pdfjs-french_diacritics.pdf", Outcome::text, "àÀâÂäÄçÇéÉèÈêÊëËîÎïÏôÔùÙûÛüÜ", 1},
    {"pdfjs-german-umlaut-r.pdf", Outcome::text, "ö„üä“Äß", 1},
    {"pdfjs-helloworld-bad.pdf", Outcome::text, "Hello, world!", 1},
    {"pdfjs-issue11656.pdf", Outcome::text, "שלום עולם מה שלום כולם?", 1},
    {"pdfjs-issue12823.pdf", Outcome::text, "知识库简介", 1},
    {"pdfjs-issue12963.pdf", Outcome::text, "1152017", 8},
    {"pdfjs-issue13211.pdf", Outcome::text, "จํานวนเชิงซ้อน", 1},
    {"pdfjs-issue19971.pdf", Outcome::text, "QA Test Master Document", 6},
    {"pdfjs-issue20232.pdf", Outcome::text, "Масштаб", 1},
    {"pdfjs-issue2840.pdf", Outcome::text, "Номер полиса", 1},
    {"pdfjs-issue9418.pdf", Outcome::text, "General Notes", 1},
    {"pdfjs-issue9972-1.pdf", Outcome::text, "Personal Sleep Study", 1},
    {"pdfjs-noembed-sjis.pdf", Outcome::text, "あいうえお", 1},
    {"pdfjs-pdfjs_wikipedia.pdf", Outcome::text, "PDF.js", 1},
    {"pdfjs-pdkids.pdf", Outcome::text, "The Buried Moon - An English Fairy Tale", 55},
    {"pdfjs-poppler-67295-0.pdf", Outcome::corrupt},
    {"pdfjs-print_protection.pdf", Outcome::encrypted},
    {"pdfjs-saslprep-r6.pdf", Outcome::encrypted},
    {"pdfjs-scan-bad.pdf", Outcome::text, "pdf.js", 1},
    {"pdfjs-standard_fonts.pdf", Outcome::text, "The quick brown fox jumps over the lazy dog", 14},
    {"pdfjs-textfields.pdf", Outcome::empty},
    {"pdfjs-tracemonkey.pdf", Outcome::text, "Trace-based Just-in-Time Type Specialization", 14},
    {"pdfjs-vertical.pdf", Outcome::text, "日本語", 1},  // pages 2-3 are blank
    {"pdfjs-xfa_filled_imm1344e.pdf", Outcome::text, "Please wait...", 1},
    {"pdfjs-xref_command_missing.pdf", Outcome::text, "Reduced test-case", 1},
    {"pdfminer-aes-128.pdf", Outcome::encrypted},
    {"pdfminer-aes-256-r6.pdf", Outcome::encrypted},
    {"pdfminer-aes-256.pdf", Outcome::encrypted},
    {"pdfminer-issue-00369-excel.pdf", Outcome::text, "5", 1},
    {"pdfminer-issue-449-vertical.pdf", Outcome::text, "Vertical", 1},
    {"pdfminer-pagelabels.pdf", Outcome::text, "Heading on Level 1 (section)", 5},
    {"pdfminer-pr-00530-ml-lines.pdf", Outcome::text,
     "Airworthiness Directives; The Boeing Company Airplanes", 1},
    {"pdfminer-rc4-40.pdf", Outcome::encrypted},
    {"pdfminer-simple1.pdf", Outcome::text, "Hello World", 1},
    {"tika-testAnnotations.pdf", Outcome::text, "Here is some text.", 1},
    {"tika-testJournalParser.pdf", Outcome::text, "MEMS Microrobots (MicroStressBots)", 10},
    {"tika-testMicrosoftIRMServices.pdf", Outcome::encrypted},
    {"tika-testOCR.pdf", Outcome::empty},
    {"tika-testOptionalHyphen.pdf", Outcome::text, "optionalhyphen", 1},
    {"tika-testPDF.pdf", Outcome::text,
     "Apache Tika is a toolkit for detecting and extracting metadata and structured text "
     "content from various documents using existing parser libraries.",
     1},
    {"tika-testPDFTwoTextBoxes.pdf", Outcome::text, "Left column line 1", 1},
    {"tika-testPDFVarious.pdf", Outcome::text, "Here is a numbered list:", 2},
    {"tika-testPDF_JBIG2.pdf", Outcome::text,
     "This is a sample file to test images compressed using JBIG2.", 1},
    {"tika-testPDF_acroform3.pdf", Outcome::text,
     "Example PDF file that contains a form with a signature field.", 1},
    {"tika-testPDF_angles.pdf", Outcome::text, "PICK A MAJOR", 1},
    {"tika-testPDF_bad_page_303226.pdf", Outcome::text, "Drug Enforcement Administration", 19},
    {"tika-testPDF_bookmarks.pdf", Outcome::text, "This is a page about Denmark", 2},
    {"tika-testPDF_childAttachments.pdf", Outcome::text, "Employer's Tax Guide", 67},
    {"tika-testPDF_incrementalUpdates.pdf", Outcome::text, "Testing Incremental", 1},
    {"tika-testPDF_no_extract_no_accessibility_owner_user.pdf", Outcome::encrypted},
    {"tika-testPDF_protected.pdf", Outcome::text, "RETHINKING THE FINANCIAL NETWORK", 41},
    {"tika-testPDF_rotated.pdf", Outcome::text, "Apache Tika project was formally started", 1},
    {"tika-testUnicodePassword.pdf", Outcome::encrypted},
};

TEST(PdfExtractor, EveryCorpusPdfHasAnExpectedOutcome) {
    std::ifstream manifest(testing::corpus("MANIFEST.tsv"));
    ASSERT_TRUE(manifest) << "MANIFEST.tsv missing";
    std::set<std::string> listed;
    for (std::string line; std::getline(manifest, line);) {
        std::istringstream row(line);
        std::string path, type;
        std::getline(row, path, '\t');
        std::getline(row, type, '\t');
        if (type == "pdf" && path.starts_with("pdf/")) listed.insert(path.substr(4));
    }
    std::set<std::string> expected;
    for (const Expected& e : kExpected) expected.insert(e.name);
    EXPECT_EQ(listed.size(), 60u);
    EXPECT_EQ(listed, expected);
}

TEST(PdfExtractor, CorpusOutcomes) {
    for (const Expected& e : kExpected) {
        SCOPED_TRACE(e.name);
        std::string bytes = testing::corpus_bytes(std::string("pdf/") + e.name);
        if (e.outcome == Outcome::encrypted || e.outcome == Outcome::corrupt) {
            EXPECT_EQ(failure_of(bytes), e.outcome == Outcome::encrypted ? FailureKind::encrypted
                                                                         : FailureKind::corrupt)
                << failure_reason(bytes);
            continue;
        }
        const ExtractedDocument& document = corpus_pdf(e.name);
        EXPECT_EQ(document.format, "pdf");
        if (e.outcome == Outcome::empty) {
            EXPECT_TRUE(document.blocks.empty()) << joined(document);
            continue;
        }
        ASSERT_FALSE(document.blocks.empty());
        if (e.phrase) {
            EXPECT_TRUE(contains(joined(document), e.phrase)) << joined(document);
        }
        EXPECT_EQ(last_page(document), e.pages);
        for (const Block& block : document.blocks) {
            EXPECT_GE(block.page, 1);
            EXPECT_FALSE(block.text.empty());
            EXPECT_NE(block.text.front(), ' ');
            EXPECT_NE(block.text.back(), ' ');
            EXPECT_FALSE(contains(block.text, "\f"));
            EXPECT_FALSE(block.ocr);
        }
    }
}

TEST(PdfExtractor, FailureReasonsSayWhatToDo) {
    std::string locked = failure_reason(testing::corpus_bytes("pdf/pdfminer-aes-128.pdf"));
    EXPECT_EQ(locked,
              "encrypted: password-protected PDF; Deskside indexes only files that open without "
              "a password");
    std::string irm =
        failure_reason(testing::corpus_bytes("pdf/tika-testMicrosoftIRMServices.pdf"));
    EXPECT_TRUE(contains(irm, "encrypted payload")) << irm;
    std::string corrupt = failure_reason(testing::corpus_bytes("pdf/pdfjs-poppler-67295-0.pdf"));
    EXPECT_TRUE(corrupt.starts_with("corrupt: PDF has no readable pages (Invalid page count"))
        << corrupt;
    EXPECT_EQ(corrupt.find('\n'), std::string::npos);
}

// ---- scripts ------------------------------------------------------------------------------

TEST(PdfExtractor, ScriptsComeOutAsTheirOwnLetters) {
    std::string arabic = joined(corpus_pdf("pdfjs-ArabicCIDTrueType.pdf"));
    EXPECT_GE(count_code_points(arabic, testing::is_arabic), 60u);
    // The font maps glyphs to shaped presentation forms; search needs the base letters.
    EXPECT_EQ(count_code_points(arabic, is_presentation_form), 0u) << arabic;
    EXPECT_FALSE(contains(arabic, "\u202B")) << "bidi embedding left in";

    EXPECT_GE(count_code_points(joined(corpus_pdf("pdfjs-issue11656.pdf")), is_hebrew), 60u);
    EXPECT_GE(
        count_code_points(joined(corpus_pdf("pdfjs-bug1627427_reduced.pdf")), testing::is_hangul),
        25u);
    EXPECT_GE(count_code_points(joined(corpus_pdf("pdfjs-issue12823.pdf")), testing::is_han), 50u);
    EXPECT_GE(count_code_points(joined(corpus_pdf("pdfjs-issue20232.pdf")), testing::is_cyrillic),
              100u);
    EXPECT_GE(count_code_points(joined(corpus_pdf("pdfjs-issue13211.pdf")), is_thai), 200u);
    std::string various = joined(corpus_pdf("tika-testPDFVarious.pdf"));
    EXPECT_TRUE(contains(various, "ゾルゲと尾崎、淡々と最期")) << various;
    EXPECT_FALSE(contains(various, "\uFFFD")) << "unmapped glyphs are dropped";
    std::string mixed = joined(corpus_pdf("pdfjs-issue19971.pdf"));
    EXPECT_GE(count_code_points(mixed, testing::is_kana), 10u);
    EXPECT_GE(count_code_points(mixed, testing::is_han), 10u);
    EXPECT_GE(count_code_points(mixed, testing::is_arabic), 10u);
}

// With poppler-data (installed by deploy/install.sh) the non-embedded Japanese font maps to
// text; without it the document says which package is missing.
TEST(PdfExtractor, NonEmbeddedCjkFontsNeedPopplerData) {
    const ExtractedDocument& document = corpus_pdf("pdfjs-noembed-sjis.pdf");
    EXPECT_EQ(document.metadata.title, "Jaoanese noembed test PDF");
    if (std::filesystem::exists("/usr/share/poppler/cMap/Adobe-Japan1")) {
        EXPECT_TRUE(contains(joined(document), "あいうえお")) << joined(document);
    } else {
        EXPECT_TRUE(document.blocks.empty());
        EXPECT_TRUE(has_warning(document, "install the Debian package poppler-data"));
        EXPECT_TRUE(has_warning(document, "poppler: Missing language pack for 'Adobe-Japan1'"));
    }
}

// ---- reading order and structure --------------------------------------------------------

TEST(PdfExtractor, TwoColumnPagesAreReadColumnByColumn) {
    const ExtractedDocument& monkey = corpus_pdf("pdfjs-tracemonkey.pdf");
    // Both sentences run over several lines of one column.
    const Block* present = block_with(monkey,
                                      "We present a trace-based compilation technique for "
                                      "dynamic languages that reconciles speed of "
                                      "compilation with excellent performance of the "
                                      "generated machine code.");
    ASSERT_NE(present, nullptr) << joined(monkey);
    EXPECT_EQ(present->page, 1);
    const Block* intro = block_with(monkey,
                                    "Dynamic languages such as JavaScript, Python, and "
                                    "Ruby, are popular since they are expressive");
    ASSERT_NE(intro, nullptr);
    EXPECT_FALSE(contains(intro->text, "application logic")) << "right column mixed in";
    // De-hyphenated across lines: "compi-" "lation"; a capital keeps its hyphen.
    EXPECT_TRUE(contains(joined(monkey), "TraceMonkey supports all the JavaScript features"));
    const Block* heading = block_with(monkey, "Trace-based Just-in-Time Type Specialization");
    ASSERT_NE(heading, nullptr);
    EXPECT_EQ(heading->kind, BlockKind::heading);
    EXPECT_EQ(heading->level, 1);

    const ExtractedDocument& journal = corpus_pdf("tika-testJournalParser.pdf");
    const Block* sentence = block_with(journal,
                                       "Microscale robotic systems have many "
                                       "applications in areas such as biomedicine [1], "
                                       "surveillance [2], or microassembly [3].");
    ASSERT_NE(sentence, nullptr) << joined(journal);
    EXPECT_EQ(sentence->page, 1);
    EXPECT_FALSE(contains(sentence->text, "controlled by a single global control signal"));
}

TEST(PdfExtractor, SideBySideTextBoxesFollowTheContentStream) {
    // Geometry alone cannot tell two text boxes from a two-column table; the content stream
    // draws the left box first here, and the table of testPDFVarious page 1 row by row.
    std::vector<std::string> boxes;
    for (const Block& block : corpus_pdf("tika-testPDFTwoTextBoxes.pdf").blocks)
        boxes.push_back(block.text);
    EXPECT_EQ(boxes, (std::vector<std::string>{"Left column line 1", "Left column line 2",
                                               "Right column line 1", "Right column line 2"}));
}

TEST(PdfExtractor, ParagraphsPagesAndLabels) {
    const ExtractedDocument& labels = corpus_pdf("pdfminer-pagelabels.pdf");
    std::map<int, std::string> location_by_page;
    for (const Block& block : labels.blocks) location_by_page[block.page] = block.location;
    EXPECT_EQ(location_by_page,
              (std::map<int, std::string>{
                  {1, "page iii"}, {2, "page iv"}, {3, "page 1"}, {4, "page 2"}, {5, "page 1"}}));
    const Block* contents = block_with(labels, "Contents");
    ASSERT_NE(contents, nullptr);
    EXPECT_EQ(contents->kind, BlockKind::heading);

    // Page numbers equal to the label are not repeated as a location.
    const ExtractedDocument& bookmarks = corpus_pdf("tika-testPDF_bookmarks.pdf");
    ASSERT_EQ(bookmarks.blocks.size(), 2u);
    EXPECT_EQ(bookmarks.blocks[0].text, "This is a page about France");
    EXPECT_EQ(bookmarks.blocks[0].page, 1);
    EXPECT_EQ(bookmarks.blocks[1].text, "This is a page about Denmark");
    EXPECT_EQ(bookmarks.blocks[1].page, 2);
    EXPECT_TRUE(bookmarks.blocks[1].location.empty());

    // Lines of one paragraph are joined; separate paragraphs stay apart.
    const ExtractedDocument& tika = corpus_pdf("tika-testPDF.pdf");
    const Block* toolkit = block_with(tika, "Apache Tika is a toolkit");
    const Block* incubation = block_with(tika, "Apache Tika is an effort undergoing incubation");
    ASSERT_NE(toolkit, nullptr);
    ASSERT_NE(incubation, nullptr);
    EXPECT_NE(toolkit, incubation);

    // Rotated pages read along their text, not across it.
    EXPECT_TRUE(contains(joined(corpus_pdf("tika-testPDF_rotated.pdf")),
                         "The Apache Tika project was formally started when the Tika proposal "
                         "was accepted by the Apache Incubator PMC."));
}

TEST(PdfExtractor, PagesWithoutTextLayerAreReportedWhenOcrIsOff) {
    const ExtractedDocument& scan = corpus_pdf("tika-testOCR.pdf");
    EXPECT_TRUE(scan.blocks.empty());
    EXPECT_EQ(scan.warnings, std::vector<std::string>{"page 1 has no text layer; OCR is off"});
    // A blank page is no scan.
    EXPECT_TRUE(corpus_pdf("pdfjs-empty_protected.pdf").warnings.empty());
    EXPECT_TRUE(has_warning(corpus_pdf("pdfjs-freeculture.pdf"), "page 1 has no text layer") ||
                has_warning(corpus_pdf("pdfjs-freeculture.pdf"), "pages 1, "));
}

// ---- metadata, repairs, warnings --------------------------------------------------------

TEST(PdfExtractor, Metadata) {
    const DocumentMetadata& tika = corpus_pdf("tika-testPDF.pdf").metadata;
    EXPECT_EQ(tika.title, "Apache Tika - Apache Tika");
    EXPECT_EQ(tika.author, "Bertrand Delacrétaz");
    EXPECT_EQ(tika.created, 1189846951);  // 2007-09-15T09:02:31Z
    EXPECT_EQ(tika.modified, 1189846951);
    const DocumentMetadata& book = corpus_pdf("pdfjs-freeculture.pdf").metadata;
    EXPECT_EQ(book.title, "Free Culture");
    EXPECT_EQ(book.author, "Lawrence Lessig");
    EXPECT_EQ(corpus_pdf("tika-testPDF_JBIG2.pdf").metadata.language, "en-CA");
    EXPECT_EQ(corpus_pdf("pdfjs-pdfjs_wikipedia.pdf").metadata.language, "en");
    EXPECT_EQ(corpus_pdf("tika-testOptionalHyphen.pdf").metadata.language, "en-US");
    EXPECT_TRUE(corpus_pdf("pdfjs-tracemonkey.pdf").metadata.language.empty());
    EXPECT_FALSE(corpus_pdf("pdfjs-tracemonkey.pdf").metadata.modified.has_value());
}

TEST(PdfExtractor, OwnerPasswordOnlyFilesAreRead) {
    const ExtractedDocument& bank = corpus_pdf("tika-testPDF_protected.pdf");
    EXPECT_EQ(bank.metadata.author, "The Bank of England");
    EXPECT_TRUE(contains(joined(bank), "Executive Director, Financial Stability"));
    EXPECT_TRUE(contains(joined(corpus_pdf("pdfjs-issue9972-1.pdf")),
                         "Go through your bedroom/hotel room and evaluate the following items:"));
}

TEST(PdfExtractor, BrokenFilesAreRepairedWithAWarning) {
    const ExtractedDocument& root = corpus_pdf("pdfjs-issue9418.pdf");  // /Root is the Info
    EXPECT_TRUE(has_warning(root, "repaired:"));
    EXPECT_TRUE(has_warning(root, "poppler: xref num 1 not found but needed"));
    const ExtractedDocument& stream = corpus_pdf("tika-testPDF_bad_page_303226.pdf");
    EXPECT_TRUE(has_warning(stream, "poppler: "));
    EXPECT_LE(stream.warnings.size(), 6u) << "poppler's chatter is summarised";
    EXPECT_TRUE(has_warning(corpus_pdf("pdfjs-xfa_filled_imm1344e.pdf"), "XFA form"));
}

// ---- attachments -----------------------------------------------------------------------------

TEST(PdfExtractor, EmbeddedFilesBecomeAttachments) {
    const ExtractedDocument& document = corpus_pdf("tika-testPDF_childAttachments.pdf");
    ASSERT_EQ(document.attachments.size(), 2u);
    EXPECT_EQ(document.attachments[0].name, "Press Quality(1).joboptions");
    EXPECT_EQ(document.attachments[0].bytes.size(), 15005u);
    EXPECT_EQ(document.attachments[1].name, "Unit10.doc");
    EXPECT_EQ(document.attachments[1].bytes.size(), 61440u);
    EXPECT_TRUE(document.attachments[1].bytes.starts_with("\xD0\xCF\x11\xE0"));  // OLE2
    EXPECT_TRUE(corpus_pdf("tika-testPDFVarious.pdf").attachments.empty());

    // Two embedded files of 300 and 200 bytes; a 400-byte cap keeps the first only.
    auto file = [](const std::string& name, std::size_t size) {
        return std::vector<std::string>{
            "<< /Type /Filespec /F (" + name + ") /EF << /F " + "NEXT 0 R >> >>",
            "<< /Type /EmbeddedFile /Length " + std::to_string(size) + " >>\nstream\n" +
                std::string(size, 'x') + "\nendstream"};
    };
    std::vector<std::string> extra;
    for (auto [name, size] : {std::pair{"a.txt", 300}, std::pair{"b.txt", 200}}) {
        std::vector<std::string> objects = file(name, size);
        std::size_t stream_number = 6 + extra.size() + 1;
        objects[0].replace(objects[0].find("NEXT"), 4, std::to_string(stream_number));
        extra.insert(extra.end(), objects.begin(), objects.end());
    }
    std::string pdf = make_pdf({lines_at({{72, 700, "Cover letter."}})},
                               "/Names << /EmbeddedFiles << /Names [(a.txt) 6 0 R (b.txt) 8 0 R] "
                               ">> >> ",
                               extra);
    ExtractedDocument all = extract_pdf_bytes(pdf);
    ASSERT_EQ(all.attachments.size(), 2u);
    EXPECT_EQ(all.attachments[1].name, "b.txt");
    EXPECT_EQ(all.attachments[1].bytes, std::string(200, 'x'));
    ExtractOptions capped = without_ocr();
    capped.max_unpacked_bytes = 400;
    ExtractedDocument some = extract_pdf_bytes(pdf, capped);
    ASSERT_EQ(some.attachments.size(), 1u);
    EXPECT_EQ(some.attachments[0].name, "a.txt");
    EXPECT_TRUE(has_warning(some, "embedded file \"b.txt\" skipped: over the cap of 400"));
    ExtractOptions counted = without_ocr();
    counted.max_archive_entries = 1;
    EXPECT_EQ(extract_pdf_bytes(pdf, counted).attachments.size(), 1u);
}

// ---- OCR --------------------------------------------------------------------------------------

TEST(PdfExtractor, OcrReadsTextThatIsOnlyInAnImage) {
    ExtractOptions options;
    options.ocr_languages = "eng+zzz";  // zzz is no language: a warning, eng still works
    ExtractedDocument document =
        extract_pdf_bytes(testing::corpus_bytes("pdf/tika-testOCR.pdf"), options);
    ASSERT_EQ(document.blocks.size(), 1u) << joined(document);
    EXPECT_EQ(document.blocks[0].text, "Happy New Year 2003!");
    EXPECT_TRUE(document.blocks[0].ocr);
    EXPECT_EQ(document.blocks[0].page, 1);
    EXPECT_TRUE(has_warning(document, "install the Debian package tesseract-ocr-zzz"));
}

TEST(PdfExtractor, OcrAddsImageTextToATextLayer) {
    ExtractedDocument document =
        extract_pdf_bytes(testing::corpus_bytes("pdf/tika-testPDF_JBIG2.pdf"), ExtractOptions{});
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].text,
              "This is a sample file to test images compressed using JBIG2.");
    EXPECT_FALSE(document.blocks[0].ocr);
    EXPECT_TRUE(contains(document.blocks[1].text, "Hey Norconex, this is a test."));
    EXPECT_TRUE(document.blocks[1].ocr);
}

TEST(PdfExtractor, OcrWithoutLanguageDataIsAWarning) {
    ExtractOptions options;
    options.ocr_languages = "zzz+../etc";
    ExtractedDocument document =
        extract_pdf_bytes(testing::corpus_bytes("pdf/tika-testOCR.pdf"), options);
    EXPECT_TRUE(document.blocks.empty());
    EXPECT_TRUE(has_warning(document, "install the Debian package tesseract-ocr-zzz"));
    EXPECT_TRUE(has_warning(document, "OCR language code \"../etc\" is not valid"));
    EXPECT_TRUE(has_warning(document, "OCR skipped"));
}

// ---- hand-made PDFs -------------------------------------------------------------------------

TEST(PdfExtractor, HandMadePagesAndCaps) {
    std::string pdf = make_pdf(
        {lines_at({{72, 700, "First page words."}}), lines_at({{72, 700, "Second page words."}})},
        "/Lang (fr-CA) ");
    ExtractedDocument document = extract_pdf_bytes(pdf);
    ASSERT_EQ(document.blocks.size(), 2u);
    EXPECT_EQ(document.blocks[1].text, "Second page words.");
    EXPECT_EQ(document.blocks[1].page, 2);
    EXPECT_EQ(document.metadata.language, "fr-CA");
    EXPECT_TRUE(document.warnings.empty()) << document.warnings.front();

    ExtractOptions tiny = without_ocr();
    tiny.max_output_bytes = 20;
    EXPECT_EQ(failure_of(pdf, tiny), FailureKind::too_large);
    ExtractOptions late = without_ocr();
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(failure_of(pdf, late), FailureKind::timeout);
}

TEST(PdfExtractor, TextBoxesOrTableRowsAsTheStreamDrawsThem) {
    // Two boxes of two widely spaced lines, side by side. Drawn box by box they are columns;
    // drawn row by row they are a table, whose rows stay whole.
    std::string columns = lines_at({{72, 700, "Alpha one"},
                                    {72, 675, "Alpha two"},
                                    {330, 700, "Beta one"},
                                    {330, 675, "Beta two"}});
    std::string rows = lines_at({{72, 700, "Alpha one"},
                                 {330, 700, "Beta one"},
                                 {72, 675, "Alpha two"},
                                 {330, 675, "Beta two"}});
    auto order = [](const std::string& content) {
        std::vector<std::string> out;
        for (const Block& block : extract_pdf_bytes(make_pdf({content})).blocks)
            out.push_back(block.text);
        return out;
    };
    EXPECT_EQ(order(columns),
              (std::vector<std::string>{"Alpha one", "Alpha two", "Beta one", "Beta two"}));
    EXPECT_EQ(order(rows), (std::vector<std::string>{"Alpha one Beta one", "Alpha two Beta two"}));
}

TEST(PdfExtractor, HostileInputsFailCleanly) {
    EXPECT_EQ(failure_of(""), FailureKind::corrupt);
    EXPECT_EQ(failure_of("%PDF-1.7\nthis is not really a PDF at all\n%%EOF\n"),
              FailureKind::corrupt);
    // A page tree that claims nine pages and holds one.
    std::string liar = make_pdf({lines_at({{72, 700, "Only page."}})});
    liar.replace(liar.find("/Count 1"), 8, "/Count 9");
    EXPECT_TRUE(failure_reason(liar).starts_with("corrupt: PDF has no readable pages (Page count"))
        << failure_reason(liar);
    // Arrays nested far deeper than any parser recursion limit.
    std::string deep = make_pdf({lines_at({{72, 700, "Deep."}})},
                                "/Deep " + std::string(20000, '[') + std::string(20000, ']') + " ");
    EXPECT_NO_THROW(extract_pdf_bytes(deep));
    // Content stream operators nested without end.
    std::string saves =
        make_pdf({std::string(50000, 'q') + "\n" + lines_at({{72, 700, "After the saves."}})});
    EXPECT_NO_THROW(extract_pdf_bytes(saves));
}

TEST(PdfExtractor, TruncatedFilesFailCorruptOrYieldPartialText) {
    for (const char* name : {"pdfjs-tracemonkey.pdf", "tika-testJournalParser.pdf",
                             "tika-testPDFTwoTextBoxes.pdf", "pdfjs-issue12963.pdf"}) {
        SCOPED_TRACE(name);
        std::string bytes = testing::corpus_bytes(std::string("pdf/") + name);
        std::string head = bytes.substr(0, bytes.size() * 4 / 10);
        try {
            ExtractedDocument document = extract_pdf_bytes(head);
            EXPECT_FALSE(document.blocks.empty());
            EXPECT_TRUE(has_warning(document, "repaired:"));
        } catch (const Error& error) {
            EXPECT_EQ(failure_kind_of(error.what()), FailureKind::corrupt) << error.what();
        }
    }
    // The journal's first 40% still hold its first pages.
    std::string journal = testing::corpus_bytes("pdf/tika-testJournalParser.pdf");
    ExtractedDocument partial = extract_pdf_bytes(journal.substr(0, journal.size() * 4 / 10));
    EXPECT_TRUE(contains(joined(partial), "Microscale robotic systems"));
}

TEST(PdfExtractor, ConcurrentExtractionsKeepTheirOwnWarnings) {
    // Poppler reports through one process-wide callback; each thread must get its own messages.
    const std::vector<std::string> names = {"pdfjs-issue9418.pdf", "pdfjs-noembed-sjis.pdf",
                                            "tika-testPDF.pdf", "tika-testPDF_bad_page_303226.pdf"};
    std::vector<std::string> bytes;
    std::vector<const ExtractedDocument*> expected;
    for (const std::string& name : names) {
        bytes.push_back(testing::corpus_bytes("pdf/" + name));
        expected.push_back(&corpus_pdf(name));
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < names.size(); ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t round = 0; round < 3; ++round) {
                std::size_t which = (t + round) % names.size();
                ExtractedDocument document = extract_pdf_bytes(bytes[which]);
                if (document.warnings != expected[which]->warnings ||
                    joined(document) != joined(*expected[which]))
                    ++mismatches;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_FALSE(expected[0]->warnings.empty());
    EXPECT_TRUE(expected[2]->warnings.empty());
}

// ---- the helpers on their own ------------------------------------------------------------

TEST(PdfTextCleanup, NormalisesWhatFontsEmit) {
    using pdf::clean_text;
    EXPECT_EQ(clean_text("e\xEF\xAC\x83"
                         "cient \xEF\xAC\x81le"),
              "efficient file");                                            // ﬃ ﬁ
    EXPECT_EQ(clean_text("\xEF\xBB\xA3\xEF\xBA\xB3"), "\xD9\x85\xD8\xB3");  // initial forms
    EXPECT_EQ(clean_text("opti\xC2\xADonal"), "optional");
    EXPECT_EQ(clean_text("\xE2\x80\xAB"
                         "abc"
                         "\xE2\x80\xAC"),
              "abc");
    EXPECT_EQ(clean_text("a\xC2\xA0\t b\xEF\xBF\xBD \xEE\x80\x80"), "a b");
    EXPECT_EQ(clean_text("  one  \n\n two\f"), "one\n\ntwo");
    EXPECT_EQ(clean_text("bad \xFF byte"), "bad byte");
}

TEST(PdfBidi, RightToLeftLinesComeOutInReadingOrder) {
    using pdf::logical_line;
    // Poppler lists the words of a Hebrew line left to right, each spelled backwards.
    EXPECT_EQ(logical_line({{"?\u05DD\u05DC\u05D5\u05DB", true},
                            {"\u05DD\u05D5\u05DC\u05E9", true},
                            {"\u05DD\u05DC\u05D5\u05E2", true},
                            {"\u05DD\u05D5\u05DC\u05E9", false}}),
              "\u05E9\u05DC\u05D5\u05DD \u05E2\u05D5\u05DC\u05DD \u05E9\u05DC\u05D5\u05DD "
              "\u05DB\u05D5\u05DC\u05DD?");  // שלום עולם שלום כולם?
    // Numbers inside keep their digits' order; a Latin word keeps its place after the Hebrew.
    EXPECT_EQ(logical_line({{"15", true}, {"\u05E3\u05D9\u05E2\u05E1", false}}),
              "\u05E1\u05E2\u05D9\u05E3 15");  // סעיף 15
    EXPECT_EQ(logical_line({{"PDF", true}, {"\u05E5\u05D1\u05D5\u05E7", false}}),
              "\u05E7\u05D5\u05D1\u05E5 PDF");  // קובץ PDF
    EXPECT_TRUE(pdf::has_rtl("abc \u05D0"));
    EXPECT_FALSE(pdf::has_rtl("abc"));
}

pdf::Word word(std::string text, double x0, double y0, double x1, double y1,
               bool space_after = true) {
    pdf::Word w;
    w.text = std::move(text);
    w.x0 = x0;
    w.y0 = y0;
    w.x1 = x1;
    w.y1 = y1;
    w.space_after = space_after;
    return w;
}

std::vector<std::string> layout(const std::vector<pdf::Word>& words, const std::string& raw = "") {
    std::vector<std::string> out;
    for (const pdf::Paragraph& p : pdf::lay_out_words(words, [&] { return raw; })) {
        std::string text;
        if (p.heading_level) {
            text += 'H';
            text += static_cast<char>('0' + p.heading_level);
            text += ' ';
        }
        out.push_back(text + p.text);
    }
    return out;
}

TEST(PdfPageLayout, LinesParagraphsHyphensAndHeadings) {
    // A 20-point heading, then two paragraphs of 10-point text with a blank line's gap.
    std::vector<pdf::Word> words = {
        word("Title", 72, 50, 140, 72),           word("The", 72, 100, 92, 110),
        word("compi-", 95, 100, 300, 110, false), word("lation", 72, 112, 100, 122),
        word("is", 103, 112, 110, 122),           word("fast.", 113, 112, 300, 122, false),
        word("Next", 72, 140, 100, 150),          word("one.", 103, 140, 130, 150, false)};
    EXPECT_EQ(layout(words),
              (std::vector<std::string>{"H1 Title", "The compilation is fast.", "Next one."}));
    // A capital after the hyphen keeps it; a soft hyphen always joins.
    std::vector<pdf::Word> names = {
        word("Trace-", 72, 100, 300, 110, false), word("Monkey", 72, 112, 300, 122, false),
        word("opti\xC2\xAD", 72, 124, 300, 134, false), word("onal", 72, 136, 300, 146, false)};
    EXPECT_EQ(layout(names), std::vector<std::string>{"Trace-Monkey optional"});
}

TEST(PdfPageLayout, ColumnsInterleavedByPopplerFollowTheStream) {
    std::vector<pdf::Word> words = {word("L1", 72, 100, 90, 111), word("R1", 330, 100, 350, 111),
                                    word("L2", 72, 125, 90, 136), word("R2", 330, 125, 350, 136)};
    EXPECT_EQ(layout(words, "L1\nL2\nR1\nR2"), (std::vector<std::string>{"L1", "L2", "R1", "R2"}));
    EXPECT_EQ(layout(words, "L1 R1\nL2 R2"), (std::vector<std::string>{"L1 R1", "L2 R2"}));
    // Without the stream, poppler's lines stand.
    EXPECT_EQ(layout(words), (std::vector<std::string>{"L1 R1", "L2 R2"}));
}

TEST(PdfPageLayout, RotatedTextIsReadAlongItsLines) {
    // Reading downwards (rotation 1): lines advance to the left.
    std::vector<pdf::Word> words = {word("down", 500, 100, 511, 130),
                                    word("the", 500, 133, 511, 150),
                                    word("page", 489, 100, 500, 130)};
    for (pdf::Word& w : words) w.rotation = 1;
    EXPECT_EQ(layout(words), std::vector<std::string>{"down the page"});
}

TEST(PdfRawBytes, LanguageRepairAndForms) {
    EXPECT_EQ(pdf::declared_language("<< /Lang (en-US) /Type /Catalog >>"), "en-US");
    EXPECT_EQ(pdf::declared_language("<</Lang<FEFF00640065>>>"), "de");
    EXPECT_EQ(pdf::declared_language("/Lang () /Lang (not a tag!) /Lang(pt-BR)"), "pt-BR");
    EXPECT_EQ(pdf::declared_language("no language"), "");

    std::string broken =
        "1 0 obj\n<< /Producer (x) >>\nendobj\n2 0 obj\n<< /Type /Catalog "
        "/Pages 3 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n";
    std::optional<std::string> fixed = pdf::repair_root(broken);
    ASSERT_TRUE(fixed.has_value());
    EXPECT_EQ(fixed->substr(0, broken.size()).find("/Root 2 0 R"), broken.find("/Root 1 0 R"));
    EXPECT_TRUE(fixed->ends_with("trailer\n<< /Root 2 0 R >>\n"));
    EXPECT_FALSE(pdf::repair_root("no catalog here").has_value());

    EXPECT_TRUE(pdf::has_xfa_form("/AcroForm << /XFA [ (xdp:xdp) 69 0 R ] >>"));
    EXPECT_FALSE(pdf::has_xfa_form("(see https://en.wikipedia.org/XFA) Tj"));
}

}  // namespace
}  // namespace deskside::ingest
