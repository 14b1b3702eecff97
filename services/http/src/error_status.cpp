#include "http/error_status.h"

namespace deskside::http {

int http_status_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
            return 400;
        case ErrorCode::query_syntax:
            return 400;
        case ErrorCode::unsupported:
            return 400;
        case ErrorCode::not_found:
            return 404;
        case ErrorCode::bad_document:
            return 422;
        case ErrorCode::busy:
            return 503;
        case ErrorCode::io:
            return 500;
        case ErrorCode::corrupt_index:
            return 500;
        case ErrorCode::internal:
            return 500;
    }
    return 500;
}

nlohmann::json error_body(std::string_view code, std::string_view message) {
    return {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
}

}  // namespace deskside::http
