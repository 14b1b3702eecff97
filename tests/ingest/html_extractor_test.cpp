// The HTML extractor on the Tika and chardet pages of the corpus (scripts, boilerplate, charsets
// declared, missing and wrong) and on hand-made pages for the structural rules.
#include "base/error.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::count_code_points;
using testing::extract_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::texts;

ExtractedDocument extract_html(std::string_view html, const ExtractOptions& options = {}) {
    FileType type{"html", "text/html"};
    return extract_bytes("page.html", html, &type, options);
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

TEST(HtmlExtractor, TitleAuthorAndHeading) {
    ExtractedDocument document = extract_corpus("html/tika-testHTML.html");
    EXPECT_EQ(document.format, "html");
    EXPECT_EQ(document.metadata.title, "Title : Test Indexation Html");
    EXPECT_EQ(document.metadata.author, "Tika Developers");
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].level, 1);
    EXPECT_EQ(document.blocks[0].text, "Test Indexation Html");
    EXPECT_EQ(document.blocks[1].kind, BlockKind::paragraph);
    EXPECT_EQ(document.blocks[1].text, "Indexation du fichier");
}

TEST(HtmlExtractor, ScriptsAreDropped) {
    for (const char* path :
         {"html/tika-testHTMLGoodScript.html", "html/tika-testHTMLBadScript.html",
          "html/tika-testHTML_script_in_body.html"}) {
        ExtractedDocument document = extract_corpus(path);
        EXPECT_EQ(texts(document), std::vector<std::string>{"This is a test."}) << path;
    }
    ExtractedDocument head_only = extract_corpus("html/tika-testHTML_head.html");
    EXPECT_EQ(head_only.metadata.title, "Apache Tika");
    // Nothing in the body: the title is the page's only text, so it is indexed as its heading.
    EXPECT_EQ(texts(head_only), std::vector<std::string>{"Apache Tika"});
}

TEST(HtmlExtractor, BoilerplateNavigationIsDropped) {
    ExtractedDocument document = extract_corpus("html/tika-boilerplate.html");
    std::string text = joined(document);
    EXPECT_EQ(document.metadata.title, "Title");
    EXPECT_EQ(document.metadata.language, "en");
    EXPECT_TRUE(
        contains(text, "This is the real meat of the page, and represents the text we want."));
    EXPECT_TRUE(contains(text, "Here's another paragraph of text. This is the end of the text."));
    EXPECT_FALSE(contains(text, "boilerplate")) << text;  // a table of menu links
    EXPECT_FALSE(contains(text, "footer")) << text;       // a link-only last line
    EXPECT_EQ(document.blocks.size(), 2u);
}

