// The e-mail extractor on every email/ file of the corpus (.eml, mbox, Outlook .msg: headers,
// bodies, charsets, attachments, nested messages), on hand-made messages and .msg files (built
// by a minimal OLE2 writer below), and on hostile input (nesting bombs, truncation, garbage,
// caps, deadlines).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"
#include "email/mapi_text.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::corpus_bytes;
using testing::count_code_points;
using testing::extract_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::texts;

const FileType kMessage{"email", "message/rfc822"};
const FileType kMbox{"email", "application/mbox"};
const FileType kOutlook{"email", "application/vnd.ms-outlook"};

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

std::string field(const ExtractedDocument& document, std::string_view key) {
    for (const auto& [name, value] : document.metadata.fields)
        if (name == key) return value;
    return "";
}

std::vector<std::string> attachment_names(const ExtractedDocument& document) {
    std::vector<std::string> names;
    for (const EmbeddedFile& file : document.attachments) names.push_back(file.name);
    return names;
}

const EmbeddedFile* attachment(const ExtractedDocument& document, std::string_view name) {
    for (const EmbeddedFile& file : document.attachments)
        if (file.name == name) return &file;
    return nullptr;
}

// The reason an extraction failed with; "" if it did not fail.
std::string failure(std::string_view bytes, const FileType& type,
                    const ExtractOptions& options = {}) {
    try {
        extract_bytes("input", bytes, &type, options);
    } catch (const Error& error) {
        return error.what();
    }
    return "";
}

bool has_warning(const ExtractedDocument& document, std::string_view part) {
    return std::any_of(document.warnings.begin(), document.warnings.end(),
                       [&](const std::string& w) { return contains(w, part); });
}

// ---- RFC 822 / MIME -------------------------------------------------------------------------

TEST(EmailExtractor, EncodedHeadersAreDecoded) {
    ExtractedDocument document = extract_corpus("email/tika-testRFC822_i18nheaders");
    EXPECT_EQ(document.format, "email");
    // Two encoded words in two charsets (ISO-8859-1 and -2), folded over two lines.
    EXPECT_EQ(document.metadata.title, "If you can read this you understand the example.");
    EXPECT_EQ(document.metadata.author, "Keld J\u00f8rn Simonsen <keld@dkuug.dk>");
    EXPECT_EQ(field(document, "from"), "Keld J\u00f8rn Simonsen <keld@dkuug.dk>");
    EXPECT_EQ(field(document, "to"), "Nobody in Particular <a.person@example.com>");
    EXPECT_EQ(field(document, "cc"), "");
    EXPECT_FALSE(document.metadata.created);  // no Date header
    ASSERT_EQ(document.blocks.size(), 3u) << joined(document);
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].level, 1);
    EXPECT_EQ(document.blocks[0].text, "If you can read this you understand the example.");
    EXPECT_EQ(document.blocks[1].text,
              "From: Keld J\u00f8rn Simonsen <keld@dkuug.dk>\n"
              "To: Nobody in Particular <a.person@example.com>");
    EXPECT_EQ(document.blocks[2].text, "Examples taken from RFC 2047.");
    EXPECT_TRUE(document.attachments.empty());
}

TEST(EmailExtractor, PlainMessageHeadersDateAndParagraphs) {
    ExtractedDocument document = extract_corpus("email/tika-testRFC822_dkim.eml");
    EXPECT_EQ(document.metadata.title, "Is dinner ready?");
    EXPECT_EQ(document.metadata.author, "Joe SixPack <joe@football.example.com>");
    EXPECT_EQ(field(document, "to"), "Suzie Q <suzie@shopping.example.net>");
    // Fri, 11 Jul 2003 21:00:37 -0700 = 2003-07-12 04:00:37 UTC.
    EXPECT_EQ(document.metadata.created, 1057982437);
    EXPECT_EQ(document.metadata.modified, 1057982437);
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"Is dinner ready?",
                                        "From: Joe SixPack <joe@football.example.com>\n"
                                        "To: Suzie Q <suzie@shopping.example.net>\n"
                                        "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
                                        "Hi.", "We lost the game. Are you hungry yet?", "Joe."}));
}

TEST(EmailExtractor, PlainPreferredAndAttachmentsHandedOver) {
    ExtractedDocument document = extract_corpus("email/tika-testRFC822_multipart_attachments.eml");
    EXPECT_EQ(document.metadata.title, "EML 1");
    EXPECT_EQ(document.metadata.author, "Bugs Bunny <Bugs.Bunny@acme.com>");
    std::string text = joined(document);
    EXPECT_TRUE(contains(text, "This is test email for EML1")) << text;
    EXPECT_FALSE(contains(text, "html body of the main msg")) << text;  // the HTML alternative
    // The signature ends in EN SPACEs (U+2002), trimmed like ASCII spaces.
    EXPECT_EQ(document.blocks.back().text, "Thanks,\nChetan");
    EXPECT_FALSE(contains(text, "This is Test TXTA")) << text;  // attachments are not body
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"Test TxtA.txt", "Test TxtB.txt"}));
    EXPECT_EQ(document.attachments[0].bytes, "This is Test TXTA File for parser");
    EXPECT_EQ(document.attachments[1].bytes, "This is Test TXTB File for parser");
}

