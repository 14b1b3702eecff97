// ServerEndpoint: ServerOptions checked and parsed once: scheme, host, port and base path of
// the server, the TLS context for https, and the names used in error messages. Immutable after
// construction, so every thread may use one endpoint at once (the TLS context is shared by
// sessions, which OpenSSL allows).
//
// The constructor throws Error(invalid_argument) naming the setting for a base URL that is not
// http(s)://host[:port][/path] (user info, query and fragment are refused), an empty model,
// a timeout <= 0, max_concurrent < 1 or max_queue < 0; Error(not_found) for a CA file that does
// not exist, and Error(invalid_argument) for one OpenSSL cannot load.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "Poco/Net/Context.h"
#include "openai_client/server_options.h"

namespace deskside::openai_client::detail {

class ServerEndpoint {
  public:
    explicit ServerEndpoint(const ServerOptions& options);
    ~ServerEndpoint();
    ServerEndpoint(const ServerEndpoint&) = delete;
    ServerEndpoint& operator=(const ServerEndpoint&) = delete;

    const ServerOptions& options() const { return options_; }
    bool https() const { return https_; }
    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    // Null for http.
    Poco::Net::Context::Ptr tls_context() const { return tls_; }

    // The request path of an endpoint under the base URL: path("/chat/completions") ->
    // "/v1/chat/completions".
    std::string path(std::string_view suffix) const { return base_path_ + std::string(suffix); }
    // The same beside the version component, for llama-server's "/props": base ".../v1" ->
    // ".../props". Empty when the base path does not end in "/v1".
    std::optional<std::string> root_path(std::string_view suffix) const;
    // A full URL for messages: scheme://authority + request path.
    std::string url(std::string_view request_path) const {
        return origin_ + std::string(request_path);
    }
    // The base URL as configured, without a trailing '/'.
    const std::string& base_url() const { return base_url_; }
    // "<setting_prefix>.<name>", e.g. setting("api_key") -> "llm.api_key".
    std::string setting(std::string_view name) const;
    // Why a call was refused because every slot and queue place was taken (Error(busy)).
    std::string busy_message() const;

  private:
    struct SslLibrary;  // Poco::Net::initializeSSL / uninitializeSSL, reference counted by Poco

    ServerOptions options_;
    std::unique_ptr<SslLibrary> ssl_;  // declared before tls_: released after it
    Poco::Net::Context::Ptr tls_;
    bool https_ = false;
    std::string host_;
    std::uint16_t port_ = 0;
    std::string base_path_;  // "/v1", or "" for a base URL with no path
    std::string origin_;     // "http://gpu-box:8000"
    std::string base_url_;
};

// "120 s", "0.5 s": a timeout for messages.
std::string seconds_text(std::chrono::milliseconds duration);

}  // namespace deskside::openai_client::detail
