// deskside_vector_bench [--n N] [--dim D] [--queries Q] [--recall-queries R] [--exact-queries E]
//                       [--data uniform|lowrank] [--rank K] [--ef EF] [--m M]
//                       [--ef-construction EFC] [--threads T] [--seed S]
//
// The vector index (store/vector_index.h) on synthetic data: N (default 1,000,000) unit vectors
// of D = 384 dimensions, generated here from a seed. It builds the index through
// VectorIndexWriter the way the indexer does (stage, commit a delta, compact into a base file
// with the HNSW graph), opens a VectorIndexReader, and measures on one thread:
//   - build time (staging + delta commit, then the graph build and base file write),
//   - index memory: bytes of the HNSW links, of the flat vectors and of the ids,
//   - HNSW search latency p50/p95/p99 over Q (default 1,000) queries at k = 10 after a warm-up,
//   - recall@10 of HNSW against exact search (the baseline, measured in the same run) on the
//     first R (default 100) queries, also for a sweep of ef_search values,
//   - exact search latency (one OpenBLAS sgemv over all rows) p50 on E (default 20) queries.
// Data: "uniform" (default) draws directions uniformly on the sphere: no structure at all, the
// worst case for any graph index. "lowrank" draws them from a random K-dimensional subspace
// (default K = 32) plus 10% isotropic noise, closer to real sentence embeddings, whose
// intrinsic dimension is far below 384. Queries come from the same distribution.
//
// Prints one JSON object on stdout (progress on stderr). Exit status: 0 on success, 1 when the
// index fails, 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <numbers>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "bench_support.h"
#include "store/vector_index.h"

namespace deskside::bench {
namespace {

struct Config {
    std::size_t n = 1000000;
    int dim = 384;
    std::size_t queries = 1000;
    std::size_t recall_queries = 100;
    std::size_t exact_queries = 20;
    std::string data = "uniform";
    int rank = 32;
    int ef = 0;  // 0: the reader's default
    int m = store::HnswParams{}.M;
    int ef_construction = store::HnswParams{}.ef_construction;
    int threads = 0;
    std::uint64_t seed = 20240611;
};

// Standard normal numbers from mt19937_64 bits by Box-Muller: the same on every standard
// library, unlike std::normal_distribution.
class Gaussian {
  public:
    explicit Gaussian(std::uint64_t seed) : rng_(seed) {}
    float next() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
        const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;          // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = static_cast<float>(r * std::sin(2 * std::numbers::pi * u2));
        has_spare_ = true;
        return static_cast<float>(r * std::cos(2 * std::numbers::pi * u2));
    }

  private:
    std::mt19937_64 rng_;
    float spare_ = 0;
    bool has_spare_ = false;
};

void normalise_rows(std::vector<float>& v, int dim) {
    for (std::size_t i = 0; i < v.size(); i += dim) {
        double sum = 0;
        for (int d = 0; d < dim; ++d) sum += double{v[i + d]} * v[i + d];
        const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
        for (int d = 0; d < dim; ++d) v[i + d] = static_cast<float>(v[i + d] * scale);
    }
}

// `count` unit vectors; `basis_seed` fixes the subspace of the lowrank data (shared by the
// index and its queries), `seed` the draws.
std::vector<float> make_vectors(const Config& c, std::size_t count, std::uint64_t seed) {
    std::vector<float> v(count * c.dim);
    Gaussian g(seed);
    if (c.data == "uniform") {
        for (float& x : v) x = g.next();
    } else {
        std::vector<float> basis(static_cast<std::size_t>(c.rank) * c.dim);
        Gaussian b(c.seed ^ 0x5bd1e995u);
        for (float& x : basis) x = b.next() / std::sqrt(static_cast<float>(c.rank));
        std::vector<float> z(c.rank);
        const float noise = 0.1f / std::sqrt(static_cast<float>(c.dim));
        for (std::size_t i = 0; i < count; ++i) {
            for (float& x : z) x = g.next();
            float* row = v.data() + i * c.dim;
            for (int d = 0; d < c.dim; ++d) row[d] = noise * g.next();
            for (int r = 0; r < c.rank; ++r)
                for (int d = 0; d < c.dim; ++d) row[d] += z[r] * basis[r * c.dim + d];
        }
    }
    normalise_rows(v, c.dim);
    return v;
}

double recall_at(const std::vector<store::VectorHit>& truth,
                 const std::vector<store::VectorHit>& found) {
    std::set<std::int64_t> t;
    for (const auto& h : truth) t.insert(h.passage_id);
    std::size_t hit = 0;
    for (const auto& h : found) hit += t.count(h.passage_id);
    return truth.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(truth.size());
}

std::span<const float> query_row(const std::vector<float>& q, std::size_t i, int dim) {
    return {q.data() + i * dim, static_cast<std::size_t>(dim)};
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
        else if (arg == "--recall-queries")
            c.recall_queries = std::stoull(next());
        else if (arg == "--exact-queries")
            c.exact_queries = std::stoull(next());
        else if (arg == "--data")
            c.data = next();
        else if (arg == "--rank")
            c.rank = std::stoi(next());
        else if (arg == "--ef")
            c.ef = std::stoi(next());
        else if (arg == "--m")
            c.m = std::stoi(next());
        else if (arg == "--ef-construction")
            c.ef_construction = std::stoi(next());
        else if (arg == "--threads")
            c.threads = std::stoi(next());
        else if (arg == "--seed")
            c.seed = std::stoull(next());
        else
            throw std::invalid_argument("unknown argument " + arg);
    }
    if (c.n == 0 || c.dim <= 0 || c.queries == 0 || (c.data != "uniform" && c.data != "lowrank") ||
        c.rank <= 0 || c.recall_queries > c.queries || c.exact_queries > c.queries)
        throw std::invalid_argument("bad values (see the comment at the top of vector_bench.cpp)");
    return true;
}

