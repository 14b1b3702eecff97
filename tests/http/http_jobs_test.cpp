// /api/jobs (re-index jobs with progress, errors and cancel; which paths may be indexed),
// /api/collections, /metrics, and hardening: slow clients, many clients at once.
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <set>

#include "http_test_support.h"

namespace deskside {
namespace {

using namespace testing;

class JobsTest : public ServerFixture {
  protected:
    void SetUp() override {
        index_corpus({"txt/tika-testTXT.txt", "md/tika-testMARKDOWN.md"}, "watched",
                     tmp_ / "watched");
        start_server([&](http::ServerOptions& options) {
            options.index_roots = {tmp_ / "allowed"};
            options.receive_timeout_s = 2;
        });
    }

    // Waits for a job to finish and returns its last state.
    nlohmann::json wait_job(std::int64_t id) {
        nlohmann::json job;
        EXPECT_TRUE(eventually([&] {
            job = get(port(), "/api/jobs/" + std::to_string(id)).json();
            std::string status = job.value("status", "");
            return status == "done" || status == "failed" || status == "cancelled";
        })) << job.dump(2);
        return job;
    }

    std::set<std::string> search_names(const std::string& query) {
        std::set<std::string> out;
        auto results = get(port(), "/api/search?q=" + query).json();
        for (const auto& hit : results["results"])
            out.insert(fs::path(hit["path"].get<std::string>()).filename().string());
        return out;
    }
};

TEST_F(JobsTest, AReindexJobRunsToDoneWithProgressAndErrors) {
    fs::path allowed = tmp_ / "allowed";
    write_file(allowed / "fresh.txt", "The platypodium invoice arrived late.\n");
    fs::copy_file(corpus_dir() / "malformed" / "tika-testWORD_truncated.docx",
                  allowed / "truncated.docx");
    fs::copy_file(corpus_dir() / "pdf" / "tika-testPDF.pdf", allowed / "tika.pdf");

    Reply started = post_json(port(), "/api/jobs/reindex",
                              R"({"path":")" + allowed.string() + R"(","collection":"fresh"})");
    ASSERT_EQ(started.status, 202) << started.body;
    std::int64_t id = started.json()["id"];
    EXPECT_EQ(started.header("Location"), "/api/jobs/" + std::to_string(id));
    EXPECT_EQ(started.json()["kind"], "reindex");

    auto job = wait_job(id);
    EXPECT_EQ(job["status"], "done") << job.dump(2);
    EXPECT_EQ(job["files_total"], 3);
    EXPECT_EQ(job["files_done"], 3);
    EXPECT_EQ(job["failed"], 1);
    EXPECT_GT(job["bytes_total"].get<std::int64_t>(), 0);
    EXPECT_EQ(job["bytes_done"], job["bytes_total"]);
    EXPECT_GT(job["rate_files_per_s"].get<double>(), 0);
    EXPECT_TRUE(job["started"].is_string());
    EXPECT_TRUE(job["finished"].is_string());
    ASSERT_EQ(job["errors"].size(), 1u) << job.dump(2);
    EXPECT_EQ(fs::path(job["errors"][0]["path"].get<std::string>()).filename(), "truncated.docx");
    EXPECT_EQ(job["errors"][0]["reason"].get<std::string>().rfind("corrupt", 0), 0u);
    EXPECT_EQ(job["summary"]["indexed"], 2);
    EXPECT_EQ(search_names("platypodium"), std::set<std::string>{"fresh.txt"});

    // Listed among the recent jobs, newest first.
    auto jobs = get(port(), "/api/jobs").json()["jobs"];
    ASSERT_FALSE(jobs.empty());
    EXPECT_EQ(jobs[0]["id"], id);

    // The collection view shows the new collection.
    bool seen = false;
    auto listed = get(port(), "/api/collections").json();
    for (const auto& c : listed["collections"])
        if (c["name"] == "fresh") {
            seen = true;
            EXPECT_EQ(c["documents"], 2);
            EXPECT_EQ(c["failed"], 1);
        }
    EXPECT_TRUE(seen);
}

TEST_F(JobsTest, ACollectionIsReindexedFromItsFilesAndPruned) {
    fs::path watched = tmp_ / "watched";
    ASSERT_EQ(search_names("apache"), std::set<std::string>{"tika-testTXT.txt"});
    write_file(watched / "tika-testTXT.txt", "Rewritten: the capybarine ledger.\n");
    fs::remove(watched / "tika-testMARKDOWN.md");

    Reply started =
        post_json(port(), "/api/jobs/reindex", R"({"collection":"watched","prune":true})");
    ASSERT_EQ(started.status, 202) << started.body;
    auto job = wait_job(started.json()["id"]);
    EXPECT_EQ(job["status"], "done") << job.dump(2);
    EXPECT_EQ(job["summary"]["removed"], 1) << job.dump(2);
    EXPECT_EQ(search_names("capybarine"), std::set<std::string>{"tika-testTXT.txt"});
    EXPECT_TRUE(search_names("apache").empty());
    EXPECT_TRUE(search_names("italic").empty());  // the markdown file is gone
    auto status = get(port(), "/api/status?check=1").json();
    EXPECT_EQ(status["documents"], 1);
    EXPECT_TRUE(status["check"]["consistent"].get<bool>());
}

TEST_F(JobsTest, OnlyKnownFoldersMayBeIndexed) {
    struct Case {
        std::string body;
        int status;
        std::string code;
    };
    fs::create_directories(tmp_ / "elsewhere");
    for (const Case& c : std::vector<Case>{
             {R"({"path":"/etc"})", 403, "forbidden"},
             {R"({"path":")" + (tmp_ / "elsewhere").string() + R"("})", 403, "forbidden"},
             {R"({"path":")" + (tmp_ / "allowed" / ".." / "elsewhere").string() + R"("})", 403,
              "forbidden"},
             {R"({"path":"relative/folder"})", 400, "invalid_argument"},
             {R"({"path":")" + (tmp_ / "allowed" / "missing").string() + R"("})", 404, "not_found"},
             {R"({"collection":"nope"})", 404, "not_found"},
             {R"({"collection":"../x"})", 400, "invalid_argument"},
             {R"({})", 400, "invalid_argument"},
             {R"({"collection":"watched","force":true})", 400, "invalid_argument"},
             {R"({"collection":"watched","prune":"yes"})", 400, "invalid_argument"},
             {R"(not json)", 400, "invalid_argument"},
         }) {
        Reply reply = post_json(port(), "/api/jobs/reindex", c.body);
        EXPECT_EQ(reply.status, c.status) << c.body << ": " << reply.body;
        EXPECT_EQ(reply.error_code(), c.code) << c.body;
    }
    EXPECT_EQ(
        post_json(port(), "/api/jobs/reindex", R"({"collection":"watched"})", "text/plain").status,
        415);
    EXPECT_EQ(get(port(), "/api/jobs/reindex").status, 405);
    EXPECT_EQ(get(port(), "/api/jobs/12345").status, 404);
    EXPECT_TRUE(get(port(), "/api/jobs").json()["jobs"].empty());  // nothing was started
}

TEST_F(JobsTest, JobsCanBeCancelled) {
    // Enough small files to keep the writer busy while the second job waits behind it.
    fs::path many = tmp_ / "allowed" / "many";
    for (int i = 0; i < 1500; ++i)
        write_file(many / ("note-" + std::to_string(i) + ".txt"),
                   "Note number " + std::to_string(i) + " about the oryctolagus stock.\n");
    Reply first = post_json(port(), "/api/jobs/reindex", R"({"path":")" + many.string() + R"("})");
    Reply second = post_json(port(), "/api/jobs/reindex", R"({"collection":"watched"})");
    ASSERT_EQ(first.status, 202) << first.body;
    ASSERT_EQ(second.status, 202) << second.body;
    std::int64_t waiting = second.json()["id"];
    Reply cancelled = post_json(port(), "/api/jobs/" + std::to_string(waiting) + "/cancel", "");
    EXPECT_EQ(cancelled.status, 202) << cancelled.body;
    auto job = wait_job(waiting);
    EXPECT_EQ(job["status"], "cancelled");
    EXPECT_EQ(job["files_done"], 0);
    // A finished job cannot be cancelled again.
    Reply again = post_json(port(), "/api/jobs/" + std::to_string(waiting) + "/cancel", "");
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.error_code(), "conflict");

