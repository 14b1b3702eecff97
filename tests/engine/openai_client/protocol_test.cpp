// The private building blocks: the chat wire format, the error mapping, the endpoint's URL
// handling and option checks, and the call gate.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/error.h"
#include "call_gate.h"
#include "chat_protocol.h"
#include "fake_server.h"
#include "server_endpoint.h"
#include "server_errors.h"

namespace deskside::openai_client::detail {
namespace {

using nlohmann::json;

ServerOptions options_for(std::string url) {
    ServerOptions options;
    options.base_url = std::move(url);
    options.model = "m";
    return options;
}

ErrorCode code_of(const std::function<void()>& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    ADD_FAILURE() << "no deskside::Error thrown";
    return ErrorCode::internal;
}

TEST(ChatProtocol, RequestCarriesTheStandardFields) {
    llm::GenerationRequest request;
    request.messages = {{"system", "Be brief."}, {"user", "Hi \xC3\xA9"}};
    request.max_tokens = 64;
    request.sampling.temperature = 0.7f;
    request.sampling.top_p = 0.9f;
    request.sampling.top_k = 20;
    request.sampling.min_p = 0.05f;
    request.sampling.seed = 42;
    request.stop = {"\n\n", ""};
    json body = chat_request_json(request, "qwen", /*extended=*/true);
    EXPECT_EQ(body["model"], "qwen");
    EXPECT_EQ(body["messages"], json::parse(R"([{"role":"system","content":"Be brief."},
                              {"role":"user","content":"Hi \u00e9"}])"));
    EXPECT_EQ(body["max_tokens"], 64);
    EXPECT_EQ(body["temperature"].dump(), "0.7");  // not 0.699999988079071
    EXPECT_EQ(body["top_p"].dump(), "0.9");
    EXPECT_EQ(body["seed"], 42);
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"]["include_usage"], true);
    EXPECT_EQ(body["stop"], json::array({"\n\n"}));  // empty stop strings dropped
    EXPECT_EQ(body["top_k"], 20);
    EXPECT_EQ(body["min_p"].dump(), "0.05");

    json standard = chat_request_json(request, "qwen", /*extended=*/false);
    EXPECT_FALSE(standard.contains("top_k"));
    EXPECT_FALSE(standard.contains("min_p"));
    request.stop.clear();
    request.sampling.top_k = 0;
    json plain = chat_request_json(request, "qwen", true);
    EXPECT_FALSE(plain.contains("stop"));
    EXPECT_FALSE(plain.contains("top_k"));  // 0 = off: nothing to send
}

TEST(ChatProtocol, AcceptsAValidRequest) {
    llm::GenerationRequest request;
    request.messages = {{"system", "s"}, {"user", "u"}, {"assistant", "a"}, {"user", "u"}};
    EXPECT_NO_THROW(check_chat_request(request));
}

TEST(ChatProtocol, RefusesEachMalformedField) {
    std::vector<std::pair<std::string, std::function<void(llm::GenerationRequest&)>>> cases = {
        {"no messages", [](auto& r) { r.messages.clear(); }},
        {"role", [](auto& r) { r.messages[0].role = "tool"; }},
        {"max_tokens", [](auto& r) { r.max_tokens = 0; }},
        {"temperature", [](auto& r) { r.sampling.temperature = -0.1f; }},
        {"top_p", [](auto& r) { r.sampling.top_p = 0; }},
        {"top_p", [](auto& r) { r.sampling.top_p = 1.5f; }},
        {"min_p", [](auto& r) { r.sampling.min_p = 2; }},
        {"top_k", [](auto& r) { r.sampling.top_k = -1; }},
    };
    for (auto& [name, change] : cases) {
        llm::GenerationRequest request;
        request.messages = {{"user", "hello"}};
        change(request);
        try {
            check_chat_request(request);
            ADD_FAILURE() << name << " accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << name;
            if (name != "no messages") {
                EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
            }
        }
    }
}

TEST(ChatProtocol, ReadsStreamChunks) {
    const std::string url = "http://x/v1/chat/completions";
    ChatPiece piece = parse_chat_chunk(
        R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]})",
        url);
    EXPECT_EQ(piece.content, "Hel");
    EXPECT_FALSE(piece.finish_reason);
    EXPECT_FALSE(piece.error);

    piece = parse_chat_chunk(
        R"({"choices":[{"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":12,"completion_tokens":3}})",
        url);
    EXPECT_EQ(piece.content, "");
    EXPECT_EQ(piece.finish_reason, "length");
    EXPECT_EQ(piece.prompt_tokens, 12);
    EXPECT_EQ(piece.completion_tokens, 3);

    piece = parse_chat_chunk(R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})",
                             url);
    EXPECT_EQ(piece.prompt_tokens, 5);
    piece = parse_chat_chunk(R"({"choices":[{"delta":{"content":null}}]})", url);
    EXPECT_EQ(piece.content, "");

    piece = parse_chat_chunk(R"({"error":{"code":503,"message":"Loading model"}})", url);
    ASSERT_TRUE(piece.error);
    EXPECT_EQ(piece.error->status, 503);
    EXPECT_EQ(piece.error->message, "Loading model");
}

