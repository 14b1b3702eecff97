// Walks ../shared/corpus/office/MANIFEST.tsv and checks every file against
// corpus_expectations.tsv (beside this file): parsed with the expected kind of content, or
// failed with the expected kind of reason. Expectations were written from independent tools
// (pdftotext, antiword, catdoc, unzip, the file itself) and the manifest's notes, never from
// Deskside's own output. Files whose source project ships the text it expects
// (*.expected.txt) are compared with it, in word order, after normalising whitespace.
//
// Expectations file, tab-separated: path, outcome, checks.
//   outcome: "text", or a failure kind (encrypted, corrupt, unsupported, too large, empty)
//   checks, separated by " ; ":
//     "words"            the words occur in this order, adjacent (case and spacing ignored)
//     script:NAME>=N     at least N characters of han, hangul, kana, cyrillic, arabic, hebrew,
//                        thai, greek
//     pages>=N           blocks reach page (or slide) N
//     location:TEXT      some block's location is TEXT
//     attachments>=N     at least N documents came out of the file besides itself
//     heading:"words"    a heading block contains the words
//     expected:FILE>=R   at least a share R of FILE's words are found, in order (POI's expected
//                        files open with "Key = value" property lines and mark sheets, slides
//                        and notes with "(Slide 1)" lines: those are metadata and structure,
//                        which Deskside keeps as metadata and locations, so they are left out)
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ingest/extract_failure.h"
#include "ingest/extraction.h"
#include "ingest_test_util.h"

namespace deskside::ingest {
namespace {

namespace fs = std::filesystem;
using testing::corpus;
using testing::corpus_bytes;

struct Expectation {
    std::string path, outcome, checks;
};

std::vector<std::string> split(const std::string& text, const std::string& separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        std::size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at - start));
        if (at == std::string::npos) return parts;
        start = at + separator.size();
    }
}

std::map<std::string, Expectation> expectations() {
    std::ifstream in(fs::path(DESKSIDE_SOURCE_DIR) / "tests/ingest/corpus_expectations.tsv");
    std::map<std::string, Expectation> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto fields = split(line, "\t");
        if (fields.size() < 2) continue;
        out[fields[0]] = {fields[0], fields[1], fields.size() > 2 ? fields[2] : ""};
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> manifest_rows() {
    std::ifstream in(deskside::testing::corpus_dir() / "MANIFEST.tsv");
    std::vector<std::pair<std::string, std::string>> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        auto fields = split(line, "\t");
        if (fields.size() >= 2) rows.emplace_back(fields[0], fields[1]);
    }
    return rows;
}

// Lower-cased words (letters and digits; each CJK character is a word of its own).
std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        if (!current.empty()) out.push_back(std::move(current));
        current.clear();
    };
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(text, pos);
        if (cp < 0x80) {
            if (std::isalnum(static_cast<int>(cp)))
                current += static_cast<char>(std::tolower(static_cast<int>(cp)));
            else
                flush();
        } else if (testing::is_han(cp) || testing::is_kana(cp) || testing::is_hangul(cp)) {
            flush();
            out.emplace_back(text.substr(start, pos - start));
        } else if ((cp >= 0xA0 && cp <= 0xBF) || (cp >= 0x2000 && cp <= 0x206F) ||
                   (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFFFD) {  // spaces, punctuation
            flush();
        } else {
            current.append(text.substr(start, pos - start));
        }
    }
    flush();
    return out;
}

bool contains_sequence(const std::vector<std::string>& haystack,
                       const std::vector<std::string>& needle) {
    if (needle.empty()) return true;
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
}

