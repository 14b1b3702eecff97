// POST /v1/chat/completions on a real HttpServer with a scripted TextGenerator: the reply and
// chunk shapes, SSE framing and [DONE], every sampling parameter passed through (and
// llama-server's defaults when absent), stop strings, OpenAI-shaped 400/404/405/413/415/503
// errors, an error mid-stream, and a client that hangs up cancelling its generation (streamed
// or not); /metrics counts it all.
#include <Poco/Net/HTTPClientSession.h>

#include <ctime>

#include "http_openai_support.h"
#include "http_test_support.h"

namespace deskside {
namespace {

using namespace testing;
using Mode = ScriptedGenerator::Mode;

constexpr const char* kChat = "/v1/chat/completions";
constexpr const char* kHello =
    R"({"model":"any-name","messages":[{"role":"user","content":"Hi"}]})";

class OpenAiChatTest : public ServerFixture {
  protected:
    void start_with(std::shared_ptr<ScriptedGenerator> generator,
                    std::function<void(http::ServerOptions&)> adjust = {}) {
        generator_ = generator;
        start_server([&](http::ServerOptions& options) {
            options.generator = generator;
            if (adjust) adjust(options);
        });
    }

    // The OpenAI error of a reply: its type and our code, after checking the shape.
    static std::pair<std::string, std::string> error_of(const Reply& reply) {
        auto body = nlohmann::json::parse(reply.body, nullptr, false);
        if (body.is_discarded() || !body.contains("error")) return {"<no error>", reply.body};
        const auto& error = body["error"];
        EXPECT_TRUE(error["message"].is_string()) << reply.body;
        EXPECT_FALSE(error["message"].get<std::string>().empty()) << reply.body;
        EXPECT_TRUE(error.contains("param")) << reply.body;
        return {error.value("type", ""), error.value("code", "")};
    }

    std::shared_ptr<ScriptedGenerator> generator_;
};

TEST_F(OpenAiChatTest, AReplyHasOpenAisShapeAndTheGeneratedText) {
    start_with(std::make_shared<ScriptedGenerator>());
    const auto before = static_cast<std::int64_t>(std::time(nullptr));
    Reply reply = post_json(port(), kChat, kHello);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
    auto body = reply.json();
    EXPECT_EQ(body["id"].get<std::string>().rfind("chatcmpl-", 0), 0u) << body;
    EXPECT_GT(body["id"].get<std::string>().size(), 20u);
    EXPECT_EQ(body["object"], "chat.completion");
    EXPECT_GE(body["created"].get<std::int64_t>(), before);
    EXPECT_LE(body["created"].get<std::int64_t>(), before + 60);
    EXPECT_EQ(body["model"], "scripted-test-model");  // whatever name the client asked for
    ASSERT_EQ(body["choices"].size(), 1u);
    const auto& choice = body["choices"][0];
    EXPECT_EQ(choice["index"], 0);
    EXPECT_EQ(choice["message"]["role"], "assistant");
    EXPECT_EQ(choice["message"]["content"], "Hello, w\xC3\xB6rld!");
    EXPECT_EQ(choice["finish_reason"], "stop");
    EXPECT_EQ(body["usage"]["prompt_tokens"], 11);
    EXPECT_EQ(body["usage"]["completion_tokens"], 4);
    EXPECT_EQ(body["usage"]["total_tokens"], 15);

    auto request = generator_->last_request();
    ASSERT_EQ(request.messages.size(), 1u);
    EXPECT_EQ(request.messages[0].role, "user");
    EXPECT_EQ(request.messages[0].content, "Hi");

    // Each completion gets its own id.
    Reply again = post_json(port(), kChat, kHello);
    ASSERT_EQ(again.status, 200);
    EXPECT_NE(again.json()["id"], body["id"]);
}

TEST_F(OpenAiChatTest, AModelThatRanOutOfTokensFinishesWithLength) {
    auto generator = std::make_shared<ScriptedGenerator>();
    generator->finish = llm::FinishReason::length;
    start_with(generator);
    Reply reply = post_json(port(), kChat, kHello);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json()["choices"][0]["finish_reason"], "length");
    Reply stream =
        post_json(port(), kChat, R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})");
    auto chunks = sse_chunks(stream.body);
    ASSERT_FALSE(chunks.empty());
    EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "length");
}

