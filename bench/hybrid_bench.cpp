// deskside_hybrid_bench [--n N] [--dim D] [--queries Q] [--filter-queries FQ] [--threads T]
//                       [--seed S] [--fit-passages F] [--batch B] [--keep DIR]
//
// Keyword, vector and hybrid search latency on a synthetic data directory of N (default
// 1,000,000) passages, written through the store library the way `deskside index` writes it,
// and searched through retriever::HybridSearcher, the code behind `deskside search`.
//
// Corpus: a vocabulary of 50,000 pronounceable pseudo-words ranked by a Zipf law (s = 1, offset
// 2.7), so BM25 posting lists have the lengths of real text (the top word is in 60% of the
// passages, rank 100 in 3%, rank 1,000 in 0.3%, before the topics' share). 32 topics each own 1,000
// words drawn from ranks 200..20,000. A document (2..6 passages, 4 on average) has one topic; each
// of its words comes from the topic's own Zipf list with probability 0.35, else from the global
// law. Passages have 40..60 words. Documents fall in collections general 50%, legal 25%, finance
// 15%, hr 9%, board 1% and in five formats. Everything comes from std::mt19937_64 with the seed (no
// library distributions), so a seed gives the same corpus on every machine.
//
// Vectors: the HybridSearcher embeds each query with the data directory's embedder, so the
// stored vectors must come from an embedder it can load and the query vectors must live in the
// same space as the passage vectors (synthetic vectors under a borrowed identity would time a
// search whose queries are unrelated to the data). So the bench does what vectors::sync_vectors
// does with no model configured: it fits the corpus-trained LSA embedder on F passages spread
// evenly over the corpus (default 50,000; the indexer's cap is 200,000, which only makes the
// one-off fit four times longer), with D = 384 dimensions (the indexer's default is 256; 384 is
// the size the issue names, that of MiniLM-class models), saves it where open_query_embedder()
// looks for it, embeds every passage and writes the vectors with VectorIndexWriter under the
// model's identity. The topics give the vectors the structure of real embeddings (a few
// dominant directions plus noise), like vector_bench's "lowrank" data. Unlike sync_vectors (a
// commit every 4,096 passages and a compaction whenever the deltas outgrow 10% of the base,
// i.e. ~40 base rewrites at this size) the vectors are put in one delta and compacted once into
// a base with its graph, as vector_bench does: the steady state of an index, built in the least
// time. A BERT-family model was not used: at ~25 passages/s on two cores it would take 11 hours
// to embed a million passages.
//
// Measured on one thread (one HybridSearcher), after an untimed warm-up pass, over Q (default
// 500) queries of 2..4 mid-frequency words (global ranks 100..20,000) taken from a random
// passage, so every query matches at least one passage: latency p50/p95/p99/mean of keyword,
// vector and hybrid search (limit 10, the default HybridOptions: 100 candidates per arm,
// ef_search 256). Then with a collection filter, over FQ (default 100) queries from passages of
// that collection: legal (25% of passages; the vector arm walks the graph with a filter) and
// board (1%: below 20,000 passages the vector arm scans exactly). A filtered vector arm costs a
// catalog query over the whole collection per search, ~0.1-0.5 s at 1M, hence fewer queries.
// Also, to split the hybrid cost: the query embedding alone and the bare vector index search at
// k = 100. Build figures: catalog + keyword index (IndexWriter, batches of B = 256 documents
// like the indexing pipeline), LSA fit, embedding, vector staging + delta commit, graph + base
// file. Memory: HNSW links, flat vectors, ids (VectorIndexStats), the sizes on disk of the
// Xapian database, the catalog and the vector files, the resident set once the searcher is open
// and the peak resident set of the process (reached while building). The 1-minute load average
// before and after the searches tells whether other work shared the cores.
//
// Prints one JSON object on stdout (progress on stderr). The data directory is temporary and
// removed at the end unless --keep DIR names where to write (and keep) it. Exit status: 0 on
// success, 1 when building or a query fails, 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bench_support.h"
#include "lsa/lsa_embedder.h"
#include "lsa/term_tokenizer.h"
#include "retriever/hybrid_search.h"
#include "store/catalog.h"
#include "store/data_dir.h"
#include "store/index_writer.h"
#include "store/keyword_index.h"
#include "store/vector_index.h"
#include "vectors/embeddings.h"

