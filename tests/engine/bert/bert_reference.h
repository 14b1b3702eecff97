// Test-only: llama.cpp's reference embeddings for the synthetic BERT models
// (../shared/models/reference/tiny-bert-synthetic-{F16,Q8_0}.json, section "embed"), and vector
// comparisons. Single-threaded.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "test_support.h"

namespace deskside::testing {

struct EmbedCase {
    std::string text;
    std::vector<std::int32_t> ids;
    std::vector<float> pooled_raw;  // llama_get_embeddings_seq
    std::vector<float> l2;          // normalised
    double norm = 0;                // l2_norm_before
};

inline std::filesystem::path bert_model_path(const std::string& quant) {
    return shared_dir() / "models" / "synthetic" / ("tiny-bert-synthetic-" + quant + ".gguf");
}

inline std::vector<EmbedCase> load_embed_cases(const std::string& quant) {
    auto path = shared_dir() / "models" / "reference" / ("tiny-bert-synthetic-" + quant + ".json");
    auto doc = nlohmann::json::parse(read_file(path));
    std::vector<EmbedCase> cases;
    for (const auto& c : doc.at("embed").at("cases")) {
        EmbedCase e;
        e.text = c.at("text").get<std::string>();
        e.ids = c.at("ids").get<std::vector<std::int32_t>>();
        e.pooled_raw = c.at("embedding_pooled_raw").get<std::vector<float>>();
        e.l2 = c.at("embedding_l2").get<std::vector<float>>();
        e.norm = c.at("l2_norm_before").get<double>();
        cases.push_back(std::move(e));
    }
    return cases;
}

inline double norm_of(std::span<const float> v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    return std::sqrt(s);
}

inline double cosine(std::span<const float> a, std::span<const float> b) {
    double dot = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        dot += static_cast<double>(a[i]) * b[i];
    return dot / (norm_of(a) * norm_of(b));
}

inline double max_abs_diff(std::span<const float> a, std::span<const float> b) {
    double m = a.size() == b.size() ? 0.0 : INFINITY;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
    return m;
}

}  // namespace deskside::testing
