// Test-only: the decoder models in ../shared/models and their llama.cpp references
// (reference/<model>.json: `generate` and `chat` cases), plus small helpers to run a model
// greedily and read logits. Single-threaded.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "decoder/decoder_model.h"
#include "test_support.h"

namespace deskside::testing {

struct RefTop {
    std::int32_t id = 0;
    float logit = 0;
};

struct RefCase {
    std::string name;  // "generate 0", "chat 2"
    std::vector<std::int32_t> prompt_ids;
    std::vector<std::int32_t> generated_ids;
    std::vector<float> max_logits;  // generated_max_logits
    std::vector<RefTop> top2;       // generated_top2 (generate cases only)
    std::vector<RefTop> top5;       // top5_first_step

    // Reference margin at step i (top1 - top2); for chat cases without top2, step 0 from top5,
    // -1 (unknown) for the others.
    float margin(std::size_t i) const {
        if (i < top2.size()) return max_logits[i] - top2[i].logit;
        if (i == 0 && top5.size() >= 2) return top5[0].logit - top5[1].logit;
        return -1.0f;  // unknown
    }
};

// One shared decoder model, its reference and what we hold it to (measured numbers in the
// comments of decoder_reference_test.cpp):
//   safe_margin   steps whose reference top1 - top2 margin is at least this must give the
//                 reference's argmax (teacher forcing) and are compared exactly (free running)
//   top5          first-step top-5 logits within top5 x max|logit|
//   winner        every step's logit of the reference winner within this (absolute), one token
//                 at a time as the references were made
//   batch_winner  the same with the whole sequence in one pass (other kernels, as in llama.cpp)
// These hold for the AVX-512 kernels, which reproduce the reference build's arithmetic. The
// other builds (AVX2, NEON, scalar) compute the same products in float or with another exp and
// F16 dot, so they are held to `portable`, measured like the AVX-512 float path was.
struct Tolerances {
    float safe_margin;
    float top5;
    float winner;
};
struct DecoderModelFile {
    const char* path;       // under models/
    const char* reference;  // under models/reference/
    float safe_margin;
    float top5;
    float winner;
    float batch_winner;
    Tolerances portable;
};

// Every model meets the 1e-2 margin one token at a time. The quantised models follow llama.cpp's
// CPU arithmetic (8-bit activations, integer block sums in ggml's float order, its exp, FMAs,
// both flash-attention kernels), so their logits match the references bit for bit or within a
// few ulps (measured with the AVX-512 kernels; the AVX2 / scalar builds use another exp and F16
// dot and would not). A whole sequence in one pass runs other kernels (batch_winner).
inline const std::vector<DecoderModelFile>& decoder_models() {
    static const std::vector<DecoderModelFile> models = {
        {"stories260K.gguf",
         "stories260K.json",
         1e-2f,
         2e-4f,
         0.006f,
         0.006f,
         {1e-2f, 2e-4f, 0.006f}},
        {"derived/stories260K-F16.gguf",
         "stories260K-F16.json",
         1e-2f,
         1e-3f,
         0.02f,
         0.02f,
         {1e-2f, 1e-3f, 0.02f}},
        {"derived/stories260K-Q8_0.gguf",
         "stories260K-Q8_0.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.2f,
         {0.05f, 5e-3f, 0.2f}},
        {"derived/stories260K-Q4_0.gguf",
         "stories260K-Q4_0.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.25f,
         {0.1f, 1e-2f, 0.25f}},
        {"synthetic/tiny-llama-synthetic-256-Q4_K_M.gguf",
         "tiny-llama-synthetic-256-Q4_K_M.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.25f,
         {0.15f, 1.5e-2f, 0.25f}},
        {"synthetic/tiny-qwen2-synthetic-Q8_0.gguf",
         "tiny-qwen2-synthetic-Q8_0.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.25f,
         {0.05f, 1e-2f, 0.25f}},
        {"synthetic/tiny-qwen3-synthetic-Q4_K_M.gguf",
         "tiny-qwen3-synthetic-Q4_K_M.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.3f,
         {0.2f, 1.5e-2f, 0.4f}},
        {"synthetic/tiny-llama3-synthetic-Q5_K_M.gguf",
         "tiny-llama3-synthetic-Q5_K_M.json",
         1e-2f,
         1e-5f,
         1e-4f,
         0.3f,
         {0.2f, 2e-2f, 0.3f}},
    };
    return models;
}

inline std::filesystem::path models_dir() {
    return shared_dir() / "models";
}

inline std::vector<RefCase> load_reference_cases(const std::string& reference) {
    std::ifstream in(models_dir() / "reference" / reference);
    const nlohmann::json j = nlohmann::json::parse(in);
    std::vector<RefCase> cases;
    for (const char* section : {"generate", "chat"}) {
        if (!j.contains(section)) continue;
        int index = 0;
        for (const auto& c : j[section]["cases"]) {
            RefCase r;
            r.name = std::string(section) + " " + std::to_string(index++);
            r.prompt_ids = c["prompt_ids"].get<std::vector<std::int32_t>>();
            r.generated_ids = c["generated_ids"].get<std::vector<std::int32_t>>();
            r.max_logits = c["generated_max_logits"].get<std::vector<float>>();
            if (c.contains("generated_top2"))
                for (const auto& t : c["generated_top2"])
                    r.top2.push_back({t["id"].get<std::int32_t>(), t["logit"].get<float>()});
            for (const auto& t : c["top5_first_step"])
                r.top5.push_back({t["id"].get<std::int32_t>(), t["logit"].get<float>()});
            cases.push_back(std::move(r));
        }
    }
    return cases;
}

// Greedy argmax, ties to the lowest id (llama.cpp's driver).
inline std::int32_t argmax(std::span<const float> logits) {
    return static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) -
                                     logits.begin());
}

}  // namespace deskside::testing