namespace deskside::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kVocabulary = 50000;
constexpr int kTopics = 32;
constexpr std::size_t kTopicWords = 1000;
constexpr std::size_t kTopicFirstRank = 200, kTopicLastRank = 20000;
constexpr double kTopicShare = 0.35;
constexpr std::size_t kQueryFirstRank = 100, kQueryLastRank = 20000;
constexpr std::size_t kWarmupQueries = 100;
constexpr int kDepthK = 100;  // HybridOptions{}.depth

struct Config {
    std::size_t n = 1000000;
    int dim = 384;
    std::size_t queries = 500;
    std::size_t filter_queries = 100;  // per filtered run
    std::size_t batch = 256;           // documents per IndexWriter batch, as ingest/pipeline.cpp
    int threads = 0;                   // LSA and graph build threads; 0 = one per core
    std::uint64_t seed = 20240611;
    std::size_t fit_passages = 50000;
    std::string keep;  // keep the data directory here
};

struct Collection {
    const char* name;
    double share;
};
constexpr std::array<Collection, 5> kCollections{
    {{"general", 0.50}, {"legal", 0.25}, {"finance", 0.15}, {"hr", 0.09}, {"board", 0.01}}};
constexpr std::array<const char*, 5> kFormats{"pdf", "docx", "html", "text", "email"};