TEST(EmailExtractor, PdfAttachmentIsDecoded) {
    ExtractedDocument document = extract_corpus("email/tika-test-incremental-updates.eml");
    EXPECT_EQ(document.metadata.title, "test incremental updates");
    EXPECT_EQ(document.metadata.author, "Tim Allison <tallison@apache.org>");
    EXPECT_TRUE(contains(joined(document),
                         "This is a container email with an embedded pdf with incremental "
                         "updates."));
    ASSERT_EQ(attachment_names(document),
              std::vector<std::string>{"testPDF_incrementalUpdates.pdf"});
    const std::string& pdf = document.attachments[0].bytes;
    EXPECT_TRUE(pdf.starts_with("%PDF-1.3")) << pdf.substr(0, 16);
    EXPECT_TRUE(contains(pdf.substr(pdf.size() - 32), "%%EOF"));
}

TEST(EmailExtractor, NamedInlineImageIsAttachedXhtmlAlternativeSkipped) {
    ExtractedDocument document = extract_corpus("email/tika-testEML_embedded_xhtml_and_img.eml");
    EXPECT_EQ(document.metadata.title, "This is the subject");
    EXPECT_EQ(document.metadata.author, "Sender <sender@test.com>");
    EXPECT_EQ(field(document, "to"), "Receiver@test.com");
    std::string text = joined(document);
    EXPECT_TRUE(contains(text, "This is a test")) << text;
    EXPECT_TRUE(contains(text, "Using inline content")) << text;
    EXPECT_FALSE(contains(text, "This document tests the ability")) << text;
    ASSERT_EQ(attachment_names(document), std::vector<std::string>{"testimage.jpeg"});
    EXPECT_TRUE(document.attachments[0].bytes.starts_with("\xFF\xD8\xFF"));
}

TEST(EmailExtractor, GroupWiseNestedMessageAndTextAttachment) {
    ExtractedDocument document = extract_corpus("email/tika-testGroupWiseEml.eml");
    EXPECT_EQ(document.metadata.title, "test333");
    EXPECT_EQ(document.metadata.author, "Novell GroupWise <$$$.$$$.$$$>");
    EXPECT_EQ(document.blocks.back().text, "test");
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"test.eml", "Neues Textdokument.txt"}));
    EXPECT_EQ(document.attachments[1].bytes, "ssssssssssssssssssssss");
    // The nested message (base64 message/rfc822) is extracted by the pipeline on its own.
    ExtractedDocument nested = extract_bytes("test.eml", document.attachments[0].bytes, &kMessage);
    EXPECT_EQ(nested.metadata.title, "test2");
    EXPECT_EQ(nested.blocks.back().text, "test2");
}

TEST(EmailExtractor, HtmlOnlyBodyGoesThroughTheHtmlExtractor) {
    ExtractedDocument document = extract_corpus("email/tika-testLotusEml.eml");
    EXPECT_EQ(document.metadata.title, "");  // no Subject: no heading either
    EXPECT_EQ(document.metadata.author, "XXX.XXX@XXXX.de");
    EXPECT_EQ(document.metadata.created, 1349348559);  // Thu, 4 Oct 2012 13:02:39 +0200
    ASSERT_EQ(document.blocks.size(), 2u) << joined(document);
    EXPECT_EQ(document.blocks[0].text,
              "From: XXX.XXX@XXXX.de\nTo: XXXX@alfresco.com\n"
              "Date: Thu, 4 Oct 2012 13:02:39 +0200");
    EXPECT_EQ(document.blocks[1].text, "Message body");
    EXPECT_FALSE(contains(joined(document), "<html>"));
}

TEST(EmailExtractor, HtmlAndPlainBodiesAreConvertedFromTheirCharsets) {
    std::string html =
        "From: a@example.com\nSubject: =?UTF-8?Q?Caf=C3=A9?=\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "<html><body><h2>Men=FC</h2><p>Caf=E9 cr=E8me</p><script>x()</script></body></html>\n";
    ExtractedDocument document = extract_bytes("m.eml", html, &kMessage);
    EXPECT_EQ(document.metadata.title, "Caf\u00e9");
    EXPECT_EQ(texts(document), (std::vector<std::string>{"Caf\u00e9", "From: a@example.com",
                                                         "Men\u00fc", "Caf\u00e9 cr\u00e8me"}));
    EXPECT_EQ(document.blocks[2].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[2].level, 2);

    std::string cyrillic =
        "From: b@example.com\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=windows-1251\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0!\n";
    document = extract_bytes("m.eml", cyrillic, &kMessage);
    EXPECT_EQ(document.blocks.back().text,
              "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!");
    EXPECT_EQ(document.metadata.encoding, "WINDOWS-1251");
}

