// The PPTX extractor on every pptx file of the corpus (POI, Tika and python-pptx test decks:
// titles, notes, tables, groups, comments, charts, embedded objects, master footers,
// encryption) and on decks built here for slide order, hidden slides, mc:AlternateContent,
// placeholders, and hostile input.
#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

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

const FileType kPptx{"pptx",
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation"};

std::optional<FailureKind> failure_of_bytes(std::string_view bytes) {
    try {
        extract_bytes("deck.pptx", bytes, &kPptx);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    return std::nullopt;
}

std::vector<std::string> at(const ExtractedDocument& document, const std::string& location) {
    std::vector<std::string> out;
    for (const Block& block : document.blocks)
        if (block.location == location) out.push_back(block.text);
    return out;
}

// "kind page [location] text" per block, for whole-document comparisons.
std::vector<std::string> described(const ExtractedDocument& document) {
    std::vector<std::string> out;
    for (const Block& block : document.blocks) {
        std::string kind = block.kind == BlockKind::heading     ? "H" + std::to_string(block.level)
                           : block.kind == BlockKind::table_row ? "R"
                                                                : "P";
        out.push_back(kind + " " + std::to_string(block.page) + " [" + block.location + "] " +
                      block.text);
    }
    return out;
}

// ---- the corpus ---------------------------------------------------------------------------------

std::multiset<std::string> tokens(const std::string& text) {
    std::multiset<std::string> out;
    std::istringstream in(text);
    for (std::string token; in >> token;)
        if (token != "|" && token != "*") out.insert(token);  // POI marks bullets with "*"
    return out;
}

double recall(const std::multiset<std::string>& expected, std::multiset<std::string> actual) {
    std::size_t found = 0;
    for (const std::string& token : expected)
        if (auto it = actual.find(token); it != actual.end()) {
            ++found;
            actual.erase(it);
        }
    return expected.empty() ? 1.0 : static_cast<double>(found) / expected.size();
}

// Our text in POI's layout: "(Slide N)" and "(Notes N)" before each slide's and notes' text.
std::string poi_layout(const ExtractedDocument& document) {
    std::string out, location;
    for (const Block& block : document.blocks) {
        if (block.location != location) {
            location = block.location;
            bool notes = location.starts_with("notes, ");
            out += std::string(notes ? "(Notes " : "(Slide ") + std::to_string(block.page) + ")\n";
        }
        out += block.text + "\n";
    }
    return out;
}

TEST(PptxExtractor, SampleShowMatchesPoiExpectedText) {
    ExtractedDocument document = extract_corpus("pptx/poi-SampleShow.pptx");
    EXPECT_EQ(document.format, "pptx");
    EXPECT_EQ(document.metadata.title, "SlideShow Sample");
    EXPECT_EQ(document.metadata.author, "Nick Burch");
    EXPECT_EQ(described(document),
              (std::vector<std::string>{
                  "H1 1 [slide 1] Title of the first slide",
                  "P 1 [slide 1] Subtitle of the first slide\nThis bit is in italic green",
                  "P 1 [notes, slide 1] I am the notes of the first slide",
                  "H1 2 [slide 2] This is the second slide",
                  "P 2 [slide 2] It has bullet points on it\nThey’re fun, aren’t they?\n"
                  "Especially in a different font like Arial Black at 16 point!",
                  "P 2 [notes, slide 2] These are the notes of the 2nd slide\nTHIS LINE IS BOLD",
              }));

    // POI's text after its "Key = value" block, as tokens without its "*" bullet marks: every
    // token matches both ways. Threshold 0.95 (measured: 1.0 both ways).
    std::string expected = corpus_bytes("pptx/poi-SampleShow.expected.txt");
    expected = expected.substr(expected.find("\n\n") + 2);
    std::multiset<std::string> want = tokens(expected), got = tokens(poi_layout(document));
    EXPECT_GE(recall(want, got), 0.95) << poi_layout(document);
    EXPECT_GE(recall(got, want), 0.95) << poi_layout(document);
}

TEST(PptxExtractor, SlideShowAndPresentationReadAlike) {
    ExtractedDocument show = extract_corpus("pptx/tika-testPPT.ppsx");
    ExtractedDocument deck = extract_corpus("pptx/tika-testPPT.pptx");
    EXPECT_EQ(described(show), described(deck));
    EXPECT_EQ(described(deck),
              (std::vector<std::string>{
                  "H1 1 [slide 1] Attachment Test", "P 1 [slide 1] Rajiv",
                  "P 2 [slide 2] This is a test file data with the same content as every other "
                  "file being tested for tika content parsing. This has been developed by Rajiv "
                  "Kumar Nistala.",
                  "P 3 [slide 3] Different words to test against\nQuest\nHello\nWatershed\n"
                  "Avalanche\nBlack Panther\nMystery\nBanking\nInvestment"}));
    EXPECT_EQ(deck.metadata.title, "Attachment Test");
    EXPECT_EQ(deck.metadata.author, "Rajiv");
}

TEST(PptxExtractor, SpeakerNotesSkipSlideNumbers) {
    for (const char* path : {"pptx/pypptx-prs-notes.pptx", "pptx/pypptx-sld-notes.pptx"}) {
        ExtractedDocument document = extract_corpus(path);
        // The notes page also holds a slide-number field ("1"): not content.
        EXPECT_EQ(described(document), std::vector<std::string>{"P 1 [notes, slide 1] Notes"})
            << path;
    }
}

TEST(PptxExtractor, TablesBecomeRows) {
    ExtractedDocument document = extract_corpus("pptx/pypptx-tbl-cell.pptx");
    EXPECT_EQ(at(document, "slide 1"),
              (std::vector<std::string>{"having custom margins | vert anchor is inherited | vert "
                                        "anchor is top | vert anchor is bottom",
                                        "unladen swallows"}));
    EXPECT_EQ(at(document, "slide 2"), (std::vector<std::string>{"merged cell", "merged cell"}));
    EXPECT_EQ(at(document, "slide 3"),
              (std::vector<std::string>{"a | b | c", "d | e | f", "g | h | i"}));
    for (const Block& block : document.blocks) {
        EXPECT_EQ(block.kind, BlockKind::table_row);
        EXPECT_EQ(block.location, "slide " + std::to_string(block.page));
    }
}

TEST(PptxExtractor, GroupedShapesAndTables) {
    ExtractedDocument document = extract_corpus("pptx/pypptx-test_slides.pptx");
    EXPECT_EQ(described(document),
              (std::vector<std::string>{"P 1 [slide 1] Test text", "P 1 [slide 1] Group test text",
                                        "P 1 [slide 1] Box 1", "P 1 [slide 1] Box 2",
                                        "R 1 [slide 1] Col head 1 | Col head 2",
                                        "R 1 [slide 1] Cell text 1 | Cell text 2"}));
    EXPECT_EQ(document.metadata.title, "python-pptx was here!");

    // Groups of shapes without any text: a deck with nothing to index, not an error.
    ExtractedDocument empty = extract_corpus("pptx/pypptx-shp-groupshape.pptx");
    EXPECT_TRUE(empty.blocks.empty()) << joined(empty);
    EXPECT_EQ(empty.metadata.author, "python-pptx");
}

TEST(PptxExtractor, VariousFeaturesAndFootersOnce) {
    ExtractedDocument document = extract_corpus("pptx/tika-testPPT_various.pptx");
    std::vector<std::string> slide = at(document, "slide 1");
    ASSERT_EQ(slide.size(), 5u) << joined(document);
    EXPECT_EQ(slide[0], "Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3");
    EXPECT_EQ(slide[1], "Row 2 Col 1 | Row 2 Col 2 | Row 2 Col 3");
    EXPECT_EQ(slide[2], "Here is a text box");
    EXPECT_NE(slide[3].find("Bullet 1\nBullet 2\nBullet 3"), std::string::npos);
    EXPECT_NE(slide[3].find("ゾルゲと尾崎、淡々と最期"), std::string::npos);
    EXPECT_NE(slide[3].find("𐌲𐌿𐍄𐌹𐍃𐌺"), std::string::npos);  // Gothic, outside the BMP
    EXPECT_EQ(slide[4], "[1] This is a footnote.");
    // The notes page's footer and header placeholders, each once.
    EXPECT_EQ(at(document, "footer"), std::vector<std::string>{"This is the footer text."});
    EXPECT_EQ(at(document, "header"), std::vector<std::string>{"This is the header text."});
    EXPECT_EQ(document.metadata.created, 1315230881);  // 2011-09-05T13:54:41Z

    ExtractedDocument japanese = extract_corpus("pptx/poi-with_japanese.pptx");
    EXPECT_EQ(testing::count_code_points(joined(japanese), testing::is_kana),
              5u);  // ゾルゲ, と, と
    EXPECT_NE(joined(japanese).find("ゾルゲと尾崎、淡々と最期"), std::string::npos);
    EXPECT_EQ(at(japanese, "slide 1").front(), "Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3");
}

TEST(PptxExtractor, MasterFooterOnce) {
    ExtractedDocument document = extract_corpus("pptx/tika-testPPT_masterFooter.pptx");
    // The slide, its layout and the master all carry it; no "Click to edit" prompts, no date.
    EXPECT_EQ(described(document), std::vector<std::string>{"P 1 [footer] Master footer is here"});
}

TEST(PptxExtractor, CommentsChartsAndEmbeddedObjects) {
    ExtractedDocument comment = extract_corpus("pptx/tika-testPPT_comment.pptx");
    EXPECT_EQ(described(comment),
              (std::vector<std::string>{"H1 1 [slide 1] title", "P 1 [slide 1] subtitle",
                                        "P 1 [comments, slide 1] I'm afraid I'm going to have to "
                                        "ask you to add some content to this tps deck"}));

    ExtractedDocument chart = extract_corpus("pptx/tika-testPPT_charts.pptx");
    EXPECT_EQ(described(chart), std::vector<std::string>{"P 1 [slide 1] wants a peach"});

    ExtractedDocument embedded = extract_corpus("pptx/tika-testPPT_embeded.pptx");
    EXPECT_EQ(
        described(embedded),
        std::vector<std::string>{"H1 1 [slide 1] The quick brown fox jumps over the lazy dog"});
    std::vector<std::string> names;
    for (const EmbeddedFile& file : embedded.attachments) {
        names.push_back(file.name);
        EXPECT_GT(file.bytes.size(), 10000u) << file.name;
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"Microsoft_Office_Excel_Worksheet1.xlsx",
                                               "Microsoft_Office_Word_97_-_2003_Document1.doc",
                                               "Microsoft_Office_Word_Document2.docx"}));
    // The embedded workbook is a real package: the pipeline can extract it in turn.
    auto xlsx = std::find_if(embedded.attachments.begin(), embedded.attachments.end(),
                             [](const EmbeddedFile& f) { return f.name.ends_with(".xlsx"); });
    ASSERT_NE(xlsx, embedded.attachments.end());
    EXPECT_TRUE(xlsx->bytes.starts_with("PK\x03\x04"));
    // 1601-01-01 (an unset date) is dropped, not reported as a creation date.
    EXPECT_FALSE(embedded.metadata.created.has_value());
}