int run(const Config& c) {
    using Clock = std::chrono::steady_clock;
    TempDir tmp("deskside-vector-bench");
    const store::VectorIndexIdentity identity{"bench", "synthetic-" + c.data, "none", c.dim};

    std::cerr << "generating " << c.n << " x " << c.dim << " " << c.data << " vectors\n";
    auto t = Clock::now();
    std::vector<float> vectors = make_vectors(c, c.n, c.seed);
    std::vector<float> queries = make_vectors(c, c.queries, c.seed + 1);
    const double generate_s = seconds_since(t);

    store::VectorIndexOptions options;
    options.hnsw.M = c.m;
    options.hnsw.ef_construction = c.ef_construction;
    options.build_threads = c.threads;
    options.compact_min_rows = c.n + 1;  // commit() writes a delta; compact() is timed apart
    std::cerr << "building (M=" << c.m << ", ef_construction=" << c.ef_construction << ")\n";
    double stage_commit_s = 0, compact_s = 0;
    {
        t = Clock::now();
        store::VectorIndexWriter writer(tmp.path(), identity, options);
        std::vector<std::int64_t> ids(c.n);
        for (std::size_t i = 0; i < c.n; ++i) ids[i] = static_cast<std::int64_t>(i) + 1;
        writer.put(ids, vectors);
        writer.commit();
        stage_commit_s = seconds_since(t);
        t = Clock::now();
        writer.compact();
        compact_s = seconds_since(t);
    }
    const double build_peak_rss_mib = peak_rss_mib();

    t = Clock::now();
    store::VectorReaderOptions reader_options;
    if (c.ef > 0) reader_options.ef_search = c.ef;
    store::VectorIndexReader reader(tmp.path(), identity, reader_options);
    const double open_s = seconds_since(t);
    const auto stats = reader.stats();

    std::cerr << "searching\n";
    store::VectorQuery query;  // k = 10, the reader's ef_search, no filter
    for (std::size_t i = 0; i < std::min<std::size_t>(c.queries, 100); ++i)  // warm-up
        reader.search(query_row(queries, i, c.dim), query);
    std::vector<double> hnsw_ms;
    std::vector<std::vector<store::VectorHit>> hnsw_hits;
    const auto timed = Clock::now();
    for (std::size_t i = 0; i < c.queries; ++i) {
        t = Clock::now();
        auto hits = reader.search(query_row(queries, i, c.dim), query);
        hnsw_ms.push_back(seconds_since(t) * 1e3);
        if (i < c.recall_queries) hnsw_hits.push_back(std::move(hits));
    }
    const double qps = static_cast<double>(c.queries) / seconds_since(timed);

    std::cerr << "exact ground truth for " << c.recall_queries << " queries\n";
    t = Clock::now();
    auto truth = reader.search_exact_batch(
        std::span<const float>(queries).first(c.recall_queries * c.dim), 10);
    const double exact_batch_ms = seconds_since(t) * 1e3 / static_cast<double>(c.recall_queries);
    double recall = 0;
    for (std::size_t i = 0; i < c.recall_queries; ++i) recall += recall_at(truth[i], hnsw_hits[i]);
    recall /= static_cast<double>(c.recall_queries);

    std::vector<double> exact_ms;
    store::VectorQuery exact;
    exact.mode = store::VectorSearchMode::exact;
    for (std::size_t i = 0; i < c.exact_queries; ++i) {
        t = Clock::now();
        auto hits = reader.search(query_row(queries, i, c.dim), exact);
        exact_ms.push_back(seconds_since(t) * 1e3);
        if (i < c.recall_queries && recall_at(truth[i], hits) < 1.0)
            std::cerr << "warning: sgemv and sgemm ground truths differ on query " << i << "\n";
    }

    // The recall / latency trade-off of ef_search on the recall queries.
    struct Sweep {
        int ef;
        double recall, p50_ms;
    };
    std::vector<Sweep> sweep;
    for (int ef : {16, 32, 64, 128, 256, 512}) {
        store::VectorQuery q;
        q.ef_search = ef;
        double r = 0;
        std::vector<double> ms;
        for (std::size_t i = 0; i < c.recall_queries; ++i) {
            t = Clock::now();
            auto hits = reader.search(query_row(queries, i, c.dim), q);
            ms.push_back(seconds_since(t) * 1e3);
            r += recall_at(truth[i], hits);
        }
        sweep.push_back({ef, r / static_cast<double>(c.recall_queries), median(ms)});
    }

    JsonWriter json;
    json.begin_object();
    json.key("n").value(static_cast<std::int64_t>(c.n));
    json.key("dim").value(c.dim);
    json.key("data").value(c.data);
    if (c.data == "lowrank") json.key("rank").value(c.rank);
    json.key("nproc").value(static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
    json.key("hnsw").begin_object();
    json.key("M").value(c.m);
    json.key("ef_construction").value(c.ef_construction);
    json.key("ef_search").value(c.ef > 0 ? c.ef : store::VectorReaderOptions{}.ef_search);
    json.end_object();
    json.key("generate_s").value(generate_s, 2);
    json.key("build").begin_object();
    json.key("total_s").value(stage_commit_s + compact_s, 2);
    json.key("stage_and_commit_delta_s").value(stage_commit_s, 2);
    json.key("graph_and_base_file_s").value(compact_s, 2);
    json.key("vectors_per_s").value(static_cast<double>(c.n) / (stage_commit_s + compact_s), 0);
    json.key("peak_rss_mib").value(build_peak_rss_mib, 0);
    json.end_object();
    json.key("open_s").value(open_s, 3);
    json.key("memory").begin_object();
    json.key("graph_bytes").value(static_cast<std::int64_t>(stats.graph_bytes));
    json.key("vector_bytes").value(static_cast<std::int64_t>(stats.vector_bytes));
    json.key("id_bytes").value(static_cast<std::int64_t>(stats.id_bytes));
    json.key("file_bytes").value(static_cast<std::int64_t>(stats.file_bytes));
    json.key("graph_bytes_per_vector").value(static_cast<double>(stats.graph_bytes) / c.n, 1);
    json.key("top_level").value(stats.graph_top_level);
    json.end_object();
    json.key("hnsw_search").begin_object();
    json.key("queries").value(static_cast<std::int64_t>(c.queries));
    json.key("k").value(10);
    json.key("p50_ms").value(median(hnsw_ms), 3);
    json.key("p95_ms").value(quantile(hnsw_ms, 0.95), 3);
    json.key("p99_ms").value(quantile(hnsw_ms, 0.99), 3);
    json.key("mean_ms").value(mean(hnsw_ms), 3);
    json.key("qps_single_thread").value(qps, 0);
    json.key("target_p50_ms").value(10.0, 0);
    json.end_object();
    json.key("recall_at_10").value(recall, 4);
    json.key("recall_queries").value(static_cast<std::int64_t>(c.recall_queries));
    json.key("exact_search").begin_object();
    json.key("p50_ms").value(median(exact_ms), 2);
    json.key("queries").value(static_cast<std::int64_t>(c.exact_queries));
    json.key("batch_sgemm_ms_per_query").value(exact_batch_ms, 2);
    json.end_object();
    json.key("speedup_exact_over_hnsw_p50").value(median(exact_ms) / median(hnsw_ms), 1);
    json.key("ef_sweep").begin_array();
    for (const auto& s : sweep) {
        json.begin_object();
        json.key("ef").value(s.ef);
        json.key("recall_at_10").value(s.recall, 4);
        json.key("p50_ms").value(s.p50_ms, 3);
        json.end_object();
    }
    json.end_array();
    json.end_object();
    std::cout << json.str() << "\n";
    return 0;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    deskside::bench::Config config;
    try {
        deskside::bench::parse_args(argc, argv, config);
    } catch (const std::exception& e) {
        std::cerr << "deskside_vector_bench: " << e.what() << "\n";
        return 2;
    }
    try {
        return deskside::bench::run(config);
    } catch (const std::exception& e) {
        std::cerr << "deskside_vector_bench: " << e.what() << "\n";
        return 1;
    }
}
