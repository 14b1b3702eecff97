// The registry and the plain-text, CSV and Markdown extractors, on corpus files and hand-made
// inputs; plus invariants every text-format extraction of the corpus must keep.
#include <random>

#include "base/error.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

using testing::corpus;
using testing::corpus_bytes;
using testing::extract_bytes;
using testing::extract_corpus;
using testing::texts;

ExtractedDocument extract_as(std::string_view bytes, const char* format,
                             const char* name = "input") {
    FileType type{format, ""};
    return extract_bytes(name, bytes, &type);
}

TEST(ExtractorRegistry, FindsTheBuiltinExtractorsByFormat) {
    ExtractorRegistry registry = ExtractorRegistry::with_builtin_extractors();
    auto name_for = [&](const char* format) -> std::string {
        const Extractor* extractor = registry.find(FileType{format, ""});
        return extractor ? std::string(extractor->name()) : "none";
    };
    EXPECT_EQ(name_for("text"), "plain_text");
    EXPECT_EQ(name_for("csv"), "plain_text");
    EXPECT_EQ(name_for("markdown"), "markdown");
    EXPECT_EQ(name_for("html"), "html");
    EXPECT_NE(name_for("pdf"), "none");
    EXPECT_EQ(name_for("binary"), "refusing");  // fails with a reason of the right kind
    EXPECT_EQ(name_for("zip"), "zip");
    EXPECT_EQ(name_for("ole"), "ole_object");
    registry.add(nullptr);  // ignored
    EXPECT_EQ(name_for("text"), "plain_text");
}

TEST(PlainTextExtractor, SplitsParagraphsOnBlankLines) {
    ExtractedDocument document = extract_corpus("txt/tika-testTXT.txt");
    EXPECT_EQ(document.format, "text");
    EXPECT_EQ(document.metadata.encoding, "UTF-8");
    EXPECT_TRUE(document.metadata.title.empty());
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{"Test d'indexation de Txt\nhttp://www.apache.org"}));

    ExtractedDocument multi = extract_corpus("txt/tika-multi-language.txt");
    std::vector<std::string> blocks = texts(multi);
    ASSERT_GE(blocks.size(), 6u);
    EXPECT_EQ(blocks[0], "English: ABC Category");
    EXPECT_EQ(blocks[2], "Portuguese: ABC Category");
    EXPECT_EQ(multi.metadata.encoding, "WINDOWS-1252");

    EXPECT_EQ(texts(extract_as("  first line  \r\nsecond\r\n \t\r\n\r\nthird\n\n\n", "text")),
              (std::vector<std::string>{"first line\nsecond", "third"}));
    EXPECT_TRUE(extract_as("", "text").blocks.empty());
}

TEST(PlainTextExtractor, SubtitlesInUtf16) {
    ExtractedDocument document = extract_corpus("txt/chardet-UTF-16-bom-utf-16-le.srt");
    EXPECT_EQ(document.metadata.encoding, "UTF-16LE");
    ASSERT_FALSE(document.blocks.empty());
    EXPECT_EQ(document.blocks[0].text,
              "1\n00:00:06,500 --> 00:00:09,000\nAbout 2 months ago I found myself on\nthe comment "
              "section of "
              "YouTube");
}

TEST(PlainTextExtractor, CsvRowsBecomeTableRows) {
    ExtractedDocument foo = extract_corpus("csv/tika-foo.csv");
    EXPECT_EQ(foo.format, "csv");
    EXPECT_EQ(texts(foo),
              (std::vector<std::string>{"foo | bar | baz", "123 | abc def | -987",
                                        "456 | qwertyuiop | 98765", "789 | qawsedrft | 3.14159"}));
    for (const Block& block : foo.blocks) EXPECT_EQ(block.kind, BlockKind::table_row);

    // Rows of only empty cells vanish; leading and trailing empty cells are trimmed.
    std::vector<std::string> squares = texts(extract_corpus("csv/tika-testCSV.csv"));
    ASSERT_GE(squares.size(), 4u);
    EXPECT_EQ(squares[0], "Sample CSV File - Numbers and their Squares");
    EXPECT_EQ(squares[1], "Number | Square");
    EXPECT_EQ(squares[2], "1 | 1");

    std::vector<std::string> columnar = texts(extract_corpus("csv/tika-test-columnar.csv"));
    ASSERT_EQ(columnar.size(), 12u);
    EXPECT_TRUE(columnar[0].starts_with(
        "Record Number | Square of the Record Number | Description of the Row"));
}