TEST(PptxExtractor, EncryptedDeckIsRefused) {
    std::string bytes = corpus_bytes("pptx/tika-testPPT_protected_passtika.pptx");
    try {
        extract_bytes(testing::corpus("pptx/tika-testPPT_protected_passtika.pptx"), bytes);
        ADD_FAILURE() << "parsed";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::encrypted);
    }
}

// ---- hand-made decks ---------------------------------------------------------------------------

const std::string kNs =
    R"( xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main")"
    R"( xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships")"
    R"( xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main")"
    R"( xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006")";
const std::string kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";

std::string shape(const std::string& placeholder, const std::string& paragraphs) {
    return "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"s\"/><p:cNvSpPr/><p:nvPr>" +
           (placeholder.empty() ? "" : "<p:ph type=\"" + placeholder + "\"/>") +
           "</p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>" + paragraphs + "</p:txBody></p:sp>";
}

std::string para(const std::string& text) {
    return "<a:p><a:r><a:t>" + text + "</a:t></a:r></a:p>";
}

std::string rels(const std::vector<std::tuple<std::string, std::string, std::string>>& list) {
    std::string out =
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)";
    for (auto& [id, type, target] : list)
        out += "<Relationship Id=\"" + id + "\" Type=\"" + kRel + type + "\" Target=\"" + target +
               "\"/>";
    return out + "</Relationships>";
}

