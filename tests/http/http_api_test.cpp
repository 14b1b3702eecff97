// The HTTP service end to end: each test indexes a few files from the shared corpus into its
// own temporary data directory, starts a real HttpServer on 127.0.0.1 with port 0, and talks
// to it with Poco's HTTP client.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/json_output.h"
#include "http/error_status.h"
#include "http/http_server.h"
#include "ingest/pipeline.h"
#include "retriever/keyword_search.h"
#include "test_support.h"

namespace deskside {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct Reply {
    int status = 0;
    std::string content_type;
    std::string body;
    Poco::Net::NameValueCollection headers;

    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& name) const { return headers.get(name, ""); }
};

Reply fetch(std::uint16_t port, const std::string& target, const std::string& method = "GET") {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    if (method == "POST") request.setContentLength(0);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    reply.content_type = response.getContentType();
    Poco::StreamCopier::copyToString(in, reply.body);
    for (const auto& [name, value] : response) reply.headers.add(name, value);
    return reply;
}

// The code points [start, end) of a UTF-8 string, as UTF-8.
std::string code_point_slice(const std::string& text, std::int64_t start, std::int64_t end) {
    std::string out;
    std::int64_t index = 0;
    for (std::size_t i = 0; i < text.size(); ++index) {
        std::size_t length = 1;
        auto lead = static_cast<unsigned char>(text[i]);
        if (lead >= 0xf0)
            length = 4;
        else if (lead >= 0xe0)
            length = 3;
        else if (lead >= 0xc0)
            length = 2;
        if (index >= start && index < end) out += text.substr(i, length);
        i += length;
    }
    return out;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return text;
}

fs::path source_web_dir() {
    return fs::path(DESKSIDE_SOURCE_DIR) / "web";
}

class HttpApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* file :
             {"html/tika-testHTML.html", "txt/tika-testTXT.txt", "md/tika-testMARKDOWN.md"}) {
            fs::path from = testing::corpus_dir() / file;
            ASSERT_TRUE(fs::exists(from)) << from;
            fs::create_directories(tmp_ / "docs");
            fs::copy_file(from, tmp_ / "docs" / from.filename());
        }
        ingest::IndexOptions options;
        options.roots = {tmp_ / "docs"};
        options.threads = 2;
        auto summary = ingest::run_index(data_dir(), options, nullptr, Logger());
        ASSERT_EQ(summary.indexed, 3);
        start_server(source_web_dir());
    }

    void start_server(const fs::path& web_dir) {
        http::ServerOptions options;
        options.listen = "127.0.0.1:0";
        options.data_dir = data_dir().root();
        options.web_dir = web_dir;
        options.threads = 4;
        options.max_queued = 16;
        server_ = std::make_unique<http::HttpServer>(options);
        server_->start();
        ASSERT_GT(server_->port(), 0);
    }

    store::DataDir data_dir() const { return store::DataDir(tmp_ / "data"); }
    Reply get(const std::string& target, const std::string& method = "GET") const {
        return fetch(server_->port(), target, method);
    }

    TempDir tmp_;
    std::unique_ptr<http::HttpServer> server_;
};

TEST_F(HttpApiTest, HealthAnswersWithVersionAndSecurityHeaders) {
    EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()) + "/");
    Reply reply = get("/api/health");
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
    auto body = reply.json();
    EXPECT_EQ(body["status"], "ok");
    ASSERT_TRUE(body["version"].is_string());
    EXPECT_FALSE(body["version"].get<std::string>().empty());
    EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
    std::string csp = reply.header("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find('*'), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
}

TEST_F(HttpApiTest, SearchFindsAPhraseWithTheCommandLineJson) {
    Reply reply = get("/api/search?q=%22du+fichier%22&limit=5");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["query"], "\"du fichier\"");
    ASSERT_EQ(body["results"].size(), 1u) << body.dump(2);
    const auto& hit = body["results"][0];
    EXPECT_EQ(fs::path(hit["path"].get<std::string>()).filename(), "tika-testHTML.html");
    EXPECT_EQ(hit["type"], "html");
    EXPECT_EQ(hit["rank"], 1);
    std::string snippet = hit["snippet"];
    EXPECT_NE(snippet.find("du fichier"), std::string::npos) << snippet;
    ASSERT_FALSE(hit["highlights"].empty());
    std::vector<std::string> marked;
    for (const auto& span : hit["highlights"])
        marked.push_back(lower(code_point_slice(snippet, span[0], span[1])));
    // A phrase is marked as one span.
    EXPECT_NE(std::find(marked.begin(), marked.end(), "du fichier"), marked.end()) << hit.dump();

    // Byte for byte what `deskside search --json` prints, apart from the timing.
    retriever::KeywordSearcher searcher(data_dir());
    retriever::SearchRequest request;
    request.query = "\"du fichier\"";
    request.limit = 5;
    auto expected = api::search_results_json(searcher.search(request));
    expected.erase("elapsed_ms");
    ASSERT_TRUE(body["elapsed_ms"].is_number());
    body.erase("elapsed_ms");
    // The API adds the mode it searched in: keyword, as this index has no vectors.
    EXPECT_EQ(body["mode"], "keyword");
    body.erase("mode");
    EXPECT_EQ(body, expected);
}

