// OpenAiEmbedder against a fake /v1/embeddings: batching, order by "index", normalisation, blank
// texts, the dimension probe and identity, malformed replies and HTTP errors.
#include "openai_client/openai_embedder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "fake_server.h"

namespace deskside::openai_client {
namespace {

using deskside::testing::FakeServer;
using deskside::testing::RecordedRequest;
using deskside::testing::Reply;
using nlohmann::json;

// The fake model: a text's vector is [bytes, 'a' count + 1, 2, 0] (not normalised).
std::vector<double> fake_vector(const std::string& text) {
    return {static_cast<double>(text.size()),
            static_cast<double>(std::count(text.begin(), text.end(), 'a') + 1), 2.0, 0.0};
}

// Answers with the items in reverse order, as the index field allows.
void serve_embeddings(FakeServer& server) {
    server.route("/v1/embeddings", [](const RecordedRequest& request, Reply& reply) {
        json body = request.json();
        json data = json::array();
        for (std::size_t i = body["input"].size(); i-- > 0;)
            data.push_back({{"object", "embedding"},
                            {"index", i},
                            {"embedding", fake_vector(body["input"][i])}});
        reply.json(200, {{"object", "list"}, {"data", data}, {"model", body["model"]}});
    });
}

OpenAiEmbedderOptions options_for(const FakeServer& server) {
    OpenAiEmbedderOptions options;
    options.server.base_url = server.base_url();
    options.server.model = "nomic-embed-text";
    return options;
}

Error error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no deskside::Error thrown";
    return Error(ErrorCode::internal, "");
}

TEST(OpenAiEmbedder, LearnsItsDimensionAndIdentity) {
    FakeServer server;
    serve_embeddings(server);
    OpenAiEmbedder embedder(options_for(server));
    EXPECT_EQ(embedder.dimension(), 4);
    const auto& id = embedder.identity();
    EXPECT_EQ(id.kind, "openai");
    EXPECT_EQ(id.name, "nomic-embed-text");
    EXPECT_EQ(id.hash.size(), 16u);
    EXPECT_EQ(server.requests_to("/v1/embeddings").size(), 1u);  // the probe

    // Given the dimension, construction asks nothing; the same name and dimension give the
    // same identity, another name another hash.
    OpenAiEmbedderOptions given = options_for(server);
    given.dimension = 4;
    OpenAiEmbedder same(given);
    EXPECT_EQ(same.identity(), id);
    EXPECT_EQ(server.requests_to("/v1/embeddings").size(), 1u);
    given.server.model = "bge-m3";
    EXPECT_NE(OpenAiEmbedder(given).identity().hash, id.hash);
}

TEST(OpenAiEmbedder, EmbedsInBatchesInOrderNormalised) {
    FakeServer server;
    serve_embeddings(server);
    OpenAiEmbedderOptions options = options_for(server);
    options.dimension = 4;
    options.batch_size = 2;
    options.server.api_key = "sk-embed";
    OpenAiEmbedder embedder(options);
    const std::vector<std::string> texts = {"banana", "", "apple pie", "  \n", "kiwi", "papaya"};
    std::vector<float> rows = embedder.embed(texts);
    ASSERT_EQ(rows.size(), texts.size() * 4);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        SCOPED_TRACE(texts[i]);
        const float* row = rows.data() + i * 4;
        if (texts[i].find_first_not_of(" \n") == std::string::npos) {
            for (int d = 0; d < 4; ++d) EXPECT_EQ(row[d], 0.0f);  // blank: a zero row
            continue;
        }
        auto expected = fake_vector(texts[i]);
        double norm = 0;
        for (double x : expected) norm += x * x;
        for (int d = 0; d < 4; ++d) EXPECT_NEAR(row[d], expected[d] / std::sqrt(norm), 1e-6) << d;
    }
    auto sent = server.requests_to("/v1/embeddings");
    ASSERT_EQ(sent.size(), 2u);  // 4 non-blank texts, 2 per request
    EXPECT_EQ(sent[0].json(),
              (json{{"model", "nomic-embed-text"}, {"input", {"banana", "apple pie"}}}));
    EXPECT_EQ(sent[1].json()["input"], (json{"kiwi", "papaya"}));
    EXPECT_EQ(sent[0].headers["authorization"], "Bearer sk-embed");
    EXPECT_TRUE(embedder.embed(std::vector<std::string>{}).empty());
}

TEST(OpenAiEmbedder, RefusesRepliesItCannotUse) {
    struct Case {
        std::string name;
        json reply;
        std::string must_say;
    };
    const std::vector<Case> cases = {
        {"count",
         {{"data", {{{"index", 0}, {"embedding", {1, 0, 0, 0}}}}}},
         "1 vectors for 2 texts"},
        {"dimension",
         {{"data",
           {{{"index", 0}, {"embedding", {1, 0, 0}}}, {{"index", 1}, {"embedding", {1, 0, 0}}}}}},
         "dimension 3 where 4"},
        {"index",
         {{"data",
           {{{"index", 0}, {"embedding", {1, 0, 0, 0}}},
            {{"index", 0}, {"embedding", {1, 0, 0, 0}}}}}},
         "index 0 twice"},
        {"value",
         {{"data",
           {{{"index", 0}, {"embedding", {1, "x", 0, 0}}},
            {{"index", 1}, {"embedding", {1, 0, 0, 0}}}}}},
         "a vector holds \"x\""},
        {"shape", {{"object", "list"}}, "no \"data\" array"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        FakeServer server;
        server.route("/v1/embeddings",
                     [&](const RecordedRequest&, Reply& reply) { reply.json(200, c.reply); });
        OpenAiEmbedderOptions options = options_for(server);
        options.dimension = 4;
        OpenAiEmbedder embedder(options);
        Error e = error_of([&] { embedder.embed(std::vector<std::string>{"a", "b"}); });
        EXPECT_EQ(e.code(), ErrorCode::io);
        EXPECT_NE(std::string(e.what()).find(c.must_say), std::string::npos) << e.what();
    }
}

TEST(OpenAiEmbedder, MapsHttpErrorsWithTheEmbedSettings) {
    FakeServer server;
    server.route("/v1/embeddings", [](const RecordedRequest&, Reply& reply) {
        reply.json(401, {{"error", {{"message", "bad key"}}}});
    });
    OpenAiEmbedderOptions options = options_for(server);
    options.server.api_key = "sk-x";
    Error e = error_of([&] { OpenAiEmbedder embedder(options); });  // the probe fails
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("(embed.api_key)"), std::string::npos) << e.what();

    options.server.model = "";
    Error missing = error_of([&] { OpenAiEmbedder embedder(options); });
    EXPECT_EQ(missing.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(missing.what()).rfind("embed.remote_model", 0), 0u) << missing.what();
}

TEST(OpenAiEmbedder, AZeroVectorStaysZero) {
    FakeServer server;
    server.route("/v1/embeddings", [](const RecordedRequest&, Reply& reply) {
        reply.json(200, {{"data", {{{"embedding", {0, 0}}}}}});  // no index: position counts
    });
    OpenAiEmbedder embedder(options_for(server));
    EXPECT_EQ(embedder.embed(std::vector<std::string>{"x"}), (std::vector<float>{0, 0}));
}

}  // namespace
}  // namespace deskside::openai_client