TEST(EmailExtractor, NestedMessagesAndUnnamedPartsBecomeAttachments) {
    std::string mail =
        "From: outer@example.com\nSubject: outer\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"X\"\n\n"
        "--X\nContent-Type: text/plain\n\nouter body\n"
        "--X\nContent-Type: multipart/related; boundary=\"R\"\n\n"
        "--R\nContent-Type: text/html; charset=utf-8\n\n<p>related html</p>\n"
        "--R\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
        "--R--\n"
        "--X\nContent-Type: message/rfc822\n\n"
        "From: inner@example.com\nSubject: inner\n\ninner body\n"
        "--X\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        "JVBERi0xLjQK\n"
        "--X\nContent-Type: application/pgp-signature\n\nsignature\n"
        "--X--\n";
    ExtractedDocument document = extract_bytes("m.eml", mail, &kMessage);
    std::string text = joined(document);
    EXPECT_TRUE(contains(text, "outer body")) << text;
    EXPECT_TRUE(contains(text, "related html")) << text;
    EXPECT_FALSE(contains(text, "inner body")) << text;
    // The unnamed inline image is skipped, the signature too.
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"message-1.eml", "attachment-2.pdf"}));
    EXPECT_EQ(document.attachments[1].bytes, "%PDF-1.4\n");
    ExtractedDocument inner =
        extract_bytes("message-1.eml", document.attachments[0].bytes, &kMessage);
    EXPECT_EQ(inner.metadata.title, "inner");
    EXPECT_EQ(inner.blocks.back().text, "inner body");
}

TEST(EmailExtractor, HeaderOnlyMessage) {
    std::string mail =
        "From: Alice <alice@example.com>\nTo: bob@example.com, Carol <carol@example.com>\n"
        "Cc: dave@example.com\nSubject: Only headers\nDate: Tue, 1 Jan 2019 10:00:00 +0000\n";
    ExtractedDocument document = extract_bytes("h.eml", mail, &kMessage);
    EXPECT_EQ(document.metadata.title, "Only headers");
    EXPECT_EQ(document.metadata.created, 1546336800);
    EXPECT_EQ(field(document, "to"), "bob@example.com, Carol <carol@example.com>");
    EXPECT_EQ(field(document, "cc"), "dave@example.com");
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"Only headers",
                                        "From: Alice <alice@example.com>\n"
                                        "To: bob@example.com, Carol <carol@example.com>\n"
                                        "Cc: dave@example.com\n"
                                        "Date: Tue, 1 Jan 2019 10:00:00 +0000"}));
    EXPECT_TRUE(document.attachments.empty());
}

std::string nested_multiparts(int depth) {
    std::string mail = "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n";
    for (int i = 0; i < depth; ++i)
        mail += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
                std::to_string(i) + "\n";
    mail += "Content-Type: text/plain\n\ninnermost text\n";
    for (int i = depth; i-- > 0;) mail += "\n--b" + std::to_string(i) + "--\n";
    return mail;
}

TEST(EmailExtractor, MultipartNestingIsCapped) {
    std::string reason = failure(nested_multiparts(1000), kMessage);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::too_large) << reason;
    EXPECT_TRUE(contains(reason, "nested more than 256")) << reason;
    // Deep enough to exhaust the stack inside GMime: refused before GMime parses.
    reason = failure(nested_multiparts(50000), kMessage);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::too_large) << reason;
    // Under the cap the innermost part is read; a lower cap refuses the same message.
    ExtractedDocument document = extract_bytes("d.eml", nested_multiparts(100), &kMessage);
    EXPECT_EQ(document.blocks.back().text, "innermost text");
    ExtractOptions options;
    options.max_nesting_depth = 50;
    reason = failure(nested_multiparts(100), kMessage, options);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::too_large) << reason;
}

TEST(EmailExtractor, TruncatedAndGarbageMimeGiveWhatCanBeRead) {
    std::string full = corpus_bytes("email/tika-testRFC822_multipart_attachments.eml");
    std::string cut = full.substr(0, full.find("VGhpcyBpcyBUZXN0IFRYVEEg") + 10);
    ExtractedDocument document = extract_bytes("cut.eml", cut, &kMessage);
    EXPECT_EQ(document.metadata.title, "EML 1");
    EXPECT_TRUE(contains(joined(document), "This is test email for EML1"));
    ASSERT_EQ(attachment_names(document), std::vector<std::string>{"Test TxtA.txt"});

    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
    EXPECT_NO_THROW(extract_bytes("g.eml", garbage, &kMessage));
    EXPECT_NO_THROW(extract_bytes("e.eml", "", &kMessage));
    EXPECT_TRUE(extract_bytes("e.eml", "", &kMessage).blocks.empty());
}

TEST(EmailExtractor, OutputAndAttachmentCaps) {
    std::string bytes = corpus_bytes("email/tika-testRFC822_multipart_attachments.eml");
    ExtractOptions options;
    options.max_output_bytes = 40;
    std::string reason = failure(bytes, kMessage, options);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::too_large) << reason;
    EXPECT_TRUE(contains(reason, "max_output_bytes")) << reason;

    options = {};
    options.max_unpacked_bytes = 40;  // room for the first 33-byte file only
    ExtractedDocument document = extract_bytes("m.eml", bytes, &kMessage, options);
    EXPECT_EQ(attachment_names(document), std::vector<std::string>{"Test TxtA.txt"});
    EXPECT_TRUE(has_warning(document, "max_unpacked_bytes")) << document.warnings.size();

    options = {};
    options.max_archive_entries = 0;
    document = extract_bytes("m.eml", bytes, &kMessage, options);
    EXPECT_TRUE(document.attachments.empty());
    EXPECT_TRUE(has_warning(document, "max_archive_entries"));
    EXPECT_TRUE(contains(joined(document), "This is test email for EML1"));
}