TEST(PlainTextExtractor, CsvDelimiterAndQuotingAreDetected) {
    FileType csv{"csv", "text/csv"};
    ExtractedDocument colon = extract_corpus("csv/tika-testColonDelimited.txt", &csv);
    std::vector<std::string> rows = texts(colon);
    ASSERT_GE(rows.size(), 3u);
    EXPECT_EQ(rows[0], "a | b | c | d");
    EXPECT_EQ(rows[1], "1 | 2 | 3 | 4");

    std::string semicolons =
        "name;note;amount\r\n\"Smith; J\";\"said \"\"hi\"\"\r\nthen left\";1,5\r\nDoe;;2,0\r\n";
    EXPECT_EQ(texts(extract_as(semicolons, "csv")),
              (std::vector<std::string>{"name | note | amount",
                                        "Smith; J | said \"hi\" then left | 1,5", "Doe |  | 2,0"}));
    EXPECT_EQ(texts(extract_as("a\tb c\n1\t2 3\n", "csv")),
              (std::vector<std::string>{"a | b c", "1 | 2 3"}));
}

TEST(PlainTextExtractor, OutputCapTruncatesWithAWarning) {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "paragraph number " + std::to_string(i) + "\n\n";
    FileType type{"text", "text/plain"};
    ExtractOptions options;
    options.max_output_bytes = 200;
    ExtractedDocument document = extract_bytes("big.txt", text, &type, options);
    std::size_t total = 0;
    for (const Block& block : document.blocks) total += block.text.size();
    EXPECT_LE(total, 200u);
    EXPECT_GT(document.blocks.size(), 5u);
    ASSERT_EQ(document.warnings.size(), 1u);
    EXPECT_NE(document.warnings[0].find("truncated"), std::string::npos);
}

TEST(PlainTextExtractor, BinaryIsABadDocument) {
    std::string bytes = corpus_bytes("pdf/tika-testPDF.pdf");
    FileType text{"text", "text/plain"};
    try {
        extract_bytes(corpus("pdf/tika-testPDF.pdf"), bytes, &text);
        ADD_FAILURE() << "a PDF was read as text";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::unsupported);
    }
}

TEST(MarkdownExtractor, CorpusFileBlocks) {
    ExtractedDocument document = extract_corpus("md/tika-testMARKDOWN.md");
    EXPECT_EQ(document.format, "markdown");
    EXPECT_EQ(document.metadata.title, "Title");
    EXPECT_EQ(texts(document),
              (std::vector<std::string>{
                  "Title", "Some bold and italic and struck text with inline code.", "one", "two",
                  "third", "fourth", "a quote", "System.out.println(\"hi\");", "link", "L | C | R",
                  "a | b | c", "see config.json for details", "Café naïve résumé"}));
    ASSERT_FALSE(document.blocks.empty());
    EXPECT_EQ(document.blocks[0].kind, BlockKind::heading);
    EXPECT_EQ(document.blocks[0].level, 1);
    EXPECT_EQ(document.blocks[1].kind, BlockKind::paragraph);
    EXPECT_EQ(document.blocks[9].kind, BlockKind::table_row);
}

TEST(MarkdownExtractor, HeadingLevelsFrontMatterAndCode) {
    const char* markdown =
        "---\n"
        "title: \"Release notes\"\n"
        "author: Ada Lovelace\n"
        "date: 2023-11-14\n"
        "---\n"
        "Overview\n"
        "========\n"
        "\n"
        "Details\n"
        "-------\n"
        "### Third level ###\n"
        "#### Fourth\n"
        "##### Fifth\n"
        "###### Sixth\n"
        "####### not a heading\n"
        "\n"
        "A paragraph that is\n"
        "wrapped over [two](http://example.com/x) lines with snake_case and 2 * 3.\n"
        "\n"
        "> > nested **quote**\n"
        "\n"
        "* [ ] task item\n"
        "\n"
        "```\n"
        "keep **this** and `that`\n"
        "  indented\n"
        "```\n"
        "[ref]: http://example.com/ref\n";
    ExtractedDocument document = extract_as(markdown, "markdown", "notes.md");
    EXPECT_EQ(document.metadata.title, "Release notes");  // front matter beats the first H1
    EXPECT_EQ(document.metadata.author, "Ada Lovelace");
    EXPECT_EQ(document.metadata.created, 1699920000);
    struct Expected {
        BlockKind kind;
        int level;
        const char* text;
    };
    const Expected expected[] = {
        {BlockKind::heading, 1, "Overview"},
        {BlockKind::heading, 2, "Details"},
        {BlockKind::heading, 3, "Third level"},
        {BlockKind::heading, 4, "Fourth"},
        {BlockKind::heading, 5, "Fifth"},
        {BlockKind::heading, 6, "Sixth"},
        {BlockKind::paragraph, 0, "####### not a heading"},
        {BlockKind::paragraph, 0,
         "A paragraph that is wrapped over two lines with snake_case and 2 * 3."},
        {BlockKind::paragraph, 0, "nested quote"},
        {BlockKind::paragraph, 0, "task item"},
        {BlockKind::paragraph, 0, "keep **this** and `that`\n  indented"},
    };
    ASSERT_EQ(document.blocks.size(), std::size(expected)) << testing::joined(document);
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(document.blocks[i].kind, expected[i].kind);
        EXPECT_EQ(document.blocks[i].level, expected[i].level);
        EXPECT_EQ(document.blocks[i].text, expected[i].text);
    }
}