TEST_F(HttpApiTest, SearchParametersAreChecked) {
    Reply limited = get("/api/search?q=title&limit=1");
    ASSERT_EQ(limited.status, 200) << limited.body;
    EXPECT_EQ(limited.json()["results"].size(), 1u);
    Reply second = get("/api/search?q=title&limit=1&offset=1");
    ASSERT_EQ(second.status, 200) << second.body;
    ASSERT_EQ(second.json()["results"].size(), 1u);
    EXPECT_NE(second.json()["results"][0]["path"], limited.json()["results"][0]["path"]);
    Reply markdown = get("/api/search?q=title&type=markdown");
    ASSERT_EQ(markdown.status, 200) << markdown.body;
    ASSERT_EQ(markdown.json()["results"].size(), 1u) << markdown.body;
    EXPECT_EQ(markdown.json()["results"][0]["type"], "markdown");

    for (const char* bad : {"limit=abc", "limit=0", "limit=5000", "offset=-1", "any=maybe"}) {
        Reply reply = get(std::string("/api/search?q=title&") + bad);
        EXPECT_EQ(reply.status, 400) << bad;
        EXPECT_EQ(reply.json()["error"]["code"], "invalid_argument") << bad;
    }
}

TEST_F(HttpApiTest, QuerySyntaxErrorIs400WithItsCode) {
    Reply reply = get("/api/search?q=foo..bar");
    ASSERT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(reply.content_type, "application/json; charset=utf-8");
    auto body = reply.json();
    EXPECT_EQ(body["error"]["code"], "query_syntax");
    EXPECT_NE(body["error"]["message"].get<std::string>().find("cannot parse"), std::string::npos);
    EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff");
}

TEST_F(HttpApiTest, MissingOrBlankQueryIs400) {
    for (const char* target :
         {"/api/search", "/api/search?q=", "/api/search?q=+%20", "/api/search?limit=3"}) {
        Reply reply = get(target);
        EXPECT_EQ(reply.status, 400) << target;
        EXPECT_EQ(reply.json()["error"]["code"], "invalid_argument") << target;
    }
    Reply malformed = get("/api/search?q=%zz");
    EXPECT_EQ(malformed.status, 400);
}

TEST_F(HttpApiTest, UnknownApiRouteIs404AndOtherMethodsAre405) {
    Reply unknown = get("/api/nothing-here");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.json()["error"]["code"], "route_not_found");
    EXPECT_EQ(get("/api").status, 404);

    Reply post = get("/api/search?q=fichier", "POST");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(post.json()["error"]["code"], "method_not_allowed");
    EXPECT_NE(post.header("Allow").find("GET"), std::string::npos);
    EXPECT_EQ(get("/api/status", "DELETE").status, 405);
    EXPECT_EQ(get("/index.html", "PUT").status, 405);
}

TEST_F(HttpApiTest, StatusMatchesTheIndex) {
    Reply reply = get("/api/status");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto body = reply.json();
    EXPECT_EQ(body["documents"], 3);
    EXPECT_GE(body["passages"].get<int>(), 3);
    EXPECT_EQ(body["failed"], 0);
    EXPECT_FALSE(body.contains("errors"));

    auto with_errors = get("/api/status?errors=1").json();
    ASSERT_TRUE(with_errors.contains("errors"));
    EXPECT_TRUE(with_errors["errors"].is_array());
}

