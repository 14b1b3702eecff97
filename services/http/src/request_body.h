// A request's body as the routes see it: its declared type and length, read on demand under a
// size limit and a time limit, so a route decides how much it accepts (64 KiB of JSON, an
// upload of serve.max_upload_mb) and a slow sender cannot hold a worker for long.
//
// Errors are HttpError: 413 payload_too_large (over the limit; the rest is never read),
// 408 request_timeout (the client stopped sending or sent too slowly), 415
// unsupported_media_type, 400 for malformed JSON or fields. One request, one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

namespace deskside::http {

class RequestBody {
  public:
    // `content_length` -1 = chunked (read to its end); 0 = no body. `timeout`: the whole of a
    // JSON body must arrive within it; a streamed body (read_some) may not fall below
    // kMinStreamBytesPerSecond after it.
    RequestBody(std::istream* in, std::int64_t content_length, std::string content_type,
                std::chrono::seconds timeout);
    // An empty body (GET, tests).
    RequestBody();

    const std::string& content_type() const { return content_type_; }
    // The media type in lower case without parameters ("multipart/form-data").
    std::string media_type() const;
    // A parameter of the Content-Type ("boundary"), unquoted; "" when absent.
    std::string type_parameter(std::string_view name) const;
    std::int64_t content_length() const { return content_length_; }
    bool empty() const { return content_length_ == 0; }
    // The whole body has been read (or there was none): the connection may be kept alive.
    bool finished() const { return finished_; }

    // Throws 413 as soon as the declared length or the bytes read pass `limit`.
    void check_length(std::int64_t limit) const;
    // Reads everything; 413 past `limit`, 408 past the timeout.
    std::string read_all(std::int64_t limit);
    // Reads up to `size` bytes into `buffer`; 0 at the end. 413 once `limit` bytes in all have
    // been passed; 408 when the client is too slow.
    std::size_t read_some(char* buffer, std::size_t size, std::int64_t limit);

    // The body as a JSON object: requires Content-Type application/json (415), at most `limit`
    // bytes (413), valid JSON (400 naming the position), an object (400), and only the
    // `allowed` members (400 naming the unknown ones).
    nlohmann::json read_json_object(std::int64_t limit, const std::set<std::string>& allowed);
    // The same with any members: for the OpenAI-compatible routes, whose clients send many
    // optional fields (the route checks the ones it knows and ignores the rest).
    nlohmann::json read_json_object(std::int64_t limit);

    static constexpr std::int64_t kMinStreamBytesPerSecond = 16 << 10;

  private:
    std::istream* in_ = nullptr;
    std::int64_t content_length_ = 0;
    std::string content_type_;
    std::chrono::seconds timeout_{15};
    std::chrono::steady_clock::time_point started_;
    std::int64_t read_ = 0;
    bool finished_ = true;
};

// Typed members of a JSON request body, with 400 errors that name the member.
std::string string_member(const nlohmann::json& object, const char* name,
                          const std::string& fallback, std::size_t max_bytes = 4096);
bool bool_member(const nlohmann::json& object, const char* name, bool fallback);
int int_member(const nlohmann::json& object, const char* name, int fallback, int min, int max);

}  // namespace deskside::http