TEST(ChatProtocol, RepairsInvalidUtf8InsteadOfFailing) {
    ChatPiece piece =
        parse_chat_chunk("{\"choices\":[{\"delta\":{\"content\":\"a\xE2\x82 b\"}}]}", "http://x");
    EXPECT_EQ(piece.content, "a\xEF\xBF\xBD\xEF\xBF\xBD b");  // one U+FFFD per bad byte
    EXPECT_EQ(to_valid_utf8("ok \xC3\xA9 \xFF"), "ok \xC3\xA9 \xEF\xBF\xBD");
}

TEST(ChatProtocol, MalformedRepliesAreIoErrorsNamingTheUrl) {
    for (std::string bad :
         {"not json", "[1,2]", R"({"choices":5})", R"({"choices":[{"delta":{"content":7}}]})"}) {
        std::string message;
        EXPECT_EQ(code_of([&] { parse_chat_chunk(bad, "http://gpu:8000/v1/chat/completions"); },
                          &message),
                  ErrorCode::io)
            << bad;
        EXPECT_NE(message.find("http://gpu:8000/v1/chat/completions"), std::string::npos);
    }
    EXPECT_EQ(code_of([] { parse_chat_completion(R"({"object":"x"})", "u"); }), ErrorCode::io);
}

TEST(ChatProtocol, ReadsAWholeCompletion) {
    ChatPiece piece = parse_chat_completion(
        R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Done."},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})",
        "u");
    EXPECT_EQ(piece.content, "Done.");
    EXPECT_EQ(piece.finish_reason, "stop");
    EXPECT_EQ(piece.completion_tokens, 2);
    EXPECT_EQ(finish_reason_of("stop"), llm::FinishReason::stop);
    EXPECT_EQ(finish_reason_of("length"), llm::FinishReason::length);
    EXPECT_EQ(finish_reason_of("eos"), llm::FinishReason::stop);
}

TEST(ServerErrors, FindsTheServersMessageInEveryDialect) {
    EXPECT_EQ(server_message(R"({"error":{"message":"Invalid API Key","type":"auth"}})"),
              "Invalid API Key");
    EXPECT_EQ(server_message(R"({"error":"model 'x' not found"})"), "model 'x' not found");
    EXPECT_EQ(server_message(R"({"detail":"Not Found"})"), "Not Found");
    EXPECT_EQ(server_message(R"({"message":"nope","code":400})"), "nope");
    EXPECT_EQ(server_message("  Bad Gateway\n"), "Bad Gateway");
    EXPECT_EQ(server_message(""), "");
    std::string long_text(1000, 'x');
    EXPECT_EQ(server_message(long_text), std::string(300, 'x') + "...");
    EXPECT_EQ(server_message("bad \xFF byte"), "bad \\xFF byte");
}

TEST(ServerErrors, MapsStatusesToErrorCodes) {
    ServerOptions options = options_for("http://gpu-box:8000/v1");
    options.model = "qwen2.5:7b";
    options.api_key = "sk-1";
    ServerEndpoint endpoint(options);
    const std::string url = "http://gpu-box:8000/v1/chat/completions";
    struct Case {
        int status;
        ErrorCode code;
        std::string must_say;
    };
    for (const Case& c : std::vector<Case>{
             {401, ErrorCode::invalid_argument, "the server refused the API key (llm.api_key)"},
             {403, ErrorCode::invalid_argument, "llm.api_key"},
             {404, ErrorCode::invalid_argument, "'qwen2.5:7b' (llm.remote_model)"},
             {400, ErrorCode::invalid_argument, "rejected"},
             {422, ErrorCode::invalid_argument, "rejected"},
             {429, ErrorCode::busy, "busy"},
             {503, ErrorCode::busy, "busy"},
             {408, ErrorCode::io, "failed"},
             {500, ErrorCode::io, "failed"},
             {502, ErrorCode::io, "failed"},
         }) {
        Error e = status_error(endpoint, c.status, "said this", url);
        EXPECT_EQ(e.code(), c.code) << c.status;
        std::string message = e.what();
        EXPECT_NE(message.find(c.must_say), std::string::npos) << message;
        EXPECT_NE(message.find(url + " answered " + std::to_string(c.status) + ": said this"),
                  std::string::npos)
            << message;
    }
    options.api_key.clear();
    ServerEndpoint keyless(options);
    EXPECT_NE(std::string(status_error(keyless, 401, "", url).what())
                  .find("the server wants an API key (llm.api_key is empty)"),
              std::string::npos);
}

