// The office package wrappers: ZipArchive's caps (entries, unpacked bytes, lying sizes) and
// XmlReader's safety (no entity expansion, depth cap, malformed XML named with its part).
#include <chrono>
#include <functional>

#include "base/error.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"
#include "office/xml_reader.h"
#include "office/zip_archive.h"
#include "zip_builder.h"

namespace deskside::ingest::office {
namespace {

using testing::corpus_bytes;
using testing::make_zip;

FailureKind kind_of_failure(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return failure_kind_of(e.what());
    }
    ADD_FAILURE() << "expected a failure";
    return FailureKind::io;
}

TEST(ZipArchive, ReadsARealPackage) {
    std::string bytes = corpus_bytes("docx/poi-SampleDoc.docx");
    ExtractOptions options;
    ZipArchive zip(bytes, options, "docx package");
    EXPECT_TRUE(zip.contains("word/document.xml"));
    EXPECT_TRUE(zip.contains("[content_types].xml"));  // case-insensitive, as OPC says
    std::optional<std::string> document = zip.read("word/document.xml");
    ASSERT_TRUE(document);
    EXPECT_NE(document->find("<w:document"), std::string::npos);
    EXPECT_EQ(zip.unpacked_bytes(), static_cast<std::int64_t>(document->size()));
    EXPECT_FALSE(zip.read("word/nothing.xml"));
}

TEST(ZipArchive, DamagedArchivesFailAsCorrupt) {
    ExtractOptions options;
    for (const char* file :
         {"malformed/poi-invalid.xlsx", "malformed/tika-testWORD_truncated.docx",
          "malformed/tika-testZIP_corrupted_oom.zip", "malformed/tika-testODTnotaZipFile.odt"}) {
        std::string bytes = corpus_bytes(file);
        EXPECT_EQ(kind_of_failure([&] {
                      ZipArchive zip(bytes, options, "package");
                      for (const std::string& name : zip.names()) zip.read(name);
                      if (zip.names().empty()) fail(FailureKind::corrupt, "empty");
                  }),
                  FailureKind::corrupt)
            << file;
    }
}

TEST(ZipArchive, ABombFailsTooLargeBeforeInflatingIt) {
    std::string zeros(64 << 20, '\0');
    std::string bytes = make_zip({{"bomb.xml", zeros}});
    ASSERT_LT(bytes.size(), 1u << 20);
    ExtractOptions options;
    options.max_unpacked_bytes = 16 << 20;
    ZipArchive zip(bytes, options, "package");
    EXPECT_EQ(kind_of_failure([&] { zip.read("bomb.xml"); }), FailureKind::too_large);
}

TEST(ZipArchive, TheBudgetIsSharedByAllReads) {
    std::string part(6 << 20, 'x');
    std::string bytes = make_zip({{"a", part}, {"b", part}, {"c", part}});
    ExtractOptions options;
    options.max_unpacked_bytes = 16 << 20;
    ZipArchive zip(bytes, options, "package");
    EXPECT_TRUE(zip.read("a"));
    EXPECT_TRUE(zip.read("b"));
    EXPECT_EQ(kind_of_failure([&] { zip.read("c"); }), FailureKind::too_large);
}

TEST(ZipArchive, TooManyEntriesFail) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (int i = 0; i < 50; ++i) entries.emplace_back("e" + std::to_string(i), "x");
    std::string bytes = make_zip(entries);
    ExtractOptions options;
    options.max_archive_entries = 20;
    EXPECT_EQ(kind_of_failure([&] { ZipArchive zip(bytes, options, "package"); }),
              FailureKind::too_large);
}

TEST(ResolvePartName, FollowsOpcRules) {
    EXPECT_EQ(resolve_part_name("word/document.xml", "media/image1.png"), "word/media/image1.png");
    EXPECT_EQ(resolve_part_name("ppt/slides/slide1.xml", "../notesSlides/notesSlide1.xml"),
              "ppt/notesSlides/notesSlide1.xml");
    EXPECT_EQ(resolve_part_name("_rels/.rels", "/word/document.xml"), "word/document.xml");
    EXPECT_EQ(resolve_part_name("xl/workbook.xml", "worksheets/sheet%201.xml"),
              "xl/worksheets/sheet 1.xml");
    EXPECT_EQ(resolve_part_name("", "word/document.xml"), "word/document.xml");
}