TEST_F(OpenAiChatTest, EverySamplingParameterIsPassedThrough) {
    start_with(std::make_shared<ScriptedGenerator>());
    Reply reply = post_json(port(), kChat, R"({
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": "Be brief."},
                     {"role": "user", "content": "Hi"},
                     {"role": "assistant", "content": "Hello."},
                     {"role": "user", "content": "Again"}],
        "max_tokens": 77, "temperature": 0.25, "top_p": 0.5, "top_k": 12, "min_p": 0.125,
        "repeat_penalty": 1.25, "repeat_last_n": 32, "seed": 42, "stop": ["\n\n", "END"],
        "frequency_penalty": 0, "presence_penalty": 0, "n": 1, "user": "u-7",
        "response_format": {"type": "text"}, "stream": false, "an_unknown_field": [1, 2]})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto request = generator_->last_request();
    ASSERT_EQ(request.messages.size(), 4u);
    EXPECT_EQ(request.messages[0].role, "system");
    EXPECT_EQ(request.messages[0].content, "Be brief.");
    EXPECT_EQ(request.messages[2].role, "assistant");
    EXPECT_EQ(request.messages[3].content, "Again");
    EXPECT_EQ(request.max_tokens, 77);
    EXPECT_FLOAT_EQ(request.sampling.temperature, 0.25f);
    EXPECT_FLOAT_EQ(request.sampling.top_p, 0.5f);
    EXPECT_EQ(request.sampling.top_k, 12);
    EXPECT_FLOAT_EQ(request.sampling.min_p, 0.125f);
    EXPECT_FLOAT_EQ(request.sampling.repeat_penalty, 1.25f);
    EXPECT_EQ(request.sampling.repeat_last_n, 32);
    EXPECT_EQ(request.sampling.seed, 42u);
    EXPECT_EQ(request.stop, (std::vector<std::string>{"\n\n", "END"}));
}

TEST_F(OpenAiChatTest, AbsentParametersTakeLlamaServersDefaults) {
    start_with(std::make_shared<ScriptedGenerator>());
    ASSERT_EQ(post_json(port(), kChat, kHello).status, 200);
    ASSERT_EQ(post_json(port(), kChat, kHello).status, 200);
    auto requests = generator_->requests();
    ASSERT_EQ(requests.size(), 2u);
    const auto& request = requests[0];
    EXPECT_EQ(request.max_tokens, 4096);  // to the end of the context
    EXPECT_FLOAT_EQ(request.sampling.temperature, 0.8f);
    EXPECT_EQ(request.sampling.top_k, 40);
    EXPECT_FLOAT_EQ(request.sampling.top_p, 0.95f);
    EXPECT_FLOAT_EQ(request.sampling.min_p, 0.05f);
    EXPECT_FLOAT_EQ(request.sampling.repeat_penalty, 1.0f);
    EXPECT_EQ(request.sampling.repeat_last_n, 64);
    EXPECT_TRUE(request.stop.empty());
    // No seed: a random one per request (as llama-server), so two answers may differ.
    EXPECT_NE(requests[0].sampling.seed, requests[1].sampling.seed);
}

