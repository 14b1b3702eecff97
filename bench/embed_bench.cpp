// Embedding throughput of the BERT encoder (engine/bert) on the 1,000 passages of
// ../shared/models/reference/inputs/passages_1000.txt (one per line, 90-110 words), next to
// llama.cpp's figure for the same model and passages (llama-embedding, 2 threads, measured on
// this class of machine: ../shared/models/reference/README.md).
//
// Usage: deskside_embed_bench MODEL.gguf [--passages FILE] [--threads N] [--batches 32[,8,...]]
//                             [--runs N] [--backend auto|native|blas]
// MODEL is e.g. the MiniLM-shaped model that ../shared/models/synthetic/make_perf_models.py
// writes (mkdir OUT && python3 make_perf_models.py ../shared/models/vocab OUT, run outside the
// shared folder); nothing is generated here.
//
// For each batch size, `runs` times (default 3), every passage goes through
// BertEmbedder::embed in groups of `batch` texts (tokenisation included); the median run is
// reported. The end-to-end figure adds the model load (dequantisation, packing, file hash) to
// the median run of the first batch size, which is what llama.cpp's wall-clock figure covers
// (it also includes writing its JSON; ours writes nothing). Prints one JSON object:
//   {"model", "backend", "threads", "passages", "tokens", "load_s",
//    "batches": [{"batch", "seconds", "passages_per_s", "tokens_per_s", "runs_s", "cpu_s"}],
//    "end_to_end": {"batch", "seconds", "passages_per_s"},
//    "baseline": {"tool", "passages_per_s", "wall_s", "source"} (null for other models),
//    "ratio": end-to-end passages/s over the baseline's, "batch_invariance_max_abs": ...}
// Exit status: 0 done, 1 the model or passages could not be read, 2 a bad command line.

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "bench_support.h"
#include "bert/bert_embedder.h"
#include "gguf/gguf_file.h"

namespace deskside::bench {
namespace {

// llama.cpp's figures from ../shared/models/reference/README.md ("BERT embedding throughput"),
// by GGUF general.file_type: 1 = F16, 7 = Q8_0.
struct Baseline {
    double passages_per_s;
    double wall_s;
};
const Baseline* baseline_for(std::int64_t file_type) {
    static constexpr Baseline kF16{25.2, 39.71}, kQ8_0{21.4, 46.76};
    if (file_type == 1) return &kF16;
    if (file_type == 7) return &kQ8_0;
    return nullptr;
}

struct Options {
    fs::path model;
    fs::path passages = shared_dir() / "models" / "reference" / "inputs" / "passages_1000.txt";
    int threads = 2;
    std::vector<int> batches{32};
    int runs = 3;
    bert::EncoderOptions::Backend backend = bert::EncoderOptions::Backend::automatic;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "deskside_embed_bench: " << problem
              << "\nusage: deskside_embed_bench MODEL.gguf [--passages FILE] [--threads N] "
                 "[--batches 32[,8,...]] [--runs N] [--backend auto|native|blas]\n";
    std::exit(2);
}

int positive(const std::string& text, const char* what) {
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v <= 0 || v > 100000)
        usage(std::string("bad ") + what + " '" + text + "'");
    return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--passages") {
            o.passages = value();
        } else if (arg == "--threads") {
            o.threads = positive(value(), "thread count");
        } else if (arg == "--runs") {
            o.runs = positive(value(), "run count");
        } else if (arg == "--batches") {
            o.batches.clear();
            std::stringstream list(value());
            for (std::string item; std::getline(list, item, ',');)
                o.batches.push_back(positive(item, "batch size"));
        } else if (arg == "--backend") {
            std::string b = value();
            if (b == "auto")
                o.backend = bert::EncoderOptions::Backend::automatic;
            else if (b == "native")
                o.backend = bert::EncoderOptions::Backend::native;
            else if (b == "blas")
                o.backend = bert::EncoderOptions::Backend::blas;
            else
                usage("unknown backend '" + b + "'");
        } else if (!arg.empty() && arg[0] == '-') {
            usage("unknown option " + arg);
        } else if (o.model.empty()) {
            o.model = arg;
        } else {
            usage("one model only");
        }
    }
    if (o.model.empty()) usage("give the model file");
    if (o.batches.empty()) usage("give at least one batch size");
    return o;
}

