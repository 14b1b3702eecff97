// The legacy Office extractor on every legacy/ file of the corpus and the damaged PowerPoint in
// malformed/ (text against the texts POI ships, structure, metadata, encryption), with the
// converters missing, and the pieces under it: the converter runner, converter output
// parsing, and hand-made damaged input.
#include "legacy/legacy_office_extractor.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/extract_failure.h"
#include "ingest_test_util.h"
#include "legacy/block_writer.h"
#include "legacy/converter_output.h"
#include "legacy/converter_process.h"
#include "legacy/ppt_text.h"

namespace deskside::ingest {
namespace {

using testing::corpus_bytes;
using testing::extract_corpus;
using testing::joined;
using testing::texts;

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

FailureKind corpus_failure(const std::string& path) {
    try {
        extract_corpus(path);
    } catch (const Error& error) {
        return failure_kind_of(error.what());
    }
    ADD_FAILURE() << path << " was extracted";
    return FailureKind::io;
}

std::vector<std::string> manifest_files(std::string_view folder) {
    std::ifstream manifest(deskside::testing::corpus_dir() / "MANIFEST.tsv");
    std::vector<std::string> files;
    for (std::string line; std::getline(manifest, line);) {
        std::string path = line.substr(0, line.find('\t'));
        if (path.starts_with(folder)) files.push_back(path);
    }
    return files;
}

// ---- text against the expected texts ---------------------------------------------------------

// Words of an expected text, normalised: POI's metadata header ("Author = ...") and slide
// markers ("(Slide 1)", "(Notes 1)", "*" bullets) are not document text and go; whitespace
// runs separate words.
std::vector<std::string> expected_words(std::string text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    std::vector<std::string> words;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (contains(line, " = ") || (line.starts_with("(") && line.find(')') + 2 >= line.size()))
            continue;
        std::istringstream in(line);
        for (std::string word; in >> word;)
            if (word != "*") words.push_back(word);
    }
    return words;
}

std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

// Share of the expected words found in the extracted words in the same order (longest common
// subsequence over the expected count).
double in_order_share(const std::vector<std::string>& expected,
                      const std::vector<std::string>& actual) {
    std::vector<std::size_t> row(actual.size() + 1, 0), previous(actual.size() + 1, 0);
    for (const std::string& word : expected) {
        std::swap(row, previous);
        for (std::size_t j = 1; j <= actual.size(); ++j)
            row[j] =
                word == actual[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], row[j - 1]);
    }
    return expected.empty() ? 1.0 : static_cast<double>(row[actual.size()]) / expected.size();
}

TEST(LegacyOfficeExtractor, TextMatchesTheTextsPoiExpects) {
    // At least 90% of POI's expected words, in order, after normalising whitespace.
    const std::pair<const char*, const char*> cases[] = {
        {"legacy/poi-SampleDoc.doc", "legacy/poi-SampleDoc.expected.txt"},
        {"legacy/poi-Bug47742.doc", "legacy/poi-Bug47742.expected.txt"},
        {"legacy/poi-SampleShow.ppt", "legacy/poi-SampleShow.expected.txt"},
    };
    for (const auto& [document_path, expected_path] : cases) {
        SCOPED_TRACE(document_path);
        std::vector<std::string> expected = expected_words(corpus_bytes(expected_path));
        ASSERT_GE(expected.size(), 20u);
        std::string text = joined(extract_corpus(document_path));
        double share = in_order_share(expected, words_of(text));
        EXPECT_GE(share, 0.9) << text;
        RecordProperty(document_path, std::to_string(share));
    }
}

// ---- every corpus file -------------------------------------------------------------------------

struct CorpusCase {
    const char* path;
    std::optional<FailureKind> failure;  // the expected failure, or nullopt: it parses
    std::vector<const char*> phrases;
};

