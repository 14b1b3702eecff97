// Speed of the llama-family decoder (engine/decoder): prompt processing of 512 tokens and
// generation of 128 tokens (llama-bench's pp512 / tg128), next to llama.cpp's figures on this
// class of machine, and the aggregate decode rate of 1, 4 and 16 sequences decoded together.
//
// Usage: deskside_decoder_bench [--threads N] [--reps N] [--perf-dir DIR] [MODEL.gguf...]
// Without models: every shared decoder model (../shared/models) plus
// DIR/perf-llama-135m-shape-F16.gguf when DIR (default /tmp/perf) has it; make it with
//   python3 ../shared/models/synthetic/make_perf_models.py ../shared/models/vocab /tmp/perf
// (run from /tmp, never inside the shared folder).
//
// pp512: one sequence, 512 token ids, one forward() (logits of the last position only), the
// median of `reps` runs (default 5). tg128: from an empty sequence, 128 forwards of one token,
// each fed the argmax of the previous step. aggregate: N sequences with an 8-token prompt each,
// then 64 batched steps of one token per sequence; tokens/s = N x 64 / seconds.
// Prints one JSON object:
//   {"threads", "models": [{"model", "file", "kernels", "pp512_tok_s", "tg128_tok_s",
//     "baseline": {"pp512_tok_s", "tg128_tok_s", "source"} or null,
//     "ratio": {"pp512", "tg128"} or null, "aggregate_decode": [{"sequences", "tok_s"}]}]}
// Exit status: 0 done, 1 a model could not be read, 2 a bad command line.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "decoder/decoder_model.h"