// ---- mbox -------------------------------------------------------------------------------------

TEST(EmailExtractor, MboxRowsAndOneAttachmentPerMessage) {
    ExtractedDocument document = extract_corpus("email/tika-complex.mbox");
    const std::string subject = "Re: question about when shuffle/sort start working";
    ASSERT_EQ(texts(document),
              (std::vector<std::string>{
                  "2009-06-01 04:26 | Jothi Padmanabhan <jothipn@yahoo-inc.com> | " + subject,
                  "2009-06-01 05:30 | Jianmin Woo <jianmin_woo@yahoo.com> | " + subject,
                  "2009-06-01 06:03 | Jothi Padmanabhan <jothipn@yahoo-inc.com> | " + subject}));
    for (const Block& block : document.blocks) EXPECT_EQ(block.kind, BlockKind::table_row);
    EXPECT_EQ(document.metadata.created, 1243830391);   // the earliest message
    EXPECT_EQ(document.metadata.modified, 1243836193);  // the latest
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"message-1.eml", "message-2.eml", "message-3.eml"}));
    for (const EmbeddedFile& file : document.attachments) {
        EXPECT_TRUE(file.bytes.starts_with("Return-Path: <core-user-return-147")) << file.name;
        EXPECT_FALSE(contains(file.bytes, "\nFrom core-user-return")) << file.name;
        ExtractedDocument message = extract_bytes(file.name, file.bytes, &kMessage);
        EXPECT_EQ(message.metadata.title, subject) << file.name;
    }
    ExtractedDocument second =
        extract_bytes("message-2.eml", document.attachments[1].bytes, &kMessage);
    EXPECT_EQ(second.metadata.author, "Jianmin Woo <jianmin_woo@yahoo.com>");
    EXPECT_TRUE(contains(joined(second), "Thanks a lot for your explanation")) << joined(second);
}

TEST(EmailExtractor, MboxFromLinesAreUnescaped) {
    std::string mbox =
        "From alice@example.com Mon Jan  1 00:00:00 2018\n"
        "From: Alice <alice@example.com>\nSubject: first\n"
        "Date: Mon, 1 Jan 2018 00:00:00 +0000\n\n"
        ">From the start, quoted.\n\n"
        "From bob@example.com Tue Jan  2 00:00:00 2018\n"
        "From: Bob <bob@example.com>\nSubject: second\n\nno date here\n";
    ExtractedDocument document = extract_bytes("box.mbox", mbox, &kMbox);
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"2018-01-01 00:00 | Alice <alice@example.com> | first",
                                        "| Bob <bob@example.com> | second"}));
    ASSERT_EQ(document.attachments.size(), 2u);
    EXPECT_TRUE(contains(document.attachments[0].bytes, "\nFrom the start, quoted.\n"));
    EXPECT_TRUE(document.attachments[1].bytes.starts_with("From: Bob <bob@example.com>"));
}

TEST(EmailExtractor, OneMessageMboxIsThatMessage) {
    std::string saved =
        "From - Mon Jan  1 00:00:00 2018\n"
        "From: Alice <alice@example.com>\nSubject: saved\n\nsaved body\n";
    FileType type = testing::detect("saved.eml", saved);
    EXPECT_EQ(type.mime, "application/mbox");
    ExtractedDocument document = extract_bytes("saved.eml", saved, &type);
    EXPECT_EQ(document.metadata.title, "saved");
    EXPECT_EQ(document.blocks.back().text, "saved body");
    EXPECT_TRUE(document.attachments.empty());
}

TEST(EmailExtractor, MboxPastDeadlineTimesOut) {
    ExtractOptions options;
    options.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    std::string reason = failure(corpus_bytes("email/tika-complex.mbox"), kMbox, options);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::timeout) << reason;
}

// ---- a minimal OLE2 writer for hand-made .msg files -----------------------------------------

// One storage or stream of a compound file being built.
struct OleNode {
    std::string name;
    std::string data;               // a stream's bytes
    std::vector<OleNode> children;  // a storage's entries
    bool storage = false;
};

OleNode stream(std::string name, std::string data) {
    return OleNode{std::move(name), std::move(data), {}, false};
}
OleNode storage(std::string name, std::vector<OleNode> children) {
    return OleNode{std::move(name), "", std::move(children), true};
}

std::string utf16(std::string_view ascii) {
    std::string out;
    for (char c : ascii) out += {c, '\0'};
    return out;
}

void put_u32(std::string& out, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(value >> (8 * i));
}

// A __properties_version1.0 stream: `header` zero bytes, then (tag, value) entries.
OleNode properties(std::size_t header,
                   std::vector<std::pair<std::uint32_t, std::uint64_t>> entries) {
    std::string bytes(header + 16 * entries.size(), '\0');
    for (std::size_t i = 0; i < entries.size(); ++i) {
        std::size_t at = header + 16 * i;
        put_u32(bytes, at, entries[i].first);
        put_u32(bytes, at + 4, 6);  // readable | writable
        put_u32(bytes, at + 8, static_cast<std::uint32_t>(entries[i].second));
        put_u32(bytes, at + 12, static_cast<std::uint32_t>(entries[i].second >> 32));
    }
    return stream("__properties_version1.0", bytes);
}