const std::vector<CorpusCase>& corpus_cases() {
    static const std::vector<CorpusCase> cases = {
        {"legacy/poi-54880_chinese.ppt", {}, {"\u8907\u6570\u306E\u6587\u5B57", "\U00020B9F"}},
        {"legacy/poi-Bug47742.doc", {}, {"{0>Die G-20 Staaten.<}0{>The G-20 states.<0}"}},
        {"legacy/poi-HeaderFooterUnicode.doc",
         {},
         {"EUR - \u20AC", "Les Pr\u00E9cieuses ridicules"}},
        {"legacy/poi-SampleDoc.doc", {}, {"It\u2019s Arial Black in 16 point"}},
        {"legacy/poi-SampleShow.ppt", {}, {"I am the notes of the first slide"}},
        // Word 97 that antiword finds "too small": catdoc reads it, notes included.
        {"legacy/poi-footnote.doc", {}, {"Test text", "TestFootnote", "TestComment"}},
        {"legacy/tika-password.xls", FailureKind::encrypted, {}},
        // Only a linked PowerPoint's picture: no text at all (the pipeline records "empty").
        {"legacy/tika-testDocumentLink.doc", {}, {}},
        {"legacy/tika-testEXCEL.xls",
         {},
         {"Sample Excel Worksheet - Numbers and their Squares", "15 | 225"}},
        // Excel 4 without OLE2 container: xls2csv cannot open it, the BIFF4 reader does.
        {"legacy/tika-testEXCEL_4.xls",
         {},
         {"Table 10 -- Examination Coverage", "Gift tax returns | 308600 | 2005"}},
        // Excel 95 whose sheet holds only blank formatted cells and a picture: no text.
        {"legacy/tika-testEXCEL_95.xls", {}, {}},
        {"legacy/tika-testEXCEL_headers_footers.xls", {}, {"John Smith40 | 40 Corporate HQ"}},
        {"legacy/tika-testPPT.ppt", {}, {"Sample Powerpoint Slide", "Powerpoint X for Mac"}},
        {"legacy/tika-testPPT_protected_passtika.ppt", FailureKind::encrypted, {}},
        {"legacy/tika-testPPT_various.ppt",
         {},
         {"Row 1 Col 1", "Here is a text box", "\U00010332\U0001033F\U00010344"}},
        {"legacy/tika-testWORD.doc",
         {},
         {"This is a sample Microsoft Word Document.", "The table has things in it"}},
        {"legacy/tika-testWORD6.doc", {}, {"The quick brown fox jumps over the lazy dog"}},
        {"legacy/tika-testWORD_protected_passtika.doc", FailureKind::encrypted, {}},
        {"legacy/tika-testWORD_various.doc",
         {},
         {"Here is a numbered list:", "(Kramer)", "\U00010332\U0001033F\U00010344"}},
        {"legacy/tika-test_TIKA-1251.doc", {}, {"Ansvar- og oppgavefordeling \u2013 Ansvarsvakt"}},
        // A UserEditAtom that points at itself: slides are found by scanning the records.
        {"malformed/poi-57272_corrupted_usereditatom.ppt",
         {},
         {"VALORIZZAZIONE LINEARE", "CA: 263618 \u20AC"}},
    };
    return cases;
}

TEST(LegacyOfficeExtractor, EveryCorpusFileIsCovered) {
    std::set<std::string> covered;
    for (const CorpusCase& c : corpus_cases()) covered.insert(c.path);
    std::size_t documents = 0;
    for (const std::string& file : manifest_files("legacy/")) {
        if (file.ends_with(".expected.txt")) continue;
        ++documents;
        EXPECT_TRUE(covered.count(file)) << file;
    }
    EXPECT_EQ(documents, 20u);
    EXPECT_TRUE(covered.count("malformed/poi-57272_corrupted_usereditatom.ppt"));
}

TEST(LegacyOfficeExtractor, CorpusFilesParseOrFailWithTheRightKind) {
    for (const CorpusCase& c : corpus_cases()) {
        SCOPED_TRACE(c.path);
        if (c.failure) {
            EXPECT_EQ(corpus_failure(c.path), *c.failure);
            continue;
        }
        ExtractedDocument document = extract_corpus(c.path);
        std::string text = joined(document);
        std::string extension = std::string(c.path).substr(std::string(c.path).rfind('.') + 1);
        EXPECT_EQ(document.format, extension);
        EXPECT_EQ(document.blocks.empty(), c.phrases.empty()) << text.substr(0, 300);
        for (const char* phrase : c.phrases)
            EXPECT_TRUE(contains(text, phrase)) << text.substr(0, 2000);
        EXPECT_TRUE(utf8::is_valid(text));
        EXPECT_FALSE(contains(text, "[pic]"));
    }
}