TEST_F(OpenAiChatTest, OpenAisOtherSpellingsAreUnderstood) {
    start_with(std::make_shared<ScriptedGenerator>());
    // A single stop string, max_completion_tokens over max_tokens, "developer" for system,
    // content as an array of text parts, seed -1 (random), nulls for "not set".
    Reply reply = post_json(port(), kChat, R"({
        "messages": [{"role": "developer", "content": "Be brief."},
                     {"role": "user", "content": [{"type": "text", "text": "First part"},
                                                  {"type": "text", "text": "second part"}]},
                     {"role": "assistant", "content": null}],
        "stop": "END", "max_tokens": 10, "max_completion_tokens": 20, "seed": -1,
        "temperature": null, "top_k": 0, "repeat_last_n": -1})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto request = generator_->last_request();
    ASSERT_EQ(request.messages.size(), 3u);
    EXPECT_EQ(request.messages[0].role, "system");
    EXPECT_EQ(request.messages[1].content, "First part\nsecond part");
    EXPECT_EQ(request.messages[2].content, "");
    EXPECT_EQ(request.stop, std::vector<std::string>{"END"});
    EXPECT_EQ(request.max_tokens, 20);
    EXPECT_FLOAT_EQ(request.sampling.temperature, 0.8f);
    EXPECT_EQ(request.sampling.top_k, 0);
    EXPECT_EQ(request.sampling.repeat_last_n, 4096);
    // A max_tokens past the context is capped by it.
    ASSERT_EQ(post_json(port(), kChat,
                        R"({"messages":[{"role":"user","content":"Hi"}],"max_tokens":100000})")
                  .status,
              200);
    EXPECT_EQ(generator_->last_request().max_tokens, 4096);
}

TEST_F(OpenAiChatTest, AStreamIsDataChunksThenDone) {
    start_with(std::make_shared<ScriptedGenerator>());
    Reply reply =
        post_json(port(), kChat, R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.content_type, "text/event-stream; charset=utf-8");
    EXPECT_EQ(reply.body.find("event:"), std::string::npos) << reply.body;
    bool done = false;
    auto chunks = sse_chunks(reply.body, &done);
    EXPECT_TRUE(done) << "no data: [DONE] at the end:\n" << reply.body;
    // The role, four pieces of text, the finish.
    ASSERT_EQ(chunks.size(), 6u) << reply.body;
    const std::string id = chunks[0]["id"];
    EXPECT_EQ(id.rfind("chatcmpl-", 0), 0u);
    for (const auto& chunk : chunks) {
        EXPECT_EQ(chunk["id"], id);
        EXPECT_EQ(chunk["object"], "chat.completion.chunk");
        EXPECT_EQ(chunk["model"], "scripted-test-model");
        EXPECT_EQ(chunk["created"], chunks[0]["created"]);
        ASSERT_EQ(chunk["choices"].size(), 1u);
        EXPECT_EQ(chunk["choices"][0]["index"], 0);
        EXPECT_FALSE(chunk.contains("usage")) << chunk;
    }
    EXPECT_EQ(chunks[0]["choices"][0]["delta"],
              nlohmann::json({{"role", "assistant"}, {"content", ""}}));
    std::string text;
    for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
        EXPECT_TRUE(chunks[i]["choices"][0]["finish_reason"].is_null());
        text += chunks[i]["choices"][0]["delta"]["content"].get<std::string>();
    }
    EXPECT_EQ(text, "Hello, w\xC3\xB6rld!");
    EXPECT_EQ(chunks[1]["choices"][0]["delta"]["content"], "Hello");
    EXPECT_EQ(chunks.back()["choices"][0]["delta"], nlohmann::json::object());
    EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "stop");
}

TEST_F(OpenAiChatTest, IncludeUsageAddsAUsageChunkBeforeDone) {
    start_with(std::make_shared<ScriptedGenerator>());
    Reply reply = post_json(port(), kChat, R"({"messages":[{"role":"user","content":"Hi"}],
        "stream":true,"stream_options":{"include_usage":true}})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    bool done = false;
    auto chunks = sse_chunks(reply.body, &done);
    EXPECT_TRUE(done);
    ASSERT_EQ(chunks.size(), 7u) << reply.body;
    for (std::size_t i = 0; i + 1 < chunks.size(); ++i)
        EXPECT_TRUE(chunks[i].contains("usage") && chunks[i]["usage"].is_null()) << chunks[i];
    const auto& last = chunks.back();
    EXPECT_TRUE(last["choices"].empty());
    EXPECT_EQ(last["usage"]["prompt_tokens"], 11);
    EXPECT_EQ(last["usage"]["completion_tokens"], 4);
    EXPECT_EQ(last["usage"]["total_tokens"], 15);
}