// Uniform double in [0, 1) from 53 random bits: the same on every standard library.
double uniform(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

std::size_t below(std::mt19937_64& rng, std::size_t n) {
    return static_cast<std::size_t>(uniform(rng) * static_cast<double>(n));
}

// Samples ranks 0..size-1 with weight 1 / (rank + 1 + 2.7) (Zipf-Mandelbrot, s = 1).
class Zipf {
  public:
    explicit Zipf(std::size_t size) : cdf_(size) {
        double sum = 0;
        for (std::size_t r = 0; r < size; ++r)
            cdf_[r] = sum += 1.0 / (static_cast<double>(r) + 3.7);
        for (double& c : cdf_) c /= sum;
    }
    std::size_t operator()(std::mt19937_64& rng) const {
        auto it = std::upper_bound(cdf_.begin(), cdf_.end(), uniform(rng));
        return std::min<std::size_t>(it - cdf_.begin(), cdf_.size() - 1);
    }

  private:
    std::vector<double> cdf_;
};

// kVocabulary distinct lower-case pseudo-words (consonant-vowel syllables), index = Zipf rank.
// Frequent words are shorter, as in natural language. Stopwords of the keyword and LSA
// tokenizers and query operators are left out, so every word is searchable.
std::vector<std::string> make_vocabulary(std::mt19937_64& rng) {
    static constexpr std::string_view kOnsets[] = {
        "b", "c", "d", "f",  "g",  "h",  "j",  "k",  "l",  "m",  "n",  "p",  "r",  "t",
        "v", "w", "z", "br", "tr", "st", "pl", "gr", "ch", "sh", "th", "kl", "dr", "fr"};
    static constexpr std::string_view kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
    static constexpr std::string_view kCodas[] = {"", "", "", "n", "r", "l", "k", "m", "t", "x"};
    std::vector<std::string> words;
    std::unordered_set<std::string> seen;
    while (words.size() < kVocabulary) {
        const std::size_t rank = words.size();
        const std::size_t syllables = 1 + (rank >= 100) + (rank >= 3000) + below(rng, 2);
        std::string word;
        for (std::size_t s = 0; s < syllables; ++s) {
            word += kOnsets[below(rng, std::size(kOnsets))];
            word += kVowels[below(rng, std::size(kVowels))];
        }
        word += kCodas[below(rng, std::size(kCodas))];
        if (word.size() < 3 || lsa::is_stopword(word) || !seen.insert(word).second) continue;
        words.push_back(std::move(word));
    }
    return words;
}

struct Corpus {
    std::vector<std::string> vocabulary;
    std::unordered_map<std::string, std::size_t> rank_of;
    std::vector<store::PendingDocument> documents;  // passages' text filled, ids not yet
    std::size_t passages = 0;
};

Corpus make_corpus(const Config& c) {
    std::mt19937_64 rng(c.seed);
    Corpus corpus;
    corpus.vocabulary = make_vocabulary(rng);
    for (std::size_t r = 0; r < corpus.vocabulary.size(); ++r)
        corpus.rank_of.emplace(corpus.vocabulary[r], r);
    const Zipf global(kVocabulary), topical(kTopicWords);
    std::vector<std::vector<std::size_t>> topics(kTopics);
    for (auto& topic : topics)
        for (std::size_t i = 0; i < kTopicWords; ++i)
            topic.push_back(kTopicFirstRank + below(rng, kTopicLastRank - kTopicFirstRank));

    const std::int64_t first_date = 1420070400;  // 2015-01-01
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    while (corpus.passages < c.n) {
        const std::size_t doc_no = corpus.documents.size();
        const auto& topic = topics[below(rng, kTopics)];
        double pick = uniform(rng);
        std::size_t col = 0;
        while (col + 1 < kCollections.size() && pick >= kCollections[col].share)
            pick -= kCollections[col++].share;
        store::PendingDocument pending;
        store::DocumentRecord& d = pending.document;
        d.collection = kCollections[col].name;
        d.format = kFormats[below(rng, kFormats.size())];
        d.path = "/srv/share/" + d.collection + "/doc-" + std::to_string(doc_no) + "." + d.format;
        d.size = 0;
        d.mtime_ns =
            (first_date + static_cast<std::int64_t>(below(rng, 10 * 365 * 86400))) * 1000000000LL;
        d.content_hash = std::to_string(rng());
        d.mime = "text/plain";
        d.title = corpus.vocabulary[topic[topical(rng)]] + " " +
                  corpus.vocabulary[topic[topical(rng)]] + " report " + std::to_string(doc_no);
        d.date = d.mtime_ns / 1000000000LL;
        d.language = "en";
        d.encoding = "utf-8";
        d.indexed_at = now;
        const std::size_t count = std::min<std::size_t>(2 + below(rng, 5), c.n - corpus.passages);
        std::int64_t offset = 0;
        for (std::size_t p = 0; p < count; ++p) {
            store::PassageRecord passage;
            passage.ordinal = static_cast<int>(p);
            const std::size_t words = 40 + below(rng, 21);
            for (std::size_t w = 0; w < words; ++w) {
                const std::size_t rank =
                    uniform(rng) < kTopicShare ? topic[topical(rng)] : global(rng);
                if (w) passage.text += (w % 12 == 0) ? ". " : " ";
                passage.text += corpus.vocabulary[rank];
            }
            passage.text += ".";
            passage.char_start = offset;
            passage.char_end = offset + static_cast<std::int64_t>(passage.text.size());
            offset = passage.char_end + 1;
            d.size += static_cast<std::int64_t>(passage.text.size()) + 1;
            pending.passages.push_back(std::move(passage));
        }
        corpus.passages += count;
        corpus.documents.push_back(std::move(pending));
    }
    return corpus;
}

struct QuerySet {
    std::vector<std::string> warmup, timed;
};

// Queries of 2..4 distinct mid-frequency words of one random passage (of a document in
// `collection`, unless empty), in text order, and `warmup` more for the warm-up.
QuerySet make_queries(const Corpus& corpus, std::size_t warmup, std::size_t count,
                      std::uint64_t seed, const std::string& collection) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> queries;
    while (queries.size() < warmup + count) {
        const auto& doc = corpus.documents[below(rng, corpus.documents.size())];
        if (!collection.empty() && doc.document.collection != collection) continue;
        const auto& text = doc.passages[below(rng, doc.passages.size())].text;
        std::vector<std::string> candidates;
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find_first_of(" .", start);
            if (end == std::string::npos) end = text.size();
            std::string word = text.substr(start, end - start);
            start = end + 1;
            auto it = corpus.rank_of.find(word);
            if (it == corpus.rank_of.end() || it->second < kQueryFirstRank ||
                it->second >= kQueryLastRank ||
                std::find(candidates.begin(), candidates.end(), word) != candidates.end())
                continue;
            candidates.push_back(std::move(word));
        }
        const std::size_t want = 2 + below(rng, 3);
        if (candidates.size() < want) continue;
        // Keep `want` of them, chosen uniformly, in text order.
        std::vector<std::size_t> picked;
        while (picked.size() < want) {
            std::size_t i = below(rng, candidates.size());
            if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
        }
        std::sort(picked.begin(), picked.end());
        std::string query;
        for (std::size_t i : picked) query += (query.empty() ? "" : " ") + candidates[i];
        queries.push_back(std::move(query));
    }
    QuerySet set;
    set.warmup.assign(queries.begin(), queries.begin() + warmup);
    set.timed.assign(queries.begin() + warmup, queries.end());
    return set;
}

