// detect_file_type against every file of the shared corpus (MANIFEST.tsv gives the true type
// family) and against hand-made signatures.
#include <fstream>
#include <map>
#include <sstream>

#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::corpus;
using testing::corpus_bytes;
using testing::detect;

// The manifest's folder-level type family for a detected format.
std::string family(const std::string& format) {
    static const std::map<std::string, std::string> kFamilies = {
        {"odt", "odf"},    {"ods", "odf"},    {"odp", "odf"},  {"doc", "legacy"},
        {"xls", "legacy"}, {"ppt", "legacy"}, {"text", "txt"}, {"markdown", "md"}};
    auto it = kFamilies.find(format);
    return it == kFamilies.end() ? format : it->second;
}

struct ManifestRow {
    std::string path, type;
};

std::vector<ManifestRow> manifest() {
    std::ifstream in(deskside::testing::corpus_dir() / "MANIFEST.tsv");
    std::vector<ManifestRow> rows;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        ManifestRow row;
        std::getline(fields, row.path, '\t');
        std::getline(fields, row.type, '\t');
        rows.push_back(row);
    }
    return rows;
}

TEST(DetectFileType, EveryManifestFileGetsItsTypeFamily) {
    std::vector<ManifestRow> rows = manifest();
    ASSERT_GE(rows.size(), 240u) << "MANIFEST.tsv not found or truncated";
    std::map<std::string, int> checked;
    for (const ManifestRow& row : rows) {
        if (row.type == "malformed") continue;  // checked one by one below
        std::string bytes = corpus_bytes(row.path);
        FileType type = detect(corpus(row.path), bytes);
        EXPECT_FALSE(type.mime.empty()) << row.path;
        std::string expected = row.type == "expected-text" ? "txt" : row.type;
        // A colon-separated table in a .txt file is plain text to us: CSV is not sniffed from
        // content, and the plain-text extractor reads both.
        if (row.path == "csv/tika-testColonDelimited.txt") expected = "txt";
        EXPECT_EQ(family(type.format), expected) << row.path << " detected as " << type.format;
        ++checked[expected];
    }
    for (const char* kind : {"pdf", "docx", "xlsx", "pptx", "odf", "rtf", "email", "html", "txt",
                             "csv", "md", "legacy"})
        EXPECT_GT(checked[kind], 0) << "no " << kind << " file checked";
}