namespace {

namespace fs = std::filesystem;
using deskside::decoder::DecoderModel;
using deskside::decoder::DecoderOptions;
using deskside::decoder::Logits;
using deskside::decoder::Sequence;
using deskside::decoder::SequenceBatch;
using Clock = std::chrono::steady_clock;

fs::path shared_dir() {
    if (const char* env = std::getenv("DESKSIDE_SHARED"); env && *env) return env;
    return fs::path(DESKSIDE_SOURCE_DIR) / ".." / "shared";
}

// llama.cpp's figures: `llama-bench -t 2 -p 512 -n 128 -r 5` at commit 34af94cd, CPU only,
// measured on this class of machine; source: ../shared/models/reference/README.md, "Speed of
// llama.cpp on this machine" (the table "Decoders: llama-bench, 2 threads, pp512 / tg128").
struct Baseline {
    double pp512, tg128;
};
const std::map<std::string, Baseline>& baselines() {
    static const std::map<std::string, Baseline> table = {
        {"stories260K.gguf", {1750.76, 3426.60}},
        {"stories260K-F16.gguf", {1773.21, 3436.03}},
        {"stories260K-Q8_0.gguf", {1836.85, 4067.54}},
        {"stories260K-Q4_0.gguf", {2027.82, 3667.29}},
        {"tiny-llama-synthetic-256-Q4_K_M.gguf", {36863.63, 8778.28}},
        {"tiny-qwen2-synthetic-Q8_0.gguf", {21180.29, 1644.01}},
        {"tiny-qwen3-synthetic-Q4_K_M.gguf", {12265.00, 1534.97}},
        {"tiny-llama3-synthetic-Q5_K_M.gguf", {11692.18, 1926.16}},
        {"perf-llama-135m-shape-F16.gguf", {499.77, 58.71}},
        {"perf-llama-135m-shape-Q8_0.gguf", {340.15, 73.90}},
        {"perf-llama-135m-shape-Q4_K_M.gguf", {322.39, 87.49}},
    };
    return table;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::int32_t argmax(std::span<const float> row) {
    return static_cast<std::int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

// Deterministic token ids in [3, n_vocab) (skipping the usual special ids).
std::vector<std::int32_t> tokens(int n, int n_vocab, std::uint32_t seed) {
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
    for (auto& id : ids) {
        seed = seed * 1664525u + 1013904223u;
        id = static_cast<std::int32_t>(3 + (seed >> 8) % static_cast<std::uint32_t>(n_vocab - 3));
    }
    return ids;
}

nlohmann::ordered_json bench_model(const fs::path& path, int threads, int reps) {
    DecoderOptions options;
    options.context = 1024;
    options.max_sequences = 16;
    options.threads = threads;
    DecoderModel model = DecoderModel::open(path, options);
    const int n_vocab = model.config().n_vocab;
    Logits logits;

    // pp512 (one warm-up run first: page faults of the mapping, scratch growth).
    const std::vector<std::int32_t> prompt = tokens(512, n_vocab, 7);
    std::vector<double> pp;
    for (int r = 0; r <= reps; ++r) {
        Sequence seq = model.new_sequence();
        const SequenceBatch b{&seq, prompt, false};
        const auto start = Clock::now();
        model.forward(std::span(&b, 1), logits);
        if (r > 0) pp.push_back(512.0 / seconds_since(start));
    }

    // tg128
    std::vector<double> tg;
    for (int r = 0; r <= reps; ++r) {
        Sequence seq = model.new_sequence();
        std::int32_t next = 1;
        const auto start = Clock::now();
        for (int i = 0; i < 128; ++i) {
            const SequenceBatch b{&seq, std::span(&next, 1), false};
            model.forward(std::span(&b, 1), logits);
            next = argmax(logits.last(0));
        }
        if (r > 0) tg.push_back(128.0 / seconds_since(start));
    }

    nlohmann::ordered_json aggregate = nlohmann::ordered_json::array();
    for (int n : {1, 4, 16}) {
        std::vector<Sequence> seqs;
        std::vector<std::vector<std::int32_t>> prompts;
        std::vector<SequenceBatch> batch;
        for (int s = 0; s < n; ++s) {
            seqs.push_back(model.new_sequence());
            prompts.push_back(tokens(8, n_vocab, 100 + static_cast<std::uint32_t>(s)));
        }
        for (int s = 0; s < n; ++s) batch.push_back({&seqs[s], prompts[s], false});
        model.forward(batch, logits);
        std::vector<std::int32_t> next(static_cast<std::size_t>(n));
        constexpr int kSteps = 64;
        const auto start = Clock::now();
        for (int step = 0; step < kSteps; ++step) {
            for (int s = 0; s < n; ++s) {
                next[s] = argmax(logits.last(s));
                batch[s] = {&seqs[s], std::span(&next[s], 1), false};
            }
            model.forward(batch, logits);
        }
        aggregate.push_back({{"sequences", n}, {"tok_s", n * kSteps / seconds_since(start)}});
    }

    nlohmann::ordered_json out;
    const std::string file = path.filename().string();
    out["model"] = model.config().architecture;
    out["file"] = file;
    out["kernels"] = std::string(model.kernel_name());
    out["pp512_tok_s"] = median(pp);
    out["tg128_tok_s"] = median(tg);
    if (auto it = baselines().find(file); it != baselines().end()) {
        out["baseline"] = {{"pp512_tok_s", it->second.pp512},
                           {"tg128_tok_s", it->second.tg128},
                           {"source", "llama-bench -t 2 -p 512 -n 128 (reference/README.md)"}};
        out["ratio"] = {{"pp512", median(pp) / it->second.pp512},
                        {"tg128", median(tg) / it->second.tg128}};
    } else {
        out["baseline"] = nullptr;
        out["ratio"] = nullptr;
    }
    out["aggregate_decode"] = aggregate;
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 2, reps = 5;
    fs::path perf_dir = "/tmp/perf";
    std::vector<fs::path> models;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--threads" || arg == "--reps" || arg == "--perf-dir") && i + 1 < argc) {
            const std::string value = argv[++i];
            if (arg == "--threads")
                threads = std::atoi(value.c_str());
            else if (arg == "--reps")
                reps = std::max(1, std::atoi(value.c_str()));
            else
                perf_dir = value;
        } else if (!arg.empty() && arg[0] != '-') {
            models.emplace_back(arg);
        } else {
            std::fprintf(stderr,
                         "usage: deskside_decoder_bench [--threads N] [--reps N] [--perf-dir DIR] "
                         "[MODEL.gguf...]\n");
            return 2;
        }
    }
    if (models.empty()) {
        const fs::path m = shared_dir() / "models";
        for (const char* p :
             {"stories260K.gguf", "derived/stories260K-F16.gguf", "derived/stories260K-Q8_0.gguf",
              "derived/stories260K-Q4_0.gguf", "synthetic/tiny-llama-synthetic-256-Q4_K_M.gguf",
              "synthetic/tiny-qwen2-synthetic-Q8_0.gguf",
              "synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf",
              "synthetic/tiny-llama3-synthetic-Q5_K_M.gguf"})
            models.push_back(m / p);
        for (const char* p : {"perf-llama-135m-shape-F16.gguf", "perf-llama-135m-shape-Q8_0.gguf",
                              "perf-llama-135m-shape-Q4_K_M.gguf"})
            if (fs::exists(perf_dir / p)) models.push_back(perf_dir / p);
    }
    nlohmann::ordered_json out;
    out["threads"] = threads;
    out["models"] = nlohmann::ordered_json::array();
    for (const fs::path& path : models) {
        try {
            out["models"].push_back(bench_model(path, threads, reps));
        } catch (const deskside::Error& e) {
            std::fprintf(stderr, "decoder_bench: %s\n", e.what());
            return 1;
        }
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}