// The 1-minute load average: other work on the machine inflates every latency figure.
double load_average() {
    double load[1] = {0};
    return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

double current_rss_mib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
    return 0;
}

std::int64_t file_bytes(const fs::path& path) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    return ec ? 0 : static_cast<std::int64_t>(size);
}

struct Latency {
    std::vector<double> ms;
    std::size_t with_hits = 0;
    std::size_t errors = 0;
};

void write_latency(JsonWriter& json, std::string_view name, const Latency& l) {
    const auto queries = static_cast<double>(std::max<std::size_t>(1, l.ms.size()));
    json.key(name).begin_object();
    json.key("queries").value(static_cast<std::int64_t>(l.ms.size()));
    json.key("p50_ms").value(median(l.ms), 3);
    json.key("p95_ms").value(quantile(l.ms, 0.95), 3);
    json.key("p99_ms").value(quantile(l.ms, 0.99), 3);
    json.key("mean_ms").value(mean(l.ms), 3);
    json.key("hit_share").value(static_cast<double>(l.with_hits) / queries, 3);
    json.key("errors").value(static_cast<std::int64_t>(l.errors));
    json.end_object();
}

// Times `search(query)` over the timed queries after one untimed pass over the warm-up ones.
template <typename Search>
Latency time_queries(const std::vector<std::string>& warmup, const std::vector<std::string>& timed,
                     Search&& search) {
    for (const auto& q : warmup) {
        try {
            search(q);
        } catch (const std::exception&) {
        }
    }
    Latency l;
    for (const auto& q : timed) {
        const auto t = Clock::now();
        try {
            l.with_hits += search(q) > 0;
        } catch (const std::exception& e) {
            if (l.errors++ == 0) std::cerr << "query '" << q << "' failed: " << e.what() << "\n";
        }
        l.ms.push_back(seconds_since(t) * 1e3);
    }
    return l;
}

bool parse_args(int argc, char** argv, Config& c) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--n")
            c.n = std::stoull(next());
        else if (arg == "--dim")
            c.dim = std::stoi(next());
        else if (arg == "--queries")
            c.queries = std::stoull(next());
        else if (arg == "--filter-queries")
            c.filter_queries = std::stoull(next());
        else if (arg == "--batch")
            c.batch = std::stoull(next());
        else if (arg == "--threads")
            c.threads = std::stoi(next());
        else if (arg == "--seed")
            c.seed = std::stoull(next());
        else if (arg == "--fit-passages")
            c.fit_passages = std::stoull(next());
        else if (arg == "--keep")
            c.keep = next();
        else
            throw std::invalid_argument("unknown argument " + arg);
    }
    if (c.n < 1000 || c.dim <= 0 || c.dim > lsa::kMaxDimension || c.queries == 0 ||
        c.filter_queries == 0 || c.batch == 0 || c.threads < 0 || c.fit_passages < 1000)
        throw std::invalid_argument("bad values (see the comment at the top of hybrid_bench.cpp)");
    if (!c.keep.empty() && fs::exists(c.keep) && !fs::is_empty(c.keep))
        throw std::invalid_argument("--keep " + c.keep + ": the folder exists and is not empty");
    return true;
}

struct Filter {
    const char* label;
    std::string collection;  // "" = no filter
    QuerySet queries;        // from passages that pass the filter, so keyword search finds them
};

// What building the data directory took and made.
struct Build {
    double generate_s = 0, keyword_s = 0, fit_s = 0, embed_s = 0, stage_commit_s = 0;
    double compact_s = 0, peak_rss_mib = 0;
    std::size_t words = 0;
    std::uint64_t fit_passages = 0, lsa_terms = 0;
    store::VectorIndexIdentity identity;
};

