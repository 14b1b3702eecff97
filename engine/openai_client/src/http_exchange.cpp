#include "http_exchange.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <ostream>
#include <utility>

#include "Poco/Exception.h"
#include "Poco/Net/HTTPClientSession.h"
#include "Poco/Net/HTTPRequest.h"
#include "Poco/Net/HTTPResponse.h"
#include "Poco/Net/HTTPSClientSession.h"
#include "Poco/Net/IPAddress.h"
#include "Poco/Net/NetException.h"
#include "Poco/Net/SSLException.h"
#include "Poco/Net/SecureStreamSocket.h"
#include "Poco/Net/SocketAddress.h"
#include "Poco/Net/StreamSocket.h"
#include "Poco/Net/X509Certificate.h"
#include "Poco/Timespan.h"
#include "base/error.h"

namespace deskside::openai_client::detail {
namespace {

Poco::Timespan to_timespan(std::chrono::milliseconds ms) {
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

// A short description of what the network did, without Poco's class names where a plain
// phrase says it better.
std::string describe(const Poco::Exception& e, const std::string& host) {
    if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) return "connection refused";
    if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) ||
        dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e))
        return "host not found: " + host;
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e))
        return "the server reset the connection";
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&e))
        return "the server closed the connection without answering";
    if (dynamic_cast<const Poco::Net::SSLException*>(&e)) return "TLS failed: " + e.displayText();
    return e.displayText();
}

using OnConnected = std::function<void(int socket_fd)>;

// The sessions connect as Poco's do, then hand the socket to the guard before anything can
// block on it.
class GuardedHttpSession : public Poco::Net::HTTPClientSession {
  public:
    GuardedHttpSession(const std::string& host, Poco::UInt16 port, OnConnected on_connected)
        : HTTPClientSession(host, port), on_connected_(std::move(on_connected)) {}

  protected:
    void connect(const Poco::Net::SocketAddress& address) override {
        HTTPClientSession::connect(address);
        on_connected_(socket().impl()->sockfd());
    }

  private:
    OnConnected on_connected_;
};

// The certificate must name `host` (RFC 6125 rules, by OpenSSL: subjectAltName DNS entries with
// wildcards, or an IP entry for an address). Poco's own check is not used: it skips loopback
// hosts and ignores IP entries.
void check_host_name(const Poco::Net::X509Certificate& certificate, const std::string& host) {
    X509* x509 = const_cast<X509*>(certificate.certificate());
    Poco::Net::IPAddress address;
    int ok = Poco::Net::IPAddress::tryParse(host, address)
                 ? X509_check_ip_asc(x509, host.c_str(), 0)
                 : X509_check_host(x509, host.data(), host.size(), 0, nullptr);
    if (ok != 1)
        throw Poco::Net::CertificateValidationException(
            "the server's certificate is not made out to " + host);
}

// The TLS handshake is made lazy so that the TCP connection is under the guard before the
// handshake starts; it is then completed here and the host name checked, so that its failures
// are connection failures and no request byte reaches a server that failed the check.
class GuardedHttpsSession : public Poco::Net::HTTPSClientSession {
  public:
    GuardedHttpsSession(const std::string& host, Poco::UInt16 port, Poco::Net::Context::Ptr context,
                        OnConnected on_connected)
        : HTTPSClientSession(host, port, std::move(context)),
          on_connected_(std::move(on_connected)) {}

  protected:
    void connect(const Poco::Net::SocketAddress& address) override {
        Poco::Net::SecureStreamSocket tls(socket());  // the same socket, by reference count
        tls.setLazyHandshake(true);
        HTTPSClientSession::connect(address);
        on_connected_(socket().impl()->sockfd());
        if (tls.completeHandshake() != 1)
            throw Poco::Net::SSLException("the handshake did not complete");
        check_host_name(tls.peerCertificate(), getHost());
    }

  private:
    OnConnected on_connected_;
};

}  // namespace

HttpExchange::HttpExchange(const ServerEndpoint& endpoint, std::chrono::milliseconds timeout)
    : endpoint_(endpoint),
      timeout_(timeout),
      deadline_(std::chrono::steady_clock::now() + timeout),
      response_(std::make_unique<Poco::Net::HTTPResponse>()) {}

HttpExchange::~HttpExchange() = default;

void HttpExchange::fail(Phase phase, std::string_view what) const {
    const std::string where = endpoint_.setting("url") + " " + endpoint_.base_url();
    switch (phase) {
        case Phase::connecting:
            throw Error(ErrorCode::io, "cannot reach " + where + ": " + std::string(what));
        case Phase::waiting:
            throw Error(ErrorCode::io, where + ": no answer to " + url_ + ": " + std::string(what));
        case Phase::reading:
            break;
    }
    throw Error(ErrorCode::io,
                where + ": the answer from " + url_ + " broke off: " + std::string(what));
}

