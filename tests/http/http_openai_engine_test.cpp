// End to end with the real engine: `deskside serve`'s /v1/ endpoints on a LocalGenerator
// (stories260K.gguf) and the data directory's LSA embedder, used through the engine's own
// OpenAI-compatible client (OpenAiClient, OpenAiEmbedder), as an office pointing one Deskside at
// another would. What comes through HTTP must equal what the engine gives directly: greedy and
// seeded text, stop strings, token counts, the context length, and the vectors.
#include <cmath>

#include "generation/local_generator.h"
#include "http_openai_support.h"
#include "http_test_support.h"
#include "openai_client/openai_client.h"
#include "openai_client/openai_embedder.h"
#include "vectors/embeddings.h"

namespace deskside {
namespace {

using namespace testing;

constexpr int kContext = 512;

llm::GenerationRequest story_request() {
    llm::GenerationRequest request;
    request.messages = {{"user", "Once upon a time, there was a little dog"}};
    request.max_tokens = 48;
    request.sampling.temperature = 0;  // greedy: one right answer
    return request;
}

class OpenAiEngineTest : public ServerFixture {
  protected:
    void SetUp() override {
        index_corpus({"pdf/pdfjs-pdfjs_wikipedia.pdf", "pdf/pdfjs-tracemonkey.pdf"}, "default",
                     tmp_ / "docs");
        ASSERT_GT(vectors::sync_vectors(data_dir(), {}, {}).total, 0);
        embedder_ = vectors::open_query_embedder(data_dir(), {});
        ASSERT_TRUE(embedder_);

        generation::LocalGeneratorOptions options;
        options.model_path = shared_dir() / "models" / "stories260K.gguf";
        options.threads = 2;
        options.context = kContext;
        options.parallel = 2;
        generator_ = generation::open_local_generator_typed(options);
        start_server([&](http::ServerOptions& server) {
            server.generator = generator_;
            server.embedder = embedder_;
        });
    }

    openai_client::OpenAiClientOptions client_options() const {
        openai_client::OpenAiClientOptions options;
        options.server.base_url = "http://127.0.0.1:" + std::to_string(port()) + "/v1";
        options.server.model = "stories260K.gguf";
        options.context_tokens = 4096;
        return options;
    }

    std::shared_ptr<generation::LocalGenerator> generator_;
    std::shared_ptr<embed::Embedder> embedder_;
};

TEST_F(OpenAiEngineTest, GreedyTextThroughTheClientEqualsTheEngines) {
    const llm::GenerationRequest request = story_request();
    llm::GenerationResult direct = generator_->generate(request, nullptr);
    ASSERT_FALSE(direct.text.empty());

    openai_client::OpenAiClient client(client_options());
    // The client learnt the context from /v1/models ("max_model_len").
    EXPECT_EQ(client.context_tokens(), kContext);
    std::string streamed;
    int pieces = 0;
    llm::GenerationResult remote = client.generate(request, [&](std::string_view piece) {
        streamed += piece;
        ++pieces;
        return true;
    });
    EXPECT_EQ(remote.text, direct.text);
    EXPECT_EQ(streamed, direct.text);
    EXPECT_GT(pieces, 1) << "the answer did not arrive piece by piece";
    EXPECT_EQ(remote.finish, direct.finish);
    EXPECT_EQ(remote.prompt_tokens, direct.prompt_tokens);  // the server's usage
    EXPECT_EQ(remote.generated_tokens, direct.generated_tokens);
}

TEST_F(OpenAiEngineTest, APlainReplyCarriesTheSameTextAndUsage) {
    const llm::GenerationRequest request = story_request();
    llm::GenerationResult direct = generator_->generate(request, nullptr);
    Reply reply = post_json(port(), "/v1/chat/completions", R"({
        "model": "stories260K.gguf", "temperature": 0, "max_tokens": 48,
        "messages": [{"role": "user", "content": "Once upon a time, there was a little dog"}]})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["model"], "stories260K.gguf");
    EXPECT_EQ(body["choices"][0]["message"]["content"], direct.text);
    EXPECT_EQ(body["choices"][0]["finish_reason"],
              direct.finish == llm::FinishReason::length ? "length" : "stop");
    EXPECT_EQ(body["usage"]["prompt_tokens"], direct.prompt_tokens);
    EXPECT_EQ(body["usage"]["completion_tokens"], direct.generated_tokens);
}