TEST(ServerEndpoint, SplitsTheBaseUrl) {
    ServerEndpoint plain(options_for("http://gpu-box:8000/v1/"));
    EXPECT_FALSE(plain.https());
    EXPECT_EQ(plain.host(), "gpu-box");
    EXPECT_EQ(plain.port(), 8000);
    EXPECT_EQ(plain.base_url(), "http://gpu-box:8000/v1");
    EXPECT_EQ(plain.path("/chat/completions"), "/v1/chat/completions");
    EXPECT_EQ(plain.root_path("/props"), "/props");
    EXPECT_EQ(plain.url("/v1/models"), "http://gpu-box:8000/v1/models");

    ServerEndpoint proxied(options_for("https://llm.example.org/team/v1"));
    EXPECT_TRUE(proxied.https());
    EXPECT_EQ(proxied.port(), 443);
    EXPECT_NE(proxied.tls_context(), nullptr);
    EXPECT_EQ(proxied.root_path("/props"), "/team/props");

    ServerEndpoint bare(options_for("http://localhost:11434"));
    EXPECT_EQ(bare.port(), 11434);
    EXPECT_EQ(bare.path("/embeddings"), "/embeddings");
    EXPECT_FALSE(bare.root_path("/props"));
}

TEST(ServerEndpoint, RefusesBadOptionsNamingTheSetting) {
    struct Case {
        std::function<void(ServerOptions&)> change;
        std::string setting;
    };
    for (const Case& c : std::vector<Case>{
             {[](auto& o) { o.base_url = ""; }, "llm.url"},
             {[](auto& o) { o.base_url = "ftp://gpu/v1"; }, "llm.url"},
             {[](auto& o) { o.base_url = "gpu-box:8000/v1"; }, "llm.url"},
             {[](auto& o) { o.base_url = "http:///v1"; }, "llm.url"},
             {[](auto& o) { o.base_url = "http://user:pw@gpu/v1"; }, "llm.url"},
             {[](auto& o) { o.base_url = "http://gpu/v1?key=1"; }, "llm.url"},
             {[](auto& o) { o.model = ""; }, "llm.remote_model"},
             {[](auto& o) { o.timeout = std::chrono::milliseconds(0); }, "llm.timeout_s"},
             {[](auto& o) { o.max_concurrent = 0; }, "llm.parallel"},
             {[](auto& o) { o.max_queue = -1; }, "llm.max_queue"},
         }) {
        ServerOptions options = options_for("http://gpu:8000/v1");
        c.change(options);
        std::string message;
        EXPECT_EQ(code_of([&] { ServerEndpoint endpoint(options); }, &message),
                  ErrorCode::invalid_argument)
            << c.setting;
        EXPECT_EQ(message.rfind(c.setting, 0), 0u) << message;
    }
    ServerOptions missing_ca = options_for("https://gpu/v1");
    missing_ca.ca_file = "/nonexistent/ca.pem";
    EXPECT_EQ(code_of([&] { ServerEndpoint endpoint(missing_ca); }), ErrorCode::not_found);
    EXPECT_EQ(seconds_text(std::chrono::milliseconds(120000)), "120 s");
    EXPECT_EQ(seconds_text(std::chrono::milliseconds(250)), "0.25 s");
}

TEST(CallGate, BoundsCallsInFlightAndTheQueue) {
    CallGate gate(2, 1, "too many calls");
    auto a = gate.acquire();
    auto b = gate.acquire();
    EXPECT_EQ(gate.active(), 2);
    std::atomic<bool> third_in = false;
    std::thread waiter([&] {
        auto c = gate.acquire();
        third_in = true;
    });
    ASSERT_TRUE(testing::eventually([&] { return gate.queued() == 1; }));
    std::string message;
    EXPECT_EQ(code_of([&] { gate.acquire(); }, &message), ErrorCode::busy);
    EXPECT_EQ(message, "too many calls: 2 calls in flight and 1 waiting already; retry later");
    EXPECT_FALSE(third_in);
    { auto released = std::move(a); }
    waiter.join();
    EXPECT_TRUE(third_in);
    EXPECT_EQ(gate.active(), 1);
    EXPECT_EQ(gate.queued(), 0);
}

TEST(CallGate, NoQueueMeansBusyAtOnce) {
    CallGate gate(1, 0, "x");
    auto a = gate.acquire();
    EXPECT_EQ(code_of([&] { gate.acquire(); }), ErrorCode::busy);
}

}  // namespace
}  // namespace deskside::openai_client::detail
