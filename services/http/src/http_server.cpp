#include "http/http_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "api_routes.h"
#include "base/error.h"
#include "http/error_status.h"
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
    Shared(const ServerOptions& options, const Logger& logger)
        : api(store::DataDir(options.data_dir), logger.child("api")),
          files(options.web_dir),
          log(logger) {}

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
    }
    ~ActiveRequest() {
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

void send_json(HTTPServerResponse& response, int status, const nlohmann::json& body) {
    response.set("Cache-Control", "no-store");
    // Paths and titles come from the file system and may not be valid UTF-8.
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    send_body(response, status, "application/json; charset=utf-8", text + "\n");
}

bool is_read_method(const std::string& method) {
    return method == "GET" || method == "HEAD";
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
            send_json(response, 500, error_body(ErrorCode::internal, "internal error"));
        }
        if (shared_->log.enabled(LogLevel::debug)) {
            std::chrono::duration<double, std::milli> ms =
                std::chrono::steady_clock::now() - started;
            shared_->log.debug("request", {{"method", request.getMethod()},
                                           {"path", path},
                                           {"status", std::to_string(status)},
                                           {"ms", std::to_string(ms.count())}});
        }
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

        if (path == "/api" || path.rfind("/api/", 0) == 0) {
            ApiRequest api_request{request.getMethod(), path, {}};
            try {
                api_request.params = parse_query_string(raw_query);
            } catch (const Error& e) {
                return bad_request(response, e.what());
            }
            ApiReply reply = shared_->api.handle(api_request);
            for (const auto& [name, value] : reply.headers) response.set(name, value);
            send_json(response, reply.status, reply.body);
            return reply.status;
        }
        return serve_file(request, response, path);
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
    params->setTimeout(Poco::Timespan(30, 0));
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