// The catalog and the keyword index, through the single writer in the pipeline's batches.
void build_keyword(const Config& c, const store::DataDir& dir, Corpus& corpus, Build& build) {
    std::cerr << "catalog + keyword index: " << corpus.documents.size() << " documents\n";
    const auto t = Clock::now();
    store::IndexWriter writer(dir, store::KeywordIndexConfig{});
    for (std::size_t start = 0; start < corpus.documents.size(); start += c.batch) {
        const std::size_t count = std::min(c.batch, corpus.documents.size() - start);
        writer.add_documents(std::span(corpus.documents).subspan(start, count));
        if ((start / c.batch + 1) % std::max<std::size_t>(1, 50000 / c.batch) == 0)
            std::cerr << "  " << start + count << " documents, " << seconds_since(t) << " s\n";
    }
    build.keyword_s = seconds_since(t);
    std::cerr << "  " << build.keyword_s << " s, process cpu " << cpu_seconds() << " s\n";
}

// Fits LSA on an even sample and saves it where open_query_embedder() finds it, embeds every
// passage, then writes the vectors as one delta and compacts it into a base with its graph.
void build_vectors(const Config& c, const store::DataDir& dir, const Corpus& corpus, Build& build) {
    std::vector<std::int64_t> ids;
    std::vector<const std::string*> texts;
    for (const auto& d : corpus.documents)
        for (const auto& p : d.passages) {
            ids.push_back(p.id);
            texts.push_back(&p.text);
        }
    std::cerr << "LSA fit on " << std::min(c.fit_passages, ids.size()) << " passages\n";
    auto t = Clock::now();
    std::vector<std::string> sample;
    const std::size_t step =
        std::max<std::size_t>(1, (ids.size() + c.fit_passages - 1) / c.fit_passages);
    for (std::size_t i = 0; i < ids.size(); i += step) sample.push_back(*texts[i]);
    lsa::FitOptions fit;
    fit.dimension = c.dim;
    fit.threads = c.threads;
    const lsa::LsaEmbedder model = lsa::LsaEmbedder::fit(sample, fit);
    sample = {};
    fs::create_directories(vectors::lsa_model_path(dir).parent_path());
    model.save(vectors::lsa_model_path(dir));
    build.fit_s = seconds_since(t);
    build.fit_passages = model.model().passages;
    build.lsa_terms = model.model().terms.size();
    build.identity = vectors::to_index_identity(model.identity());
    const auto dim = static_cast<std::size_t>(build.identity.dimension);
    std::cerr << "  " << build.fit_s << " s\n";

    std::cerr << "embedding " << ids.size() << " passages (" << dim << "-d)\n";
    t = Clock::now();
    std::vector<std::int64_t> kept_ids;
    std::vector<float> vectors;
    vectors.reserve(ids.size() * dim);
    constexpr std::size_t kEmbedBatch = 4096;
    std::vector<std::string> batch;
    for (std::size_t start = 0; start < ids.size(); start += kEmbedBatch) {
        batch.clear();
        for (std::size_t i = start; i < std::min(ids.size(), start + kEmbedBatch); ++i)
            batch.push_back(*texts[i]);
        const std::vector<float> out = model.embed(batch);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const float* row = out.data() + i * dim;
            // As sync_vectors: a passage without a known term gets no vector.
            if (std::all_of(row, row + dim, [](float v) { return v == 0; })) continue;
            kept_ids.push_back(ids[start + i]);
            vectors.insert(vectors.end(), row, row + dim);
        }
    }
    build.embed_s = seconds_since(t);
    std::cerr << "  " << build.embed_s << " s\n";

    std::cerr << "vector index: staging " << kept_ids.size() << " vectors\n";
    store::VectorIndexOptions options;
    options.build_threads = c.threads;
    options.compact_min_rows = kept_ids.size() + 1;  // commit() writes a delta; compact() apart
    t = Clock::now();
    store::VectorIndexWriter writer(store::vector_index_path(dir), build.identity, options,
                                    store::VectorIndexWriter::Mode::recreate);
    writer.put(kept_ids, vectors);
    writer.commit();
    build.stage_commit_s = seconds_since(t);
    vectors = {};
    std::cerr << "vector index: graph + base file\n";
    t = Clock::now();
    writer.compact();
    build.compact_s = seconds_since(t);
    std::cerr << "  " << build.compact_s << " s\n";
}

struct Measured {
    std::vector<std::vector<Latency>> search;  // [filter][mode]
    Latency embedding, index_k100;
    double open_s = 0, rss_after_open_mib = 0, load_before = 0, load_after = 0;
    store::VectorIndexStats stats;
    store::CatalogCounts counts;
};