TEST_F(HttpApiTest, ServesTheSearchPageAndItsFiles) {
    Reply page = get("/");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("src=\"/app.js\""), std::string::npos);
    EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
    EXPECT_NE(page.header("Content-Security-Policy").find("'self'"), std::string::npos);

    EXPECT_EQ(get("/index.html").body, page.body);
    EXPECT_EQ(get("/app.js").content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(get("/style.css").content_type, "text/css; charset=utf-8");
    EXPECT_EQ(get("/no-such-file.js").status, 404);

    Reply head = get("/", "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
}

TEST_F(HttpApiTest, PathTraversalDoesNotLeakFiles) {
    // The file every attempt aims at exists right beside the web folder.
    std::string secret = testing::read_file(source_web_dir().parent_path() / "CMakeLists.txt");
    ASSERT_NE(secret.find("cmake_minimum_required"), std::string::npos);
    for (const char* target :
         {"/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/%2E%2E/CMakeLists.txt",
          "/..%2fCMakeLists.txt", "/%2e%2e%2fCMakeLists.txt", "/app.js/../../CMakeLists.txt",
          "/..\\CMakeLists.txt", "/%5c..%5cCMakeLists.txt", "/./../CMakeLists.txt"}) {
        Reply reply = get(target);
        EXPECT_TRUE(reply.status == 400 || reply.status == 404) << target << " → " << reply.status;
        EXPECT_EQ(reply.body.find("cmake_minimum_required"), std::string::npos) << target;
    }
}

TEST_F(HttpApiTest, StaticFilesStayInsideTheWebFolder) {
    fs::path web = tmp_ / "web";
    testing::write_file(web / "index.html", "<!doctype html><title>t</title>");
    testing::write_file(web / "img" / "logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    testing::write_file(web / ".hidden.txt", "hidden");
    testing::write_file(tmp_ / "secret.txt", "the secret");
    fs::create_symlink(tmp_ / "secret.txt", web / "link.txt");
    server_.reset();
    start_server(web);

    Reply logo = get("/img/logo.svg");
    EXPECT_EQ(logo.status, 200);
    EXPECT_EQ(logo.content_type, "image/svg+xml");
    EXPECT_EQ(get("/img/").status, 404);  // no directory listing
    EXPECT_EQ(get("/img").status, 404);
    EXPECT_EQ(get("/.hidden.txt").status, 404);
    Reply link = get("/link.txt");
    EXPECT_EQ(link.status, 404);
    EXPECT_EQ(link.body.find("the secret"), std::string::npos);
    Reply escape = get("/img/../../secret.txt");
    EXPECT_EQ(escape.status, 400);
    EXPECT_EQ(escape.body.find("the secret"), std::string::npos);
}

TEST_F(HttpApiTest, ConcurrentSearchesAllSucceed) {
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
        clients.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                Reply reply = get("/api/search?q=indexation");
                if (reply.status == 200 && !reply.json()["results"].empty()) ++ok;
            }
        });
    for (auto& client : clients) client.join();
    EXPECT_EQ(ok.load(), 80);
}

TEST(HttpServerSetup, BadListenAddressesAreRejected) {
    for (const char* listen :
         {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":8080", "::1:80"}) {
        http::ServerOptions options;
        options.listen = listen;
        EXPECT_THROW(http::HttpServer server(options), Error) << listen;
    }
    EXPECT_EQ(http::parse_listen_address("[::1]:8080").host, "::1");
    EXPECT_EQ(http::parse_listen_address("[::1]:8080").port, 8080);
}

TEST(HttpServerSetup, TakenPortIsAnIoError) {
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    http::HttpServer first(options);
    options.listen = "127.0.0.1:" + std::to_string(first.port());
    try {
        http::HttpServer second(options);
        FAIL() << "a second server bound the same port";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
    }
}

TEST(HttpErrorTable, EveryCodeHasItsStatus) {
    struct Case {
        ErrorCode code;
        int status;
    };
    for (auto [code, status] :
         {Case{ErrorCode::invalid_argument, 400}, Case{ErrorCode::query_syntax, 400},
          Case{ErrorCode::unsupported, 400}, Case{ErrorCode::not_found, 404},
          Case{ErrorCode::bad_document, 422}, Case{ErrorCode::busy, 503}, Case{ErrorCode::io, 500},
          Case{ErrorCode::corrupt_index, 500}, Case{ErrorCode::internal, 500}}) {
        EXPECT_EQ(http::http_status_for(code), status) << error_code_name(code);
        // User errors are 4xx, except busy: the client did nothing wrong, it should retry.
        if (code != ErrorCode::busy) {
            EXPECT_EQ(is_user_error(code), status < 500) << error_code_name(code);
        }
    }
    auto body = http::error_body(ErrorCode::busy, "later");
    EXPECT_EQ(body["error"]["code"], "busy");
    EXPECT_EQ(body["error"]["message"], "later");
}

}  // namespace
}  // namespace deskside