std::string all_text(std::string_view xml, const ExtractOptions& options = {}) {
    XmlReader reader(xml, "part.xml", options);
    std::string text;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;)
        if (event == XmlReader::Event::text) text += reader.text();
    return text;
}

TEST(XmlReader, ReportsElementsAttributesAndText) {
    std::string xml =
        R"(<w:document xmlns:w="urn:w"><w:p w:id="7"><w:t>Hello</w:t><w:br/><w:t xml:space="preserve"> world</w:t></w:p><!-- c --></w:document>)";
    ExtractOptions options;
    XmlReader reader(xml, "word/document.xml", options);
    ASSERT_EQ(reader.next(), XmlReader::Event::start);
    EXPECT_EQ(reader.name(), "document");
    EXPECT_EQ(reader.namespace_uri(), "urn:w");
    ASSERT_EQ(reader.next(), XmlReader::Event::start);
    EXPECT_EQ(reader.name(), "p");
    EXPECT_EQ(reader.attribute("id"), "7");
    EXPECT_EQ(reader.attribute("id", "urn:w"), "7");
    EXPECT_FALSE(reader.attribute("missing"));
    EXPECT_EQ(reader.depth(), 2);
    std::vector<std::string> trace;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event == XmlReader::Event::start) trace.push_back("<" + std::string(reader.name()));
        if (event == XmlReader::Event::end) trace.push_back("/" + std::string(reader.name()));
        if (event == XmlReader::Event::text) trace.push_back(std::string(reader.text()));
    }
    EXPECT_EQ(trace, (std::vector<std::string>{"<t", "Hello", "/t", "<br", "/br", "<t", " world",
                                               "/t", "/p", "/document"}));
}

TEST(XmlReader, SkipElementJumpsOverItsContent) {
    std::string xml = "<a><skip><x>hidden</x></skip><keep>shown</keep><e/><f>more</f></a>";
    ExtractOptions options;
    XmlReader reader(xml, "part.xml", options);
    std::string text;
    for (XmlReader::Event event; (event = reader.next()) != XmlReader::Event::eof;) {
        if (event == XmlReader::Event::start && (reader.name() == "skip" || reader.name() == "e"))
            reader.skip_element();
        else if (event == XmlReader::Event::text)
            text += reader.text();
    }
    EXPECT_EQ(text, "shownmore");
}

TEST(XmlReader, BillionLaughsNeverExpands) {
    std::string xml = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)";
    xml += R"(<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">)";
    for (int i = 2; i <= 9; ++i) {
        std::string previous = "&lol" + std::to_string(i - 1) + ";";
        xml += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) xml += previous;
        xml += "\">";
    }
    xml += "]><lolz>&lol9;</lolz>";
    auto started = std::chrono::steady_clock::now();
    std::string text;
    try {
        text = all_text(xml);
    } catch (const Error& e) {
        FailureKind kind = failure_kind_of(e.what());
        EXPECT_TRUE(kind == FailureKind::too_large || kind == FailureKind::corrupt) << e.what();
    }
    EXPECT_LT(text.size(), 1000u);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(XmlReader, DeepNestingFails) {
    std::string xml;
    for (int i = 0; i < 5000; ++i) xml += "<a>";
    for (int i = 0; i < 5000; ++i) xml += "</a>";
    ExtractOptions options;
    options.max_nesting_depth = 100;
    EXPECT_EQ(kind_of_failure([&] { all_text(xml, options); }), FailureKind::too_large);
}

TEST(XmlReader, MalformedXmlNamesThePart) {
    try {
        all_text("<a><b>text</a>");
        FAIL() << "malformed XML was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(failure_kind_of(e.what()), FailureKind::corrupt);
        EXPECT_NE(std::string(e.what()).find("part.xml"), std::string::npos) << e.what();
    }
}

TEST(XmlReader, ExternalEntitiesAreNotFetched) {
    std::string xml =
        R"(<?xml version="1.0"?><!DOCTYPE a [<!ENTITY ext SYSTEM "file:///etc/passwd">]><a>x&ext;y</a>)";
    std::string text;
    try {
        text = all_text(xml);
    } catch (const Error&) {
    }
    EXPECT_EQ(text.find("root:"), std::string::npos);
}

}  // namespace
}  // namespace deskside::ingest::office
