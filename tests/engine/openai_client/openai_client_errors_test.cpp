// OpenAiClient when things go wrong: HTTP error statuses with each server's error body, errors
// in the middle of a stream, a connection cut short, a server that cannot be reached, one that
// is too slow, TLS to a server that does not speak it, and malformed requests.
#include <gtest/gtest.h>

#include <thread>

#include "Poco/Net/StreamSocket.h"
#include "base/error.h"
#include "fake_server.h"
#include "openai_client/openai_client.h"

namespace deskside::openai_client {
namespace {

using deskside::testing::chunk_event;
using deskside::testing::eventually;
using deskside::testing::FakeServer;
using deskside::testing::finish_events;
using deskside::testing::RawTcpServer;
using deskside::testing::RecordedRequest;
using deskside::testing::Reply;
using nlohmann::json;

OpenAiClientOptions options_for(const std::string& base_url) {
    OpenAiClientOptions options;
    options.server.base_url = base_url;
    options.server.model = "test-model";
    options.server.timeout = std::chrono::seconds(10);
    options.probe_context = false;
    return options;
}

llm::GenerationRequest question() {
    llm::GenerationRequest request;
    request.messages = {{"user", "Where is the key?"}};
    return request;
}

// Runs generate() and returns the Error it throws (failing the test when it throws none).
Error error_of(OpenAiClient& client, const llm::GenerationRequest& request = question()) {
    try {
        client.generate(request, [](std::string_view) { return true; });
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "generate() did not throw";
    return Error(ErrorCode::internal, "");
}

bool says(const Error& e, const std::string& text) {
    return std::string(e.what()).find(text) != std::string::npos;
}

TEST(OpenAiClientErrors, MapsHttpStatusesWithTheServersMessage) {
    struct Case {
        int status;
        json body;
        ErrorCode code;
        std::vector<std::string> must_say;
    };
    const std::vector<Case> cases = {
        {401,
         {{"error", {{"message", "Invalid API Key"}, {"type", "authentication_error"}}}},
         ErrorCode::invalid_argument,
         {"the server refused the API key (llm.api_key)", "Invalid API Key"}},
        {403, {{"error", "forbidden"}}, ErrorCode::invalid_argument, {"llm.api_key", "forbidden"}},
        {404,
         {{"error", {{"message", "model 'test-model' not found"}}}},
         ErrorCode::invalid_argument,
         {"/v1/chat/completions answered 404", "'test-model' (llm.remote_model)",
          "model 'test-model' not found"}},
        {400,
         {{"error",
           {{"code", 400},
            {"message", "the request exceeds the available context size"},
            {"type", "exceed_context_size_error"}}}},
         ErrorCode::invalid_argument,
         {"rejected", "exceeds the available context size"}},
        {503,
         {{"error", {{"code", 503}, {"message", "Loading model"}}}},
         ErrorCode::busy,
         {"busy", "Loading model"}},
        {429, {{"detail", "rate limited"}}, ErrorCode::busy, {"rate limited"}},
        {500, {{"message", "CUDA out of memory"}}, ErrorCode::io, {"failed", "CUDA out of memory"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.status);
        FakeServer server;
        server.route("/v1/chat/completions",
                     [&](const RecordedRequest&, Reply& reply) { reply.json(c.status, c.body); });
        OpenAiClientOptions options = options_for(server.base_url());
        options.server.api_key = "sk-wrong";
        OpenAiClient client(options);
        Error e = error_of(client);
        EXPECT_EQ(e.code(), c.code) << e.what();
        for (const auto& text : c.must_say) EXPECT_TRUE(says(e, text)) << e.what();
        EXPECT_TRUE(says(e, server.base_url())) << e.what();
    }
}

TEST(OpenAiClientErrors, AnErrorMidStreamKeepsItsStatus) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest& request, Reply& reply) {
        auto out = reply.raw();
        out.head();
        if (request.json()["messages"][0]["content"] == "llama") {
            // llama-server's own form: an "error:" line instead of "data:".
            out.chunk(chunk_event("partial ") +
                      "error: {\"code\":500,\"message\":\"decode "
                      "failed\",\"type\":\"server_error\"}\n\n");
        } else {
            out.chunk(chunk_event("partial ") +
                      "data: {\"error\":{\"code\":503,\"message\":\"slot unavailable\"}}\n\n");
        }
        out.end();
    });
    OpenAiClient client(options_for(server.base_url()));
    llm::GenerationRequest request = question();
    request.messages[0].content = "llama";
    Error e = error_of(client, request);
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_TRUE(says(e, "(mid-answer) decode failed")) << e.what();
    Error busy = error_of(client);
    EXPECT_EQ(busy.code(), ErrorCode::busy);
    EXPECT_TRUE(says(busy, "slot unavailable")) << busy.what();
}

TEST(OpenAiClientErrors, AConnectionClosedMidStreamIsAnIoError) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        auto out = reply.raw();
        out.head();
        out.chunk(chunk_event("The key is under "));
        out.chunk(chunk_event("the "));
        // Returns without the last chunk: the server closes the connection.
    });
    OpenAiClient client(options_for(server.base_url()));
    std::string seen;
    try {
        client.generate(question(), [&](std::string_view piece) {
            seen += piece;
            return true;
        });
        FAIL() << "a cut stream was taken as a whole answer";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
        EXPECT_TRUE(says(e, "closed the connection before the answer was complete")) << e.what();
        EXPECT_TRUE(says(e, "llm.url " + server.base_url())) << e.what();
    }
    EXPECT_EQ(seen, "The key is under the ");
}