// Version 3 compound file, 512-byte sectors, one FAT sector, and a mini-stream cutoff of 0 so
// every stream sits in ordinary sectors. Siblings are chained through "right" links.
std::string compound_file(const std::vector<OleNode>& root_children) {
    constexpr std::uint32_t kEnd = 0xFFFFFFFE, kFree = 0xFFFFFFFF, kNone = 0xFFFFFFFF;
    struct Entry {
        const OleNode* node;
        int type;
        std::uint32_t right = kNone, child = kNone, start = kEnd;
    };
    std::vector<Entry> entries{{nullptr, 5}};
    auto add = [&](auto& self, std::size_t parent, const std::vector<OleNode>& children) -> void {
        std::size_t previous = 0;
        for (const OleNode& node : children) {
            std::size_t index = entries.size();
            entries.push_back({&node, node.storage ? 1 : 2});
            if (previous == 0)
                entries[parent].child = static_cast<std::uint32_t>(index);
            else
                entries[previous].right = static_cast<std::uint32_t>(index);
            previous = index;
            if (node.storage) self(self, index, node.children);
        }
    };
    add(add, 0, root_children);
    std::vector<std::uint32_t> fat{0xFFFFFFFD};  // sector 0 holds the FAT
    auto chain = [&](std::size_t sectors) {
        auto first = static_cast<std::uint32_t>(fat.size());
        for (std::size_t i = 0; i < sectors; ++i)
            fat.push_back(i + 1 < sectors ? static_cast<std::uint32_t>(fat.size() + 1) : kEnd);
        return first;
    };
    std::uint32_t directory = chain((entries.size() * 128 + 511) / 512);
    std::string data;
    for (Entry& entry : entries) {
        if (entry.type != 2 || entry.node->data.empty()) continue;
        std::size_t sectors = (entry.node->data.size() + 511) / 512;
        entry.start = chain(sectors);
        data += entry.node->data;
        data.resize(data.size() + sectors * 512 - entry.node->data.size(), '\0');
    }
    fat.resize(128, kFree);
    std::string header(512, '\0');
    header.replace(0, 8, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    const unsigned char versions[] = {0x3E, 0, 3, 0, 0xFE, 0xFF, 9, 0, 6, 0};
    header.replace(24, sizeof versions, reinterpret_cast<const char*>(versions), sizeof versions);
    put_u32(header, 44, 1);  // FAT sectors
    put_u32(header, 48, directory);
    put_u32(header, 56, 0);  // mini stream cutoff
    put_u32(header, 60, kEnd);
    put_u32(header, 68, kEnd);
    put_u32(header, 76, 0);  // the FAT is sector 0
    for (std::size_t at = 80; at < 512; at += 4) put_u32(header, at, kFree);
    std::string fat_sector(512, '\0');
    for (std::size_t i = 0; i < 128; ++i) put_u32(fat_sector, 4 * i, fat[i]);
    std::string dir(((entries.size() * 128 + 511) / 512) * 512, '\0');
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        std::string name =
            utf16(entry.node ? entry.node->name : "Root Entry") + std::string(2, '\0');
        std::size_t at = 128 * i;
        dir.replace(at, name.size(), name);
        dir[at + 64] = static_cast<char>(name.size());
        dir[at + 66] = static_cast<char>(entry.type);
        dir[at + 67] = 1;  // black
        put_u32(dir, at + 68, kNone);
        put_u32(dir, at + 72, entry.right);
        put_u32(dir, at + 76, entry.child);
        put_u32(dir, at + 116, entry.type == 1 ? 0 : entry.start);
        put_u32(dir, at + 120,
                entry.node && !entry.node->storage
                    ? static_cast<std::uint32_t>(entry.node->data.size())
                    : 0);
    }
    for (std::size_t i = entries.size(); i < dir.size() / 128; ++i) {
        put_u32(dir, 128 * i + 68, kNone);
        put_u32(dir, 128 * i + 72, kNone);
        put_u32(dir, 128 * i + 76, kNone);
    }
    return header + fat_sector + dir + data;
}

// ---- Outlook .msg ---------------------------------------------------------------------------

TEST(EmailExtractor, OutlookMessage) {
    ExtractedDocument document = extract_corpus("email/tika-testMSG.msg");
    EXPECT_EQ(document.format, "email");
    EXPECT_EQ(document.metadata.title, "MIME registry use cases");
    EXPECT_EQ(document.metadata.author, "Jukka Zitting <jukka.zitting@gmail.com>");
    EXPECT_EQ(field(document, "to"), "tika-dev@lucene.apache.org");
    EXPECT_EQ(document.metadata.created, 1233256600);  // PR_CLIENT_SUBMIT_TIME
    ASSERT_GE(document.blocks.size(), 4u);
    EXPECT_EQ(document.blocks[0].text, "MIME registry use cases");
    EXPECT_EQ(document.blocks[1].text,
              "From: Jukka Zitting <jukka.zitting@gmail.com>\n"
              "To: tika-dev@lucene.apache.org\n"
              "Date: Thu, 29 Jan 2009 19:16:40 +0000");
    std::string text = joined(document);
    EXPECT_TRUE(contains(text,
                         "As discussed, I've been working on making the type detection "
                         "code more\nmodular and extensible."))
        << text;
    EXPECT_EQ(document.blocks.back().text, "Jukka Zitting");
    EXPECT_TRUE(document.attachments.empty());
}

