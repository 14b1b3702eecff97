// HttpExchange: one HTTP/1.1 request to the server on its own connection, and its reply read
// as it arrives. Poco stays behind this header's implementation.
//
// A deadline (options().timeout unless given) starts at construction: connecting, sending and every
// read get the time that is left, and a DeadlineGuard shuts the connection down when it passes,
// whatever is blocked on it (a TLS handshake included). One exchange per call, used by one
// thread; abort() closes the connection at once (the server sees the client leave).
//
// Errors: Error(io) for everything the network does wrong ("cannot reach llm.url http://...:
// connection refused", a timeout, a reset, a TLS failure, a body over its size limit). HTTP
// error statuses are not errors here: the caller reads status() and the body.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "deadline_guard.h"
#include "server_endpoint.h"

namespace Poco {
class Exception;
}  // namespace Poco
namespace Poco::Net {
class HTTPClientSession;
class HTTPResponse;
}  // namespace Poco::Net

namespace deskside::openai_client::detail {

class HttpExchange {
  public:
    HttpExchange(const ServerEndpoint& endpoint, std::chrono::milliseconds timeout);
    explicit HttpExchange(const ServerEndpoint& endpoint)
        : HttpExchange(endpoint, endpoint.options().timeout) {}
    ~HttpExchange();
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    // Sends `method request_path` (with `json_body` as application/json unless empty, and the
    // API key) and reads the status line and headers of the reply.
    void start(const std::string& method, const std::string& request_path,
               const std::string& json_body, const std::string& accept);

    int status() const;
    // The reply's media type, lower case, without parameters ("text/event-stream").
    std::string content_type() const;
    // Waits for the next bytes of the body; "" at its end. The view lives until the next call.
    std::string_view read_some();
    // The rest of the body; Error(io) when it exceeds `limit` bytes.
    std::string read_body(std::size_t limit);
    // Closes the connection now; later reads return "".
    void abort() noexcept;

    // The URL of the request, for messages.
    const std::string& url() const { return url_; }

  private:
    enum class Phase { connecting, waiting, reading };
    [[noreturn]] void fail(Phase phase, std::string_view what) const;
    [[noreturn]] void fail_network(Phase phase, const Poco::Exception& e) const;
    std::chrono::milliseconds time_left(Phase phase) const;
    [[noreturn]] void fail_timeout(Phase phase) const;

    const ServerEndpoint& endpoint_;
    std::chrono::milliseconds timeout_;
    std::chrono::steady_clock::time_point deadline_;
    std::unique_ptr<DeadlineGuard> guard_;  // declared before session_: outlives it
    std::unique_ptr<Poco::Net::HTTPClientSession> session_;
    std::unique_ptr<Poco::Net::HTTPResponse> response_;
    std::istream* body_ = nullptr;  // owned by session_
    std::string url_;
    std::array<char, 16384> buffer_{};
};

}  // namespace deskside::openai_client::detail
