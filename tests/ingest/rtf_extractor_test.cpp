// The RTF extractor on every rtf/ file of the corpus (code pages, Unicode escapes, tables,
// notes, fields, embedded objects, \bin data) and on hand-made hostile RTF (deep nesting, a
// huge \bin, truncation, garbage, caps).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <set>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"
#include "rtf/rtf_objects.h"

namespace deskside::ingest {
namespace {

using testing::extract_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::texts;

ExtractedDocument extract_rtf(std::string_view rtf, const ExtractOptions& options = {}) {
    FileType type{"rtf", "application/rtf"};
    return extract_bytes("doc.rtf", rtf, &type, options);
}

// The failure kind extracting `rtf` ends with; fails the test when it succeeds.
FailureKind failure_of(std::string_view rtf, const ExtractOptions& options = {}) {
    try {
        extract_rtf(rtf, options);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    ADD_FAILURE() << "extraction succeeded";
    return FailureKind::io;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

std::vector<const Block*> blocks_at(const ExtractedDocument& document, std::string_view location) {
    std::vector<const Block*> out;
    for (const Block& block : document.blocks)
        if (block.location == location) out.push_back(&block);
    return out;
}

std::size_t count_replacements(const std::string& text) {
    return testing::count_code_points(text, [](char32_t cp) { return cp == 0xFFFD; });
}

// Every file of the manifest whose path starts with `folder`.
std::vector<std::string> manifest_files(std::string_view folder) {
    std::ifstream manifest(deskside::testing::corpus_dir() / "MANIFEST.tsv");
    std::vector<std::string> files;
    for (std::string line; std::getline(manifest, line);) {
        std::string path = line.substr(0, line.find('\t'));
        if (path.starts_with(folder)) files.push_back(path);
    }
    return files;
}

// ---- the corpus ----------------------------------------------------------------------------

struct CorpusCase {
    const char* path;
    std::vector<const char*> phrases;  // each in the extracted text
    std::size_t min_blocks;
};

const std::vector<CorpusCase>& corpus_cases() {
    static const std::vector<CorpusCase> cases = {
        // Only tabs around a picture whose \bin data holds a '}' (the file leaves 2 groups
        // open); the test is that no binary leaks into the text.
        {"rtf/tika-testBinControlWord.rtf", {}, 0},
        {"rtf/tika-testRTF.rtf", {"Test d\u2019indexation Word"}, 1},
        {"rtf/tika-testRTFBoldItalic.rtf", {"bold then italic then not bold"}, 6},
        {"rtf/tika-testRTFCorruptListOverride.rtf", {"Apples are fun!", "by George Formby"}, 20},
        {"rtf/tika-testRTFEmbeddedFiles.rtf", {}, 0},  // objects only: see EmbeddedObjects
        {"rtf/tika-testRTFHexEscapeInsideWord.rtf",
         {"GOVERNO DO ESTADO DO ESP\u00CDRITO SANTO"},
         1},
        {"rtf/tika-testRTFHyperlink.rtf", {"our most frequently asked questions"}, 10},
        {"rtf/tika-testRTFInvalidUnicode.rtf", {"Unpaired hi \uFFFD here"}, 1},
        {"rtf/tika-testRTFJapanese.rtf", {"\u53E4\u66F8\u5E97\u3067\u51E6\u5211\u8A18\u9332"}, 10},
        {"rtf/tika-testRTFListMicrosoftWord.rtf", {"A nested list:"}, 10},
        {"rtf/tika-testRTFUnicodeGothic.rtf", {"\U00010332\U0001033F\U00010344"}, 1},
        {"rtf/tika-testRTFVarious.rtf",
         {"Suddenly some Japanese text:", "Here is a citation:"},
         20},
        {"rtf/tika-testRTFWindowsCodepage1250.rtf", {"za\u017C\u00F3\u0142\u0107"}, 2},
        {"rtf/tika-testRTFWord2010CzechCharacters.rtf", {"Mrtv\u00E9ho mo\u0159e"}, 3},
        {"rtf/tika-testRTF_annotation_spacing.rtf", {"This is supercalifragilistic"}, 2},
    };
    return cases;
}

TEST(RtfExtractor, EveryCorpusFileIsCovered) {
    std::set<std::string> covered;
    for (const CorpusCase& c : corpus_cases()) covered.insert(c.path);
    std::vector<std::string> files = manifest_files("rtf/");
    EXPECT_EQ(files.size(), 15u);
    for (const std::string& file : files) EXPECT_TRUE(covered.count(file)) << file;
}

TEST(RtfExtractor, CorpusFilesParse) {
    for (const CorpusCase& c : corpus_cases()) {
        SCOPED_TRACE(c.path);
        ExtractedDocument document = extract_corpus(c.path);
        std::string text = joined(document);
        EXPECT_EQ(document.format, "rtf");
        EXPECT_GE(document.blocks.size(), c.min_blocks);
        for (const char* phrase : c.phrases) EXPECT_TRUE(contains(text, phrase)) << text;
        EXPECT_TRUE(utf8::is_valid(text));
        for (const Block& block : document.blocks) {
            EXPECT_FALSE(block.text.empty());
            EXPECT_EQ(block.text, std::string(block.text.c_str()));  // no NUL
            EXPECT_NE(block.text.front(), ' ');
            EXPECT_NE(block.text.back(), ' ');
        }
        // Font names, style names, colour tables and field codes never leak into the text.
        for (const char* leak : {"Times New Roman", "HYPERLINK", "Normal;", "\\par", "{\\"})
            EXPECT_FALSE(contains(text, leak)) << leak;
    }
}

TEST(RtfExtractor, MetadataFromInfo) {
    ExtractedDocument document = extract_corpus("rtf/tika-testRTF.rtf");
    EXPECT_EQ(document.metadata.title, "Test d\u2019indexation Word");
    EXPECT_EQ(document.metadata.author, "Bibliotheque");
    EXPECT_EQ(document.metadata.created, 1147954740);  // \creatim 2006-05-18 12:19
    EXPECT_EQ(document.metadata.modified, 1147954740);
    EXPECT_EQ(texts(document), std::vector<std::string>{"Test d\u2019indexation Word"});

    // \upr{\title ???}{\*\ud{\title <Unicode>}}: the Unicode copy wins.
    ExtractedDocument japanese = extract_corpus("rtf/tika-testRTFJapanese.rtf");
    EXPECT_TRUE(japanese.metadata.title.starts_with("\u30BE\u30EB\u30B2\u3068\u5C3E\u5D0E"))
        << japanese.metadata.title;
    EXPECT_EQ(japanese.metadata.author, "VMazel");
}

TEST(RtfExtractor, CodePagesFromAnsicpgAndFontCharsets) {
    // \ansicpg1250 with fcharset238 fonts.
    EXPECT_EQ(texts(extract_corpus("rtf/tika-testRTFWindowsCodepage1250.rtf")),
              (std::vector<std::string>{
                  "za\u017C\u00F3\u0142\u0107 g\u0119\u015Bl\u0105 ja\u017A\u0144",
                  "ZA\u017B\u00D3\u0141\u0106 G\u0118\u015AL\u0104 JA\u0179\u0143"}));
    // \ansicpg1252 document whose Czech runs use an fcharset238 (Windows-1250) font.
    std::string czech = joined(extract_corpus("rtf/tika-testRTFWord2010CzechCharacters.rtf"));
    EXPECT_TRUE(contains(czech, "\u010Cl\u00E1nek t\u00FDdne")) << czech.substr(0, 200);
    EXPECT_TRUE(contains(czech, "P\u0159edpokl\u00E1d\u00E1 se, \u017Ee p\u016Fvodn\u00EDmi"));
    EXPECT_EQ(count_replacements(czech), 0u);
    // Shift-JIS (fcharset128) double-byte \'hh pairs.
    ExtractedDocument japanese = extract_corpus("rtf/tika-testRTFJapanese.rtf");
    std::string text = joined(japanese);
    EXPECT_GE(testing::count_code_points(text, testing::is_han), 200u);
    EXPECT_GE(testing::count_code_points(text, testing::is_kana), 100u);
    EXPECT_EQ(count_replacements(text), 0u);
    EXPECT_TRUE(
        contains(text, "1. \u30BE\u30EB\u30B2\u306E\u51E6\u5211\u8A18\u9332"));  // \listtext
    ASSERT_EQ(blocks_at(japanese, "header").size(), 1u);
    EXPECT_EQ(blocks_at(japanese, "header")[0]->text,
              "\u30BE\u30EB\u30B2\u306E\u51E6\u5211\u8A18\u9332\u3001");
}

TEST(RtfExtractor, UnicodeEscapesSurrogatesAndInvalidOnes) {
    EXPECT_EQ(
        texts(extract_corpus("rtf/tika-testRTFUnicodeGothic.rtf")),
        std::vector<std::string>{"\U00010332\U0001033F\U00010344\U00010339\U00010343\U0001033A"});
    std::string invalid = joined(extract_corpus("rtf/tika-testRTFInvalidUnicode.rtf"));
    EXPECT_TRUE(contains(invalid, "Unpaired hi \uFFFD here"));
    EXPECT_TRUE(contains(invalid, "Unpaired lo \uFFFD here"));
    EXPECT_TRUE(contains(invalid, "Mismatched pair \uFFFD\uFFFD here"));
    EXPECT_EQ(count_replacements(invalid), 4u);
    // \uc2 with two-byte fallbacks, and \u with negative values above U+7FFF.
    std::string various = joined(extract_corpus("rtf/tika-testRTFVarious.rtf"));
    EXPECT_TRUE(contains(
        various, "\u30BE\u30EB\u30B2\u3068\u5C3E\u5D0E\u3001\u6DE1\u3005\u3068\u6700\u671F"));
    EXPECT_TRUE(contains(various, "\uFF08\uFF27\uFF28\uFF31\uFF09"));
    EXPECT_EQ(count_replacements(various), 0u);
}

TEST(RtfExtractor, TablesNotesHeadersAndFields) {
    ExtractedDocument document = extract_corpus("rtf/tika-testRTFVarious.rtf");
    std::vector<std::string> rows;
    for (const Block& block : document.blocks)
        if (block.kind == BlockKind::table_row) rows.push_back(block.text);
    EXPECT_EQ(rows, (std::vector<std::string>{"Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3",
                                              "Row 2 Col 1 | Row 2 Col 2 | Row 2 Col 3"}));
    std::vector<std::string> body = texts(document);
    for (const char* expected :
         {"Here is a text box", "Footnote appears here", "This is a hyperlink", "(Kramer)",
          "Figure 1 This is a caption for Figure 1", "\u2022 Bullet 1", "1) Number bullet 1"})
        EXPECT_NE(std::find(body.begin(), body.end(), expected), body.end()) << expected;
    auto single = [&](std::string_view location) {
        std::vector<const Block*> found = blocks_at(document, location);
        EXPECT_EQ(found.size(), 1u) << location;
        return found.empty() ? std::string() : found[0]->text;
    };
    EXPECT_EQ(single("footnotes"), "This is a footnote.");
    EXPECT_EQ(single("header"), "This is the header text.");
    EXPECT_EQ(single("footer"), "This is the footer text.");
    EXPECT_EQ(std::count(body.begin(), body.end(), "Here is a text box"), 1);  // not its fallback
    EXPECT_EQ(document.metadata.author, "Michael McCandless");

    // Hyperlinks keep their visible text (\fldrslt), not the URL (\fldinst).
    std::string links = joined(extract_corpus("rtf/tika-testRTFHyperlink.rtf"));
    EXPECT_TRUE(contains(links, "read answers to our most frequently asked questions."));
    EXPECT_FALSE(contains(links, "rlidwelcomeFAQ"));
}

TEST(RtfExtractor, AnnotationDoesNotSplitTheWordItSitsIn) {
    ExtractedDocument document = extract_corpus("rtf/tika-testRTF_annotation_spacing.rtf");
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].text, "This is supercalifragilistic");
    EXPECT_EQ(document.blocks[0].location, "");
    EXPECT_EQ(document.blocks[1].text, "This is a comment");
    EXPECT_EQ(document.blocks[1].location, "comments");
    EXPECT_EQ(document.metadata.author, "Allison, Timothy B.");
}

TEST(RtfExtractor, ListsAndCorruptListTables) {
    std::vector<std::string> lists = texts(extract_corpus("rtf/tika-testRTFListMicrosoftWord.rtf"));
    for (const char* expected : {"1. one", "3. three", "A short unordered list:", "- aa", "2. b"})
        EXPECT_NE(std::find(lists.begin(), lists.end(), expected), lists.end()) << expected;
    ExtractedDocument corrupt = extract_corpus("rtf/tika-testRTFCorruptListOverride.rtf");
    std::string text = joined(corrupt);
    EXPECT_TRUE(contains(text, "There are 90 naturally occurring kinds of apples."));
    EXPECT_FALSE(contains(text, "\uFEFF"));  // Word's invisible list marks are not text
    EXPECT_EQ(corrupt.metadata.author, "xyz");
}

TEST(RtfExtractor, BinDataIsSkippedEvenWhenItHoldsBraces) {
    ExtractedDocument document = extract_corpus("rtf/tika-testBinControlWord.rtf");
    EXPECT_TRUE(document.blocks.empty()) << joined(document);  // tabs around a picture
    EXPECT_EQ(document.metadata.author, "Nicole Mendez");
    ASSERT_EQ(document.warnings.size(), 1u);
    EXPECT_TRUE(document.warnings[0].starts_with("truncated: the file ends inside 2 open groups"));
    // The same \bin payload with text after the picture: the '}' inside it closes nothing.
    std::string rtf = "{\\rtf1 before {\\pict \\bin4 }}}}}after\\par}";
    EXPECT_EQ(texts(extract_rtf(rtf)), std::vector<std::string>{"before after"});
}

TEST(RtfExtractor, EmbeddedObjectsBecomeAttachments) {
    ExtractedDocument document = extract_corpus("rtf/tika-testRTFEmbeddedFiles.rtf");
    std::vector<std::string> names;
    for (const EmbeddedFile& file : document.attachments) names.push_back(file.name);
    EXPECT_EQ(
        names,
        (std::vector<std::string>{
            "embedded-1.doc", "embedded-2.xlsx", "test-zip-of-zip_\u666E\u6797\u65AF\u987F.zip",
            "testHTML_utf8_\u666E\u6797\u65AF\u987F.html", "testJPEG_\u666E\u6797\u65AF\u987F.jpg",
            "embedded-6.xls", "testMSG_\u666E\u6797\u65AF\u987F.msg", "embedded-8.pdf",
            "embedded-9.ppt", "embedded-10.pptx", "embedded-11.doc", "embedded-12.doc",
            "embedded-13.docx", "testJPEG_\u666E\u6797\u65AF\u987F.jpg"}));
    ASSERT_EQ(document.attachments.size(), 14u);
    auto starts = [&](std::size_t i, std::string_view magic) {
        return document.attachments[i].bytes.starts_with(magic);
    };
    EXPECT_TRUE(starts(0, "\xD0\xCF\x11\xE0"));  // Word 97 document: the OLE2 file itself
    EXPECT_TRUE(starts(1, "PK\x03\x04"));        // Excel 2007 inside an OLE2 "Package" stream
    EXPECT_TRUE(starts(2, "PK\x03\x04"));        // OLE1 Package payloads
    EXPECT_TRUE(starts(3, "<!--"));
    EXPECT_TRUE(starts(4, "\xFF\xD8\xFF"));
    EXPECT_TRUE(starts(7, "%PDF-"));  // Acrobat object's CONTENTS stream
    EXPECT_EQ(document.attachments[2].bytes.size(), 299u);
    EXPECT_EQ(document.attachments[4].bytes.size(), 7686u);
    // The attachments are real files: the Word one is detected as such.
    EXPECT_EQ(testing::detect("embedded-1.doc", document.attachments[0].bytes).format, "doc");
    EXPECT_EQ(testing::detect("x.xlsx", document.attachments[1].bytes).format, "xlsx");
}

// ---- hand-made documents -------------------------------------------------------------------

TEST(RtfExtractor, HeadingsFromOutlineLevelsAndStyles) {
    std::string rtf =
        "{\\rtf1\\ansi{\\stylesheet{\\s0 Normal;}{\\s1\\b heading 1;}{\\s2 Heading 2;}"
        "{\\s5\\outlinelevel2 Custom;}}"
        "\\pard\\s1 Intro\\par\\pard Body text\\par\\pard\\s2 Part\\par\\pard\\s5 Deep\\par"
        "\\pard\\outlinelevel0 Outline\\par\\pard\\s1\\outlinelevel9 Not a heading\\par}";
    ExtractedDocument document = extract_rtf(rtf);
    struct Expected {
        BlockKind kind;
        int level;
        const char* text;
    };
    const Expected expected[] = {
        {BlockKind::heading, 1, "Intro"},   {BlockKind::paragraph, 0, "Body text"},
        {BlockKind::heading, 2, "Part"},    {BlockKind::heading, 3, "Deep"},
        {BlockKind::heading, 1, "Outline"}, {BlockKind::heading, 1, "Not a heading"},
    };
    ASSERT_EQ(document.blocks.size(), std::size(expected)) << joined(document);
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(document.blocks[i].kind, expected[i].kind);
        EXPECT_EQ(document.blocks[i].level, expected[i].level);
        EXPECT_EQ(document.blocks[i].text, expected[i].text);
    }
}

TEST(RtfExtractor, CharactersSymbolsAndSkipping) {
    std::string rtf =
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fcharset0 Arial;}{\\f1\\fcharset204 "
        "Arial Cyr;}}"
        "caf\\'e9 \\{braces\\} back\\\\slash\\~nbsp\\_dash opt\\-hyphen\\tab tab\\line next\\par"
        "\\uc2\\u8364\\'80\\'80 euro \\uc0\\u20320\\u22909 \\u-3913\\par"
        "{\\f1 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2} \\emdash\\lquote q\\rquote\\par"
        "{\\*\\unknowndest hidden}{\\*\\fldinst HYPERLINK x}{\\pict "
        "0102}{\\colortbl;\\red0;}shown\\par}";
    EXPECT_EQ(texts(extract_rtf(rtf)),
              (std::vector<std::string>{
                  "caf\u00E9 {braces} back\\slash nbsp-dash opthyphen tab\nnext",
                  "\u20AC euro \u4F60\u597D",  // U+F0B7: private use, dropped
                  "\u041F\u0440\u0438\u0432\u0435\u0442 \u2014\u2018q\u2019", "shown"}));
}

TEST(RtfExtractor, NestedTablesGiveRowsAtEachDepth) {
    std::string rtf =
        "{\\rtf1 \\pard\\intbl outer A\\cell \\pard\\intbl\\itap2 in 1\\nestcell in 2\\nestcell"
        "{\\*\\nesttableprops\\trowd\\nestrow}\\nestrow \\pard\\intbl after\\cell \\row "
        "\\pard plain\\par}";
    ExtractedDocument document = extract_rtf(rtf);
    std::vector<std::string> rows;
    for (const Block& block : document.blocks)
        rows.push_back((block.kind == BlockKind::table_row ? "T:" : "P:") + block.text);
    EXPECT_EQ(rows, (std::vector<std::string>{"T:in 1 | in 2", "T:outer A | after", "P:plain"}));
}

TEST(RtfExtractor, HostileNestingFailsTooLarge) {
    std::string rtf = "{\\rtf1 start";
    for (int i = 0; i < 10000; ++i) rtf += '{';
    rtf += "deep";
    for (int i = 0; i < 10000; ++i) rtf += '}';
    rtf += '}';
    EXPECT_EQ(failure_of(rtf), FailureKind::too_large);
    ExtractOptions relaxed;
    relaxed.max_nesting_depth = 20000;
    EXPECT_EQ(texts(extract_rtf(rtf, relaxed)), std::vector<std::string>{"startdeep"});
}

TEST(RtfExtractor, HugeBinLengthIsCutShortNotTrusted) {
    std::string rtf = "{\\rtf1 kept text\\par{\\pict\\bin2147483647 abc}}";
    ExtractedDocument document = extract_rtf(rtf);
    EXPECT_EQ(texts(document), std::vector<std::string>{"kept text"});
    EXPECT_NE(std::find_if(document.warnings.begin(), document.warnings.end(),
                           [](const std::string& w) { return contains(w, "\\bin"); }),
              document.warnings.end());
    // A negative \bin is no payload at all.
    EXPECT_EQ(texts(extract_rtf("{\\rtf1 a \\bin-5 b\\par}")), std::vector<std::string>{"a b"});
}

TEST(RtfExtractor, TruncatedFilesKeepWhatWasRead) {
    std::string full = testing::corpus_bytes("rtf/tika-testRTFVarious.rtf");
    std::string cut = full.substr(0, full.find("And then some Gothic"));
    ExtractedDocument document = extract_rtf(cut);
    std::string text = joined(document);
    EXPECT_TRUE(contains(text, "Suddenly some Japanese text:"));
    EXPECT_FALSE(contains(text, "Gothic"));
    ASSERT_FALSE(document.warnings.empty());
    EXPECT_TRUE(document.warnings[0].starts_with("truncated:"));
    // Cut inside a \'hh escape and inside a control word.
    EXPECT_EQ(texts(extract_rtf("{\\rtf1 abc\\'e")), std::vector<std::string>{"abc"});
    EXPECT_EQ(texts(extract_rtf("{\\rtf1 abc\\pa")), std::vector<std::string>{"abc"});
    EXPECT_EQ(texts(extract_rtf("{\\rtf1 abc\\")), std::vector<std::string>{"abc"});
}

TEST(RtfExtractor, GarbageAfterTheHeaderNeitherCrashesNorLeaksControlBytes) {
    std::mt19937 random(42);
    std::string rtf = "{\\rtf1 ";
    for (int i = 0; i < 200000; ++i) rtf += static_cast<char>(random() % 256);
    ExtractedDocument document = extract_rtf(rtf);
    for (const Block& block : document.blocks) {
        EXPECT_TRUE(utf8::is_valid(block.text));
        EXPECT_EQ(
            std::count_if(block.text.begin(), block.text.end(),
                          [](char c) { return c != '\n' && static_cast<unsigned char>(c) < 0x20; }),
            0);
    }
    // Extra closing braces end the document; what follows is ignored.
    EXPECT_EQ(texts(extract_rtf("{\\rtf1 real}}}} {\\rtf1 ignored}")),
              std::vector<std::string>{"real"});
}

TEST(RtfExtractor, CapsAndRefusals) {
    std::string big = "{\\rtf1 ";
    for (int i = 0; i < 2000; ++i) big += "paragraph number " + std::to_string(i) + "\\par ";
    big += "}";
    ExtractOptions small;
    small.max_output_bytes = 1000;
    EXPECT_EQ(failure_of(big, small), FailureKind::too_large);

    std::string many = "{\\rtf1 ";
    for (int i = 0; i < 40000; ++i) many += "w\\b b\\b0 ";
    many += "}";
    ExtractOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(failure_of(many, late), FailureKind::timeout);

    EXPECT_EQ(failure_of("not rtf at all"), FailureKind::corrupt);
    EXPECT_EQ(failure_of(""), FailureKind::empty);
    EXPECT_TRUE(extract_rtf("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\par\\par}").blocks.empty());
}

// ---- OLE1 objects ----------------------------------------------------------------------------

std::string le32(std::uint32_t v) {
    return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
            static_cast<char>(v >> 24)};
}
std::string sized(std::string_view s) {
    return le32(static_cast<std::uint32_t>(s.size())) + std::string(s);
}
std::string ole1(std::uint32_t format, std::string_view class_name, std::string_view native) {
    return le32(0x0501) + le32(format) + sized(std::string(class_name) + '\0') + sized("") +
           sized("") + sized(native);
}
std::string package(std::string_view label, std::string_view data) {
    return std::string("\x02\x00", 2) + std::string(label) + '\0' + "C:\\x\\" + std::string(label) +
           '\0' + std::string("\x00\x00\x03\x00", 4) + sized("C:\\tmp\\f") + sized(data);
}