TEST(EmailExtractor, OutlookDocAttachment) {
    ExtractedDocument document = extract_corpus("email/tika-testMSG_att_doc.msg");
    EXPECT_EQ(document.metadata.title, "test pi\u00e8ce jointe 1");
    EXPECT_EQ(document.metadata.author, "Nicolas1 23456 <nicolas1.23456@free.fr>");
    EXPECT_EQ(document.blocks.back().text, "contenu");
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"test-unicode.doc", "pj1.txt"}));
    const std::string& doc = document.attachments[0].bytes;
    EXPECT_EQ(doc.size(), 24064u);
    EXPECT_TRUE(doc.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"));
    EXPECT_TRUE(contains(document.attachments[1].bytes, "euro : \xE2\x82\xAC (20AC)"));
}

TEST(EmailExtractor, OutlookNestedMessageBecomesAnEml) {
    ExtractedDocument document = extract_corpus("email/tika-testMSG_att_msg.msg");
    EXPECT_EQ(document.metadata.title, "test email");
    EXPECT_EQ(document.metadata.author, "Nick Booth");  // an Exchange sender: no address
    EXPECT_EQ(field(document, "to"), "Nick Booth <nick.booth@pof.com.au>");
    EXPECT_EQ(document.blocks.back().text, "Test email with 1 msg attachment, 1 pdf");
    ASSERT_EQ(attachment_names(document),
              (std::vector<std::string>{"Test Attachment.eml", "smbprn.00009008.KdcPjl.pdf"}));
    EXPECT_TRUE(document.attachments[1].bytes.starts_with("%PDF-"));
    EXPECT_EQ(document.attachments[1].bytes.size(), 13539u);

    ExtractedDocument nested =
        extract_bytes("Test Attachment.eml", document.attachments[0].bytes, &kMessage);
    EXPECT_EQ(nested.metadata.title, "Test Attachment");
    EXPECT_EQ(nested.metadata.author, "Nick Booth");
    EXPECT_EQ(field(nested, "to"), "Nick Booth <nick.booth@pof.com.au>");
    EXPECT_EQ(nested.metadata.created, 1276818739);
    EXPECT_EQ(nested.blocks.back().text, "Blah blah blah");
}

TEST(EmailExtractor, OutlookChineseInItsCodePage) {
    for (const char* path :
         {"email/tika-testMSG_chinese.msg", "email/poi-chinese-traditional.msg"}) {
        ExtractedDocument document = extract_corpus(path);
        // 8-bit strings (type 001E) in code page 950 (Big5).
        EXPECT_EQ(document.metadata.title,
                  "Alfresco MSG format testing ( MSG \u683c\u5f0f\u6e2c\u8a66 )")
            << path;
        EXPECT_EQ(document.metadata.author, "Tests Chang@FT (\u5f35\u6bd3\u502b)") << path;
        std::string text = joined(document);
        EXPECT_TRUE(contains(text, "\u4e2d\u6587\u6e2c\u8a66")) << path;  // 中文測試
        EXPECT_GT(count_code_points(text, testing::is_han), 100u) << path;
        EXPECT_EQ(count_code_points(text, [](char32_t cp) { return cp == 0xFFFD; }), 0u) << path;
    }
}

TEST(EmailExtractor, OutlookCyrillicInItsCodePage) {
    ExtractedDocument document = extract_corpus("email/poi-cyrillic_message.msg");
    EXPECT_EQ(document.metadata.title,
              "\u0410\u0432\u0442\u043e\u043c\u0430\u0442\u0438\u0447\u0435\u0441\u043a\u0438\u0439"
              " \u043e\u0442\u0432\u0435\u0442 \u043f\u043e\u0434\u0441\u0438\u0441\u0442\u0435"
              "\u043c\u044b \u043e\u0431\u043c\u0435\u043d\u0430 \u0434\u0430\u043d\u043d\u044b"
              "\u043c\u0438 \u0424\u0413\u0423\u041f \"\u041f\u043e\u0447\u0442\u0430 \u0420"
              "\u043e\u0441\u0441\u0438\u0438\".");
    EXPECT_EQ(document.metadata.author, "no-reply@niips.ru");
    const std::string recipient =
        "\u0421\u0432\u0438\u0440\u0438\u0434\u043e\u0432 \u0414\u043c\u0438\u0442\u0440\u0438"
        "\u0439 \u0412\u043b\u0430\u0434\u0438\u043c\u0438\u0440\u043e\u0432\u0438\u0447 "
        "<sviridov@niips.ru>";
    EXPECT_EQ(field(document, "to"), recipient);
    EXPECT_EQ(field(document, "cc"), recipient);
    std::string text = joined(document);
    // "Ваше сообщение с темой"
    EXPECT_TRUE(contains(text,
                         "\u0412\u0430\u0448\u0435 \u0441\u043e\u043e\u0431\u0449\u0435"
                         "\u043d\u0438\u0435 \u0441 \u0442\u0435\u043c\u043e\u0439"))
        << text;
    EXPECT_GT(count_code_points(text, testing::is_cyrillic), 150u);
}

