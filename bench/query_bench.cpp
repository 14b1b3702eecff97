// deskside_query_bench [FOLDER] [--queries N]
//
// Indexes FOLDER (default: the shared office corpus) into a temporary data directory, then
// builds N queries (default 500) deterministically from the indexed passages themselves: single
// words, two-word AND queries, quoted phrases of 2-3 consecutive words, wildcard prefixes and
// title: field queries. After one untimed warm-up pass it times each KeywordSearcher::search
// (limit 10, one thread) and prints one JSON object on stdout; see bench/README.md.
//
// Exit status: 0 on success, 1 when indexing or a query failed, 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "bench_support.h"
#include "ingest/pipeline.h"
#include "retriever/keyword_search.h"
#include "store/catalog.h"

namespace deskside::bench {
namespace {

constexpr std::uint64_t kSeed = 20240611;
constexpr int kLimit = 10;

// Kinds of query, and how many of every 20 queries are of each kind.
struct QueryKind {
    const char* name;
    int share;
};
constexpr QueryKind kKinds[] = {
    {"word", 7}, {"and", 5}, {"phrase", 5}, {"wildcard", 2}, {"title", 1}};

struct Query {
    std::string kind;
    std::string text;
};

// A word usable in a query: 3-20 ASCII letters, not a query-parser operator.
bool usable_word(const std::string& w) {
    static const std::set<std::string> operators = {"and", "or", "not", "xor", "near", "adj"};
    if (w.size() < 3 || w.size() > 20) return false;
    for (char c : w)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    std::string lower = w;
    for (char& c : lower) c = static_cast<char>(c | 0x20);
    return !operators.contains(lower);
}

std::string lower(std::string w) {
    for (char& c : w)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    return w;
}

// Whitespace-separated tokens of a passage; phrases are runs of consecutive usable tokens.
std::vector<std::string> tokens(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

struct Vocabulary {
    std::vector<std::vector<std::string>> passages;  // per passage: its tokens
    std::vector<std::string> title_words;
    std::int64_t passage_count = 0;
};

Vocabulary read_vocabulary(const store::DataDir& dir) {
    store::Catalog catalog(dir.catalog_path(), store::Catalog::Mode::read_only);
    Vocabulary vocab;
    auto docs = catalog.document_paths();
    std::sort(docs.begin(), docs.end());
    std::set<std::string> titles;
    for (const auto& [id, path] : docs) {
        auto doc = catalog.get_document(id);
        if (!doc || doc->state != store::DocumentState::indexed) continue;
        for (const auto& w : tokens(doc->title))
            if (usable_word(w)) titles.insert(lower(w));
        for (const auto& passage : catalog.passages_of(id)) {
            ++vocab.passage_count;
            auto t = tokens(passage.text);
            if (std::any_of(t.begin(), t.end(), usable_word))
                vocab.passages.push_back(std::move(t));
        }
    }
    vocab.title_words.assign(titles.begin(), titles.end());
    return vocab;
}

// Deterministic choices: mt19937_64 is fully specified, and we avoid the library's
// distributions, whose output differs between standard libraries.
class Picker {
  public:
    std::size_t index(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  private:
    std::mt19937_64 rng_{kSeed};
};

std::string random_word(const std::vector<std::string>& passage, Picker& pick) {
    for (int tries = 0; tries < 20; ++tries) {
        const auto& w = passage[pick.index(passage.size())];
        if (usable_word(w)) return lower(w);
    }
    for (const auto& w : passage)
        if (usable_word(w)) return lower(w);
    return "";
}

// 2-3 consecutive usable tokens from the passage, or "" if it has no such run.
std::string random_phrase(const std::vector<std::string>& passage, Picker& pick) {
    std::size_t len = 2 + pick.index(2);
    if (passage.size() < len) return "";
    for (int tries = 0; tries < 20; ++tries) {
        std::size_t start = pick.index(passage.size() - len + 1);
        bool ok = true;
        std::string phrase;
        for (std::size_t i = start; i < start + len && ok; ++i) {
            ok = usable_word(passage[i]);
            if (!phrase.empty()) phrase += ' ';
            phrase += lower(passage[i]);
        }
        if (ok) return "\"" + phrase + "\"";
    }
    return "";
}

std::vector<Query> build_queries(const Vocabulary& vocab, int count) {
    std::vector<std::string> schedule;
    for (const auto& kind : kKinds)
        for (int i = 0; i < kind.share; ++i) schedule.push_back(kind.name);
    Picker pick;
    std::vector<Query> queries;
    for (int attempt = 0; static_cast<int>(queries.size()) < count && attempt < count * 20;
         ++attempt) {
        std::string kind = schedule[queries.size() % schedule.size()];
        const auto& passage = vocab.passages[pick.index(vocab.passages.size())];
        std::string text;
        if (kind == "word") {
            text = random_word(passage, pick);
        } else if (kind == "and") {
            std::string a = random_word(passage, pick), b = random_word(passage, pick);
            if (a != b) text = a + " " + b;
        } else if (kind == "phrase") {
            text = random_phrase(passage, pick);
        } else if (kind == "wildcard") {
            std::string w = random_word(passage, pick);
            if (w.size() >= 5) text = w.substr(0, 3 + pick.index(2)) + "*";
        } else if (!vocab.title_words.empty()) {
            text = "title:" + vocab.title_words[pick.index(vocab.title_words.size())];
        }
        if (!text.empty()) queries.push_back({kind, text});
    }
    return queries;
}

struct Timing {
    std::vector<double> ms;
    std::int64_t with_hits = 0;
    std::int64_t errors = 0;
};

void write_stats(JsonWriter& json, const Timing& t) {
    json.key("queries").value(static_cast<std::int64_t>(t.ms.size()));
    json.key("p50_ms").value(quantile(t.ms, 0.50), 3);
    json.key("p95_ms").value(quantile(t.ms, 0.95), 3);
    json.key("p99_ms").value(quantile(t.ms, 0.99), 3);
    json.key("mean_ms").value(mean(t.ms), 3);
    double hit_share = t.ms.empty() ? 0 : static_cast<double>(t.with_hits) / t.ms.size();
    json.key("hit_share").value(hit_share, 3);
}

int usage() {
    std::cerr << "usage: deskside_query_bench [FOLDER] [--queries N]\n";
    return 2;
}

int run_main(int argc, char** argv) {
    fs::path folder;
    int count = 500;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--queries" && i + 1 < argc) {
            count = std::atoi(argv[++i]);
            if (count < 1) return usage();
        } else if (arg.starts_with("-") || !folder.empty()) {
            return usage();
        } else {
            folder = arg;
        }
    }
    if (folder.empty()) folder = default_corpus();
    if (!fs::is_directory(folder)) {
        std::cerr << "deskside_query_bench: not a folder: " << folder << "\n";
        return 2;
    }
    folder = fs::canonical(folder);

    TempDir tmp("deskside-query-bench");
    store::DataDir dir(tmp.path() / "data");
    ingest::IndexOptions options;
    options.roots = {folder};
    auto summary = ingest::run_index(dir, options, nullptr, Logger());
    Vocabulary vocab = read_vocabulary(dir);
    if (vocab.passages.empty()) {
        std::cerr << "deskside_query_bench: no indexed passages with usable words in " << folder
                  << "\n";
        return 1;
    }
    std::vector<Query> queries = build_queries(vocab, count);

    retriever::KeywordSearcher searcher(dir);
    auto search = [&](const Query& q, Timing* timing) {
        retriever::SearchRequest request;
        request.query = q.text;
        request.limit = kLimit;
        auto start = std::chrono::steady_clock::now();
        try {
            auto results = searcher.search(request);
            if (!timing) return;
            timing->ms.push_back(seconds_since(start) * 1000.0);
            if (!results.hits.empty()) ++timing->with_hits;
        } catch (const Error& e) {
            if (!timing) return;
            ++timing->errors;
            std::cerr << "query failed: " << q.text << ": " << e.what() << "\n";
        }
    };
    for (const auto& q : queries) search(q, nullptr);  // warm-up: caches, page cache, parser

    Timing all;
    std::map<std::string, Timing> by_kind;
    auto start = std::chrono::steady_clock::now();
    for (const auto& q : queries) {
        Timing one;
        search(q, &one);
        all.errors += one.errors;
        by_kind[q.kind].errors += one.errors;
        if (one.ms.empty()) continue;
        all.ms.push_back(one.ms[0]);
        by_kind[q.kind].ms.push_back(one.ms[0]);
        all.with_hits += one.with_hits;
        by_kind[q.kind].with_hits += one.with_hits;
    }
    double total_s = seconds_since(start);

    JsonWriter json;
    json.begin_object();
    json.key("benchmark").value("query");
    json.key("machine").begin_object();
    json.key("nproc").value(static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
    json.end_object();
    json.key("corpus").value(folder.string());
    json.key("index").begin_object();
    json.key("documents_indexed").value(summary.indexed);
    json.key("failed").value(summary.failed);
    json.key("passages").value(vocab.passage_count);
    json.key("index_seconds").value(summary.seconds, 2);
    json.end_object();
    json.key("seed").value(static_cast<std::int64_t>(kSeed));
    json.key("limit").value(kLimit);
    write_stats(json, all);
    json.key("qps_single_thread").value(all.ms.empty() ? 0.0 : all.ms.size() / total_s, 1);
    json.key("errors").value(all.errors);
    json.key("by_kind").begin_object();
    for (const auto& kind : kKinds) {
        json.key(kind.name).begin_object();
        write_stats(json, by_kind[kind.name]);
        json.end_object();
    }
    json.end_object();
    json.key("examples").begin_array();
    for (std::size_t i = 0; i < queries.size() && i < 20; ++i) json.value(queries[i].text);
    json.end_array();
    json.end_object();
    std::cout << json.str() << "\n";
    return all.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    try {
        return deskside::bench::run_main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "deskside_query_bench: " << e.what() << "\n";
        return 1;
    }
}