std::string slide(const std::string& tree, const std::string& attributes = "") {
    return "<p:sld" + kNs + attributes + "><p:cSld><p:spTree>" + tree +
           "</p:spTree></p:cSld></p:sld>";
}

std::vector<ZipEntry> deck(const std::string& first_slide, const std::string& second_slide) {
    const std::string table =
        "<p:graphicFrame><p:nvGraphicFramePr/><a:graphic><a:graphicData><a:tbl>"
        "<a:tr><a:tc><a:txBody>" +
        para("a") +
        "</a:txBody></a:tc><a:tc><a:txBody><a:p/>"
        "</a:txBody></a:tc><a:tc><a:txBody>" +
        para("c") +
        "</a:txBody></a:tc></a:tr>"
        "<a:tr><a:tc><a:txBody><a:p/></a:txBody></a:tc><a:tc hMerge=\"1\"><a:txBody>" +
        para("e") +
        "</a:txBody></a:tc></a:tr></a:tbl></a:graphicData></a:graphic>"
        "</p:graphicFrame>";
    return {
        {"_rels/.rels", rels({{"rId1", "officeDocument", "ppt/presentation.xml"}})},
        {"ppt/presentation.xml",
         "<p:presentation" + kNs +
             "><p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"rId1\"/>"
             "</p:sldMasterIdLst><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId3\"/>"
             "<p:sldId id=\"257\" r:id=\"rId2\"/></p:sldIdLst></p:presentation>"},
        {"ppt/_rels/presentation.xml.rels",
         rels({{"rId1", "slideMaster", "slideMasters/slideMaster1.xml"},
               {"rId2", "slide", "slides/slide1.xml"},
               {"rId3", "slide", "slides/slide2.xml"}})},
        // Listed first in sldIdLst though its part is slide2.xml.
        {"ppt/slides/slide2.xml",
         first_slide.empty()
             ? slide(shape("title", para("Order matters")) +
                     shape("", para("First line") +
                                   "<a:p><a:r><a:t>Second</a:t></a:r><a:br/><a:r><a:t>line</a:t>"
                                   "</a:r></a:p><a:p><a:r><a:t>  </a:t></a:r></a:p>") +
                     "<p:grpSp><p:nvGrpSpPr/><p:grpSpPr/>" + shape("", para("Grouped")) +
                     "</p:grpSp><mc:AlternateContent><mc:Choice Requires=\"p14\">" +
                     shape("", para("Chosen")) + "</mc:Choice><mc:Fallback>" +
                     shape("", para("Fallback")) + "</mc:Fallback></mc:AlternateContent>" + table +
                     shape("sldNum", para("7")) + shape("dt", para("2024-01-01")) +
                     shape("ftr", para("Company footer")))
             : first_slide},
        {"ppt/slides/_rels/slide2.xml.rels",
         rels({{"rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"},
               {"rId2", "comments", "../comments/comment1.xml"}})},
        {"ppt/slides/slide1.xml",
         second_slide.empty()
             ? slide(shape("ctrTitle", para("Hidden slide")) + shape("ftr", para("Company footer")),
                     " show=\"0\"")
             : second_slide},
        {"ppt/slides/_rels/slide1.xml.rels",
         rels({{"rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"},
               {"rId2", "notesSlide", "../notesSlides/notesSlide1.xml"}})},
        {"ppt/notesSlides/notesSlide1.xml",
         "<p:notes" + kNs + "><p:cSld><p:spTree>" + shape("sldImg", "") +
             shape("body", para("Speaker says hi")) + shape("sldNum", para("2")) +
             "</p:spTree></p:cSld></p:notes>"},
        {"ppt/comments/comment1.xml",
         "<p:cmLst" + kNs +
             "><p:cm authorId=\"0\"><p:pos x=\"1\" y=\"1\"/><p:text>Nice slide</p:text></p:cm>"
             "</p:cmLst>"},
        {"ppt/slideLayouts/slideLayout1.xml",
         "<p:sldLayout" + kNs + "><p:cSld><p:spTree>" +
             shape("title", para("Click to edit Master title style")) +
             shape("ftr", para("Company footer")) + "</p:spTree></p:cSld></p:sldLayout>"},
        {"ppt/slideMasters/slideMaster1.xml",
         "<p:sldMaster" + kNs + "><p:cSld><p:spTree>" +
             shape("body", para("Click to edit Master text styles")) +
             shape("ftr", para("Master only footer")) + "</p:spTree></p:cSld></p:sldMaster>"},
        {"ppt/embeddings/oleObject1.bin", "OLE object bytes"},
    };
}

