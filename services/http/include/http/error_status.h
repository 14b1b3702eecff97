// The one table that turns a deskside::Error into an HTTP answer: each ErrorCode gets an HTTP
// status, and the body is {"error":{"code":"<error_code_name>","message":"..."}} so clients can
// branch on the stable code. User errors (is_user_error) map to 4xx, the rest to 5xx.
//
// A few codes exist only at the HTTP layer and are not ErrorCodes (HttpError carries them):
// "route_not_found" (404, an unknown /api/ or /v1/ path), "model_not_found" (404, a /v1/ route
// whose model is not loaded), "method_not_allowed" (405, with Allow),
// "request_timeout" (408, a body that did not arrive in time), "conflict" (409, e.g.
// cancelling a finished job), "payload_too_large" (413) and "unsupported_media_type" (415).
// Pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace deskside::http {

// invalid_argument, query_syntax, unsupported → 400; not_found → 404; bad_document → 422;
// busy → 503 (with Retry-After); io, corrupt_index, internal → 500.
int http_status_for(ErrorCode code);

// Seconds a client should wait before retrying a 503 (the Retry-After header).
inline constexpr int kRetryAfterSeconds = 5;

// {"error":{"code":code,"message":message}}
nlohmann::json error_body(std::string_view code, std::string_view message);
inline nlohmann::json error_body(ErrorCode code, std::string_view message) {
    return error_body(error_code_name(code), message);
}

// An answer decided at the HTTP layer: a status, one of the codes above, a message and extra
// headers (Allow, Retry-After...). Thrown by the routes, turned into error_body() replies.
class HttpError : public std::runtime_error {
  public:
    HttpError(int status, std::string code, const std::string& message,
              std::vector<std::pair<std::string, std::string>> headers = {})
        : std::runtime_error(message),
          status_(status),
          code_(std::move(code)),
          headers_(std::move(headers)) {}
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept {
        return headers_;
    }

  private:
    int status_;
    std::string code_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace deskside::http