TEST(DetectFileType, ContainerFormatsPickTheExactSubtype) {
    struct Case {
        const char* path;
        const char* format;
        const char* mime;
    };
    const Case cases[] = {
        {"pdf/tika-testPDF.pdf", "pdf", "application/pdf"},
        {"docx/tika-testWORD_macros.docm", "docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xlsx/tika-testEXCEL.xlsb", "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"pptx/tika-testPPT.ppsx", "pptx",
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {"odf/tika-LibreOfficeWriter_odt_1.3.odt", "odt",
         "application/vnd.oasis.opendocument.text"},
        {"odf/tika-LibreOfficeCalc_ods_1.3.ods", "ods",
         "application/vnd.oasis.opendocument.spreadsheet"},
        {"odf/tika-LibreOfficeImpress_odp_1.3.odp", "odp",
         "application/vnd.oasis.opendocument.presentation"},
        {"odf/tika-testODTMacro.fodt", "odt", "application/vnd.oasis.opendocument.text"},
        {"docx/poi-protected_agile.docx", "docx", nullptr},  // encrypted: an OLE2 container
        {"legacy/tika-testWORD6.doc", "doc", "application/msword"},
        {"legacy/tika-testEXCEL_95.xls", "xls", "application/vnd.ms-excel"},
        {"legacy/tika-testEXCEL_4.xls", "xls", nullptr},  // bare BIFF4, no OLE2
        {"legacy/tika-testPPT.ppt", "ppt", "application/vnd.ms-powerpoint"},
        {"email/tika-testMSG.msg", "email", nullptr},
        {"email/tika-complex.mbox", "email", nullptr},
        {"email/tika-testRFC822_i18nheaders", "email", "message/rfc822"},  // no extension
        {"email/tika-testLotusEml.eml", "email", "message/rfc822"},
        {"rtf/tika-testRTF.rtf", "rtf", "application/rtf"},
        {"html/chardet-UTF-16LE-plane1-utf-16le.html", "html", "text/html"},
        {"md/tika-testMARKDOWN.md", "markdown", "text/markdown"},
        {"csv/tika-foo.csv", "csv", "text/csv"},
        {"txt/tika-english.cp500.txt", "text", "text/plain"},
    };
    for (const Case& c : cases) {
        FileType type = detect(corpus(c.path), corpus_bytes(c.path));
        EXPECT_EQ(type.format, c.format) << c.path;
        if (c.mime) {
            EXPECT_EQ(type.mime, c.mime) << c.path;
        }
    }
}

TEST(DetectFileType, MalformedFilesGetASensibleType) {
    struct Case {
        const char* path;
        const char* format;
    };
    const Case cases[] = {
        {"malformed/tika-file10_permahang.txt", "text"},      // zero bytes
        {"malformed/tika-testODTnotaZipFile.odt", "text"},    // says so in plain ASCII
        {"malformed/tika-testWordPerfect_42.doc", "binary"},  // no signature we know
        {"malformed/poi-invalid.xlsx", "xlsx"},               // empty zip: the xlsx reader says why
        {"malformed/tika-testWORD_truncated.docx", "docx"},
        {"malformed/poi-truncated62886.docx", "docx"},
        {"malformed/tika-testZIP_corrupted_oom.zip", "zip"},
        {"malformed/poi-57272_corrupted_usereditatom.ppt", "ppt"},
    };
    for (const Case& c : cases)
        EXPECT_EQ(detect(corpus(c.path), corpus_bytes(c.path)).format, c.format) << c.path;
}

std::string local_zip_entry(std::string_view name) {
    std::string header("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);
    header += std::string(16, '\0');  // time, date, crc, sizes
    header += static_cast<char>(name.size());
    header += std::string(3, '\0');  // name length high byte, extra length
    return header + std::string(name) + "xxxx";
}

TEST(DetectFileType, SignaturesWinOverExtensions) {
    EXPECT_EQ(detect_file_type("report.txt", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n").format, "pdf");
    std::string docx =
        local_zip_entry("[Content_Types].xml") + local_zip_entry("word/document.xml");
    EXPECT_EQ(detect_file_type("attachment.zip", docx).format, "docx");
    std::string xlsx = local_zip_entry("[Content_Types].xml") + local_zip_entry("xl/workbook.xml");
    EXPECT_EQ(detect_file_type("noname", xlsx).format, "xlsx");
    EXPECT_EQ(detect_file_type("archive.zip", local_zip_entry("readme.txt")).format, "zip");
    EXPECT_EQ(detect_file_type("notes.txt", "{\\rtf1\\ansi hello}").format, "rtf");
    EXPECT_EQ(
        detect_file_type("page.txt", "\n  <!-- generated -->\n<!DOCTYPE html><html></html>").format,
        "html");
    std::string utf16_html;
    for (char c : std::string_view("<html><body>hi</body></html>")) utf16_html += {c, '\0'};
    EXPECT_EQ(detect_file_type("page.dat", utf16_html).format, "html");
}

TEST(DetectFileType, TextFormatsFollowContentThenExtension) {
    EXPECT_EQ(detect_file_type("notes.md", "Title: Notes\nDate: 2024-01-01\nFrom: me\n\n# Notes\n")
                  .format,
              "markdown");
    EXPECT_EQ(detect_file_type("README.md", "<div align=\"center\">logo</div>\n# Title\n").format,
              "markdown");
    EXPECT_EQ(detect_file_type("data.tsv", "a\tb\n1\t2\n").format, "csv");
    EXPECT_EQ(detect_file_type("data.tsv", "a\tb\n1\t2\n").mime, "text/tab-separated-values");
    EXPECT_EQ(detect_file_type("page.htm", "Just words, no tags.").format, "html");
    EXPECT_EQ(detect_file_type("letter.txt", "From the desk of J. Smith\nDear Sir,\n").format,
              "text");
    EXPECT_EQ(
        detect_file_type("message",
                         "Received: from mx.example.com\nFrom: a@example.com\nTo: b@example.com\n"
                         "Subject: hi\n\nbody\n")
            .format,
        "email");
    EXPECT_EQ(detect_file_type("notes.txt", "Subject: notes\nTopic: other\n\nbody").format, "text");
    std::string binary(
        "\x7F"
        "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3E\x00",
        20);
    EXPECT_EQ(detect_file_type("program", binary).format, "binary");
    EXPECT_EQ(detect_file_type("program", binary).mime, "application/octet-stream");
}

}  // namespace
}  // namespace deskside::ingest