TEST(LegacyOfficeExtractor, EncryptedFilesSayWhy) {
    for (const char* path :
         {"legacy/tika-testWORD_protected_passtika.doc", "legacy/tika-password.xls",
          "legacy/tika-testPPT_protected_passtika.ppt"}) {
        try {
            extract_corpus(path);
            ADD_FAILURE() << path;
        } catch (const Error& error) {
            EXPECT_TRUE(std::string(error.what()).starts_with("encrypted: password-protected "))
                << error.what();
        }
    }
}

TEST(LegacyOfficeExtractor, SummaryMetadata) {
    ExtractedDocument sample = extract_corpus("legacy/poi-SampleDoc.doc");
    EXPECT_EQ(sample.metadata.title, "Test Document");
    EXPECT_EQ(sample.metadata.author, "Nick Burch");
    EXPECT_EQ(sample.metadata.created, 1199438100);  // 2008-01-04 09:15 UTC
    ExtractedDocument show = extract_corpus("legacy/poi-SampleShow.ppt");
    EXPECT_EQ(show.metadata.title, "SlideShow Sample");
    EXPECT_EQ(show.metadata.author, "Nick Burch");
    ExtractedDocument word6 = extract_corpus("legacy/tika-testWORD6.doc");
    EXPECT_EQ(word6.metadata.title, "The quick brown fox jumps over the lazy dog");
    EXPECT_EQ(word6.metadata.author, "Nevin Nollop");
    EXPECT_EQ(extract_corpus("legacy/tika-testEXCEL.xls").metadata.title, "Simple Excel document");
}

TEST(LegacyOfficeExtractor, WordTablesAndFootnotes) {
    ExtractedDocument document = extract_corpus("legacy/tika-testWORD_various.doc");
    std::vector<std::string> rows;
    for (const Block& block : document.blocks)
        if (block.kind == BlockKind::table_row) rows.push_back(block.text);
    EXPECT_EQ(rows, (std::vector<std::string>{"Row 1 Col 1 | Row 1 Col 2 | Row 1 Col 3",
                                              "Row 2 Col 1 | Row 2 Col 2 | Row 2 Col 3"}));
    auto note = std::find_if(document.blocks.begin(), document.blocks.end(),
                             [](const Block& b) { return b.location == "footnotes"; });
    ASSERT_NE(note, document.blocks.end());
    EXPECT_EQ(note->text, "[1] This is a footnote.");
    EXPECT_EQ(texts(extract_corpus("legacy/tika-testWORD6.doc")),
              std::vector<std::string>{"The quick brown fox jumps over the lazy dog"});
}

TEST(LegacyOfficeExtractor, SheetsAreTableRowsWithSheetNames) {
    ExtractedDocument document = extract_corpus("legacy/tika-testEXCEL.xls");
    ASSERT_EQ(document.blocks.size(), 18u);
    for (const Block& block : document.blocks) {
        EXPECT_EQ(block.kind, BlockKind::table_row);
        EXPECT_EQ(block.location, "Feuil1");  // BOUNDSHEET name; empty Feuil2/3 print nothing
    }
    EXPECT_EQ(document.blocks[1].text, "Number | Square");
    EXPECT_EQ(document.blocks[16].text, "15 | 225");
    // A quoted cell spanning two lines stays one cell.
    EXPECT_EQ(document.blocks[17].text,
              "Written and saved in Microsoft Excel X for Mac Service Release 1.");

    ExtractedDocument excel4 = extract_corpus("legacy/tika-testEXCEL_4.xls");
    EXPECT_GT(excel4.blocks.size(), 100u);
    EXPECT_EQ(excel4.blocks[0].location, "Sheet 1");
    EXPECT_TRUE(std::any_of(excel4.blocks.begin(), excel4.blocks.end(), [](const Block& b) {
        return b.text ==
               "Total | 123500 | 7707 | 6.24048582995951 | 1 | 7550 | N/A | 0 | 156 | 13 | N/A | 3";
    }));
    EXPECT_TRUE(extract_corpus("legacy/tika-testEXCEL_95.xls").blocks.empty());
}