std::vector<std::string> read_lines(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw Error(ErrorCode::not_found, "cannot read passages: " + path.string());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

// Every passage through embed() in groups of `batch`; returns the seconds and the vectors.
double embed_all(const bert::BertEmbedder& embedder, const std::vector<std::string>& passages,
                 int batch, std::vector<float>* vectors) {
    auto start = std::chrono::steady_clock::now();
    std::vector<float> all;
    for (std::size_t first = 0; first < passages.size(); first += static_cast<std::size_t>(batch)) {
        std::size_t count = std::min(passages.size() - first, static_cast<std::size_t>(batch));
        std::vector<float> part = embedder.embed(std::span(passages).subspan(first, count));
        if (vectors) all.insert(all.end(), part.begin(), part.end());
    }
    double seconds = seconds_since(start);
    if (vectors) *vectors = std::move(all);
    return seconds;
}

int run(const Options& o) {
    std::vector<std::string> passages = read_lines(o.passages);
    std::int64_t file_type = -1;
    {
        auto file = gguf::GgufFile::open(o.model);
        file_type = file.get_int("general.file_type").value_or(-1);
    }
    bert::EncoderOptions encoder_options;
    encoder_options.threads = o.threads;
    encoder_options.backend = o.backend;
    auto load_start = std::chrono::steady_clock::now();
    auto embedder = bert::BertEmbedder::open(o.model, encoder_options);
    const double load_s = seconds_since(load_start);

    std::int64_t tokens = 0;
    for (const auto& p : passages)
        tokens += static_cast<std::int64_t>(embedder->tokenize(p).size());
    std::cerr << "model loaded in " << round_to(load_s, 2) << " s ("
              << embedder->encoder().backend_name() << "), " << passages.size() << " passages, "
              << tokens << " tokens\n";

    JsonWriter json;
    json.begin_object();
    json.key("model").value(o.model.filename().string());
    json.key("backend").value(embedder->encoder().backend_name());
    json.key("threads").value(o.threads);
    json.key("passages").value(static_cast<std::int64_t>(passages.size()));
    json.key("tokens").value(tokens);
    json.key("load_s").value(load_s, 3);
    json.key("batches").begin_array();
    double first_median = 0;
    std::vector<float> first_vectors;
    for (std::size_t b = 0; b < o.batches.size(); ++b) {
        std::vector<double> runs, cpu;
        for (int r = 0; r < o.runs; ++r) {
            const double cpu_start = cpu_seconds();
            runs.push_back(embed_all(*embedder, passages, o.batches[b],
                                     b == 0 && r == 0 ? &first_vectors : nullptr));
            cpu.push_back(cpu_seconds() - cpu_start);
            std::cerr << "batch " << o.batches[b] << " run " << r + 1 << ": "
                      << round_to(runs.back(), 2) << " s\n";
        }
        const double seconds = median(runs);
        if (b == 0) first_median = seconds;
        json.begin_object();
        json.key("batch").value(o.batches[b]);
        json.key("seconds").value(seconds, 3);
        json.key("passages_per_s").value(static_cast<double>(passages.size()) / seconds, 1);
        json.key("tokens_per_s").value(static_cast<double>(tokens) / seconds, 0);
        json.key("runs_s").numbers(runs, 3);
        // CPU time over wall time: ~threads when the machine is otherwise idle; less when other
        // processes took cores (the wall figures are then pessimistic).
        json.key("cpu_s").numbers(cpu, 3);
        json.end_object();
    }
    json.end_array();

    const double end_to_end_s = load_s + first_median;
    const double ours = static_cast<double>(passages.size()) / end_to_end_s;
    json.key("end_to_end").begin_object();
    json.key("batch").value(o.batches[0]);
    json.key("seconds").value(end_to_end_s, 3);
    json.key("passages_per_s").value(ours, 1);
    json.end_object();
    const Baseline* baseline = passages.size() == 1000 ? baseline_for(file_type) : nullptr;
    json.key("baseline");
    if (baseline) {
        json.begin_object();
        json.key("tool").value("llama-embedding -t 2 -c 512 -b 512 -ub 512 (llama.cpp 34af94cd)");
        json.key("passages_per_s").value(baseline->passages_per_s, 1);
        json.key("wall_s").value(baseline->wall_s, 2);
        json.key("source").value("shared/models/reference/README.md");
        json.end_object();
        json.key("ratio").value(ours / baseline->passages_per_s, 2);
    } else {
        json.null();
        json.key("ratio").null();
    }
    // The vectors do not depend on the batch: the first 16 passages one at a time.
    std::vector<float> single;
    std::vector<std::string> few(passages.begin(),
                                 passages.begin() + std::min<std::size_t>(16, passages.size()));
    embed_all(*embedder, few, 1, &single);
    double max_diff = 0;
    for (std::size_t i = 0; i < single.size(); ++i)
        max_diff = std::max(max_diff, static_cast<double>(std::abs(single[i] - first_vectors[i])));
    json.key("batch_invariance_max_abs").value(max_diff, 9);
    json.end_object();
    std::cout << json.str() << "\n";
    return 0;
}

}  // namespace
}  // namespace deskside::bench

int main(int argc, char** argv) {
    auto options = deskside::bench::parse(argc, argv);
    try {
        return deskside::bench::run(options);
    } catch (const std::exception& e) {
        std::cerr << "deskside_embed_bench: " << e.what() << "\n";
        return 1;
    }
}
