// OpenAiClient against a fake llama-server: the request it sends, the event stream it reads
// (a UTF-8 character split across network chunks, usage, finish reasons), a server that does
// not stream, cancellation that the server sees, and the context probe.
#include "openai_client/openai_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/error.h"
#include "base/utf8.h"
#include "fake_server.h"

namespace deskside::openai_client {
namespace {

using deskside::testing::chunk_event;
using deskside::testing::eventually;
using deskside::testing::FakeServer;
using deskside::testing::finish_events;
using deskside::testing::RecordedRequest;
using deskside::testing::Reply;
using nlohmann::json;

OpenAiClientOptions options_for(const FakeServer& server) {
    OpenAiClientOptions options;
    options.server.base_url = server.base_url();
    options.server.model = "test-model";
    options.server.timeout = std::chrono::seconds(10);
    options.probe_context = false;
    return options;
}

llm::GenerationRequest question(std::string text = "What is on the menu?") {
    llm::GenerationRequest request;
    request.messages = {{"system", "Answer from the passages."}, {"user", std::move(text)}};
    request.max_tokens = 32;
    return request;
}

struct Collected {
    std::vector<std::string> pieces;
    llm::TextCallback callback() {
        return [this](std::string_view piece) {
            pieces.emplace_back(piece);
            return true;
        };
    }
};

TEST(OpenAiClient, SendsAStandardStreamingRequest) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        out.chunk(chunk_event("ok") + finish_events("stop", 3, 1));
        out.end();
    });
    OpenAiClientOptions options = options_for(server);
    options.server.api_key = "sk-test";
    OpenAiClient client(options);
    llm::GenerationRequest request = question();
    request.sampling.temperature = 0.5f;
    request.sampling.top_k = 10;
    request.sampling.seed = 7;
    request.stop = {"</answer>"};
    client.generate(request, {});

    auto sent = server.requests_to("/v1/chat/completions");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_EQ(sent[0].headers["authorization"], "Bearer sk-test");
    EXPECT_EQ(sent[0].headers["content-type"], "application/json");
    EXPECT_EQ(sent[0].headers["accept"], "text/event-stream");
    json body = sent[0].json();
    EXPECT_EQ(body["model"], "test-model");
    EXPECT_EQ(body["messages"][1]["content"], "What is on the menu?");
    EXPECT_EQ(body["max_tokens"], 32);
    EXPECT_EQ(body["temperature"].dump(), "0.5");
    EXPECT_EQ(body["top_k"], 10);
    EXPECT_EQ(body["seed"], 7);
    EXPECT_EQ(body["stop"], json::array({"</answer>"}));
    EXPECT_EQ(body["stream"], true);

    OpenAiClientOptions keyless = options_for(server);
    keyless.extended_sampling = false;
    OpenAiClient plain(keyless);
    plain.generate(request, {});
    sent = server.requests_to("/v1/chat/completions");
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_FALSE(sent[1].has_header("authorization"));
    EXPECT_FALSE(sent[1].json().contains("top_k"));
    EXPECT_FALSE(sent[1].json().contains("min_p"));
}

