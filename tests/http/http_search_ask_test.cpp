// /api/search with its filters and modes, and /api/ask as JSON and as Server-Sent Events:
// extractive answers over real corpus documents, a busy model (503), and a client that goes
// away mid-stream (its generation is cancelled while other clients are still served).
#include <Poco/Net/HTTPClientSession.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <set>

#include "base/error.h"
#include "http_test_support.h"
#include "llm/text_generator.h"

namespace deskside {
namespace {

using namespace testing;

class SearchAskTest : public ServerFixture {
  protected:
    void SetUp() override {
        index_corpus({"pdf/tika-testPDF.pdf", "txt/tika-testTXT.txt", "md/tika-testMARKDOWN.md"},
                     "manuals", tmp_ / "manuals");
        // Two notes with one rare word, dated by their modification time (text has no date of
        // its own), in another collection.
        write_file(tmp_ / "notes" / "old-note.txt",
                   "The zanzibar shipment left the harbour in spring.\n");
        write_file(tmp_ / "notes" / "new-note.txt",
                   "The zanzibar warehouse was sold to a local buyer.\n");
        set_mtime_utc(tmp_ / "notes" / "old-note.txt", 2001, 5, 1);
        set_mtime_utc(tmp_ / "notes" / "new-note.txt", 2010, 6, 15);
        auto summary = index_folder(tmp_ / "notes", "notes");
        ASSERT_EQ(summary.indexed, 2) << "failed " << summary.failed;
        start_server();
    }

    std::set<std::string> names(const Reply& reply) {
        std::set<std::string> out;
        auto body = reply.json();
        for (const auto& hit : body["results"])
            out.insert(fs::path(hit["path"].get<std::string>()).filename().string());
        return out;
    }
};

TEST_F(SearchAskTest, SearchGivesHitsWithModeSnippetAndPage) {
    Reply reply = get(port(), "/api/search?q=incubation&limit=5");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["mode"], "keyword");  // no vectors were made for this index
    ASSERT_FALSE(body["results"].empty());
    const auto& hit = body["results"][0];
    EXPECT_EQ(fs::path(hit["path"].get<std::string>()).filename(), "tika-testPDF.pdf");
    EXPECT_EQ(hit["type"], "pdf");
    EXPECT_EQ(hit["page"], 1);
    EXPECT_EQ(hit["collection"], "manuals");
    EXPECT_NE(hit["snippet"].get<std::string>().find("ncubation"), std::string::npos);
    EXPECT_FALSE(hit["highlights"].empty());

    Reply vector = get(port(), "/api/search?q=incubation&mode=vector");
    EXPECT_EQ(vector.status, 400) << vector.body;  // no vectors: a clear user error
    EXPECT_EQ(get(port(), "/api/search?q=incubation&mode=fuzzy").status, 400);
}

TEST_F(SearchAskTest, SearchFiltersByCollectionTypeAndDate) {
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar")),
              (std::set<std::string>{"old-note.txt", "new-note.txt"}));
    EXPECT_TRUE(names(get(port(), "/api/search?q=zanzibar&collection=manuals")).empty());
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&collection=notes")).size(), 2u);
    EXPECT_TRUE(names(get(port(), "/api/search?q=zanzibar&type=pdf")).empty());
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&type=pdf,text")).size(), 2u);

    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&from=2005-01-01")),
              std::set<std::string>{"new-note.txt"});
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&to=2005-01-01")),
              std::set<std::string>{"old-note.txt"});
    // Both bounds are whole days, inclusive.
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&from=2001-05-01&to=2001-05-01")),
              std::set<std::string>{"old-note.txt"});
    EXPECT_EQ(names(get(port(), "/api/search?q=zanzibar&from=2010-06-15&to=2010-06-15")),
              std::set<std::string>{"new-note.txt"});
    EXPECT_TRUE(names(get(port(), "/api/search?q=zanzibar&from=2002-01-01&to=2009-12-31")).empty());

    for (const char* bad : {"from=2001-13-01", "from=yesterday", "to=2001-5-1",
                            "from=2010-01-01&to=2001-01-01", "colection=notes"}) {
        Reply reply = get(port(), std::string("/api/search?q=zanzibar&") + bad);
        EXPECT_EQ(reply.status, 400) << bad << ": " << reply.body;
        EXPECT_EQ(reply.error_code(), "invalid_argument") << bad;
    }
    // An unknown parameter is named in the message.
    Reply typo = get(port(), "/api/search?q=zanzibar&colection=notes");
    EXPECT_NE(typo.json()["error"]["message"].get<std::string>().find("colection"),
              std::string::npos);
}

