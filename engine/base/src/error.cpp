#include "base/error.h"

#include <cstring>

namespace deskside {

std::string_view error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
            return "invalid_argument";
        case ErrorCode::query_syntax:
            return "query_syntax";
        case ErrorCode::not_found:
            return "not_found";
        case ErrorCode::busy:
            return "busy";
        case ErrorCode::unsupported:
            return "unsupported";
        case ErrorCode::bad_document:
            return "bad_document";
        case ErrorCode::io:
            return "io";
        case ErrorCode::corrupt_index:
            return "corrupt_index";
        case ErrorCode::internal:
            return "internal";
    }
    return "internal";
}

bool is_user_error(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
        case ErrorCode::query_syntax:
        case ErrorCode::not_found:
        case ErrorCode::busy:
        case ErrorCode::unsupported:
        case ErrorCode::bad_document:
            return true;
        default:
            return false;
    }
}

void throw_io_error(std::string_view what, std::string_view path, int errno_value) {
    std::string message(what);
    message += ": ";
    message += path;
    message += ": ";
    message += std::strerror(errno_value);
    throw Error(ErrorCode::io, message);
}

}  // namespace deskside