    // The running one stops at its next file, keeping what it committed; it may also have
    // finished before the cancel arrived.
    std::int64_t running = first.json()["id"];
    std::string path = "/api/jobs/" + std::to_string(running);
    eventually([&] {
        auto state = get(port(), path).json();
        return state["status"] != "queued" && state["files_done"].get<int>() > 0;
    });
    Reply stop = get(port(), path, "DELETE");
    EXPECT_TRUE(stop.status == 202 || stop.status == 409) << stop.body;
    auto last = wait_job(running);
    if (stop.status == 202 && stop.json()["files_done"].get<int>() < 1400) {
        // Cancelled well before its end: it stops at the next file.
        EXPECT_TRUE(stop.json()["cancel_requested"].get<bool>());
        EXPECT_EQ(last["status"], "cancelled") << last.dump(2);
        EXPECT_LT(last["files_done"].get<int>(), 1500);
    } else {
        EXPECT_TRUE(last["status"] == "done" || last["status"] == "cancelled") << last.dump(2);
    }
    auto status = get(port(), "/api/status?check=1").json();
    EXPECT_TRUE(status["check"]["consistent"].get<bool>()) << status.dump(2);
    int documents = status["documents"];
    EXPECT_GE(documents, 2);
    EXPECT_LE(documents, 1502);
    if (last["status"] == "done") {
        EXPECT_EQ(documents, 1502);
    }
}

TEST_F(JobsTest, MetricsCountRequestsLatencyQueuesAndTheIndex) {
    ASSERT_EQ(get(port(), "/api/search?q=indexation").status, 200);
    ASSERT_EQ(get(port(), "/api/search?q=").status, 400);
    ASSERT_EQ(get(port(), "/api/documents/77").status, 404);
    Reply reply = get(port(), "/metrics");
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
    const std::string& text = reply.body;
    for (const char* line :
         {"deskside_http_requests_total{route=\"/api/search\",method=\"GET\",status=\"200\"} 1\n",
          "deskside_http_requests_total{route=\"/api/search\",method=\"GET\",status=\"400\"} 1\n",
          "deskside_http_requests_total{route=\"/api/documents/{id}\",method=\"GET\",status="
          "\"404\"} 1\n",
          "deskside_http_request_duration_seconds_count{route=\"/api/search\"} 2\n",
          "deskside_http_request_duration_seconds_bucket{route=\"/api/search\",le=\"+Inf\"} 2\n",
          "# TYPE deskside_http_request_duration_seconds histogram\n",
          "deskside_writer_queue_depth 0\n", "deskside_index_documents 2\n",
          "deskside_index_bytes{part=\"keyword\"} ", "deskside_uptime_seconds ",
          "deskside_generation_tokens_per_second ",
          "deskside_answerer_info{answerer=\"extractive\"} 1\n",
          "deskside_http_requests_in_flight 1\n"})
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    // Every sample line is NAME{labels} VALUE with a number.
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] == '#') continue;
        std::size_t space = line.rfind(' ');
        ASSERT_NE(space, std::string::npos) << line;
        std::string value = line.substr(space + 1);
        EXPECT_TRUE(value == "+Inf" ||
                    value.find_first_not_of("0123456789.e+-") == std::string::npos)
            << line;
    }
    EXPECT_EQ(get(port(), "/metrics", "POST").status, 405);
}