TEST_F(OpenAiEngineTest, StopStringsAndSeedsReachTheEngine) {
    llm::GenerationRequest request = story_request();
    const std::string full = generator_->generate(request, nullptr).text;
    // A stop string from the middle of the greedy answer cuts it there.
    ASSERT_GT(full.size(), 20u) << full;
    std::size_t space = full.find(' ', full.size() / 2);
    ASSERT_NE(space, std::string::npos) << full;
    std::size_t end = full.find(' ', space + 1);
    const std::string stop = full.substr(space, end == std::string::npos ? 4 : end - space);
    request.stop = {"zzzz-never", stop};
    llm::GenerationResult direct = generator_->generate(request, nullptr);
    ASSERT_LT(direct.text.size(), full.size());

    openai_client::OpenAiClient client(client_options());
    llm::GenerationResult remote = client.generate(request, nullptr);
    EXPECT_EQ(remote.text, direct.text);
    EXPECT_EQ(remote.text, full.substr(0, full.find(stop)));
    EXPECT_EQ(remote.finish, llm::FinishReason::stop);

    // Sampling with a seed: the same seed gives the same text through HTTP as directly.
    llm::GenerationRequest sampled = story_request();
    sampled.sampling.temperature = 0.9f;
    sampled.sampling.seed = 1234;
    llm::GenerationResult sampled_direct = generator_->generate(sampled, nullptr);
    EXPECT_EQ(client.generate(sampled, nullptr).text, sampled_direct.text);
}

TEST_F(OpenAiEngineTest, AClientThatCancelsFreesTheEnginesSlot) {
    openai_client::OpenAiClient client(client_options());
    llm::GenerationRequest request = story_request();
    request.max_tokens = kContext;  // long, unless cancelled
    request.sampling.temperature = 0.9f;
    int pieces = 0;
    llm::GenerationResult remote =
        client.generate(request, [&](std::string_view) { return ++pieces < 3; });
    EXPECT_EQ(remote.finish, llm::FinishReason::cancelled);
    EXPECT_TRUE(eventually([&] {
        auto stats = generator_->stats();
        return stats.active == 0 && stats.queued == 0;
    })) << "the server's generation went on after its client left";
    Reply metrics = get(port(), "/metrics");
    EXPECT_NE(metrics.body.find("deskside_completions_total{outcome=\"cancelled\"} 1"),
              std::string::npos)
        << metrics.body;
}

TEST_F(OpenAiEngineTest, TheClientsEmbedderGetsTheDataDirectorysVectors) {
    openai_client::OpenAiEmbedderOptions options;
    options.server.base_url = "http://127.0.0.1:" + std::to_string(port()) + "/v1";
    options.server.model = "lsa";
    options.batch_size = 2;                         // several requests for one call
    openai_client::OpenAiEmbedder remote(options);  // learns the dimension from the server
    ASSERT_EQ(remote.dimension(), embedder_->dimension());

    const std::vector<std::string> texts = {
        "trace trees compile hot loops of dynamic JavaScript programs",
        "Wikipedia is a free online encyclopedia written by volunteers",
        "type-specialized native code for loops",
    };
    std::vector<float> got = remote.embed(texts);
    std::vector<float> want = embedder_->embed(texts);
    ASSERT_EQ(got.size(), want.size());
    double largest_difference = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        largest_difference = std::max(largest_difference, std::fabs(double(got[i]) - want[i]));
    // The client normalises again in double precision: equal up to float rounding.
    EXPECT_LT(largest_difference, 1e-6);
    EXPECT_NE(std::vector<float>(want.begin(), want.begin() + embedder_->dimension()),
              std::vector<float>(want.begin() + embedder_->dimension(),
                                 want.begin() + 2 * embedder_->dimension()));
}

}  // namespace
}  // namespace deskside