TEST_F(SearchAskTest, HtmlInAQueryComesBackEscapedAsJson) {
    Reply reply = get(port(), "/api/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+zanzibar&any=1");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
    EXPECT_EQ(reply.json()["query"], "<script>alert(1)</script> zanzibar");
    EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(SearchAskTest, AskAnswersFromTheDocumentsAsJson) {
    Reply reply = post_json(port(), "/api/ask", R"({"question":"What is Apache Tika?"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto answer = reply.json();
    EXPECT_TRUE(answer["answered"].get<bool>()) << answer.dump(2);
    EXPECT_EQ(answer["answerer"], "extractive");
    std::string text = answer["answer"];
    EXPECT_NE(text.find("toolkit for detecting and extracting metadata"), std::string::npos)
        << text;
    ASSERT_FALSE(answer["citations"].empty());
    bool cites_pdf = false;
    for (const auto& citation : answer["citations"]) {
        if (!citation["cited"].get<bool>()) continue;
        std::string marker = "[" + std::to_string(citation["number"].get<int>()) + "]";
        EXPECT_NE(text.find(marker), std::string::npos) << marker;
        if (fs::path(citation["path"].get<std::string>()).filename() == "tika-testPDF.pdf") {
            cites_pdf = true;
            EXPECT_EQ(citation["page"], 1);
        }
    }
    EXPECT_TRUE(cites_pdf) << answer.dump(2);

    Reply absent = post_json(port(), "/api/ask",
                             R"({"question":"What is the boiling point of liquid nitrogen?",
                                 "collection":"manuals"})");
    ASSERT_EQ(absent.status, 200) << absent.body;
    EXPECT_FALSE(absent.json()["answered"].get<bool>()) << absent.body;
}

TEST_F(SearchAskTest, AskStreamsTokensCitationsAndDone) {
    Reply reply = post_json(port(), "/api/ask",
                            R"({"question":"When was the Apache Tika project started?",
                                "stream":true})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.content_type, "text/event-stream; charset=utf-8");
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
    auto events = parse_sse(reply.body);
    ASSERT_GE(events.size(), 3u) << reply.body;
    std::string streamed;
    std::size_t i = 0;
    for (; i < events.size() && events[i].event == "token"; ++i)
        streamed += events[i].data["text"].get<std::string>();
    EXPECT_GT(i, 0u) << "no token events";
    ASSERT_EQ(events.size(), i + 2) << reply.body;
    EXPECT_EQ(events[i].event, "citations");
    EXPECT_EQ(events[i + 1].event, "done");
    const auto& done = events[i + 1].data;
    EXPECT_EQ(done["answer"], streamed);  // the tokens add up to the answer
    EXPECT_NE(streamed.find("March 22nd, 2007"), std::string::npos) << streamed;
    EXPECT_EQ(events[i].data["citations"], done["citations"]);
    const auto& first = done["citations"][0];
    for (const char* field : {"number", "document_id", "passage_id", "title", "path", "page",
                              "text", "char_start", "char_end", "quote_start", "quote_end"})
        EXPECT_TRUE(first.contains(field)) << field;
}

