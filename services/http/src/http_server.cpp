#include "http/http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "api_routes.h"
#include "base/error.h"
#include "http/error_status.h"
#include "metrics.h"
#include "request_body.h"
#include "static_files.h"

namespace deskside::http {

namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr int kStopGraceSeconds = 5;

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

// What every request handler uses. Shared with the handlers so it outlives any request.
struct Shared {
    Shared(const ServerOptions& opts, const Logger& logger)
        : options(opts),
          api(opts, metrics, logger.child("api")),
          files(opts.web_dir),
          log(logger) {}

    const ServerOptions options;
    Metrics metrics;
    ApiRoutes api;
    StaticFiles files;
    Logger log;

    // Requests being answered (not connections: an idle keep-alive connection or a client
    // still sending its request does not count). stop() waits for this to reach zero.
    std::mutex mutex;
    std::condition_variable idle;
    int active = 0;
};

// Counts a request as being answered for its lifetime.
class ActiveRequest {
  public:
    explicit ActiveRequest(Shared& shared) : shared_(shared) {
        std::lock_guard lock(shared_.mutex);
        ++shared_.active;
        shared_.metrics.request_started();
    }
    ~ActiveRequest() {
        shared_.metrics.request_finished();
        std::lock_guard lock(shared_.mutex);
        if (--shared_.active == 0) shared_.idle.notify_all();
    }
    ActiveRequest(const ActiveRequest&) = delete;
    ActiveRequest& operator=(const ActiveRequest&) = delete;

