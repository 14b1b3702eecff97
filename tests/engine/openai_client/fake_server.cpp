#include "fake_server.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <thread>

#include "Poco/Net/Context.h"
#include "Poco/Net/HTTPRequestHandler.h"
#include "Poco/Net/HTTPRequestHandlerFactory.h"
#include "Poco/Net/HTTPServer.h"
#include "Poco/Net/HTTPServerParams.h"
#include "Poco/Net/HTTPServerRequest.h"
#include "Poco/Net/HTTPServerRequestImpl.h"
#include "Poco/Net/HTTPServerResponse.h"
#include "Poco/Net/SecureServerSocket.h"
#include "Poco/Net/ServerSocket.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/StreamCopier.h"
#include "Poco/ThreadPool.h"
#include "Poco/URI.h"

namespace deskside::testing {
namespace {

class RequestHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit RequestHandler(FakeServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        server_.handle(request, response);
    }

  private:
    FakeServer& server_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit HandlerFactory(FakeServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new RequestHandler(server_);  // Poco owns and deletes it
    }

  private:
    FakeServer& server_;
};

}  // namespace

bool RawStream::write(std::string_view bytes) {
    try {
        while (!bytes.empty()) {
            int sent = socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
            if (sent <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
        return true;
    } catch (const Poco::Exception&) {
        return false;
    }
}

bool RawStream::head(int status, std::string_view content_type) {
    socket_.setNoDelay(true);
    return write("HTTP/1.1 " + std::to_string(status) +
                 " Whatever\r\nContent-Type: " + std::string(content_type) +
                 "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

bool RawStream::chunk(std::string_view bytes) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return write(std::string(size) + std::string(bytes) + "\r\n");
}

bool RawStream::end() {
    return write("0\r\n\r\n");
}

bool RawStream::client_gone() {
    try {
        if (!socket_.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) return false;
        char byte;
        return socket_.receiveBytes(&byte, 1) <= 0;
    } catch (const Poco::Exception&) {
        return true;
    }
}

void Reply::send(int status, std::string_view content_type, std::string_view body) {
    response_.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response_.setContentType(std::string(content_type));
    response_.setContentLength(static_cast<std::streamsize>(body.size()));
    response_.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

void Reply::json(int status, const nlohmann::json& body) {
    send(status, "application/json", body.dump());
}

RawStream Reply::raw() {
    response_.setKeepAlive(false);
    return RawStream(dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request_).socket());
}

struct FakeServer::Pool {
    Poco::ThreadPool threads{2, 40};
};

FakeServer::FakeServer() : pool_(std::make_unique<Pool>()) {
    start(Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)));
}

FakeServer::FakeServer(const std::string& key_file, const std::string& cert_file)
    : pool_(std::make_unique<Pool>()), https_(true) {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key_file, cert_file, "",
                               Poco::Net::Context::VERIFY_NONE);
    start(Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context));
}

void FakeServer::start(const Poco::Net::ServerSocket& socket) {
    // A client that hangs up mid-stream makes our writes fail; they must not kill the test.
    std::signal(SIGPIPE, SIG_IGN);
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;  // Poco's reference-counted pointer owns it
    params->setMaxThreads(32);
    params->setMaxQueued(64);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this), pool_->threads,
                                                      socket, params);
    server_->start();
}

FakeServer::~FakeServer() {
    stopping_ = true;
    // Poco's accept loop looks at its stop flag every 250 ms, or when a connection comes: knock
    // until it has stopped, so that each test's server goes away at once.
    std::atomic<bool> stopped = false;
    std::thread knocker([&] {
        while (!stopped) {
            try {
                Poco::Net::StreamSocket knock;
                knock.connect(
                    Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port_)),
                    Poco::Timespan(0, 100000));
            } catch (const Poco::Exception&) {
                // Refused once the server socket is closed: nothing more to wake.
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    server_->stopAll(true);
    stopped = true;
    knocker.join();
    pool_->threads.joinAll();
}

void FakeServer::route(const std::string& path, Handler handler) {
    routes_[path] = std::move(handler);
}

std::vector<RecordedRequest> FakeServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<RecordedRequest> FakeServer::requests_to(const std::string& path) const {
    std::vector<RecordedRequest> out;
    for (auto& request : requests())
        if (Poco::URI(request.uri).getPath() == path) out.push_back(request);
    return out;
}

void FakeServer::handle(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) {
    RecordedRequest recorded;
    recorded.method = request.getMethod();
    recorded.uri = request.getURI();
    Poco::StreamCopier::copyToString(request.stream(), recorded.body);
    for (const auto& [name, value] : request) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        recorded.headers[lower] = value;
    }
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(recorded);
    }
    Reply reply(request, response);
    auto route = routes_.find(Poco::URI(recorded.uri).getPath());
    if (route == routes_.end()) {
        reply.json(404,
                   {{"error",
                     {{"code", 404}, {"message", "File Not Found"}, {"type", "not_found_error"}}}});
        return;
    }
    route->second(recorded, reply);
}

struct RawTcpServer::State {
    Poco::Net::ServerSocket socket;
    std::thread thread;
};

RawTcpServer::RawTcpServer(Handler on_connection) : state_(std::make_unique<State>()) {
    std::signal(SIGPIPE, SIG_IGN);
    state_->socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0));
    state_->socket.listen();
    port_ = state_->socket.address().port();
    state_->thread = std::thread([this, on_connection = std::move(on_connection)] {
        while (!stopping_) {
            try {
                if (!state_->socket.poll(Poco::Timespan(0, 5000), Poco::Net::Socket::SELECT_READ))
                    continue;
                Poco::Net::StreamSocket connection = state_->socket.acceptConnection();
                on_connection(connection);
            } catch (const Poco::Exception&) {
                // A client that went away mid-accept: wait for the next.
            }
        }
    });
}

RawTcpServer::~RawTcpServer() {
    stopping_ = true;
    state_->thread.join();
}

std::string chunk_event(std::string_view content, std::string_view finish_reason) {
    nlohmann::json choice = {
        {"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", nullptr}};
    if (!content.empty()) choice["delta"]["content"] = content;
    if (!finish_reason.empty()) choice["finish_reason"] = finish_reason;
    nlohmann::json chunk = {{"id", "chatcmpl-test"},
                            {"object", "chat.completion.chunk"},
                            {"created", 1700000000},
                            {"model", "test-model"},
                            {"choices", nlohmann::json::array({choice})}};
    return "data: " + chunk.dump() + "\n\n";
}

std::string finish_events(std::string_view finish_reason, int prompt_tokens,
                          int completion_tokens) {
    nlohmann::json usage = {{"id", "chatcmpl-test"},
                            {"object", "chat.completion.chunk"},
                            {"choices", nlohmann::json::array()},
                            {"usage",
                             {{"prompt_tokens", prompt_tokens},
                              {"completion_tokens", completion_tokens},
                              {"total_tokens", prompt_tokens + completion_tokens}}}};
    return chunk_event("", finish_reason) + "data: " + usage.dump() + "\n\ndata: [DONE]\n\n";
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return done();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace deskside::testing