TEST(OpenAiClientErrors, AServerThatClosesWithoutAnsweringIsAnIoError) {
    FakeServer server;
    server.route("/v1/chat/completions", [](const RecordedRequest&, Reply& reply) {
        reply.raw();  // takes the connection and closes it, writing nothing
    });
    OpenAiClient client(options_for(server.base_url()));
    Error e = error_of(client);
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_TRUE(says(e, "closed the connection without answering")) << e.what();
}

TEST(OpenAiClientErrors, ConnectionRefusedNamesTheUrl) {
    int port;
    {
        FakeServer gone;  // a port that was free a moment ago
        port = gone.port();
    }
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    OpenAiClient client(options_for(url));
    Error e = error_of(client);
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_EQ(std::string(e.what()), "cannot reach llm.url " + url + ": connection refused");
}

TEST(OpenAiClientErrors, GivesUpOnASlowServerAfterTheTimeout) {
    FakeServer server;
    // One server answers nothing at all, the other stalls after the first piece.
    server.route("/v1/chat/completions", [&](const RecordedRequest& request, Reply& reply) {
        auto out = reply.raw();
        if (request.json()["messages"][0]["content"] == "stall") {
            out.head();
            out.chunk(chunk_event("first "));
        }
        eventually([&] { return server.stopping() || out.client_gone(); });
    });
    OpenAiClientOptions options = options_for(server.base_url());
    options.server.timeout = std::chrono::milliseconds(300);
    OpenAiClient client(options);
    Error silent = error_of(client);
    EXPECT_EQ(silent.code(), ErrorCode::io);
    EXPECT_TRUE(says(silent, "timed out after 0.3 s (llm.timeout_s)")) << silent.what();
    EXPECT_TRUE(says(silent, "no answer")) << silent.what();

    llm::GenerationRequest request = question();
    request.messages[0].content = "stall";
    Error stalled = error_of(client, request);
    EXPECT_EQ(stalled.code(), ErrorCode::io);
    EXPECT_TRUE(says(stalled, "broke off: timed out after 0.3 s (llm.timeout_s)"))
        << stalled.what();
}

TEST(OpenAiClientErrors, HttpsToAPlainHttpServerFailsTheHandshake) {
    RawTcpServer server([](Poco::Net::StreamSocket& connection) {
        char hello[512];
        if (connection.poll(Poco::Timespan(2, 0), Poco::Net::Socket::SELECT_READ))
            connection.receiveBytes(hello, sizeof hello);  // the TLS ClientHello
        const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        connection.sendBytes(reply.data(), static_cast<int>(reply.size()));
        connection.shutdown();
    });
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/v1";
    OpenAiClient client(options_for(url));
    Error e = error_of(client);
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_TRUE(says(e, "cannot reach llm.url " + url + ": TLS failed")) << e.what();
}

TEST(OpenAiClientErrors, ATlsHandshakeThatNeverEndsTimesOut) {
    RawTcpServer server([&](Poco::Net::StreamSocket& connection) {
        // Reads the ClientHello and answers nothing until the client leaves.
        char buffer[512];
        while (!server.stopping()) {
            if (!connection.poll(Poco::Timespan(0, 5000), Poco::Net::Socket::SELECT_READ)) continue;
            try {
                if (connection.receiveBytes(buffer, sizeof buffer) <= 0) return;
            } catch (const Poco::Exception&) {
                return;
            }
        }
    });
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/v1";
    OpenAiClientOptions options = options_for(url);
    options.server.timeout = std::chrono::milliseconds(300);
    OpenAiClient client(options);
    Error e = error_of(client);
    EXPECT_EQ(e.code(), ErrorCode::io);
    // The guard's deadline ended it (Poco alone would retry the handshake's reads for about
    // five times the limit; see deadline_guard.h).
    EXPECT_EQ(std::string(e.what()),
              "cannot reach llm.url " + url + ": timed out after 0.3 s (llm.timeout_s)");
}

TEST(OpenAiClientErrors, RefusesMalformedRequestsWithoutCallingTheServer) {
    FakeServer server;
    OpenAiClient client(options_for(server.base_url()));
    llm::GenerationRequest empty;
    EXPECT_EQ(error_of(client, empty).code(), ErrorCode::invalid_argument);
    llm::GenerationRequest zero = question();
    zero.max_tokens = 0;
    EXPECT_EQ(error_of(client, zero).code(), ErrorCode::invalid_argument);
    EXPECT_TRUE(server.requests().empty());
}

TEST(OpenAiClientErrors, RefusesBadOptions) {
    OpenAiClientOptions options = options_for("http://gpu-box:8000/v1");
    options.context_tokens = 0;
    try {
        OpenAiClient client(options);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_TRUE(says(e, "llm.context")) << e.what();
    }
    options = options_for("gpu-box:8000");
    EXPECT_THROW(OpenAiClient client(options), Error);
}

}  // namespace
}  // namespace deskside::openai_client