  private:
    Shared& shared_;
};

void set_common_headers(HTTPServerResponse& response) {
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
}

void send_body(HTTPServerResponse& response, int status, const std::string& content_type,
               const std::string& body) {
    response.setStatusAndReason(static_cast<HTTPServerResponse::HTTPStatus>(status));
    response.setContentType(content_type);
    response.sendBuffer(body.data(), body.size());
}

// Paths and titles come from the file system and may not be valid UTF-8.
std::string json_text(const nlohmann::json& body) {
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(HTTPServerResponse& response, int status, const nlohmann::json& body) {
    response.set("Cache-Control", "no-store");
    send_body(response, status, "application/json; charset=utf-8", json_text(body) + "\n");
}

bool is_read_method(const std::string& method) {
    return method == "GET" || method == "HEAD";
}

// Server-Sent Events on a chunked response, flushed event by event (no buffering anywhere:
// X-Accel-Buffering tells a reverse proxy the same).
class SseStream : public EventStream {
  public:
    explicit SseStream(HTTPServerResponse& response) : response_(response) {}

    bool send(std::string_view event, const nlohmann::json& data) override {
        return write("event: " + std::string(event) + "\ndata: " + json_text(data) + "\n\n");
    }
    bool send_data(std::string_view data) override {
        return write("data: " + std::string(data) + "\n\n");
    }
    bool started() const override { return out_ != nullptr; }

  private:
    // Writes one whole event and flushes it; the first write sends the headers.
    bool write(const std::string& event) {
        if (gone_) return false;
        try {
            if (!out_) {
                response_.setStatusAndReason(HTTPServerResponse::HTTP_OK);
                response_.setChunkedTransferEncoding(true);
                response_.setContentType("text/event-stream; charset=utf-8");
                response_.set("Cache-Control", "no-store");
                response_.set("X-Accel-Buffering", "no");
                out_ = &response_.send();
            }
            out_->write(event.data(), static_cast<std::streamsize>(event.size()));
            out_->flush();
            if (!out_->good()) gone_ = true;
        } catch (const std::exception&) {
            gone_ = true;  // the socket refused the write: the client went away
        }
        return !gone_;
    }

    HTTPServerResponse& response_;
    std::ostream* out_ = nullptr;
    bool gone_ = false;
};

// True once the peer has closed the connection: a non-blocking peek that reads end-of-file (or
// a reset). Bytes waiting (a pipelined request) mean the client is still there.
bool peer_closed(int fd) {
    pollfd poller{fd, POLLIN, 0};
    if (::poll(&poller, 1, 0) <= 0) return false;
    if (poller.revents & (POLLERR | POLLHUP | POLLNVAL)) return true;
    char byte;
    ssize_t got = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (got == 0) return true;
    return got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit RequestHandler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        ActiveRequest active(*shared_);
        auto started = std::chrono::steady_clock::now();
        set_common_headers(response);
        int status = 500;
        std::string path;
        try {
            status = route(request, response, path);
        } catch (const std::exception& e) {
            // After the headers went out, a failure is the client going away mid-answer.
            shared_->log.log(response.sent() ? LogLevel::debug : LogLevel::error, "request failed",
                             {{"path", path}, {"message", e.what()}});
        } catch (...) {
            shared_->log.error("request failed", {{"path", path}});
        }
        if (!response.sent()) {
            status = 500;
            response.setKeepAlive(false);
            send_json(response, 500, error_body(ErrorCode::internal, "internal error"));
        }
        std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        shared_->metrics.record_request(route_label(path), request.getMethod(), status,
                                        elapsed.count());
        if (shared_->log.enabled(LogLevel::debug))
            shared_->log.debug("request", {{"method", request.getMethod()},
                                           {"path", path},
                                           {"status", std::to_string(status)},
                                           {"ms", std::to_string(elapsed.count() * 1000)}});
    }

  private:
    // Answers the request; returns the status sent. `path` receives the decoded path.
    int route(HTTPServerRequest& request, HTTPServerResponse& response, std::string& path) {
        const std::string& target = request.getURI();
        std::size_t query_start = target.find('?');
        std::string raw_path = target.substr(0, std::min(query_start, target.find('#')));
        std::string raw_query =
            query_start == std::string::npos ? "" : target.substr(query_start + 1);
        if (std::size_t hash = raw_query.find('#'); hash != std::string::npos)
            raw_query.resize(hash);
        try {
            Poco::URI::decode(raw_path, path);
        } catch (const Poco::Exception&) {
            return bad_request(response, "malformed percent escape in the path");
        }
        if (path.empty() || path.front() != '/')
            return bad_request(response, "the request target must be a path starting with /");

        std::int64_t length = request.hasContentLength()             ? request.getContentLength64()
                              : request.getChunkedTransferEncoding() ? -1
                                                                     : 0;
        RequestBody body(length != 0 ? &request.stream() : nullptr, length,
                         request.getContentType(),
                         std::chrono::seconds(shared_->options.receive_timeout_s));
        int status = 0;
        if (path == "/metrics") {
            status = metrics(request, response);
        } else if (path == "/api" || path.rfind("/api/", 0) == 0 || OpenAiRoutes::owns(path)) {
            status = api(request, response, path, raw_query, body);
        } else {
            // Pages take no body: a client that sent one does not keep the connection.
            if (!body.finished()) response.setKeepAlive(false);
            status = serve_file(request, response, path);
        }
        drain(body);
        return status;
    }

    int api(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& path,
            const std::string& raw_query, RequestBody& body) {
        ApiRequest api_request{request.getMethod(), path, {}, &body, {}};
        if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
            int fd = impl->socket().impl()->sockfd();
            api_request.client_gone = [fd] { return peer_closed(fd); };
        }
        try {
            api_request.params = parse_query_string(raw_query);
        } catch (const Error& e) {
            if (!body.finished()) response.setKeepAlive(false);
            return bad_request(response, e.what());
        }
        ApiReply reply = shared_->api.handle(api_request);
        if (reply.stream) {
            SseStream events(response);
            try {
                reply.stream(events);
            } catch (...) {
                ApiReply error = shared_->api.error_reply(path);
                if (events.started()) {
                    events.send("error", error.body);
                } else {
                    reply = std::move(error);
                    reply.stream = nullptr;
                }
            }
            if (reply.stream) {
                if (!events.started()) events.send("done", nlohmann::json::object());
                return 200;
            }
        }
        // An unread body (refused before it was read, or cut short) leaves the connection
        // in an unknown state: close it after this reply.
        if (!body.finished()) response.setKeepAlive(false);
        for (const auto& [name, value] : reply.headers) response.set(name, value);
        if (reply.file) {
            response.setStatusAndReason(HTTPServerResponse::HTTP_OK);
            try {
                response.sendFile(reply.file->path.string(), reply.file->content_type);
                return 200;
            } catch (const Poco::Exception&) {
                if (response.sent()) throw;  // the connection broke mid-file
                send_json(response, 404,
                          error_body(ErrorCode::not_found, "the file can no longer be read"));
                return 404;
            }
        }
        send_json(response, reply.status, reply.body);
        return reply.status;
    }

