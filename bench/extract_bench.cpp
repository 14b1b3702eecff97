// Extraction throughput per format over the shared office corpus: every file is detected and
// extracted in this process, one thread, OCR off (attachments included, as the indexer does),
// repeated --rounds times; then OCR alone over the scanned PDF pages. Prints JSON:
//   {"corpus":…, "rounds":N, "formats":{"pdf":{"files":…, "pages":…, "mb":…, "seconds":…,
//    "pages_per_s":…, "mb_per_s":…, "failed":…}, …}, "total":{…}, "ocr":{"pages":…,
//    "seconds":…, "pages_per_s":…}}
// Usage: deskside_extract_bench [--corpus DIR] [--rounds N]
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "bench_support.h"
#include "ingest/extraction.h"
#include "ingest/extractor.h"

namespace deskside::bench {
namespace {

struct FormatFigures {
    std::int64_t files = 0, pages = 0, bytes = 0, failed = 0, documents = 0;
    double seconds = 0;
};

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

int highest_page(const ingest::ExtractedDocument& document) {
    int pages = 0;
    for (const auto& block : document.blocks) pages = std::max(pages, block.page);
    return pages;
}

void write_figures(JsonWriter& json, const FormatFigures& f) {
    json.begin_object();
    json.key("files").value(f.files);
    json.key("documents").value(f.documents);
    json.key("failed").value(f.failed);
    json.key("mb").value(f.bytes / 1e6, 2);
    json.key("seconds").value(f.seconds, 3);
    json.key("mb_per_s").value(f.seconds > 0 ? f.bytes / 1e6 / f.seconds : 0, 2);
    if (f.pages > 0) {
        json.key("pages").value(f.pages);
        json.key("pages_per_s").value(f.seconds > 0 ? f.pages / f.seconds : 0, 1);
    }
    json.end_object();
}

int run(int argc, char** argv) {
    fs::path corpus = default_corpus();
    int rounds = 3;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--corpus" && i + 1 < argc) {
            corpus = argv[++i];
        } else if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else {
            std::cerr << "usage: deskside_extract_bench [--corpus DIR] [--rounds N]\n";
            return 2;
        }
    }
    if (!fs::is_directory(corpus)) {
        std::cerr << "deskside_extract_bench: no corpus at " << corpus
                  << " (set DESKSIDE_SHARED or pass --corpus)\n";
        return 2;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(corpus))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());

    const auto registry = ingest::ExtractorRegistry::with_builtin_extractors();
    ingest::ExtractOptions options;
    options.ocr = false;
    std::map<std::string, FormatFigures> formats;
    FormatFigures total;
    std::vector<fs::path> scanned;  // PDFs with pages that had no text: the OCR part's input
    // One pass first, uncounted: page cache, fonts, Tesseract and GMime initialisation.
    for (const fs::path& path : files) {
        std::string bytes = read_all(path);
        ingest::extract_tree(registry, path, bytes, options);
    }
    for (int round = 0; round < rounds; ++round) {
        for (const fs::path& path : files) {
            std::string bytes = read_all(path);
            std::string format =
                ingest::detect_file_type(path, std::string_view(bytes).substr(0, 65536)).format;
            auto started = std::chrono::steady_clock::now();
            auto items = ingest::extract_tree(registry, path, bytes, options);
            double seconds = seconds_since(started);
            FormatFigures& f = formats[format];
            f.seconds += seconds / rounds;
            total.seconds += seconds / rounds;
            if (round > 0) continue;
            ++f.files;
            ++total.files;
            f.bytes += static_cast<std::int64_t>(bytes.size());
            total.bytes += static_cast<std::int64_t>(bytes.size());
            const auto& root = items.front();
            if (!root.document) {
                ++f.failed;
                ++total.failed;
                continue;
            }
            f.documents += static_cast<std::int64_t>(items.size());
            total.documents += static_cast<std::int64_t>(items.size());
            if (format == "pdf") {
                f.pages += highest_page(*root.document);
                for (const auto& warning : root.document->warnings)
                    if (warning.find("OCR is off") != std::string::npos) {
                        scanned.push_back(path);
                        break;
                    }
            }
        }
    }

    // OCR: the scanned PDFs again, OCR on, once.
    ingest::ExtractOptions ocr_options;
    std::int64_t ocr_pages = 0;
    double ocr_seconds = 0;
    for (const fs::path& path : scanned) {
        std::string bytes = read_all(path);
        auto started = std::chrono::steady_clock::now();
        auto items = ingest::extract_tree(registry, path, bytes, ocr_options);
        ocr_seconds += seconds_since(started);
        if (items.front().document)
            for (const auto& block : items.front().document->blocks)
                if (block.ocr) {
                    ++ocr_pages;
                    break;
                }
    }

    JsonWriter json;
    json.begin_object();
    json.key("corpus").value(corpus.string());
    json.key("rounds").value(rounds);
    json.key("threads").value(1);
    json.key("formats").begin_object();
    for (const auto& [format, figures] : formats) {
        json.key(format);
        write_figures(json, figures);
    }
    json.end_object();
    json.key("total");
    write_figures(json, total);
    json.key("ocr").begin_object();
    json.key("files").value(static_cast<std::int64_t>(scanned.size()));
    json.key("pages").value(ocr_pages);
    json.key("seconds").value(ocr_seconds, 3);
    json.key("pages_per_s").value(ocr_seconds > 0 ? ocr_pages / ocr_seconds : 0, 2);
    json.end_object();
    json.end_object();
    std::cout << json.str() << "\n";
    return 0;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    return deskside::bench::run(argc, argv);
}
