#include "server_errors.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/utf8.h"

namespace deskside::openai_client::detail {
namespace {

constexpr std::size_t kMaxMessageBytes = 300;

std::string clip(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    std::string out = utf8::escape_invalid(utf8::truncate(text, kMaxMessageBytes));
    if (text.size() > kMaxMessageBytes) out += "...";
    return out;
}

// The text of one message field: a string as it is, anything else as JSON.
std::string field_text(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string server_message(std::string_view body) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) {
        if (auto error = json.find("error"); error != json.end()) {
            if (error->is_object()) {
                if (auto message = error->find("message"); message != error->end())
                    return clip(field_text(*message));
            }
            return clip(field_text(*error));
        }
        for (const char* key : {"message", "detail"})
            if (auto message = json.find(key); message != json.end())
                return clip(field_text(*message));
    }
    return clip(body);
}

Error status_error(const ServerEndpoint& endpoint, int status, std::string_view message,
                   const std::string& url) {
    std::string said = std::to_string(status);
    if (!message.empty()) said += ": " + std::string(message);
    const std::string from = url + " answered " + said;
    if (status == 401 || status == 403) {
        if (endpoint.options().api_key.empty())
            return Error(ErrorCode::invalid_argument, "the server wants an API key (" +
                                                          endpoint.setting("api_key") +
                                                          " is empty): " + from);
        return Error(ErrorCode::invalid_argument, "the server refused the API key (" +
                                                      endpoint.setting("api_key") + "): " + from);
    }
    if (status == 404)
        return Error(ErrorCode::invalid_argument,
                     from + " (check " + endpoint.setting("url") + " " + endpoint.base_url() +
                         " and that the server serves the model '" + endpoint.options().model +
                         "' (" + endpoint.setting("remote_model") + "))");
    if (status == 429 || status == 503)
        return Error(ErrorCode::busy, "the server is busy: " + from + "; retry later");
    if (status >= 400 && status < 500 && status != 408)
        return Error(ErrorCode::invalid_argument, "the server rejected the request: " + from);
    return Error(ErrorCode::io, "the server failed: " + from);
}

}  // namespace deskside::openai_client::detail