TEST(HtmlExtractor, CharsetsDeclaredMissingAndWrong) {
    struct Case {
        const char* path;
        bool (*in_script)(char32_t);
        const char* must_contain;
        const char* encoding;
    };
    const Case cases[] = {
        {"html/chardet-Big5-_chromium_Big5_with_no_encoding_specified.html", testing::is_han,
         "台北看守所", "BIG5"},
        {"html/chardet-EUC-KR-_chromium_windows-949_with_no_encoding_specified.html",
         testing::is_hangul, "한나라당은", "CP949"},
        {"html/chardet-KOI8-R-_chromium_KOI8-R_with_no_encoding_specified.html",
         testing::is_cyrillic, "МОСКВА", "KOI8-R"},
        {"html/chardet-iso-8859-5-russian-_chromium_ISO-8859-5_with_no_encoding_specified.html",
         testing::is_cyrillic, "МОСКВА", "ISO-8859-5"},
        {"html/chardet-SHIFT_JIS-_chromium_Shift-JIS_with_no_encoding_specified.html",
         testing::is_han, "衆院議院運営委員会", "CP932"},
        // Declared windows-1251 only after 4.7 KB of script.
        {"html/tika-big-preamble.html", testing::is_cyrillic, "Континент-Недвижимость",
         "WINDOWS-1251"},
        // TIKA-1001: the Arabic word Tika's test looks for.
        {"html/tika-testHTMLNoisyMetaEncoding_1.html", testing::is_arabic, "أعرب", "ISO-8859-6"},
        {"html/chardet-UTF-16LE-plane1-utf-16le.html",
         [](char32_t cp) { return cp >= 0x10400 && cp < 0x10450; },
         "Deseret | Utah | Brigham Young", "UTF-16LE"},
        {"html/tika-testHTML_utf8.html",
         [](char32_t cp) { return cp == U'å' || cp == U'ä' || cp == U'ö'; }, "åäö", "UTF-8"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        ExtractedDocument document = extract_corpus(c.path);
        std::string text = joined(document);
        EXPECT_EQ(document.metadata.encoding, c.encoding);
        EXPECT_GE(count_code_points(text, c.in_script), 3u);
        EXPECT_TRUE(contains(text, c.must_contain)) << text.substr(0, 400);
        EXPECT_EQ(count_code_points(text, [](char32_t cp) { return cp == 0xFFFD; }), 0u);
    }
    ExtractedDocument utf16 = extract_corpus("html/tika-testHTML_charset_utf16le.html");
    EXPECT_EQ(utf16.metadata.title, "Title");
    EXPECT_EQ(texts(utf16), std::vector<std::string>{"This is a sample text"});
    EXPECT_EQ(extract_corpus("html/tika-testHTML_utf8.html").metadata.title,
              "Title : Tilte with UTF-8 chars öäå");
    EXPECT_TRUE(
        extract_corpus("html/tika-big-preamble.html").metadata.title.starts_with("Аренда квартир"));
}

TEST(HtmlExtractor, MetaCharsetInACommentIsIgnoredAndUtf8Wins) {
    std::string page =
        "<html><head><!-- <meta charset=\"koi8-r\"> --><meta http-equiv=\"Content-Type\" "
        "content=\"text/html; "
        "charset=windows-1251\"></head><body><p>\xCF\xF0\xE8\xE2\xE5\xF2</p></body></html>";
    EXPECT_EQ(texts(extract_html(page)), std::vector<std::string>{"Привет"});
    std::string utf8_declared_latin1 = "<meta charset=iso-8859-1><p>naïve café</p>";
    EXPECT_EQ(texts(extract_html(utf8_declared_latin1)), std::vector<std::string>{"naïve café"});
}

TEST(HtmlExtractor, StrayNulBytesInAPage) {
    ExtractedDocument document = extract_corpus("html/tika-test_ignore_IBM420.html");
    std::vector<std::string> blocks = texts(document);
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(blocks[0], "Hi, Luis, good morning.");
    EXPECT_EQ(document.warnings, std::vector<std::string>{"NUL bytes removed"});
}

TEST(HtmlExtractor, MetadataFromRealPages) {
    ExtractedDocument plane1 = extract_corpus("html/chardet-UTF-16LE-plane1-utf-16le.html");
    EXPECT_EQ(plane1.metadata.language, "en-US");
    EXPECT_EQ(plane1.metadata.author, "Tex Texin");
    EXPECT_EQ(plane1.metadata.title, "Unicode Plane 1 Example Using UTF-16");
    ExtractedDocument rental = extract_corpus("html/tika-tika434.html");
    EXPECT_EQ(rental.metadata.author, "Rentalo.com");
    EXPECT_TRUE(contains(joined(rental), "Finger Lake Area on Lamoka Lake."));
}

TEST(HtmlExtractor, StructureRules) {
    const char* page = R"(<!DOCTYPE html>
<html lang="de"><head><title> Page  title </title>
<meta name="dcterms.created" content="2021-03-04T05:06:07Z"><meta name="dcterms.modified" content="2022-01-02T01:30+01:30">
</head><body>
<header><a href="/">Home</a> <a href="/about">About us</a></header>
<header><h1>Main   heading</h1></header>
<nav><ul><li>Menu one</li></ul></nav>
<div role="navigation">Skip me</div>
<aside>Related stuff</aside>
<h3>Third</h3>
<p>First&nbsp;line<br>second   line</p>
<ul><li>item <b>one</b></li><li>item two</li></ul>
<pre>  code
    indented</pre>
<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>42</td></tr></table>
<table><tr><td><p>Layout cell paragraph.</p></td><td>Side text</td></tr></table>
<svg><text>vector text</text></svg><template><p>hidden</p></template><noscript>enable js</noscript>
<div>Loose <span>div</span> text</div>
<footer>Copyright</footer>
</body></html>)";
    ExtractedDocument document = extract_html(page);
    EXPECT_EQ(document.metadata.title, "Page title");
    EXPECT_EQ(document.metadata.language, "de");
    EXPECT_EQ(document.metadata.created, 1614834367);
    EXPECT_EQ(document.metadata.modified, 1641081600);
    struct Expected {
        BlockKind kind;
        int level;
        const char* text;
    };
    const Expected expected[] = {
        {BlockKind::heading, 1, "Main heading"},
        {BlockKind::heading, 3, "Third"},
        {BlockKind::paragraph, 0, "First line\nsecond line"},
        {BlockKind::paragraph, 0, "item one"},
        {BlockKind::paragraph, 0, "item two"},
        {BlockKind::paragraph, 0, "code\n    indented"},
        {BlockKind::table_row, 0, "Name | Age"},
        {BlockKind::table_row, 0, "Ann | 42"},
        {BlockKind::paragraph, 0, "Layout cell paragraph."},
        {BlockKind::paragraph, 0, "Side text"},
        {BlockKind::paragraph, 0, "Loose div text"},
    };
    ASSERT_EQ(document.blocks.size(), std::size(expected)) << joined(document);
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(document.blocks[i].kind, expected[i].kind);
        EXPECT_EQ(document.blocks[i].level, expected[i].level);
        EXPECT_EQ(document.blocks[i].text, expected[i].text);
    }
}

