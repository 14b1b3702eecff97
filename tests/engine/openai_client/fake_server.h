// A stand-in for llama-server in tests: a Poco HTTPServer on a free loopback port that answers
// each path with a handler the test gives, records every request, and can write a reply byte by
// byte on the raw connection (chunk boundaries where a test wants them, a slow stream, a
// connection closed mid-answer) and notice when the client goes away.
//
// Handlers run on the server's threads (up to 32 at once); route() before the first request.
// Counting requests in flight is left to handlers: only they know when the client can see the
// end of a reply (and so start its next call).
// The destructor stops the server; a handler that waits must watch stopping().
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace Poco::Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
class ServerSocket;
class StreamSocket;
}  // namespace Poco::Net

namespace deskside::testing {

struct RecordedRequest {
    std::string method;
    std::string uri;
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    bool has_header(const std::string& name) const { return headers.count(name) != 0; }
};

// A chunked reply written straight to the socket.
class RawStream {
  public:
    explicit RawStream(Poco::Net::StreamSocket& socket) : socket_(socket) {}
    // The status line and headers (Transfer-Encoding: chunked, Connection: close).
    bool head(int status = 200, std::string_view content_type = "text/event-stream");
    // One HTTP chunk; false once the client is gone.
    bool chunk(std::string_view bytes);
    // The terminating chunk.
    bool end();
    // True when the client has closed its end (a read sees end of file or a reset).
    bool client_gone();

  private:
    bool write(std::string_view bytes);
    Poco::Net::StreamSocket& socket_;
};

class Reply {
  public:
    Reply(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response)
        : request_(request), response_(response) {}
    // An ordinary reply with Content-Length.
    void send(int status, std::string_view content_type, std::string_view body);
    void json(int status, const nlohmann::json& body);
    // Takes over the connection: the handler writes the reply itself, and the connection closes
    // when the handler returns (so returning without end() cuts a stream short).
    RawStream raw();

  private:
    Poco::Net::HTTPServerRequest& request_;
    Poco::Net::HTTPServerResponse& response_;
};

class FakeServer {
  public:
    using Handler = std::function<void(const RecordedRequest&, Reply&)>;

    FakeServer();
    // An https server presenting `cert_file` (PEM) with `key_file`.
    FakeServer(const std::string& key_file, const std::string& cert_file);
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    void route(const std::string& path, Handler handler);
    int port() const { return port_; }
    std::string base_url() const {
        return (https_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_) +
               "/v1";
    }

    std::vector<RecordedRequest> requests() const;
    std::vector<RecordedRequest> requests_to(const std::string& path) const;
    bool stopping() const { return stopping_; }

    // Called by the request handler.
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    struct Pool;
    std::unique_ptr<Pool> pool_;
    std::unique_ptr<Poco::Net::HTTPServer> server_;
    void start(const Poco::Net::ServerSocket& socket);

    int port_ = 0;
    bool https_ = false;
    std::map<std::string, Handler> routes_;
    mutable std::mutex mutex_;
    std::vector<RecordedRequest> requests_;
    std::atomic<bool> stopping_{false};
};

// A bare TCP listener on a free loopback port for what an HTTP server cannot fake (a peer that
// does not speak TLS, a handshake that never ends): each connection goes to `on_connection` on
// the listener's thread, one at a time. The destructor stops it; a handler that waits must
// watch stopping().
class RawTcpServer {
  public:
    using Handler = std::function<void(Poco::Net::StreamSocket&)>;
    explicit RawTcpServer(Handler on_connection);
    ~RawTcpServer();
    RawTcpServer(const RawTcpServer&) = delete;
    RawTcpServer& operator=(const RawTcpServer&) = delete;
    int port() const { return port_; }
    bool stopping() const { return stopping_; }

  private:
    struct State;
    std::unique_ptr<State> state_;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
};

// One chat.completion.chunk event as llama-server writes it ("data: {...}\n\n").
std::string chunk_event(std::string_view content, std::string_view finish_reason = "");
// The final events: a chunk with finish_reason, a usage chunk, "data: [DONE]".
std::string finish_events(std::string_view finish_reason, int prompt_tokens, int completion_tokens);

// Polls `done` every few milliseconds for up to `limit`; returns its last value.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace deskside::testing