TEST(LegacyOfficeExtractor, SlidesWithTitlesNotesAndNumbers) {
    ExtractedDocument document = extract_corpus("legacy/poi-SampleShow.ppt");
    struct Expected {
        BlockKind kind;
        int page;
        const char* location;
        const char* text;
    };
    const Expected expected[] = {
        {BlockKind::heading, 1, "slide 1", "Title of the first slide"},
        {BlockKind::paragraph, 1, "slide 1",
         "Subtitle of the first slide\nThis bit is in italic green"},
        {BlockKind::paragraph, 1, "notes, slide 1", "I am the notes of the first slide"},
        {BlockKind::heading, 2, "slide 2", "This is the second slide"},
        {BlockKind::paragraph, 2, "slide 2",
         "It has bullet points on it\nThey\u2019re fun, aren\u2019t they?\nEspecially in a "
         "different font like Arial Black at 16 point!"},
        {BlockKind::paragraph, 2, "notes, slide 2",
         "These are the notes of the 2nd slide\nTHIS LINE IS BOLD"},
    };
    ASSERT_EQ(document.blocks.size(), std::size(expected)) << joined(document);
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(document.blocks[i].kind, expected[i].kind);
        EXPECT_EQ(document.blocks[i].page, expected[i].page);
        EXPECT_EQ(document.blocks[i].location, expected[i].location);
        EXPECT_EQ(document.blocks[i].text, expected[i].text);
    }
    EXPECT_TRUE(document.warnings.empty());

    ExtractedDocument damaged = extract_corpus("malformed/poi-57272_corrupted_usereditatom.ppt");
    ASSERT_EQ(damaged.warnings.size(), 1u);
    EXPECT_TRUE(contains(damaged.warnings[0], "edit history damaged"));
    std::vector<int> pages;
    for (const Block& block : damaged.blocks) pages.push_back(block.page);
    EXPECT_EQ(pages, (std::vector<int>{2, 3, 4, 5}));  // slide 1 is a picture
}

// ---- converters missing ------------------------------------------------------------------------

TEST(LegacyOfficeExtractor, MissingConvertersAreUnsupportedWithAnInstallHint) {
    deskside::testing::TempDir empty;
    std::unique_ptr<Extractor> extractor =
        legacy::make_legacy_office_extractor(empty.path().string());
    auto reason = [&](const std::string& path) -> std::string {
        std::string bytes = corpus_bytes(path);
        SourceFile file{testing::corpus(path), bytes, testing::detect(path, bytes)};
        try {
            extractor->extract(file, {});
        } catch (const Error& error) {
            return error.what();
        }
        ADD_FAILURE() << path << " was extracted without converters";
        return {};
    };
    EXPECT_EQ(reason("legacy/tika-testWORD.doc"),
              "unsupported: install antiword (apt install antiword) to index .doc files");
    EXPECT_EQ(reason("legacy/tika-testEXCEL.xls"),
              "unsupported: install catdoc (apt install catdoc), which provides xls2csv, to index "
              ".xls files");
    // Encryption is found before any converter is looked for.
    EXPECT_TRUE(reason("legacy/tika-password.xls").starts_with("encrypted: "));
    // PowerPoint and Excel 4 need no converter.
    std::string show = corpus_bytes("legacy/poi-SampleShow.ppt");
    EXPECT_EQ(extractor->extract({"s.ppt", show, FileType{"ppt", ""}}, {}).blocks.size(), 6u);
    std::string excel4 = corpus_bytes("legacy/tika-testEXCEL_4.xls");
    EXPECT_FALSE(extractor->extract({"e.xls", excel4, FileType{"xls", ""}}, {}).blocks.empty());
}

