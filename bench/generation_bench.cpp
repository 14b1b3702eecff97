// Aggregate generation throughput of LocalGenerator at several concurrency levels.
//
//   deskside_generation_bench MODEL.gguf [max_tokens=128] [threads=2] [levels=1,4,16] [context=512]
//
// For each level N: N threads each send one request (different prompts, greedy) at the same
// time into a generator with `parallel` = the largest level; prints one JSON line per level with
// the wall time, the tokens generated and the aggregate tokens/s (generated tokens / wall time,
// prompt processing included), the mean time to first text and the forward passes run.
#include <barrier>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "generation/local_generator.h"

using namespace deskside;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL.gguf [max_tokens] [threads] [levels] [context]\n",
                     argv[0]);
        return 2;
    }
    const int max_tokens = argc > 2 ? std::stoi(argv[2]) : 128;
    const int threads = argc > 3 ? std::stoi(argv[3]) : 2;
    std::vector<int> levels;
    std::stringstream list(argc > 4 ? argv[4] : "1,4,16");
    for (std::string item; std::getline(list, item, ',');) levels.push_back(std::stoi(item));
    const int context = argc > 5 ? std::stoi(argv[5]) : 512;
    int widest = 1;
    for (int n : levels) widest = std::max(widest, n);

    generation::LocalGeneratorOptions o;
    o.model_path = argv[1];
    o.threads = threads;
    o.context = context;
    o.parallel = widest;
    o.max_queue = widest;
    auto gen = generation::open_local_generator_typed(o);

    const std::vector<std::string> topics = {"a dog",    "the sea",       "a red ball",
                                             "the moon", "a little girl", "a big tree",
                                             "a cat",    "rain"};
    for (int n : levels) {
        std::vector<llm::GenerationResult> results(static_cast<std::size_t>(n));
        std::barrier start(n + 1);
        std::vector<std::thread> workers;
        for (int i = 0; i < n; ++i) {
            workers.emplace_back([&, i] {
                llm::GenerationRequest r;
                r.messages = {{"user", "Tell me a story about " + topics[i % topics.size()] +
                                           " number " + std::to_string(i) + "."}};
                r.max_tokens = max_tokens;
                start.arrive_and_wait();
                results[static_cast<std::size_t>(i)] = gen->generate(r, nullptr);
            });
        }
        const auto before = gen->stats();
        start.arrive_and_wait();
        const auto t0 = std::chrono::steady_clock::now();
        for (auto& w : workers) w.join();
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto after = gen->stats();
        long tokens = 0;
        double first = 0;
        for (const auto& r : results) {
            tokens += r.generated_tokens;
            first += r.first_token_ms;
        }
        std::printf(
            "{\"model\": \"%s\", \"concurrent\": %d, \"parallel\": %d, \"threads\": %d, "
            "\"max_tokens\": %d, \"generated_tokens\": %ld, \"prompt_tokens\": %llu, "
            "\"wall_s\": %.3f, \"aggregate_tokens_per_s\": %.1f, \"mean_first_token_ms\": %.1f, "
            "\"steps\": %llu}\n",
            gen->model_name().c_str(), n, widest, threads, max_tokens, tokens,
            static_cast<unsigned long long>(after.prompt_tokens - before.prompt_tokens), wall,
            tokens / wall, first / n, static_cast<unsigned long long>(after.steps - before.steps));
        std::fflush(stdout);
    }
    return 0;
}
