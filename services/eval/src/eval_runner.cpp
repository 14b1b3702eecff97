#include "eval/eval_runner.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>

#include "base/error.h"
#include "base/utf8.h"
#include "ingest/pipeline.h"
#include "store/data_dir.h"
#include "vectors/embeddings.h"

namespace deskside::eval {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A file name for a document id that any file system accepts: unsafe bytes as %XX.
std::string file_name_for(const std::string& id) {
    std::string name;
    for (unsigned char c : id) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            name += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            name += hex;
        }
    }
    return name + ".txt";
}

std::string id_from_path(const std::string& path) {
    std::string name = fs::path(path).stem().string();
    std::string id;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '%' && i + 2 < name.size()) {
            id += static_cast<char>(std::stoi(name.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            id += name[i];
        }
    }
    return id;
}

class TemporaryFolder {
  public:
    TemporaryFolder() {
        std::random_device random;
        for (;;) {
            path_ = fs::temp_directory_path() / ("deskside-eval-" + std::to_string(random()));
            if (fs::create_directory(path_)) break;
        }
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5)];
}

// The share of the exact top-10 passages of the vector arm that the graph search finds too.
double graph_recall_at_10(retriever::HybridSearcher& searcher, retriever::SearchRequest request,
                          retriever::HybridOptions hybrid) {
    request.limit = 10;
    request.per_document = 0;  // passages, as the graph returns them
    std::vector<std::int64_t> exact, graph;
    hybrid.vector_mode = store::VectorSearchMode::exact;
    for (const auto& hit : searcher.search(request, retriever::SearchMode::vector, hybrid).hits)
        exact.push_back(hit.passage_id);
    if (exact.empty()) return 1.0;
    hybrid.vector_mode = store::VectorSearchMode::hnsw;
    for (const auto& hit : searcher.search(request, retriever::SearchMode::vector, hybrid).hits)
        graph.push_back(hit.passage_id);
    std::size_t found = 0;
    for (std::int64_t id : exact) found += std::count(graph.begin(), graph.end(), id);
    return static_cast<double>(found) / static_cast<double>(exact.size());
}

}  // namespace

std::string keyword_query_of(const std::string& text) {
    std::string out, word;
    auto flush = [&] {
        if (!word.empty()) out += (out.empty() ? "" : " ") + word;
        word.clear();
    };
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(text, pos);
        bool letter = cp >= 0x80 || std::isalnum(static_cast<int>(cp));
        if (letter)
            word.append(text, start, pos - start);
        else
            flush();
    }
    flush();
    return out;
}

EvalReport run_evaluation(const retriever::EvalSet& set, const EvalOptions& options) {
    std::vector<retriever::SearchMode> modes;
    for (const std::string& mode : options.modes)
        modes.push_back(retriever::parse_search_mode(mode));
    std::optional<TemporaryFolder> temporary;
    fs::path work = options.work_dir;
    if (work.empty()) {
        temporary.emplace();
        work = temporary->path();
    }
    fs::path docs = work / "docs";
    fs::create_directories(docs);
    for (const retriever::EvalDocument& document : set.documents) {
        std::ofstream out(docs / file_name_for(document.id), std::ios::binary);
        // Some sets repeat the title at the start of the text; writing it twice would double its
        // words' weight.
        if (!document.title.empty() && !document.text.starts_with(document.title))
            out << document.title << "\n\n";
        out << document.text << "\n";
        if (!out)
            throw_io_error("cannot write", (docs / file_name_for(document.id)).string(), errno);
    }

    EvalReport report;
    report.set = set.name;
    report.documents = static_cast<int>(set.documents.size());
    store::DataDir data(work / "data");
    ingest::IndexOptions index;
    index.roots = {docs};
    index.threads = options.threads;
    auto summary = ingest::run_index(data, index, nullptr, Logger());
    report.index_seconds = summary.seconds;

    bool needs_vectors = std::any_of(modes.begin(), modes.end(),
                                     [](auto m) { return m != retriever::SearchMode::keyword; });
    vectors::EmbeddingConfig embedding = options.embedding;
    embedding.enabled = needs_vectors;
    if (needs_vectors) {
        vectors::SyncOptions sync;
        // A graph however small the set, so that the vector mode measures what a large
        // collection would use and its recall against exact search can be stated.
        sync.index.hnsw_min_rows = 0;
        vectors::SyncSummary synced = vectors::sync_vectors(data, embedding, sync);
        report.embed_seconds = synced.seconds;
        report.embedder = synced.embedder;
    }
    retriever::HybridSearcher searcher(data, embedding);
    std::unique_ptr<std::ofstream> run;
    for (std::size_t m = 0; m < modes.size(); ++m) {
        std::map<std::string, std::vector<std::string>> rankings;
        if (!options.runs_dir.empty()) {
            fs::create_directories(options.runs_dir);
            fs::path file = options.runs_dir / (options.modes[m] + ".run");
            run = std::make_unique<std::ofstream>(file, std::ios::binary);
            if (!*run) throw_io_error("cannot write", file.string(), errno);
        }
        double recall_sum = 0;
        int recall_queries = 0;
        std::vector<double> latencies;
        int queries = 0;
        for (const retriever::EvalQuery& query : set.queries) {
            if (!set.judgments.count(query.id)) continue;
            retriever::SearchRequest request;
            request.query = keyword_query_of(query.text);
            request.match_any = true;  // natural-language questions: BM25 over any of the words
            request.limit = options.depth;
            request.per_document = 1;
            if (request.query.empty()) continue;
            retriever::HybridOptions hybrid = options.hybrid;
            hybrid.depth = std::max(hybrid.depth, options.depth);
            auto started = Clock::now();
            retriever::SearchResults results;
            try {
                results = searcher.search(request, modes[m], hybrid);
            } catch (const Error& e) {
                if (e.code() != ErrorCode::query_syntax) throw;  // only common words: no result
            }
            latencies.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - started).count());
            std::vector<std::string>& ranking = rankings[query.id];
            for (const auto& hit : results.hits) {
                ranking.push_back(id_from_path(hit.path));
                if (run)
                    *run << query.id << " Q0 " << ranking.back() << ' ' << hit.rank << ' '
                         << hit.score << " deskside-" << options.modes[m] << '\n';
            }
            if (modes[m] == retriever::SearchMode::vector) {
                recall_sum += graph_recall_at_10(searcher, request, hybrid);
                ++recall_queries;
            }
            ++queries;
        }
        report.queries = queries;
        ModeResult& result = report.modes[options.modes[m]];
        result.scores = retriever::score_set(set, rankings);
        result.p50_ms = quantile(latencies, 0.5);
        result.p95_ms = quantile(latencies, 0.95);
        if (recall_queries > 0) result.hnsw_recall_at_10 = recall_sum / recall_queries;
    }
    return report;
}

}  // namespace deskside::eval
