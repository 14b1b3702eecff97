// `deskside embed` through the real binary: --json against llama.cpp's reference, the text
// output, and the exit status 2 for every model the user cannot use.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bert_reference.h"
#include "process.h"

namespace deskside::testing {
namespace {

std::vector<std::string> shared_env() {
    return {"DESKSIDE_SHARED=" + shared_dir().string()};
}

TEST(EmbedCli, JsonMatchesReference) {
    auto cases = load_embed_cases("F16");
    std::vector<std::string> args{"embed",  "--model",   bert_model_path("F16").string(),
                                  "--json", "--threads", "2"};
    for (std::size_t i = 0; i < 4; ++i) args.push_back(cases[i].text);
    ProcessResult r = run_deskside(args, shared_env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = nlohmann::ordered_json::parse(r.out);
    std::vector<std::string> keys;
    for (auto& [key, value] : doc.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"model", "dim", "results"}));
    EXPECT_EQ(doc["model"], "tiny-bert-synthetic-F16.gguf");
    EXPECT_EQ(doc["dim"], 128);
    ASSERT_EQ(doc["results"].size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& result = doc["results"][i];
        std::vector<std::string> result_keys;
        for (auto& [key, value] : result.items()) result_keys.push_back(key);
        EXPECT_EQ(result_keys, (std::vector<std::string>{"text", "ids", "embedding"}));
        EXPECT_EQ(result["text"], cases[i].text);
        EXPECT_EQ(result["ids"].get<std::vector<std::int32_t>>(), cases[i].ids);
        auto embedding = result["embedding"].get<std::vector<float>>();
        ASSERT_EQ(embedding.size(), 128u);
        EXPECT_NEAR(norm_of(embedding), 1.0, 1e-6);
        EXPECT_GE(cosine(embedding, cases[i].l2), 0.9999) << cases[i].text;
    }
}

TEST(EmbedCli, TextOutputShowsIdsAndVector) {
    ProcessResult r = run_deskside(
        {"embed", "-m", bert_model_path("F16").string(), "The cat sits on the mat."}, shared_env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("tiny-bert-synthetic-F16.gguf (128 dimensions"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("ids   101 1996 4937 7719 2006 1996 13523 1012 102\n"), std::string::npos)
        << r.out;
    // The first component of llama.cpp's normalised vector is 0.129608 (1e-4 apart from ours).
    EXPECT_NE(r.out.find("vector\n  0.129"), std::string::npos) << r.out;
}

TEST(EmbedCli, UnusableModelsExitTwo) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    TempDir dir;
    write_file(dir / "junk.gguf", "this is not a model");
    const std::vector<Case> cases = {
        {{"embed", "some text"}, "--model"},
        {{"embed", "--model", (dir / "missing.gguf").string(), "x"}, "missing.gguf"},
        {{"embed", "--model", (dir / "junk.gguf").string(), "x"}, "junk.gguf"},
        {{"embed", "--model", (shared_dir() / "models" / "stories260K.gguf").string(), "x"},
         "architecture 'llama'"},
        {{"embed", "--model", bert_model_path("F16").string()}, "text"},
        {{"embed", "--model", bert_model_path("F16").string(), "--bogus", "x"}, "--bogus"},
    };
    for (const auto& c : cases) {
        ProcessResult r = run_deskside(c.args, shared_env());
        EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
}

}  // namespace
}  // namespace deskside::testing