    int metrics(HTTPServerRequest& request, HTTPServerResponse& response) {
        if (!is_read_method(request.getMethod())) {
            response.set("Allow", "GET, HEAD");
            send_json(response, 405,
                      error_body("method_not_allowed",
                                 request.getMethod() + " is not allowed on /metrics; use GET"));
            return 405;
        }
        std::string text = shared_->metrics.render(shared_->api.scrape());
        response.set("Cache-Control", "no-store");
        send_body(response, 200, "text/plain; version=0.0.4; charset=utf-8", text);
        return 200;
    }

    // Reads and drops what is left of a body the route did not read (up to a bound), so that
    // closing the connection does not reset it before the client has read the reply.
    static void drain(RequestBody& body) {
        if (body.finished()) return;
        char buffer[16384];
        try {
            constexpr std::int64_t kDrainLimit = std::int64_t(1) << 62;
            std::int64_t drained = 0;
            while (drained < (16 << 20)) {
                std::size_t got = body.read_some(buffer, sizeof buffer, kDrainLimit);
                if (got == 0) break;
                drained += static_cast<std::int64_t>(got);
            }
        } catch (const std::exception&) {
        }
    }

    int serve_file(HTTPServerRequest& request, HTTPServerResponse& response,
                   const std::string& path) {
        if (!is_read_method(request.getMethod())) {
            response.set("Allow", "GET, HEAD");
            send_body(response, 405, "text/plain; charset=utf-8", "method not allowed\n");
            return 405;
        }
        StaticFile file = shared_->files.resolve(path);
        if (file.status == 200) {
            response.set("Cache-Control", "no-cache");
            try {
                response.sendFile(file.file.string(), file.content_type);
                return 200;
            } catch (const Poco::Exception&) {
                if (response.sent()) throw;  // the connection broke mid-file
                file.status = 404;           // removed between resolve and open
            }
        }
        if (file.status == 400) {
            send_body(response, 400, "text/plain; charset=utf-8", "bad request path\n");
            return 400;
        }
        send_body(response, 404, "text/plain; charset=utf-8", "not found\n");
        return 404;
    }

    static int bad_request(HTTPServerResponse& response, const std::string& message) {
        send_json(response, 400, error_body(ErrorCode::invalid_argument, message));
        return 400;
    }

    std::shared_ptr<Shared> shared_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit HandlerFactory(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new RequestHandler(shared_);
    }

  private:
    std::shared_ptr<Shared> shared_;
};

}  // namespace

ListenAddress parse_listen_address(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return Error(ErrorCode::invalid_argument,
                     "serve.listen: " + why + " in '" + text +
                         "' (expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
    };
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) throw bad("no port");
    ListenAddress address;
    address.host = text.substr(0, colon);
    if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']')
        address.host = address.host.substr(1, address.host.size() - 2);
    else if (address.host.find(':') != std::string::npos)
        throw bad("an IPv6 address must be in brackets");
    if (address.host.empty()) throw bad("no host");
    std::string port = text.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        throw bad("the port is not a number from 0 to 65535");
    address.port = static_cast<std::uint16_t>(value);
    return address;
}

struct HttpServer::Impl {
    ListenAddress address;
    Logger log;
    std::shared_ptr<Shared> shared;
    // Declared before the server so that it is destroyed after it.
    Poco::ThreadPool workers;
    Poco::Net::ServerSocket socket;
    std::unique_ptr<Poco::Net::HTTPServer> server;
    bool running = false;
    bool stopped = false;