TEST(HtmlExtractor, TitleFallsBackToFirstH1AndLinkOnlyPagesSurvive) {
    ExtractedDocument document = extract_html("<h2>Second</h2><h1>First <i>one</i></h1><p>x</p>");
    EXPECT_EQ(document.metadata.title, "First one");
    // A page of nothing but links keeps them: dropping would leave it empty.
    ExtractedDocument links =
        extract_html("<ul><li><a href=a>Alpha</a></li><li><a href=b>Beta</a></li></ul>");
    EXPECT_EQ(texts(links), (std::vector<std::string>{"Alpha", "Beta"}));
}

TEST(HtmlExtractor, DeepNestingIsBounded) {
    std::string page = "<html><body><p>before</p>";
    for (int i = 0; i < 20000; ++i) page += "<div>";
    page += "deep";
    for (int i = 0; i < 20000; ++i) page += "</div>";
    page += "<p>after</p></body></html>";
    ExtractedDocument document = extract_html(page);  // must neither crash nor hang
    ASSERT_FALSE(document.blocks.empty());
    EXPECT_EQ(document.blocks.front().text, "before");
}

TEST(HtmlExtractor, OutputCapAndBinaryInput) {
    std::string page = "<html><body>";
    for (int i = 0; i < 1000; ++i) page += "<p>paragraph " + std::to_string(i) + "</p>";
    ExtractOptions options;
    options.max_output_bytes = 500;
    ExtractedDocument document = extract_html(page + "</body></html>", options);
    std::size_t total = 0;
    for (const Block& block : document.blocks) total += block.text.size();
    EXPECT_LE(total, 500u);
    EXPECT_GT(document.blocks.size(), 10u);
    EXPECT_EQ(document.warnings.size(), 1u);

    std::string binary = testing::corpus_bytes("docx/tika-testWORD_3imgs.docx");
    try {
        extract_html(binary);
        ADD_FAILURE() << "a zip file was read as HTML";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::unsupported);
        EXPECT_TRUE(std::string(error.what()).starts_with("unsupported: not a text file"))
            << error.what();
    }
}

}  // namespace
}  // namespace deskside::ingest