TEST(EmailExtractor, TruncatedOutlookMessage) {
    // Half of a message whose first half holds the text: what can be read, with a warning.
    std::string bytes = corpus_bytes("email/tika-testMSG_att_doc.msg");
    ExtractedDocument document =
        extract_bytes("half.msg", std::string_view(bytes).substr(0, bytes.size() / 2), &kOutlook);
    EXPECT_EQ(document.metadata.title, "test pi\u00e8ce jointe 1");
    EXPECT_EQ(document.blocks.back().text, "contenu");
    EXPECT_TRUE(has_warning(document, "truncated or damaged"));
    EXPECT_EQ(attachment(document, "test-unicode.doc"), nullptr);

    // Half of one whose property streams sit in the lost half: corrupt.
    bytes = corpus_bytes("email/tika-testMSG.msg");
    std::string reason = failure(std::string_view(bytes).substr(0, bytes.size() / 2), kOutlook);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::corrupt) << reason;
    reason = failure(std::string_view(bytes).substr(0, 600), kOutlook);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::corrupt) << reason;
    reason = failure("not an OLE2 file at all", kOutlook);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::corrupt) << reason;
}

TEST(EmailExtractor, CompoundFileWithoutMessageStreamsIsCorrupt) {
    std::string reason = failure(corpus_bytes("legacy/tika-testWORD.doc"), kOutlook);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::corrupt) << reason;
    EXPECT_TRUE(contains(reason, "no Outlook message properties")) << reason;
}

TEST(EmailExtractor, OutlookCapsAndDeadline) {
    std::string bytes = corpus_bytes("email/tika-testMSG_att_msg.msg");
    ExtractOptions options;
    options.max_unpacked_bytes = 1000;  // the .eml fits, the 13.5 KB PDF does not
    ExtractedDocument document = extract_bytes("m.msg", bytes, &kOutlook, options);
    EXPECT_EQ(attachment_names(document), std::vector<std::string>{"Test Attachment.eml"});
    EXPECT_TRUE(has_warning(document, "max_unpacked_bytes"));

    options = {};
    options.max_output_bytes = 20;
    std::string reason = failure(bytes, kOutlook, options);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::too_large) << reason;

    options = {};
    options.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    reason = failure(bytes, kOutlook, options);
    EXPECT_EQ(failure_kind_of(reason), FailureKind::timeout) << reason;
}

// An embedded message keeps its own attachment inside the .eml written for it, and its 8-bit
// strings are read in its own code page.
TEST(EmailExtractor, OutlookEmbeddedMessageKeepsItsAttachments) {
    std::string msg = compound_file({
        properties(32, {{0x00390040, 130000000000000000ull}}),
        stream("__substg1.0_0037001F", utf16("outer subject")),
        stream("__substg1.0_1000001F", utf16("outer body")),
        storage("__attach_version1.0_#00000000",
                {properties(8, {{0x37050003, 5}}), stream("__substg1.0_3001001F", utf16("Inner")),
                 storage("__substg1.0_3701000D",
                         {properties(24, {{0x3FFD0003, 1252}}),
                          stream("__substg1.0_0037001E", "inner subject caf\xe9"),
                          stream("__substg1.0_1000001E", "inner body \x80 euro"),
                          storage("__attach_version1.0_#00000000",
                                  {stream("__substg1.0_37010102", "hello attachment"),
                                   stream("__substg1.0_3707001F", utf16("hello.txt"))})})}),
        storage("__attach_version1.0_#00000001",
                {stream("__substg1.0_3707001F", utf16("linked.pdf"))}),
    });
    ExtractedDocument document = extract_bytes("made.msg", msg, &kOutlook);
    EXPECT_EQ(document.metadata.title, "outer subject");
    EXPECT_EQ(document.metadata.created, 1355526400);  // FILETIME 130000000000000000
    EXPECT_EQ(document.blocks.back().text, "outer body");
    ASSERT_EQ(attachment_names(document), std::vector<std::string>{"Inner.eml"});
    EXPECT_TRUE(has_warning(document, "\"linked.pdf\" is not stored in the message"));

    ExtractedDocument inner = extract_bytes("Inner.eml", document.attachments[0].bytes, &kMessage);
    EXPECT_EQ(inner.metadata.title, "inner subject caf\u00e9");
    EXPECT_EQ(inner.blocks.back().text, "inner body \u20ac euro");
    ASSERT_EQ(attachment_names(inner), std::vector<std::string>{"hello.txt"});
    EXPECT_EQ(inner.attachments[0].bytes, "hello attachment");
}