TEST_F(OpenAiChatTest, ABusyModelIs503WithRetryAfterInOpenAisErrorShape) {
    start_with(std::make_shared<ScriptedGenerator>(Mode::busy));
    for (const char* body : {kHello, R"({"messages":[{"role":"user","content":"Hi"}],
                                        "stream":true})"}) {
        Reply reply = post_json(port(), kChat, body);
        EXPECT_EQ(reply.status, 503) << body << ": " << reply.body;
        EXPECT_EQ(reply.header("Retry-After"), "5");
        EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
        EXPECT_EQ(error_of(reply),
                  std::make_pair(std::string("server_error"), std::string("busy")));
    }
    Reply metrics = get(port(), "/metrics");
    EXPECT_NE(metrics.body.find("deskside_completions_total{outcome=\"busy\"} 2"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("deskside_http_requests_total{route=\"/v1/chat/completions\","
                                "method=\"POST\",status=\"503\"} 2"),
              std::string::npos);
}

TEST_F(OpenAiChatTest, APromptTheModelCannotTakeIs400) {
    start_with(std::make_shared<ScriptedGenerator>(Mode::too_long));
    Reply reply = post_json(port(), kChat, kHello);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(error_of(reply), std::make_pair(std::string("invalid_request_error"),
                                              std::string("invalid_argument")));
    EXPECT_NE(reply.body.find("5000 tokens"), std::string::npos);
}