    Impl(const ServerOptions& options, Logger logger)
        : address(parse_listen_address(options.listen)),
          log(std::move(logger)),
          shared(std::make_shared<Shared>(options, log)),
          workers("deskside-http", 1, options.threads, 60) {}
};

HttpServer::HttpServer(ServerOptions options, Logger log) {
    if (options.threads < 1 || options.threads > 1024)
        throw Error(ErrorCode::invalid_argument,
                    "serve.threads must be from 1 to 1024, not " + std::to_string(options.threads));
    if (options.max_queued < 1)
        throw Error(ErrorCode::invalid_argument, "the connection queue must hold at least one");
    if (options.receive_timeout_s < 1 || options.max_json_bytes < 1 ||
        options.max_v1_json_bytes < 1 || options.max_upload_bytes < 1 || options.upload_wait_s < 0)
        throw Error(ErrorCode::invalid_argument,
                    "the receive timeout and the body limits must be at least 1");
    impl_ = std::make_unique<Impl>(options, std::move(log));
    if (!impl_->shared->files.available())
        impl_->log.warn("no web folder: the search page is not served",
                        {{"web_dir", options.web_dir.string()}});
    try {
        Poco::Net::SocketAddress address(impl_->address.host, impl_->address.port);
        // No SO_REUSEPORT: a second server on the same port must fail, not share it.
        impl_->socket.bind(address, true, false);
        impl_->socket.listen(std::max(64, options.max_queued));
    } catch (const Poco::Exception& e) {
        throw Error(ErrorCode::io, "cannot listen on " + options.listen + ": " + e.displayText());
    }
    auto params = Poco::Net::HTTPServerParams::Ptr(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(options.threads);
    params->setMaxQueued(options.max_queued);
    // A client that sends nothing for this long is dropped, so a slow or stalled sender cannot
    // hold a worker; RequestBody also bounds how long a whole body may take.
    params->setTimeout(Poco::Timespan(options.receive_timeout_s, 0));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    // Poco 1.11's dispatcher can miss the wake-up at stop() and sleep out its idle time before
    // it exits, so stop() waits up to this long (the default, 10 s, made shutdowns crawl).
    params->setThreadIdleTime(Poco::Timespan(1, 0));
    params->setServerName("deskside");
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(
        Poco::Net::HTTPRequestHandlerFactory::Ptr(new HandlerFactory(impl_->shared)),
        impl_->workers, impl_->socket, params);
}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start() {
    if (impl_->running) return;
    if (impl_->stopped) throw Error(ErrorCode::internal, "an HttpServer cannot be restarted");
    impl_->server->start();
    impl_->running = true;
    impl_->log.info("listening", {{"url", url()}});
}

void HttpServer::stop() {
    if (!impl_ || !impl_->running) return;
    impl_->server->stop();  // no new connections; queued ones are dropped
    {
        // Requests being answered get a moment to finish. Poco's own graceful stop would also
        // wait for clients that are slow to send a request, for up to the receive timeout.
        std::unique_lock lock(impl_->shared->mutex);
        impl_->shared->idle.wait_for(lock, std::chrono::seconds(kStopGraceSeconds),
                                     [&] { return impl_->shared->active == 0; });
    }
    // The running write job stops at its next file and queued ones are cancelled, so a request
    // waiting for its upload or deletion is answered now.
    impl_->shared->api.stop();
    impl_->server->stopAll(true);  // close what is left: idle keep-alive and slow clients
    impl_->workers.joinAll();
    impl_->running = false;
    impl_->stopped = true;
}

std::uint16_t HttpServer::port() const {
    return impl_->socket.address().port();
}

std::string HttpServer::url() const {
    const std::string& host = impl_->address.host;
    bool ipv6 = host.find(':') != std::string::npos;
    return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port()) + "/";
}

}  // namespace deskside::http