// Messages embedded in messages: kept down to max_nesting_depth, then dropped with a warning.
TEST(EmailExtractor, OutlookEmbeddedMessageNestingIsCapped) {
    OleNode innermost = storage("__substg1.0_3701000D",
                                {properties(24, {}), stream("__substg1.0_0037001F", utf16("m3"))});
    OleNode level = innermost;
    for (int i = 2; i >= 1; --i)
        level = storage(
            "__substg1.0_3701000D",
            {properties(24, {}), stream("__substg1.0_0037001F", utf16("m" + std::to_string(i))),
             storage("__attach_version1.0_#00000000", {level})});
    std::string msg = compound_file({stream("__substg1.0_0037001F", utf16("m0")),
                                     storage("__attach_version1.0_#00000000", {level})});
    ExtractedDocument document = extract_bytes("made.msg", msg, &kOutlook);
    EXPECT_EQ(attachment_names(document), std::vector<std::string>{"m1.eml"});
    EXPECT_FALSE(has_warning(document, "max_nesting_depth"));
    ExtractOptions options;
    options.max_nesting_depth = 2;
    document = extract_bytes("made.msg", msg, &kOutlook, options);
    EXPECT_TRUE(has_warning(document, "max_nesting_depth"));
    ASSERT_EQ(attachment_names(document), std::vector<std::string>{"m1.eml"});
    ExtractedDocument m1 = extract_bytes("m1.eml", document.attachments[0].bytes, &kMessage);
    ASSERT_EQ(attachment_names(m1), std::vector<std::string>{"m2.eml"});
    ExtractedDocument m2 = extract_bytes("m2.eml", m1.attachments[0].bytes, &kMessage);
    EXPECT_EQ(m2.metadata.title, "m2");
    EXPECT_TRUE(m2.attachments.empty());  // m3 was beyond the cap
}

// An HTML-only body stored as binary in the internet code page; inline images are skipped.
TEST(EmailExtractor, OutlookHtmlBodyInItsCodePage) {
    std::string msg = compound_file({
        properties(32, {{0x3FDE0003, 1251}}),
        stream("__substg1.0_0037001F", utf16("html")),
        stream("__substg1.0_10130102",
               "<html><body><p>\xcf\xf0\xe8\xe2\xe5\xf2</p><script>x</script></body></html>"),
        storage("__attach_version1.0_#00000000",
                {stream("__substg1.0_37010102", "\x89PNG\r\n"),
                 stream("__substg1.0_3707001F", utf16("image001.png")),
                 stream("__substg1.0_370E001F", utf16("image/png")),
                 stream("__substg1.0_3712001F", utf16("image001.png@01D"))}),
    });
    ExtractedDocument document = extract_bytes("made.msg", msg, &kOutlook);
    EXPECT_EQ(document.blocks.back().text, "\u041f\u0440\u0438\u0432\u0435\u0442");
    EXPECT_TRUE(document.attachments.empty());
}

TEST(EmailExtractor, Utf16AndCodePageHelpers) {
    using email::charset_for_code_page;
    using email::utf16le_to_utf8;
    EXPECT_EQ(utf16le_to_utf8(std::string("a\0\xE9\0\x3D\xD8\x00\xDE\0\0", 10)),
              "a\u00e9\U0001F600");
    EXPECT_EQ(utf16le_to_utf8(std::string("\x00\xD8x\0", 4)), "\uFFFDx");  // lone surrogate
    EXPECT_EQ(charset_for_code_page(1251), "WINDOWS-1251");
    EXPECT_EQ(charset_for_code_page(950), "BIG5");
    EXPECT_EQ(charset_for_code_page(28592), "ISO-8859-2");
    EXPECT_EQ(charset_for_code_page(65001), "UTF-8");
    EXPECT_EQ(charset_for_code_page(0), "");
}

// ---- the whole family -------------------------------------------------------------------------

// Every email/ file of the manifest extracts with a title or header text and without failing,
// so a file added to the corpus is covered before it gets its own test.
TEST(EmailExtractor, EveryCorpusMailFileExtracts) {
    std::istringstream manifest(corpus_bytes("MANIFEST.tsv"));
    std::string line;
    int files = 0;
    while (std::getline(manifest, line)) {
        std::string path = line.substr(0, line.find('\t'));
        if (!path.starts_with("email/")) continue;
        ++files;
        ExtractedDocument document;
        ASSERT_NO_THROW(document = extract_corpus(path)) << path;
        EXPECT_EQ(document.format, "email") << path;
        ASSERT_FALSE(document.blocks.empty()) << path;
        EXPECT_TRUE(contains(joined(document), "From: ") ||
                    document.blocks[0].kind == BlockKind::table_row)
            << path;
    }
    EXPECT_EQ(files, 14);
}

TEST(EmailExtractor, SafeFromSeveralThreads) {
    const std::vector<std::string> paths = {
        "email/tika-testRFC822_i18nheaders", "email/tika-complex.mbox",
        "email/tika-testMSG_att_msg.msg", "email/tika-testMSG_chinese.msg",
        "email/tika-testGroupWiseEml.eml"};
    std::vector<std::string> bytes, expected;
    for (const std::string& path : paths) {
        bytes.push_back(corpus_bytes(path));
        expected.push_back(joined(extract_corpus(path)));
    }
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 10; ++round)
                for (std::size_t i = 0; i < paths.size(); ++i) {
                    FileType type = testing::detect(paths[i], bytes[i]);
                    if (joined(extract_bytes(paths[i], bytes[i], &type)) != expected[i])
                        ++mismatches[t];
                }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace deskside::ingest