TEST_F(OpenAiChatTest, AnErrorMidStreamIsAnErrorChunkWithoutDone) {
    start_with(std::make_shared<ScriptedGenerator>(Mode::fails_midway));
    Reply reply =
        post_json(port(), kChat, R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    bool done = true;
    auto chunks = sse_chunks(reply.body, &done);
    EXPECT_FALSE(done) << reply.body;
    ASSERT_EQ(chunks.size(), 3u) << reply.body;  // role, "Half", the error
    EXPECT_EQ(chunks[1]["choices"][0]["delta"]["content"], "Half");
    EXPECT_EQ(chunks[2]["error"]["code"], "io");
    EXPECT_EQ(chunks[2]["error"]["type"], "server_error");
    EXPECT_NE(chunks[2]["error"]["message"].get<std::string>().find("went away"),
              std::string::npos);
    // Without streaming, the same failure is a plain 500.
    Reply plain = post_json(port(), kChat, kHello);
    EXPECT_EQ(plain.status, 500);
    EXPECT_EQ(error_of(plain).second, "io");
}

TEST_F(OpenAiChatTest, WithoutAModelTheRoutesAre404ModelNotFound) {
    start_server();  // llm.backend=extractive: no generator, no embedder
    Reply reply = post_json(port(), kChat, kHello);
    EXPECT_EQ(reply.status, 404) << reply.body;
    EXPECT_EQ(error_of(reply),
              std::make_pair(std::string("invalid_request_error"), std::string("model_not_found")));
    EXPECT_NE(reply.body.find("llm.backend=local"), std::string::npos) << reply.body;
    Reply embeddings = post_json(port(), "/v1/embeddings", R"({"input":"hello"})");
    EXPECT_EQ(embeddings.status, 404) << embeddings.body;
    EXPECT_EQ(error_of(embeddings).second, "model_not_found");
    Reply models = get(port(), "/v1/models");
    ASSERT_EQ(models.status, 200) << models.body;
    EXPECT_EQ(models.json(),
              nlohmann::json({{"object", "list"}, {"data", nlohmann::json::array()}}));
}

TEST_F(OpenAiChatTest, MalformedRequestsAre400InOpenAisErrorShape) {
    start_with(std::make_shared<ScriptedGenerator>());
    struct Case {
        const char* body;
        const char* code;
        const char* says;
    };
    const Case cases[] = {
        {"{not json", "invalid_argument", "malformed JSON"},
        {"[1, 2]", "invalid_argument", "object"},
        {R"({"model":"m"})", "invalid_argument", "missing messages"},
        {R"({"messages":[]})", "invalid_argument", "non-empty"},
        {R"({"messages":"Hi"})", "invalid_argument", "non-empty array"},
        {R"({"messages":[{"content":"Hi"}]})", "invalid_argument", "role"},
        {R"({"messages":[{"role":"robot","content":"Hi"}]})", "invalid_argument", "robot"},
        {R"({"messages":[{"role":"tool","content":"42"}]})", "unsupported", "tools"},
        {R"({"messages":[{"role":"user","content":42}]})", "invalid_argument", "content"},
        {R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]})",
         "unsupported", "image_url"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"model":7})", "invalid_argument", "model"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"temperature":"hot"})", "invalid_argument",
         "temperature"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"temperature":-1})", "invalid_argument",
         "temperature"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"top_p":1.5})", "invalid_argument",
         "top_p"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"max_tokens":0})", "invalid_argument",
         "max_tokens"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"max_tokens":2.5})", "invalid_argument",
         "max_tokens"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"seed":-7})", "invalid_argument", "seed"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"stop":[1]})", "invalid_argument", "stop"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"stream":"yes"})", "invalid_argument",
         "stream"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"n":2})", "unsupported", "n=1"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function"}]})",
         "unsupported", "tool"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_object"}})",
         "unsupported", "response_format"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"logprobs":true})", "unsupported",
         "logprobs"},
        {R"({"messages":[{"role":"user","content":"Hi"}],"frequency_penalty":0.5})", "unsupported",
         "repeat_penalty"},
    };
    for (const auto& c : cases) {
        Reply reply = post_json(port(), kChat, c.body);
        EXPECT_EQ(reply.status, 400) << c.body << ": " << reply.body;
        EXPECT_EQ(error_of(reply),
                  std::make_pair(std::string("invalid_request_error"), std::string(c.code)))
            << c.body;
        EXPECT_NE(reply.body.find(c.says), std::string::npos) << c.body << ": " << reply.body;
    }
    // Seventeen stop strings are too many.
    nlohmann::json many = {{"messages", {{{"role", "user"}, {"content", "Hi"}}}}};
    for (int i = 0; i < 17; ++i) many["stop"].push_back(std::to_string(i) + "-stop");
    EXPECT_EQ(post_json(port(), kChat, many.dump()).status, 400);
    EXPECT_EQ(generator_->started.load(), 0) << "a refused request reached the model";

    Reply text = post_json(port(), kChat, kHello, "text/plain");
    EXPECT_EQ(text.status, 415);
    EXPECT_EQ(error_of(text), std::make_pair(std::string("invalid_request_error"),
                                             std::string("unsupported_media_type")));
    Reply wrong_method = get(port(), kChat);
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(wrong_method.header("Allow"), "POST");
    EXPECT_EQ(error_of(wrong_method).second, "method_not_allowed");
    Reply unknown = post_json(port(), "/v1/completions", kHello);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(error_of(unknown).second, "route_not_found");
    EXPECT_NE(unknown.body.find("/v1/chat/completions"), std::string::npos);
}

TEST_F(OpenAiChatTest, ABodyOverTheV1LimitIs413) {
    start_with(std::make_shared<ScriptedGenerator>(),
               [](http::ServerOptions& options) { options.max_v1_json_bytes = 4096; });
    nlohmann::json body = {{"messages", {{{"role", "user"}, {"content", std::string(5000, 'a')}}}}};
    Reply reply = post_json(port(), kChat, body.dump());
    EXPECT_EQ(reply.status, 413) << reply.body;
    EXPECT_EQ(error_of(reply), std::make_pair(std::string("invalid_request_error"),
                                              std::string("payload_too_large")));
    // The /v1/ limit is its own: a body over the /api/ limit (64 KiB) but under it is taken.
    Reply small = post_json(port(), kChat, kHello);
    EXPECT_EQ(small.status, 200);
}