// Every text-format file of the corpus extracts, and every block keeps the Block contract.
TEST(TextExtractors, CorpusSweepKeepsTheBlockContract) {
    int files = 0;
    for (const char* folder : {"txt", "csv", "md", "html"}) {
        for (const auto& entry :
             std::filesystem::directory_iterator(deskside::testing::corpus_dir() / folder)) {
            SCOPED_TRACE(entry.path().string());
            std::string bytes = deskside::testing::read_file(entry.path());
            ExtractedDocument document = extract_bytes(entry.path(), bytes);
            ++files;
            // That page is all <head>: scripts and a title.
            if (entry.path().filename() != "tika-testHTML_head.html") {
                EXPECT_FALSE(document.blocks.empty());
            }
            EXPECT_FALSE(document.metadata.encoding.empty());
            EXPECT_TRUE(utf8::is_valid(document.metadata.title));
            for (const Block& block : document.blocks) {
                ASSERT_FALSE(block.text.empty());
                EXPECT_TRUE(utf8::is_valid(block.text));
                EXPECT_EQ(block.text.find('\r'), std::string::npos);
                EXPECT_EQ(block.text.find('\0'), std::string::npos);
                EXPECT_EQ(block.text.find("\n\n"), std::string::npos);
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.front())));
                EXPECT_FALSE(std::isspace(static_cast<unsigned char>(block.text.back())));
                if (block.kind == BlockKind::heading) {
                    EXPECT_TRUE(block.level >= 1 && block.level <= 6);
                } else {
                    EXPECT_EQ(block.level, 0);
                }
            }
        }
    }
    EXPECT_GE(files, 39);
}

// Damaged copies of corpus files (flipped, inserted and cut bytes) are read or refused with a
// bad_document error, never a crash or another exception.
TEST(TextExtractors, DamagedInputIsReadOrRefused) {
    std::mt19937 random(20240607);
    const char* sources[] = {
        "html/tika-testHTML.html",          "html/tika-boilerplate.html",
        "md/tika-testMARKDOWN.md",          "csv/tika-foo.csv",
        "txt/chardet-SHIFT_JIS-_ude_1.txt", "html/tika-testHTML_charset_utf16le.html"};
    const char noise[] = {'<', '>', '"', '\0', '\xFF', '\n', '|', '`', '[', '&'};
    ExtractorRegistry registry = ExtractorRegistry::with_builtin_extractors();
    int read = 0;
    for (const char* path : sources) {
        std::string original = corpus_bytes(path);
        for (int round = 0; round < 40; ++round) {
            std::string bytes = original;
            for (int edits = 1 + static_cast<int>(random() % 8); edits > 0 && !bytes.empty();
                 --edits) {
                std::size_t at = random() % bytes.size();
                switch (random() % 3) {
                    case 0:
                        bytes[at] = static_cast<char>(random() % 256);
                        break;
                    case 1:
                        bytes.insert(at, 1, noise[random() % sizeof(noise)]);
                        break;
                    default:
                        bytes.resize(at);
                        break;
                }
            }
            SCOPED_TRACE(std::string(path) + " round " + std::to_string(round));
            FileType type = testing::detect(corpus(path), bytes);
            const Extractor* extractor = registry.find(type);
            ASSERT_NE(extractor, nullptr);
            if (type.format == "binary") continue;  // a NUL too many: no longer text, refused
            try {
                ExtractedDocument document =
                    extractor->extract(SourceFile{corpus(path), bytes, type}, {});
                for (const Block& block : document.blocks) ASSERT_TRUE(utf8::is_valid(block.text));
                ++read;
            } catch (const Error& error) {
                EXPECT_EQ(error.code(), ErrorCode::bad_document) << error.what();
            }
        }
    }
    EXPECT_GT(read, 100);  // most damage still leaves readable text
}

}  // namespace
}  // namespace deskside::ingest
