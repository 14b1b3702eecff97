#include "server_endpoint.h"

#include <filesystem>
#include <utility>

#include "Poco/Exception.h"
#include "Poco/Net/NetSSL.h"
#include "Poco/URI.h"
#include "base/error.h"

namespace deskside::openai_client::detail {

struct ServerEndpoint::SslLibrary {
    SslLibrary() { Poco::Net::initializeSSL(); }
    ~SslLibrary() { Poco::Net::uninitializeSSL(); }
    SslLibrary(const SslLibrary&) = delete;
    SslLibrary& operator=(const SslLibrary&) = delete;
};

ServerEndpoint::ServerEndpoint(const ServerOptions& options) : options_(options) {
    auto invalid = [&](std::string_view name, const std::string& why) {
        return Error(ErrorCode::invalid_argument, setting(name) + " " + why);
    };
    base_url_ = options_.base_url;
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    if (base_url_.empty())
        throw invalid("url", "is empty: give the server's base URL, e.g. http://gpu-box:8000/v1");
    const std::string expected = "must look like http://host:port/v1, not '" + base_url_ + "'";
    Poco::URI uri;
    try {
        uri = Poco::URI(base_url_);
    } catch (const Poco::Exception& e) {
        throw invalid("url", expected + " (" + e.message() + ")");
    }
    if (uri.getScheme() == "https")
        https_ = true;
    else if (uri.getScheme() != "http")
        throw invalid("url", expected + " (the scheme must be http or https)");
    if (uri.getHost().empty()) throw invalid("url", expected + " (no host)");
    if (!uri.getUserInfo().empty() || !uri.getRawQuery().empty() || !uri.getFragment().empty())
        throw invalid("url", expected + " (no user, query or fragment; the key goes in " +
                                 setting("api_key") + ")");
    host_ = uri.getHost();
    port_ = uri.getPort();
    base_path_ = uri.getPath();
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    origin_ = uri.getScheme() + "://" + uri.getAuthority();

    if (options_.model.empty())
        throw invalid("remote_model", "is empty: give the model name the server serves");
    if (options_.timeout.count() <= 0) throw invalid("timeout_s", "must be positive");
    if (options_.max_concurrent < 1)
        throw invalid("parallel",
                      "must be at least 1, not " + std::to_string(options_.max_concurrent));
    if (options_.max_queue < 0)
        throw invalid("max_queue",
                      "must not be negative, not " + std::to_string(options_.max_queue));

    if (https_) {
        if (!options_.ca_file.empty() && !std::filesystem::exists(options_.ca_file))
            throw Error(ErrorCode::not_found,
                        setting("ca_file") + ": no such file: " + options_.ca_file);
        ssl_ = std::make_unique<SslLibrary>();
        Poco::Net::Context::Params params;
        params.caLocation = options_.ca_file;
        params.loadDefaultCAs = true;
        // OpenSSL checks the chain during the handshake; HttpExchange checks the host name.
        params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
        try {
            tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        } catch (const Poco::Exception& e) {
            throw invalid("ca_file",
                          "cannot be used (" + options_.ca_file + "): " + e.displayText());
        }
    } else if (!options_.ca_file.empty()) {
        options_.logger.warn("ca_file is ignored for an http URL", {{"url", base_url_}});
    }
}

ServerEndpoint::~ServerEndpoint() {
    tls_ = nullptr;  // before the library is released
}

std::optional<std::string> ServerEndpoint::root_path(std::string_view suffix) const {
    constexpr std::string_view kVersion = "/v1";
    if (!std::string_view(base_path_).ends_with(kVersion)) return std::nullopt;
    return base_path_.substr(0, base_path_.size() - kVersion.size()) + std::string(suffix);
}

std::string ServerEndpoint::setting(std::string_view name) const {
    return options_.setting_prefix + "." + std::string(name);
}

std::string ServerEndpoint::busy_message() const {
    return "too many calls for " + setting("url") + " " + base_url() + " (" + setting("parallel") +
           " " + std::to_string(options_.max_concurrent) + ", " + setting("max_queue") + " " +
           std::to_string(options_.max_queue) + ")";
}

std::string seconds_text(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    std::string text = std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
    while (text.back() == '0') text.pop_back();
    return text + " s";
}

}  // namespace deskside::openai_client::detail