TEST(LegacyOfficeExtractor, DamagedAndLateFiles) {
    std::unique_ptr<Extractor> extractor = make_legacy_office_extractor();
    auto failure = [&](std::string_view bytes, const char* format,
                       const ExtractOptions& options = {}) {
        try {
            extractor->extract({std::string("f.") + format, bytes, FileType{format, ""}}, options);
        } catch (const Error& error) {
            return failure_kind_of(error.what());
        }
        ADD_FAILURE() << format << " was extracted";
        return FailureKind::io;
    };
    for (const char* path :
         {"legacy/tika-testWORD.doc", "legacy/tika-testEXCEL.xls", "legacy/poi-SampleShow.ppt"}) {
        SCOPED_TRACE(path);
        std::string bytes = corpus_bytes(path);
        std::string format = std::string(path).substr(std::string(path).rfind('.') + 1);
        EXPECT_EQ(failure(bytes.substr(0, 8000), format.c_str()), FailureKind::corrupt);
        EXPECT_EQ(failure("not an OLE2 file at all", format.c_str()), FailureKind::corrupt);
    }
    ExtractOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    EXPECT_EQ(failure(corpus_bytes("legacy/tika-testWORD.doc"), "doc", late), FailureKind::timeout);
    ExtractOptions small;
    small.max_output_bytes = 100;
    EXPECT_EQ(failure(corpus_bytes("legacy/tika-test_TIKA-1251.doc"), "doc", small),
              FailureKind::too_large);

    // An Excel 4 file cut short keeps its rows and says so.
    std::string excel4 = corpus_bytes("legacy/tika-testEXCEL_4.xls").substr(0, 20000);
    ExtractedDocument cut = extractor->extract({"c.xls", excel4, FileType{"xls", ""}}, {});
    EXPECT_GT(cut.blocks.size(), 10u);
    ASSERT_EQ(cut.warnings.size(), 1u);
    EXPECT_TRUE(cut.warnings[0].starts_with("truncated:"));
}

TEST(PptText, GarbageAndBrokenChainsAreHandled) {
    auto never = std::chrono::steady_clock::time_point::max();
    std::string garbage(5000, '\xAB');
    try {
        legacy::read_ppt_text(garbage, garbage, never);
        ADD_FAILURE() << "garbage read as slides";
    } catch (const Error& error) {
        EXPECT_EQ(failure_kind_of(error.what()), FailureKind::corrupt);
    }
    // One slide container with a text atom, no edit chain: read in file order, unnumbered.
    auto record = [](std::uint16_t ver_instance, std::uint16_t type, std::string body) {
        std::string out{static_cast<char>(ver_instance), static_cast<char>(ver_instance >> 8),
                        static_cast<char>(type), static_cast<char>(type >> 8)};
        std::uint32_t n = static_cast<std::uint32_t>(body.size());
        out += {static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                static_cast<char>(n >> 24)};
        return out + body;
    };
    std::string text_atom = record(0, 0x0FA8, "Hello\rworld");
    std::string slide = record(0x0F, 0x03EE, record(0x0F, 0xF00D, text_atom));
    legacy::PptContent content = legacy::read_ppt_text(slide + slide.substr(0, 11), "", never);
    ASSERT_EQ(content.slides.size(), 1u);
    EXPECT_EQ(content.slides[0].number, 0);
    ASSERT_EQ(content.slides[0].texts.size(), 1u);
    EXPECT_EQ(content.slides[0].texts[0].text, "Hello\nworld");
    EXPECT_EQ(content.warnings.size(), 1u);
    // A container claiming more bytes than the stream has is clipped, not trusted.
    std::string liar = record(0x0F, 0x03EE, text_atom);
    liar[4] = '\xFF';
    liar[5] = '\xFF';
    liar[6] = '\xFF';
    EXPECT_EQ(legacy::read_ppt_text(liar, "", never).slides.size(), 1u);
}

TEST(LegacyOfficeExtractor, SafeFromSeveralThreadsAtOnce) {
    const char* paths[] = {"legacy/tika-testWORD.doc", "legacy/tika-testEXCEL.xls",
                           "legacy/poi-SampleShow.ppt", "rtf/tika-testRTFJapanese.rtf"};
    std::vector<std::string> bytes, expected;
    for (const char* path : paths) {
        bytes.push_back(corpus_bytes(path));
        expected.push_back(joined(extract_corpus(path)));
    }
    ExtractorRegistry registry = ExtractorRegistry::with_builtin_extractors();
    std::vector<std::string> got(4 * std::size(paths));
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < got.size(); ++t)
        threads.emplace_back([&, t] {
            std::size_t i = t % std::size(paths);
            FileType type = testing::detect(paths[i], bytes[i]);
            got[t] = joined(registry.find(type)->extract({paths[i], bytes[i], type}, {}));
        });
    for (std::thread& thread : threads) thread.join();
    for (std::size_t t = 0; t < got.size(); ++t)
        EXPECT_EQ(got[t], expected[t % std::size(paths)]) << paths[t % std::size(paths)];
}