const std::array<retriever::SearchMode, 3> kModes{
    retriever::SearchMode::keyword, retriever::SearchMode::vector, retriever::SearchMode::hybrid};

Measured measure(const store::DataDir& dir, const std::vector<Filter>& filters,
                 const store::VectorIndexIdentity& identity) {
    Measured m;
    std::cerr << "opening the searcher\n";
    const auto t = Clock::now();
    const vectors::EmbeddingConfig embedding;  // no model: the data directory's LSA model
    retriever::HybridSearcher searcher(dir, embedding);
    m.open_s = seconds_since(t);
    m.rss_after_open_mib = current_rss_mib();
    const auto query_embedder = vectors::open_query_embedder(dir, embedding);
    const store::VectorIndexReader reader(store::vector_index_path(dir), identity);
    m.stats = reader.stats();
    m.counts = store::Catalog(dir.catalog_path(), store::Catalog::Mode::read_only).counts();

    m.load_before = load_average();
    for (const Filter& filter : filters) {
        m.search.emplace_back();
        for (auto mode : kModes) {
            std::cerr << "searching: " << retriever::search_mode_name(mode) << ", filter "
                      << filter.label << "\n";
            m.search.back().push_back(time_queries(
                filter.queries.warmup, filter.queries.timed, [&](const std::string& q) {
                    retriever::SearchRequest request;
                    request.query = q;
                    request.collection = filter.collection;
                    return searcher.search(request, mode).hits.size();
                }));
        }
    }

    // The parts of the vector arm: embedding the query, and the bare index search at the
    // hybrid depth (no catalog lookups, no filter).
    std::cerr << "searching: embedding and bare index search\n";
    const QuerySet& queries = filters.front().queries;
    auto embed_query = [&](const std::string& q) {
        std::vector<std::string> one{retriever::plain_words(q)};
        return query_embedder->embed(one);
    };
    m.embedding = time_queries(queries.warmup, queries.timed,
                               [&](const std::string& q) { return embed_query(q).size(); });
    std::unordered_map<std::string, std::vector<float>> embedded;
    for (const auto* list : {&queries.warmup, &queries.timed})
        for (const auto& q : *list) embedded.emplace(q, embed_query(q));
    store::VectorQuery vq;
    vq.k = kDepthK;
    m.index_k100 = time_queries(queries.warmup, queries.timed, [&](const std::string& q) {
        return reader.search(embedded.at(q), vq).size();
    });
    m.load_after = load_average();
    return m;
}