// The share of `expected` words found in `actual` in the same order (longest common
// subsequence over words).
double in_order_share(const std::vector<std::string>& expected,
                      const std::vector<std::string>& actual) {
    if (expected.empty()) return 1.0;
    std::vector<int> previous(actual.size() + 1, 0), current(actual.size() + 1, 0);
    for (const std::string& word : expected) {
        for (std::size_t j = 1; j <= actual.size(); ++j)
            current[j] =
                word == actual[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
        std::swap(previous, current);
    }
    return static_cast<double>(previous[actual.size()]) / static_cast<double>(expected.size());
}

// The expected file without POI's property lines and structure markers.
std::string expected_body(const std::string& expected) {
    std::string body;
    std::istringstream lines(expected);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::size_t equals = line.find(" = ");
        bool property = equals != std::string::npos && equals > 0 &&
                        line.find_first_not_of(
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ") == equals + 1;
        bool marker = line.size() > 2 && line.front() == '(' && line.back() == ')';
        if (!property && !marker) body += line + "\n";
    }
    return body;
}

bool in_script(const std::string& script, char32_t cp) {
    if (script == "han") return testing::is_han(cp);
    if (script == "hangul") return testing::is_hangul(cp);
    if (script == "kana") return testing::is_kana(cp);
    if (script == "cyrillic") return testing::is_cyrillic(cp);
    if (script == "arabic") return testing::is_arabic(cp) || (cp >= 0xFB50 && cp <= 0xFEFF);
    if (script == "hebrew") return cp >= 0x0590 && cp <= 0x05FF;
    if (script == "thai") return cp >= 0x0E00 && cp <= 0x0E7F;
    if (script == "greek") return cp >= 0x0370 && cp <= 0x03FF;
    ADD_FAILURE() << "unknown script " << script;
    return false;
}

std::string unquote(std::string text) {
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
        return text.substr(1, text.size() - 2);
    return text;
}

void check(const std::string& check, const std::vector<ExtractedItem>& items,
           const std::string& path) {
    const ExtractedDocument& document = *items.front().document;
    std::string all = testing::joined(document);
    SCOPED_TRACE(path + ": " + check);
    if (check.starts_with("\"")) {
        EXPECT_TRUE(contains_sequence(words(all), words(unquote(check))))
            << "text lacks the words; it starts: " << all.substr(0, 400);
    } else if (check.starts_with("heading:")) {
        std::vector<std::string> wanted = words(unquote(check.substr(8)));
        bool found = false;
        for (const Block& block : document.blocks)
            found = found || (block.kind == BlockKind::heading &&
                              contains_sequence(words(block.text), wanted));
        EXPECT_TRUE(found);
    } else if (check.starts_with("script:")) {
        std::size_t at = check.find(">=");
        std::string script = check.substr(7, at - 7);
        std::size_t wanted = std::stoul(check.substr(at + 2));
        EXPECT_GE(
            testing::count_code_points(all, [&](char32_t cp) { return in_script(script, cp); }),
            wanted);
    } else if (check.starts_with("pages>=")) {
        int pages = 0;
        for (const Block& block : document.blocks) pages = std::max(pages, block.page);
        EXPECT_GE(pages, std::stoi(check.substr(7)));
    } else if (check.starts_with("location:")) {
        std::string wanted = check.substr(9);
        bool found = false;
        for (const Block& block : document.blocks) found = found || block.location == wanted;
        EXPECT_TRUE(found);
    } else if (check.starts_with("attachments>=")) {
        EXPECT_GE(items.size() - 1, std::stoul(check.substr(13)));
    } else if (check.starts_with("expected:")) {
        std::size_t at = check.find(">=");
        std::string file = check.substr(9, at - 9);
        double threshold = std::stod(check.substr(at + 2));
        double share = in_order_share(words(expected_body(corpus_bytes(file))), words(all));
        EXPECT_GE(share, threshold) << "only " << share << " of " << file << " found in order";
    } else {
        ADD_FAILURE() << "unknown check";
    }
}

TEST(OfficeCorpus, EveryManifestFileMeetsItsExpectation) {
    auto rows = manifest_rows();
    ASSERT_GE(rows.size(), 240u) << "MANIFEST.tsv not found or truncated";
    auto expected = expectations();
    const auto registry = ExtractorRegistry::with_builtin_extractors();
    ExtractOptions options;
    options.ocr = false;  // OCR has its own tests (test_ingest_pdf); this one stays quick
    std::map<std::string, int> outcomes;
    std::set<std::string> listed;
    for (const auto& [path, type] : rows) {
        if (type == "expected-text") continue;
        listed.insert(path);
        auto it = expected.find(path);
        if (it == expected.end()) {
            ADD_FAILURE() << path << " has no line in corpus_expectations.tsv";
            continue;
        }
        std::string bytes = corpus_bytes(path);
        auto items = extract_tree(registry, corpus(path), bytes, options);
        ASSERT_FALSE(items.empty()) << path;
        const ExtractedItem& root = items.front();
        const Expectation& e = it->second;
        bool has_text = root.document && !root.document->blocks.empty();
        std::string outcome = has_text ? "text"
                              : root.document
                                  ? "empty"
                                  : std::string(failure_kind_name(failure_kind_of(root.failure)));
        ++outcomes[outcome];
        EXPECT_EQ(outcome, e.outcome) << path << ": " << root.failure;
        if (outcome != "text" || e.outcome != "text") continue;
        if (!e.checks.empty())
            for (const std::string& c : split(e.checks, " ; ")) check(c, items, path);
    }
    for (const auto& [path, e] : expected)
        EXPECT_TRUE(listed.count(path)) << path << " is in corpus_expectations.tsv, not in the "
                                        << "manifest";
    for (const auto& [outcome, count] : outcomes)
        std::printf("  %-12s %d files\n", outcome.c_str(), count);
}

}  // namespace
}  // namespace deskside::ingest