TEST(PptxExtractor, HandMadeDeckStructure) {
    ExtractedDocument document = extract_bytes("deck.pptx", make_zip(deck("", "")), &kPptx);
    EXPECT_EQ(described(document),
              (std::vector<std::string>{
                  "H1 1 [slide 1] Order matters",
                  "P 1 [slide 1] First line\nSecond\nline",  // a:br breaks the line
                  "P 1 [slide 1] Grouped",
                  "P 1 [slide 1] Chosen",  // one branch of mc:AlternateContent
                  "R 1 [slide 1] a |  | c",
                  "R 1 [slide 1] e",  // leading empty cell dropped
                  "P 1 [footer] Company footer",
                  "P 1 [comments, slide 1] Nice slide",
                  "H1 2 [slide 2] Hidden slide",  // show="0" is still content
                  "P 2 [notes, slide 2] Speaker says hi",
                  "P 0 [footer] Master only footer",
              }));
    ASSERT_EQ(document.attachments.size(), 1u);
    EXPECT_EQ(document.attachments[0].name, "oleObject1.bin");
    EXPECT_EQ(document.attachments[0].bytes, "OLE object bytes");
    EXPECT_EQ(document.metadata.title, "Order matters");  // no core.xml: the first title
}

TEST(PptxExtractor, DeepNestingFailsTooLarge) {
    std::string nested;
    for (int i = 0; i < 100000; ++i) nested += "<p:grpSp>";
    for (int i = 0; i < 100000; ++i) nested += "</p:grpSp>";
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of_bytes(make_zip(deck(slide(nested), ""))), FailureKind::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(PptxExtractor, BrokenPackages) {
    // No presentation part.
    std::string no_main = make_zip({{"[Content_Types].xml", "<Types/>"},
                                    {"ppt/slides/slide1.xml", slide(shape("", para("x")))}});
    EXPECT_EQ(failure_of_bytes(no_main), FailureKind::corrupt);
    // Truncated.
    std::string bytes = corpus_bytes("pptx/poi-SampleShow.pptx");
    EXPECT_EQ(failure_of_bytes(std::string_view(bytes).substr(0, bytes.size() / 3)),
              FailureKind::corrupt);
    // Malformed slide XML.
    EXPECT_EQ(failure_of_bytes(make_zip(deck("<p:sld" + kNs + "><p:cSld>", ""))),
              FailureKind::corrupt);
    // Over the output cap.
    ExtractOptions options;
    options.max_output_bytes = 20;
    try {
        extract_bytes("deck.pptx", make_zip(deck("", "")), &kPptx, options);
        ADD_FAILURE() << "parsed";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::too_large);
    }
}

}  // namespace
}  // namespace deskside::ingest
