// The one table that turns a deskside::Error into an HTTP answer: each ErrorCode gets an HTTP
// status, and the body is {"error":{"code":"<error_code_name>","message":"..."}} so clients can
// branch on the stable code. User errors (is_user_error) map to 4xx, the rest to 5xx.
//
// Two codes exist only at the HTTP layer and are not ErrorCodes: "method_not_allowed" (405)
// and "route_not_found" (404 for an unknown /api/ path). Pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

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

}  // namespace deskside::http