TEST_F(JobsTest, ASlowClientIsDroppedWhileOthersAreServed) {
    // Sends the headers and one byte of a 100-byte body, then nothing.
    Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", port()));
    std::string head =
        "POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{";
    slow.sendBytes(head.data(), static_cast<int>(head.size()));
    // A client that never finishes its headers.
    Poco::Net::StreamSocket silent(Poco::Net::SocketAddress("127.0.0.1", port()));
    silent.sendBytes("GET /api/health HTTP/1.1\r\n", 26);

    for (int i = 0; i < 5; ++i) EXPECT_EQ(get(port(), "/api/health").status, 200);

    // The server gives up on both (serve.receive timeout: 2 s here) rather than wait forever.
    for (Poco::Net::StreamSocket* socket : {&slow, &silent}) {
        socket->setReceiveTimeout(Poco::Timespan(20, 0));
        std::string received;
        char buffer[4096];
        int got = 0;
        while ((got = socket->receiveBytes(buffer, sizeof buffer)) > 0)
            received.append(buffer, got);
        if (socket == &slow) {
            EXPECT_NE(received.find("408"), std::string::npos) << received;
            EXPECT_NE(received.find("request_timeout"), std::string::npos) << received;
        }
    }
}

TEST_F(JobsTest, SixtyFourClientsAtOnceAllSucceed) {
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 64; ++t)
        clients.emplace_back([&, t] {
            for (int i = 0; i < 4; ++i) {
                try {
                    Reply reply =
                        (t + i) % 4 == 0
                            ? post_json(port(), "/api/ask", R"({"question":"What is indexation?"})")
                            : get(port(), "/api/search?q=indexation");
                    if (reply.status == 200)
                        ++ok;
                    else
                        ++failed;
                } catch (const std::exception&) {
                    ++failed;
                }
            }
        });
    for (auto& client : clients) client.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(ok.load(), 256);
}

}  // namespace
}  // namespace deskside
