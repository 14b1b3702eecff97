// Shared by the HTTP tests: an HTTP client on Poco (any method, body and headers; raw sockets
// for misbehaving clients), a multipart/form-data builder, a Server-Sent Events reader, and a
// fixture that indexes real corpus files into a private data directory and starts a real
// HttpServer on 127.0.0.1 with a free port. Test-only; each test owns its fixture.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/http_server.h"
#include "ingest/pipeline.h"
#include "test_support.h"

namespace deskside::testing {

namespace fs = std::filesystem;

struct Reply {
    int status = 0;
    std::string content_type;
    std::string body;
    Poco::Net::NameValueCollection headers;

    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& name) const { return headers.get(name, ""); }
    std::string error_code() const {
        auto parsed = nlohmann::json::parse(body, nullptr, false);
        if (parsed.is_discarded() || !parsed.contains("error")) return "";
        return parsed["error"].value("code", "");
    }
};

struct RequestSpec {
    std::string method = "GET";
    std::string target = "/";
    std::string body;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    bool chunked = false;
    int timeout_s = 60;
};

inline Reply fetch(std::uint16_t port, const RequestSpec& spec) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(spec.timeout_s, 0));
    Poco::Net::HTTPRequest request(spec.method, spec.target, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!spec.content_type.empty()) request.setContentType(spec.content_type);
    for (const auto& [name, value] : spec.headers) request.set(name, value);
    if (spec.chunked)
        request.setChunkedTransferEncoding(true);
    else if (spec.method != "GET" && spec.method != "HEAD")
        request.setContentLength64(static_cast<Poco::Int64>(spec.body.size()));
    std::ostream& out = session.sendRequest(request);
    out << spec.body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply reply;
    reply.status = response.getStatus();
    reply.content_type = response.getContentType();
    Poco::StreamCopier::copyToString(in, reply.body);
    for (const auto& [name, value] : response) reply.headers.add(name, value);
    return reply;
}

inline Reply get(std::uint16_t port, const std::string& target, const std::string& method = "GET") {
    RequestSpec spec;
    spec.method = method;
    spec.target = target;
    return fetch(port, spec);
}

inline Reply post_json(std::uint16_t port, const std::string& target, const std::string& body,
                       const std::string& content_type = "application/json") {
    RequestSpec spec;
    spec.method = "POST";
    spec.target = target;
    spec.body = body;
    spec.content_type = content_type;
    return fetch(port, spec);
}

// A multipart/form-data body built by hand, so tests can send any file name bytes.
class Multipart {
  public:
    Multipart& file(const std::string& filename, const std::string& bytes,
                    const std::string& field = "file") {
        body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + field +
                 "\"; filename=\"" + filename +
                 "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n";
        return *this;
    }
    Multipart& field(const std::string& name, const std::string& value) {
        body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + name +
                 "\"\r\n\r\n" + value + "\r\n";
        return *this;
    }
    std::string body() const { return body_ + "--" + boundary_ + "--\r\n"; }
    std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }

  private:
    std::string boundary_ = "deskside-test-boundary-7MA4YWxkTrZu0gW";
    std::string body_;
};

inline Reply upload(std::uint16_t port, const Multipart& form) {
    RequestSpec spec;
    spec.method = "POST";
    spec.target = "/api/documents";
    spec.body = form.body();
    spec.content_type = form.content_type();
    return fetch(port, spec);
}

struct SseEvent {
    std::string event;
    nlohmann::json data;
};

// Parses a complete text/event-stream body.
inline std::vector<SseEvent> parse_sse(const std::string& text) {
    std::vector<SseEvent> events;
    SseEvent current;
    std::string data;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty()) {
            if (!current.event.empty() || !data.empty()) {
                current.data = nlohmann::json::parse(data);
                events.push_back(current);
            }
            current = {};
            data.clear();
        } else if (line.rfind("event: ", 0) == 0) {
            current.event = line.substr(7);
        } else if (line.rfind("data: ", 0) == 0) {
            data += line.substr(6);
        }
    }
    return events;
}

// Polls `done` every 20 ms for up to `limit`; true once it holds. For waiting on background
// work (a job, a cancelled generation), never for asserting how long something took.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

// A server over an index of real corpus files (and a few hand-made dated notes).
class ServerFixture : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

    // Copies corpus files (paths relative to the corpus) into tmp/docs and indexes them.
    void index_corpus(const std::vector<std::string>& files, const std::string& collection,
                      const fs::path& folder) {
        for (const auto& file : files) {
            fs::path from = corpus_dir() / file;
            ASSERT_TRUE(fs::exists(from)) << from;
            fs::create_directories(folder);
            fs::copy_file(from, folder / from.filename(), fs::copy_options::overwrite_existing);
        }
        index_folder(folder, collection);
    }

    ingest::IndexSummary index_folder(const fs::path& folder, const std::string& collection) {
        ingest::IndexOptions options;
        options.roots = {folder};
        options.collection = collection;
        options.threads = 2;
        return ingest::run_index(data_dir(), options, nullptr, Logger());
    }

    void start_server(std::function<void(http::ServerOptions&)> adjust = {}) {
        http::ServerOptions options;
        options.listen = "127.0.0.1:0";
        options.data_dir = data_dir().root();
        options.web_dir = fs::path(DESKSIDE_SOURCE_DIR) / "web";
        options.threads = 8;
        options.max_queued = 64;
        options.index.threads = 2;
        options.upload_wait_s = 60;
        if (adjust) adjust(options);
        server_ = std::make_unique<http::HttpServer>(options);
        server_->start();
        ASSERT_GT(server_->port(), 0);
    }

    std::uint16_t port() const { return server_->port(); }
    store::DataDir data_dir() const { return store::DataDir(tmp_ / "data"); }

    TempDir tmp_;
    std::unique_ptr<http::HttpServer> server_;
};

// Sets a file's modification time to a UTC day, which a text file takes as its date.
inline void set_mtime_utc(const fs::path& file, int year, int month, int day) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = 12;
    std::time_t t = timegm(&tm);
    fs::last_write_time(
        file, std::chrono::file_clock::from_sys(std::chrono::system_clock::from_time_t(t)));
}

}  // namespace deskside::testing