TEST_F(OpenAiChatTest, AClientThatHangsUpMidStreamCancelsItsGeneration) {
    start_with(std::make_shared<ScriptedGenerator>(Mode::slow));
    {
        Poco::Net::HTTPClientSession session("127.0.0.1", port());
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request("POST", kChat, Poco::Net::HTTPMessage::HTTP_1_1);
        std::string body = R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})";
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        ASSERT_EQ(response.getStatus(), 200);
        std::string line;
        std::getline(in, line);  // the role chunk
        EXPECT_NE(line.find("\"role\":\"assistant\""), std::string::npos) << line;
        std::getline(in, line);
        std::getline(in, line);
        EXPECT_NE(line.find("\" word\""), std::string::npos) << line;
        session.abort();
    }
    EXPECT_TRUE(eventually([&] { return generator_->cancelled.load() == 1; }))
        << "the generation went on after its client left";
    Reply metrics = get(port(), "/metrics");
    EXPECT_NE(metrics.body.find("deskside_completions_total{outcome=\"cancelled\"} 1"),
              std::string::npos)
        << metrics.body;
}

TEST_F(OpenAiChatTest, AClientThatHangsUpBeforeAPlainReplyCancelsItsGeneration) {
    start_with(std::make_shared<ScriptedGenerator>(Mode::slow));
    {
        Poco::Net::HTTPClientSession session("127.0.0.1", port());
        Poco::Net::HTTPRequest request("POST", kChat, Poco::Net::HTTPMessage::HTTP_1_1);
        std::string body = kHello;
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        std::ostream& out = session.sendRequest(request);
        out << body;
        out.flush();  // the reply is never asked for, so nothing else would send it
        ASSERT_TRUE(eventually([&] { return generator_->started.load() == 1; }));
        session.abort();
    }
    // 400 pieces take 10 s; hanging up stops it within a piece or two.
    EXPECT_TRUE(
        eventually([&] { return generator_->cancelled.load() == 1; }, std::chrono::seconds(8)))
        << "the generation went on after its client left";
}

TEST_F(OpenAiChatTest, AClientThatHangsUpWhileQueuedWithdrawsItsRequest) {
    // Nothing is written while a request waits in the model's queue, so only the socket tells
    // that its client left; the request must then leave the queue instead of waiting its turn.
    for (const bool stream : {true, false}) {
        start_with(std::make_shared<ScriptedGenerator>(Mode::queued));
        {
            Poco::Net::HTTPClientSession session("127.0.0.1", port());
            Poco::Net::HTTPRequest request("POST", kChat, Poco::Net::HTTPMessage::HTTP_1_1);
            std::string body = std::string(R"({"messages":[{"role":"user","content":"Hi"}],)") +
                               (stream ? R"("stream":true})" : R"("stream":false})");
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
            std::ostream& out = session.sendRequest(request);
            out << body;
            out.flush();
            ASSERT_TRUE(eventually([&] { return generator_->started.load() == 1; }));
            session.abort();
        }
        EXPECT_TRUE(
            eventually([&] { return generator_->withdrawn.load() == 1; }, std::chrono::seconds(5)))
            << (stream ? "stream" : "plain") << ": the request stayed queued after its client left";
        EXPECT_EQ(generator_->cancelled.load(), 0);
    }
}

TEST_F(OpenAiChatTest, MetricsCountCompletionsAndTheirTokens) {
    start_with(std::make_shared<ScriptedGenerator>());
    ASSERT_EQ(post_json(port(), kChat, kHello).status, 200);
    ASSERT_EQ(
        post_json(port(), kChat, R"({"messages":[{"role":"user","content":"Hi"}],"stream":true})")
            .status,
        200);
    Reply metrics = get(port(), "/metrics");
    const std::string& text = metrics.body;
    for (const char* line : {
             "deskside_completions_total{outcome=\"stop\"} 2",
             "deskside_completion_tokens_total{kind=\"prompt\"} 22",
             "deskside_completion_tokens_total{kind=\"completion\"} 8",
             "deskside_completions_in_flight 0",
             "deskside_http_requests_total{route=\"/v1/chat/completions\",method=\"POST\","
             "status=\"200\"} 2",
         })
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

}  // namespace
}  // namespace deskside