void print_json(const Config& c, const store::DataDir& dir, const std::vector<Filter>& filters,
                const Build& b, const Measured& m) {
    JsonWriter json;
    json.begin_object();
    json.key("n").value(static_cast<std::int64_t>(c.n));
    json.key("documents").value(m.counts.documents);
    json.key("passages").value(m.counts.passages);
    json.key("words_per_passage").value(static_cast<double>(b.words) / static_cast<double>(c.n), 1);
    json.key("vocabulary").value(static_cast<std::int64_t>(kVocabulary));
    json.key("nproc").value(static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
    json.key("embedder").value(vectors::describe(b.identity));
    json.key("lsa_fit_passages").value(static_cast<std::int64_t>(b.fit_passages));
    json.key("lsa_terms").value(static_cast<std::int64_t>(b.lsa_terms));
    json.key("vectors").value(static_cast<std::int64_t>(m.stats.live));
    json.key("generate_s").value(b.generate_s, 2);
    json.key("build").begin_object();
    json.key("batch_documents").value(static_cast<std::int64_t>(c.batch));
    json.key("catalog_and_keyword_s").value(b.keyword_s, 1);
    json.key("passages_per_s").value(static_cast<double>(c.n) / b.keyword_s, 0);
    json.key("lsa_fit_s").value(b.fit_s, 1);
    json.key("embed_s").value(b.embed_s, 1);
    json.key("vector_stage_and_commit_s").value(b.stage_commit_s, 1);
    json.key("graph_and_base_file_s").value(b.compact_s, 1);
    json.key("vectors_and_graph_s").value(b.fit_s + b.embed_s + b.stage_commit_s + b.compact_s, 1);
    json.key("peak_rss_mib").value(b.peak_rss_mib, 0);
    json.end_object();
    json.key("memory").begin_object();
    json.key("hnsw_graph_bytes").value(static_cast<std::int64_t>(m.stats.graph_bytes));
    json.key("flat_vector_bytes").value(static_cast<std::int64_t>(m.stats.vector_bytes));
    json.key("id_bytes").value(static_cast<std::int64_t>(m.stats.id_bytes));
    json.key("vector_file_bytes").value(static_cast<std::int64_t>(m.stats.file_bytes));
    json.key("lsa_model_bytes").value(file_bytes(vectors::lsa_model_path(dir)));
    json.key("xapian_bytes")
        .value(static_cast<std::int64_t>(store::keyword_index_bytes(dir.keyword_index_path())));
    json.key("catalog_bytes")
        .value(file_bytes(dir.catalog_path()) + file_bytes(dir.catalog_path().string() + "-wal"));
    json.key("searcher_open_s").value(m.open_s, 2);
    json.key("rss_after_open_mib").value(m.rss_after_open_mib, 0);
    json.key("peak_rss_mib").value(peak_rss_mib(), 0);
    json.end_object();
    json.key("queries").value(static_cast<std::int64_t>(c.queries));
    json.key("filter_queries").value(static_cast<std::int64_t>(c.filter_queries));
    json.key("load_average_1m").numbers({m.load_before, m.load_after}, 2);
    json.key("limit").value(10);
    json.key("depth").value(kDepthK);
    json.key("ef_search").value(store::VectorReaderOptions{}.ef_search);
    json.key("search").begin_object();
    for (std::size_t f = 0; f < filters.size(); ++f) {
        json.key(filters[f].label).begin_object();
        for (std::size_t i = 0; i < kModes.size(); ++i)
            write_latency(json, retriever::search_mode_name(kModes[i]), m.search[f][i]);
        json.end_object();
    }
    json.end_object();
    json.key("parts").begin_object();
    write_latency(json, "query_embedding", m.embedding);
    write_latency(json, "vector_index_k100", m.index_k100);
    json.end_object();
    json.key("targets_ms").begin_object();
    json.key("vector_p50").value(10.0, 0);
    json.key("hybrid_p50").value(20.0, 0);
    json.end_object();
    json.key("first_queries").begin_array();
    const auto& timed = filters.front().queries.timed;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, timed.size()); ++i) json.value(timed[i]);
    json.end_array();
    json.end_object();
    std::cout << json.str() << "\n";
}

int run(const Config& c) {
    std::optional<TempDir> tmp;
    if (c.keep.empty()) tmp.emplace("deskside-hybrid-bench");
    const store::DataDir dir(c.keep.empty() ? tmp->path() : fs::path(c.keep));
    dir.create();

    std::cerr << "generating " << c.n << " passages\n";
    const auto t = Clock::now();
    Build build;
    Corpus corpus = make_corpus(c);
    std::vector<Filter> filters{{"none", "", {}},
                                {"collection_legal_25pct", "legal", {}},
                                {"collection_board_1pct", "board", {}}};
    for (std::size_t f = 0; f < filters.size(); ++f) {
        const std::size_t count = f == 0 ? c.queries : c.filter_queries;
        filters[f].queries =
            make_queries(corpus, std::min(kWarmupQueries, std::max<std::size_t>(1, count / 5)),
                         count, c.seed + 1 + f, filters[f].collection);
    }
    build.generate_s = seconds_since(t);
    std::cerr << "  " << build.generate_s << " s\n";
    for (const auto& d : corpus.documents)
        for (const auto& p : d.passages)
            build.words += std::count(p.text.begin(), p.text.end(), ' ') + 1;

    build_keyword(c, dir, corpus, build);
    build_vectors(c, dir, corpus, build);
    corpus = {};
    build.peak_rss_mib = peak_rss_mib();

    const Measured measured = measure(dir, filters, build.identity);
    print_json(c, dir, filters, build, measured);
    for (const auto& per_mode : measured.search)
        for (const auto& l : per_mode)
            if (l.errors) return 1;
    return 0;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    deskside::bench::Config config;
    try {
        deskside::bench::parse_args(argc, argv, config);
    } catch (const std::exception& e) {
        std::cerr << "deskside_hybrid_bench: " << e.what() << "\n";
        return 2;
    }
    try {
        return deskside::bench::run(config);
    } catch (const std::exception& e) {
        std::cerr << "deskside_hybrid_bench: " << e.what() << "\n";
        return 1;
    }
}