// ---- converter runner --------------------------------------------------------------------------

TEST(ConverterProcess, FindsProgramsOnTheGivenPath) {
    EXPECT_TRUE(legacy::find_program("sh"));
    EXPECT_TRUE(legacy::find_program("sh", "/nonexistent:/bin:/usr/bin"));
    deskside::testing::TempDir empty;
    EXPECT_FALSE(legacy::find_program("sh", empty.path().string()));
    EXPECT_FALSE(legacy::find_program("no-such-converter-program"));
}

TEST(ConverterProcess, PassesTheInputAndCollectsOutputAndStatus) {
    std::filesystem::path sh = *legacy::find_program("sh");
    legacy::ConverterRequest request;
    request.input = std::string_view("document bytes\0with a NUL", 25);
    request.args = {"-c", "cat \"$0\"; echo oops >&2; exit 3"};
    legacy::ConverterResult result = legacy::run_converter(sh, request);
    EXPECT_EQ(result.out, std::string("document bytes\0with a NUL", 25));
    EXPECT_EQ(result.err, "oops\n");
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.first_message(), "oops");
}

TEST(ConverterProcess, KillsAtTheTimeLimitAndTheOutputCap) {
    std::filesystem::path sh = *legacy::find_program("sh");
    legacy::ConverterRequest slow;
    slow.args = {"-c", "exec sleep 20"};
    slow.time_limit = std::chrono::milliseconds(200);
    auto start = std::chrono::steady_clock::now();
    legacy::ConverterResult result = legacy::run_converter(sh, slow);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.signal, SIGKILL);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

    legacy::ConverterRequest chatty;
    chatty.args = {"-c", "exec yes"};
    chatty.max_output_bytes = 100000;
    result = legacy::run_converter(sh, chatty);
    EXPECT_TRUE(result.output_truncated);
    EXPECT_EQ(result.out.size(), 100000u);
    EXPECT_FALSE(result.ok());
}

// ---- converter output ----------------------------------------------------------------------

TEST(ConverterOutput, CsvSheetsQuotesAndFormFeeds) {
    std::vector<legacy::CsvSheet> sheets =
        legacy::parse_sheets_csv("a,\"b, \"\"c\"\"\",\n\"two\nlines\",3\n\f,,\n\fx\n\f");
    ASSERT_EQ(sheets.size(), 3u);
    EXPECT_EQ(sheets[0], (legacy::CsvSheet{{"a", "b, \"c\"", ""}, {"two\nlines", "3"}}));
    EXPECT_EQ(sheets[1], (legacy::CsvSheet{{"", "", ""}}));
    EXPECT_EQ(sheets[2], (legacy::CsvSheet{{"x"}}));
    EXPECT_EQ(legacy::join_cells({"", "a", "", "b", "", ""}), "a |  | b");
}

TEST(ConverterOutput, WordTextTablesNotesAndRepairedUtf8) {
    legacy::BlockWriter writer(1 << 20, "test");
    std::vector<Block> blocks;
    legacy::add_word_text(
        "Title\n\n[pic]\n|cell one  |cell two |\n|  |x|\nText[1]\n-----------------------\n[1]\tA "
        "note.\n",
        writer, blocks);
    ASSERT_EQ(blocks.size(), 5u);
    EXPECT_EQ(blocks[1].kind, BlockKind::table_row);
    EXPECT_EQ(blocks[1].text, "cell one | cell two");
    EXPECT_EQ(blocks[2].text, "x");
    EXPECT_EQ(blocks[4].text, "[1] A note.");
    EXPECT_EQ(blocks[4].location, "footnotes");
    // CESU-8 (a surrogate pair as two 3-byte sequences, as antiword writes them) and junk.
    EXPECT_EQ(legacy::repair_utf8("\xED\xA0\x80\xED\xBC\xB2 ok \xFF"), "\U00010332 ok \uFFFD");
    EXPECT_EQ(legacy::repair_utf8("\xED\xA0\x80 lone"), "\uFFFD lone");
}

}  // namespace
}  // namespace deskside::ingest