TEST_F(SearchAskTest, AskRefusesBadBodies) {
    struct Case {
        std::string body, content_type;
        int status;
        std::string code;
    };
    for (const Case& c : std::vector<Case>{
             {R"({"question":"tika"})", "text/plain", 415, "unsupported_media_type"},
             {R"({"question":"tika"})", "", 415, "unsupported_media_type"},
             {R"({"question":)", "application/json", 400, "invalid_argument"},
             {R"(["question"])", "application/json", 400, "invalid_argument"},
             {R"({"question":"tika","colour":"red"})", "application/json", 400, "invalid_argument"},
             {R"({"question":""})", "application/json", 400, "invalid_argument"},
             {R"({"question":42})", "application/json", 400, "invalid_argument"},
             {R"({"question":"tika","stream":"yes"})", "application/json", 400, "invalid_argument"},
             {R"({"question":"tika","passages":500})", "application/json", 400, "invalid_argument"},
         }) {
        Reply reply = post_json(port(), "/api/ask", c.body, c.content_type);
        EXPECT_EQ(reply.status, c.status) << c.body << " " << c.content_type << ": " << reply.body;
        EXPECT_EQ(reply.error_code(), c.code) << c.body;
    }
    Reply unknown = post_json(port(), "/api/ask", R"({"question":"tika","colour":"red"})");
    EXPECT_NE(unknown.json()["error"]["message"].get<std::string>().find("colour"),
              std::string::npos);
    // 64 KiB of JSON at most.
    std::string big = R"({"question":")" + std::string(70000, 'a') + R"("})";
    Reply large = post_json(port(), "/api/ask", big);
    EXPECT_EQ(large.status, 413);
    EXPECT_EQ(large.error_code(), "payload_too_large");
    EXPECT_EQ(get(port(), "/api/ask").status, 405);
    // The server still answers after all of that.
    EXPECT_EQ(get(port(), "/api/health").status, 200);
}

// A model for the tests: busy, failing after its first piece, or slow and watching for
// cancellation.
// queued: waits up to 10 s "in the model's queue", asking still_wanted every 10 ms.
enum class Script { busy, fails_midway, slow, queued };