void HttpExchange::fail_timeout(Phase phase) const {
    fail(phase,
         "timed out after " + seconds_text(timeout_) + " (" + endpoint_.setting("timeout_s") + ")");
}

void HttpExchange::fail_network(Phase phase, const Poco::Exception& e) const {
    // Whatever the failure looks like once the guard has shut the socket, the cause is the time.
    if ((guard_ && guard_->fired()) || dynamic_cast<const Poco::TimeoutException*>(&e))
        fail_timeout(phase);
    fail(phase, describe(e, endpoint_.host()));
}

std::chrono::milliseconds HttpExchange::time_left(Phase phase) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) fail_timeout(phase);
    return left;
}

void HttpExchange::start(const std::string& method, const std::string& request_path,
                         const std::string& json_body, const std::string& accept) {
    url_ = endpoint_.url(request_path);
    Poco::Net::HTTPRequest request(method, request_path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost(endpoint_.host(), endpoint_.port());
    request.setKeepAlive(false);  // one exchange per connection
    request.set("Accept", accept);
    request.set("User-Agent", "deskside");
    if (!endpoint_.options().api_key.empty())
        request.setCredentials("Bearer", endpoint_.options().api_key);
    if (!json_body.empty()) {
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(json_body.size()));
    }
    auto arm_guard = [this](int fd) { guard_ = std::make_unique<DeadlineGuard>(fd, deadline_); };
    if (endpoint_.https())
        session_ = std::make_unique<GuardedHttpsSession>(endpoint_.host(), endpoint_.port(),
                                                         endpoint_.tls_context(), arm_guard);
    else
        session_ =
            std::make_unique<GuardedHttpSession>(endpoint_.host(), endpoint_.port(), arm_guard);
    Phase phase = Phase::connecting;
    try {
        session_->setTimeout(to_timespan(time_left(phase)));
        std::ostream& out = session_->sendRequest(request);
        out.write(json_body.data(), static_cast<std::streamsize>(json_body.size()));
        out.flush();
        if (!out) {
            // Poco's streams swallow the socket's exception and keep it here.
            if (const Poco::Exception* e = session_->networkException()) fail_network(phase, *e);
            fail(phase, "the request could not be sent");
        }
        phase = Phase::waiting;
        session_->socket().setReceiveTimeout(to_timespan(time_left(phase)));
        body_ = &session_->receiveResponse(*response_);
    } catch (const Poco::Exception& e) {
        fail_network(phase, e);
    }
}

int HttpExchange::status() const {
    return static_cast<int>(response_->getStatus());
}

std::string HttpExchange::content_type() const {
    std::string type = response_->getContentType();
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return type;
}

std::string_view HttpExchange::read_some() {
    if (!body_) return {};
    try {
        session_->socket().setReceiveTimeout(to_timespan(time_left(Phase::reading)));
        std::streambuf* in = body_->rdbuf();
        // One byte waits for the network; what the stream buffer then holds comes without
        // waiting. (istream::read would block until the whole buffer is full.)
        int first = in->sbumpc();
        if (first == std::streambuf::traits_type::eof()) {
            // Poco reports a connection the guard shut down as a plain end of the body.
            if (guard_->fired()) fail_timeout(Phase::reading);
            body_ = nullptr;
            return {};
        }
        buffer_[0] = static_cast<char>(first);
        std::streamsize more = std::min<std::streamsize>(
            in->in_avail(), static_cast<std::streamsize>(buffer_.size() - 1));
        std::streamsize got = more > 0 ? in->sgetn(buffer_.data() + 1, more) : 0;
        return std::string_view(buffer_.data(), static_cast<std::size_t>(1 + got));
    } catch (const Poco::Exception& e) {
        fail_network(Phase::reading, e);
    }
}

std::string HttpExchange::read_body(std::size_t limit) {
    std::string body;
    for (std::string_view piece = read_some(); !piece.empty(); piece = read_some()) {
        if (body.size() + piece.size() > limit)
            throw Error(ErrorCode::io, endpoint_.setting("url") + " " + endpoint_.base_url() +
                                           ": the reply from " + url_ + " is larger than " +
                                           std::to_string(limit >> 20) + " MiB");
        body.append(piece);
    }
    return body;
}

void HttpExchange::abort() noexcept {
    body_ = nullptr;
    if (guard_) guard_->shut_down_now();  // the duplicate would keep the connection open
    if (!session_) return;
    try {
        session_->abort();
    } catch (...) {
        // Closing a socket that is already broken: nothing left to do.
    }
}

}  // namespace deskside::openai_client::detail