TEST(RtfObjects, PackagesLinksAndDamagedData) {
    std::string object = ole1(2, "Package", package("notes.txt", "hello"));
    std::optional<EmbeddedFile> file = rtf::decode_rtf_object("Package", object, 1);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->name, "notes.txt");
    EXPECT_EQ(file->bytes, "hello");

    EXPECT_FALSE(rtf::decode_rtf_object("Package", ole1(1, "Package", ""), 1));  // a link
    EXPECT_FALSE(rtf::decode_rtf_object("Equation.3", ole1(2, "Equation.3", "xyz"), 1));
    for (std::size_t cut = 0; cut < object.size(); ++cut)  // every truncation: no crash
        EXPECT_FALSE(rtf::decode_rtf_object("Package", object.substr(0, cut), 1)) << cut;

    // Through the reader: \objdata hex with line breaks, \objclass, and the \result kept.
    std::string hex;
    for (unsigned char c : object) {
        static const char* digits = "0123456789abcdef";
        hex += digits[c >> 4];
        hex += digits[c & 15];
        if (hex.size() % 64 == 0) hex += "\r\n";
    }
    std::string rtf = "{\\rtf1 Before {\\object\\objemb{\\*\\objclass Package}{\\*\\objdata " +
                      hex + "}{\\result icon caption}} after\\par}";
    ExtractedDocument document = extract_rtf(rtf);
    EXPECT_EQ(texts(document), std::vector<std::string>{"Before icon caption after"});
    ASSERT_EQ(document.attachments.size(), 1u);
    EXPECT_EQ(document.attachments[0].name, "notes.txt");
    EXPECT_EQ(document.attachments[0].bytes, "hello");
    ExtractOptions tight;
    tight.max_unpacked_bytes = 10;
    ExtractedDocument capped = extract_rtf(rtf, tight);
    EXPECT_TRUE(capped.attachments.empty());
    EXPECT_EQ(capped.warnings.size(), 1u);
}

}  // namespace
}  // namespace deskside::ingest