class ScriptedGenerator : public llm::TextGenerator {
  public:
    explicit ScriptedGenerator(Script script) : script_(script) {}
    std::string model_name() const override { return "scripted-test-model"; }
    int context_tokens() const override { return 4096; }
    int count_tokens(std::string_view text) const override {
        return static_cast<int>(text.size() / 4 + 1);
    }
    llm::GenerationResult generate(const llm::GenerationRequest& request,
                                   const llm::TextCallback& on_text) override {
        if (script_ == Script::busy)
            throw Error(ErrorCode::busy, "the model's queue is full (test)");
        ++started;
        if (script_ == Script::queued) {
            for (int i = 0; i < 1000; ++i) {
                if (request.still_wanted && !request.still_wanted()) {
                    ++withdrawn;
                    return {"", llm::FinishReason::cancelled};
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        if (script_ == Script::fails_midway) {
            on_text("Tika is");
            throw Error(ErrorCode::io, "the model server went away (test)");
        }
        llm::GenerationResult result;
        for (int i = 0; i < 400; ++i) {
            std::string piece = i == 0 ? "Tika is a toolkit [1]." : " More words.";
            result.text += piece;
            ++result.generated_tokens;
            if (!on_text(piece)) {
                result.finish = llm::FinishReason::cancelled;
                ++cancelled;
                return result;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return result;
    }
    std::atomic<int> started{0}, cancelled{0}, withdrawn{0};

  private:
    Script script_;
};

class ModelTest : public ServerFixture {
  protected:
    void start_with(std::shared_ptr<ScriptedGenerator> generator) {
        index_corpus({"pdf/tika-testPDF.pdf", "txt/tika-testTXT.txt"}, "default", tmp_ / "docs");
        generator_ = generator;
        start_server([&](http::ServerOptions& options) { options.generator = generator; });
    }
    std::shared_ptr<ScriptedGenerator> generator_;
};

TEST_F(ModelTest, ABusyModelIs503WithRetryAfter) {
    start_with(std::make_shared<ScriptedGenerator>(Script::busy));
    for (const char* body : {R"({"question":"What is Apache Tika?"})",
                             R"({"question":"What is Apache Tika?","stream":true})"}) {
        Reply reply = post_json(port(), "/api/ask", body);
        EXPECT_EQ(reply.status, 503) << body << ": " << reply.body;
        EXPECT_EQ(reply.error_code(), "busy");
        EXPECT_EQ(reply.header("Retry-After"), "5");
    }
    Reply metrics = get(port(), "/metrics");
    EXPECT_NE(metrics.body.find("deskside_answers_total{outcome=\"busy\"} 2"), std::string::npos)
        << metrics.body;
}

TEST_F(ModelTest, AnErrorMidStreamIsAnErrorEvent) {
    start_with(std::make_shared<ScriptedGenerator>(Script::fails_midway));
    Reply reply =
        post_json(port(), "/api/ask", R"({"question":"What is Apache Tika?","stream":true})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto events = parse_sse(reply.body);
    ASSERT_EQ(events.size(), 2u) << reply.body;
    EXPECT_EQ(events[0].event, "token");
    EXPECT_EQ(events[1].event, "error");
    EXPECT_EQ(events[1].data["error"]["code"], "io");
    EXPECT_NE(events[1].data["error"]["message"].get<std::string>().find("went away"),
              std::string::npos);
    // Without streaming, the same failure is a plain 500.
    Reply plain = post_json(port(), "/api/ask", R"({"question":"What is Apache Tika?"})");
    EXPECT_EQ(plain.status, 500);
    EXPECT_EQ(plain.error_code(), "io");
}

TEST_F(ModelTest, AClientThatLeavesCancelsItsGenerationWhileOthersAreServed) {
    start_with(std::make_shared<ScriptedGenerator>(Script::slow));
    {
        // Read the first event by hand, then hang up.
        Poco::Net::HTTPClientSession session("127.0.0.1", port());
        session.setTimeout(Poco::Timespan(30, 0));
        Poco::Net::HTTPRequest request("POST", "/api/ask", Poco::Net::HTTPMessage::HTTP_1_1);
        std::string body = R"({"question":"What is Apache Tika?","stream":true})";
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        ASSERT_EQ(response.getStatus(), 200);
        std::string line;
        std::getline(in, line);
        EXPECT_EQ(line, "event: token");
        std::getline(in, line);
        EXPECT_NE(line.find("toolkit"), std::string::npos) << line;
        session.abort();
    }
    // Others are served while the abandoned generation winds down.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(get(port(), "/api/search?q=tika").status, 200);
    EXPECT_TRUE(eventually([&] { return generator_->cancelled.load() == 1; }))
        << "the generation went on after its client left";

    Reply metrics = get(port(), "/metrics");
    EXPECT_NE(metrics.body.find("deskside_answers_total{outcome=\"cancelled\"} 1"),
              std::string::npos)
        << metrics.body;
}

TEST_F(ModelTest, AClientThatLeavesWhileItsAnswerIsQueuedWithdrawsIt) {
    // While the answer waits for the model nothing is written, so only the socket tells that
    // the client left: streamed or not, the question must leave the model's queue.
    start_with(std::make_shared<ScriptedGenerator>(Script::queued));
    int expected = 0;
    for (const char* body : {R"({"question":"What is Apache Tika?","stream":true})",
                             R"({"question":"What is Apache Tika?"})"}) {
        {
            Poco::Net::HTTPClientSession session("127.0.0.1", port());
            Poco::Net::HTTPRequest request("POST", "/api/ask", Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentType("application/json");
            request.setContentLength(static_cast<std::streamsize>(std::strlen(body)));
            std::ostream& out = session.sendRequest(request);
            out << body;
            out.flush();
            ++expected;
            ASSERT_TRUE(eventually([&] { return generator_->started.load() == expected; }));
            session.abort();
        }
        EXPECT_TRUE(eventually([&] { return generator_->withdrawn.load() == expected; },
                               std::chrono::seconds(5)))
            << body << ": the answer stayed queued after its client left";
    }
}

}  // namespace
}  // namespace deskside