TEST(OpenAiClient, StreamsWholeUtf8PiecesAcrossSplitChunks) {
    FakeServer server;
    // "€" (E2 82 AC) is cut after its first byte, and the next event's "data:" line after
    // "da": each HTTP chunk goes out in its own write, 20 ms apart.
    const std::string events = chunk_event("Gr\xC3\xBC\xC3\x9F\x65 ") +
                               chunk_event(
                                   "\xE2\x82\xAC"
                                   "100") +
                               chunk_event("\xE6\x97\xA5\xE6\x9C\xAC") +
                               finish_events("stop", 17, 3);
    const std::size_t euro = events.find("\xE2\x82\xAC");
    const std::size_t third = events.find("data:", euro);
    ASSERT_NE(euro, std::string::npos);
    server.route("/v1/chat/completions", [&](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        for (auto [from, to] : {std::pair{std::size_t{0}, euro + 1}, std::pair{euro + 1, third + 2},
                                std::pair{third + 2, events.size()}}) {
            out.chunk(std::string_view(events).substr(from, to - from));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        out.end();
    });
    OpenAiClient client(options_for(server));
    Collected got;
    llm::GenerationResult result = client.generate(question(), got.callback());
    EXPECT_EQ(got.pieces, (std::vector<std::string>{"Gr\xC3\xBC\xC3\x9F\x65 ",
                                                    "\xE2\x82\xAC"
                                                    "100",
                                                    "\xE6\x97\xA5\xE6\x9C\xAC"}));
    for (const auto& piece : got.pieces) EXPECT_TRUE(utf8::is_valid(piece));
    EXPECT_EQ(result.text,
              "Gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC"
              "100\xE6\x97\xA5\xE6\x9C\xAC");
    EXPECT_EQ(result.finish, llm::FinishReason::stop);
    EXPECT_EQ(result.prompt_tokens, 17);
    EXPECT_EQ(result.generated_tokens, 3);
    EXPECT_GT(result.first_token_ms, 0);
    EXPECT_GE(result.total_ms, result.first_token_ms);
}

TEST(OpenAiClient, MapsFinishReasonLengthAndEstimatesWithoutUsage) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        // No usage chunk, and the stream ends with finish_reason but no [DONE]: accepted.
        out.chunk(chunk_event("one ") + chunk_event("two") + chunk_event("", "length"));
        out.end();
    });
    OpenAiClient client(options_for(server));
    llm::GenerationRequest request = question("12345678");
    llm::GenerationResult result = client.generate(request, {});
    EXPECT_EQ(result.text, "one two");
    EXPECT_EQ(result.finish, llm::FinishReason::length);
    EXPECT_EQ(result.generated_tokens, 2);  // pieces received
    // count_tokens of the messages: ceil(25 / 4) + ceil(8 / 4).
    EXPECT_EQ(result.prompt_tokens, 7 + 2);
}

TEST(OpenAiClient, TakesAServerThatDoesNotStream) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        reply.json(200, json::parse(R"({"id":"c1","object":"chat.completion",
            "choices":[{"index":0,"message":{"role":"assistant","content":"Soup \u00e0 la carte."},
                        "finish_reason":"length"}],
            "usage":{"prompt_tokens":21,"completion_tokens":6,"total_tokens":27}})"));
    });
    OpenAiClient client(options_for(server));
    Collected got;
    llm::GenerationResult result = client.generate(question(), got.callback());
    EXPECT_EQ(got.pieces, std::vector<std::string>{"Soup \xC3\xA0 la carte."});
    EXPECT_EQ(result.text, "Soup \xC3\xA0 la carte.");
    EXPECT_EQ(result.finish, llm::FinishReason::length);
    EXPECT_EQ(result.prompt_tokens, 21);
    EXPECT_EQ(result.generated_tokens, 6);
}

