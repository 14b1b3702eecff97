// The one error type that crosses module boundaries in Deskside.
//
// Every module reports failure by throwing deskside::Error with an ErrorCode. The code says
// whose fault it is (a user's input, a bad document, the environment, or a bug), so the CLI can
// pick an exit status and the service an HTTP status from one table (error_code_name /
// is_user_error). Errors are values: copyable, thread-safe to throw from any thread.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace deskside {

enum class ErrorCode {
    invalid_argument,  // a flag, setting or request field is wrong: fix the call
    query_syntax,      // a search query does not parse: fix the query
    not_found,         // a named file, document or directory does not exist
    busy,              // another process holds the resource (e.g. the index lock): retry later
    unsupported,       // a format or feature we do not handle
    bad_document,      // a document is corrupt, too large, undecodable: recorded, batch goes on
    io,                // the operating system refused a read or write
    corrupt_index,     // the data directory is damaged or from an incompatible version
    internal,          // a bug: a broken invariant
};

// Stable lower-case name of a code ("query_syntax"); used in JSON and logs.
std::string_view error_code_name(ErrorCode code);

// True for errors the caller can fix by changing the input (exit status 2 on the CLI, 4xx in HTTP).
bool is_user_error(ErrorCode code);

class Error : public std::runtime_error {
  public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

  private:
    ErrorCode code_;
};

// Throws Error(ErrorCode::io, "<what>: <path>: <strerror(errno)>").
[[noreturn]] void throw_io_error(std::string_view what, std::string_view path, int errno_value);

}  // namespace deskside