TEST(OpenAiClient, CancellingClosesTheConnectionAndTheServerSeesIt) {
    FakeServer server;
    std::atomic<bool> client_left = false;
    std::atomic<int> chunks_sent = 0;
    constexpr int kMaxChunks = 500;  // 10 s of stream: far longer than the test waits
    server.route("/v1/chat/completions", [&](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        for (int i = 0; i < kMaxChunks && !server.stopping(); ++i) {
            std::string word = "w";  // (built in steps: GCC 12 misreads "w" + to_string(i))
            word += std::to_string(i);
            word += ' ';
            if (out.client_gone() || !out.chunk(chunk_event(word))) {
                client_left = true;
                return;
            }
            ++chunks_sent;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        out.chunk(finish_events("stop", 1, kMaxChunks));
        out.end();
    });
    OpenAiClient client(options_for(server));
    std::vector<std::string> pieces;
    llm::GenerationResult result = client.generate(question(), [&](std::string_view piece) {
        pieces.emplace_back(piece);
        return pieces.size() < 3;
    });
    EXPECT_EQ(result.finish, llm::FinishReason::cancelled);
    EXPECT_EQ(result.text, "w0 w1 w2 ");
    EXPECT_EQ(pieces.size(), 3u);
    EXPECT_TRUE(eventually([&] { return client_left.load(); }))
        << "the server never saw the client go";
    EXPECT_LT(chunks_sent, kMaxChunks);  // the server stopped early
}

TEST(OpenAiClient, ACallbackThatThrowsClosesTheConnectionToo) {
    FakeServer server;
    std::atomic<bool> client_left = false;
    server.route("/v1/chat/completions", [&](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        for (int i = 0; i < 500 && !server.stopping(); ++i) {
            if (out.client_gone() || !out.chunk(chunk_event("x"))) {
                client_left = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    OpenAiClient client(options_for(server));
    EXPECT_THROW(
        client.generate(question(),
                        [](std::string_view) -> bool { throw std::runtime_error("gone"); }),
        std::runtime_error);
    EXPECT_TRUE(eventually([&] { return client_left.load(); }));
    EXPECT_EQ(client.stats().in_flight, 0);  // the slot came back
}

TEST(OpenAiClient, ProbesTheServersContextLength) {
    auto models = [](json entry) {
        return [entry](const RecordedRequest&, Reply& reply) {
            reply.json(200, {{"object", "list"}, {"data", json::array({entry})}});
        };
    };
    {
        // vLLM: max_model_len on the model's entry.
        FakeServer server;
        server.route("/v1/models", models({{"id", "test-model"}, {"max_model_len", 2048}}));
        OpenAiClientOptions options = options_for(server);
        options.probe_context = true;
        EXPECT_EQ(OpenAiClient(options).context_tokens(), 2048);
        options.context_tokens = 1000;  // the setting still caps it
        EXPECT_EQ(OpenAiClient(options).context_tokens(), 1000);
        EXPECT_TRUE(server.requests_to("/props").empty());
    }
    {
        // llama-server: no max_model_len; /props has n_ctx per slot.
        FakeServer server;
        server.route("/v1/models",
                     models({{"id", "test-model"}, {"meta", {{"n_ctx_train", 32768}}}}));
        server.route("/props", [](const RecordedRequest&, Reply& reply) {
            reply.json(200,
                       {{"default_generation_settings", {{"n_ctx", 1536}}}, {"total_slots", 4}});
        });
        OpenAiClientOptions options = options_for(server);
        options.probe_context = true;
        EXPECT_EQ(OpenAiClient(options).context_tokens(), 1536);
        EXPECT_EQ(server.requests_to("/props").size(), 1u);
    }
    {
        // Ollama: neither says; the option stands. And without the probe nothing is asked.
        FakeServer server;
        server.route("/v1/models", models({{"id", "test-model"}}));
        OpenAiClientOptions options = options_for(server);
        options.probe_context = true;
        EXPECT_EQ(OpenAiClient(options).context_tokens(), 4096);
        options.probe_context = false;
        std::size_t before = server.requests().size();
        EXPECT_EQ(OpenAiClient(options).context_tokens(), 4096);
        EXPECT_EQ(server.requests().size(), before);
    }
}

TEST(OpenAiClient, AServerThatIsDownDoesNotStopConstruction) {
    int port;
    {
        FakeServer gone;
        port = gone.port();
    }
    OpenAiClientOptions options;
    options.server.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    options.server.model = "m";
    options.probe_context = true;
    OpenAiClient client(options);
    EXPECT_EQ(client.context_tokens(), 4096);
    EXPECT_EQ(client.model_name(), "m");
}

TEST(OpenAiClient, EstimatesTokensFromUtf8Bytes) {
    FakeServer server;
    OpenAiClient client(options_for(server));
    EXPECT_EQ(client.count_tokens(""), 0);
    EXPECT_EQ(client.count_tokens("abcd"), 1);
    EXPECT_EQ(client.count_tokens("abcde"), 2);
    EXPECT_EQ(client.count_tokens("\xE6\x97\xA5\xE6\x9C\xAC"), 2);  // 6 bytes
}

}  // namespace
}  // namespace deskside::openai_client
